/* SPDX-License-Identifier: MIT */
/* pg_config.h - pop3get's configuration file: named accounts, read like
 * mpop's. Each account becomes the command line it stands for, so one
 * parser (pg_options) checks both.
 *
 *   # a comment
 *   defaults                 settings for the accounts that follow
 *     tls starttls
 *   account work
 *     host pop.example.org
 *     port 995               default 110, 995 with tls pop3s
 *     user alice
 *     tls pop3s              pop3s | starttls (default) | required | off
 *     auth cram-md5          apop | user | plain | login | cram-md5 | ...
 *     password secret        or: passwordeval CMD, pass_file FILE
 *     delivery maildir ~/Maildir    maildir DIR | mbox FILE | mda CMD
 *     keep off               off: --delete (default on)
 *     max_size 10000000
 *     keep_crlf on, plaintext_auth on, timeout SEC, cafile FILE
 *
 * A leading "~/" in a path is the home directory. A file that holds a
 * password and that others may read is refused. */
#ifndef PG_CONFIG_H
#define PG_CONFIG_H

#include <stddef.h>

#define PG_CONFIG_ARGS 40

struct pg_account {
    char name[64];
    char *argv[PG_CONFIG_ARGS]; /* options and the URL, heap strings */
    int argc;
    char *password;             /* "password" from the file, heap */
};

struct pg_config {
    struct pg_account *acct;
    size_t n;
};

/* The default file: $XDG_CONFIG_HOME/pop3get/config or
 * ~/.config/pop3get/config. 0 or -1. */
int pg_config_path(char *buf, size_t n);
/* Read path. 0, or an exit status after a message on stderr naming the
 * file and line. */
int pg_config_load(struct pg_config *c, const char *path);
const struct pg_account *pg_config_find(const struct pg_config *c, const char *name);
void pg_config_free(struct pg_config *c);

#endif
