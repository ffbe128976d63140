/* SPDX-License-Identifier: MIT */
/* pg_options.h - pop3get's command line: options, the URL and the
 * credentials they name. Nothing here touches the network. */
#ifndef PG_OPTIONS_H
#define PG_OPTIONS_H

#include <stdint.h>

#define PG_PASS_MAX 256
#define PG_TOKEN_MAX 8192

enum pg_mode { PG_MODE_NONE, PG_MODE_MAILDIR, PG_MODE_LIST, PG_MODE_UIDL,
               PG_MODE_TOP, PG_MODE_MSG };

struct pg_options {
    enum pg_mode mode;
    const char *mode_opt;   /* the option that chose the mode, for messages */
    const char *url;
    const char *user_opt;   /* -u */
    const char *pass_file;
    const char *pass_cmd;   /* --password-command */
    const char *maildir;
    const char *mbox;       /* --mbox FILE (store mode) */
    const char *mda;        /* --mda CMD (store mode) */
    int keep_crlf;          /* --keep-crlf: store the wire's CRLF */
    uint64_t max_size;      /* --max-size, 0: no limit */
    char *user;             /* decoded from the URL or -u, heap */
    char pass[PG_PASS_MAX];
    int have_pass;
    int url_pass;           /* the password came in the URL */
    char *host;             /* heap */
    char port[8];
    uint32_t msg;
    uint32_t top_lines;
    int apop, del, verbose, quiet, family;
    int all;                /* --all: fetch messages stored before too */
    int require_uidl;       /* --require-uidl: no UIDL, no fetching */
    int pop3s;              /* pop3s:// URL: implicit TLS */
    int stls;               /* 0 never, 1 when offered (default for
                               pop3://), 2 required (--stls=required) */
    int stls_given;         /* --stls, --stls=required or --stls=no */
    int plaintext_auth;     /* --plaintext-auth: a password may go in clear */
    int insecure;           /* --insecure: no certificate verification */
    const char *cafile, *capath;
    const char *auth_name;  /* --auth MECH, NULL: automatic */
    unsigned auth_mech;     /* POP3_SASL_* bit, 0 for USER/PASS */
    const char *token_file; /* --oauth2-token-file */
    char *token;            /* bearer token, heap (PG_TOKEN_MAX) */
    int discard;            /* --discard: every message, octets dropped */
    unsigned timeout_s;     /* --timeout, 0: the engine's defaults */
    int speed_set;          /* --speed-limit given */
    uint32_t speed_limit;   /* octets per window, 0: rule off */
    uint32_t speed_time_s;  /* --speed-time, 0: the engine's default */
};

/* Parse argv into o (zeroed by the caller). A password in the URL is
 * overwritten with '*' in argv. Returns 0 when o is ready to use, -1 after
 * --help or --version (printed to stdout), else a sysexits code after a message naming
 * the offending argument on stderr. Call pg_options_free() in every case. */
int pg_options_parse(struct pg_options *o, int argc, char **argv);

/* arg is an option whose value is the next argument ("--maildir" but
 * not "--maildir=DIR"). */
int pg_options_takes_value(const char *arg);

/* Free what o holds and wipe the secrets. */
void pg_options_free(struct pg_options *o);

#endif
