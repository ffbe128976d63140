/* SPDX-License-Identifier: MIT */
/* pg_harness.h - for pop3get's module tests: a pop3_client over the
 * memory transport (feed server text, read what the client sent), a
 * private temporary directory, a file read back whole, and stderr
 * captured into a buffer. Include it after <cmocka.h>. */
#ifndef PG_HARNESS_H
#define PG_HARNESS_H

#include "pop3.h"
#include "pop3_transport.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct pg_harness {
    pop3_client c;
    pop3_transport tr;
    pop3_transport_mem mem;
    uint8_t wire[16384];
    size_t seen;               /* octets of wire already returned */
    char line[1024];
    uint8_t cmd[1024];
    pop3_slot q[64];
    char sent[16384];
};

static inline void pg_harness_init(struct pg_harness *h, pop3_event_cb cb, void *user)
{
    pop3_client_config cfg;

    memset(h, 0, sizeof *h);
    pop3_transport_mem_init(&h->tr, &h->mem, h->wire, sizeof h->wire);
    pop3_client_config_defaults(&cfg);
    cfg.transport = &h->tr;
    cfg.cb = cb;
    cfg.user = user;
    cfg.line_buf = h->line;
    cfg.line_size = sizeof h->line;
    cfg.cmd_buf = h->cmd;
    cfg.cmd_size = sizeof h->cmd;
    cfg.queue = h->q;
    cfg.queue_len = sizeof h->q / sizeof h->q[0];
    (void)pop3_client_init(&h->c, &cfg);
    pop3_client_connected(&h->c);
}

static inline void pg_harness_feed(struct pg_harness *h, const char *text)
{
    (void)pop3_client_input(&h->c, text, strlen(text));
    pop3_client_writable(&h->c);
}

/* What the client sent since the last call, NUL-terminated. */
static inline const char *pg_harness_sent(struct pg_harness *h)
{
    size_t n;

    pop3_client_writable(&h->c);
    n = h->mem.len - h->seen;
    memcpy(h->sent, h->wire + h->seen, n);
    h->sent[n] = '\0';
    h->seen = h->mem.len;
    return h->sent;
}

/* A new directory $TMPDIR/NAME.XXXXXX (or under /tmp) into dir (size n). */
static inline void pg_tmpdir(char *dir, size_t n, const char *name)
{
    const char *t = getenv("TMPDIR");

    if (t == NULL || t[0] != '/')
        t = "/tmp";
    assert_true((size_t)snprintf(dir, n, "%s/%s.XXXXXX", t, name) < n);
    assert_non_null(mkdtemp(dir));
}

/* Remove path and everything below it (no shell: any name is fine). */
static inline void pg_rmtree(const char *path)
{
    struct stat st;
    struct dirent *e;
    char sub[PATH_MAX];
    DIR *d;

    assert_int_equal(lstat(path, &st), 0);
    if (S_ISDIR(st.st_mode)) {
        d = opendir(path);
        assert_non_null(d);
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            assert_true((size_t)snprintf(sub, sizeof sub, "%s/%s", path, e->d_name) < sizeof sub);
            pg_rmtree(sub);
        }
        closedir(d);
    }
    assert_int_equal(remove(path), 0);
}

/* The whole file at path, NUL-terminated (free it); its length in *len. */
static inline char *pg_slurp(const char *path, size_t *len)
{
    struct stat st;
    FILE *f = fopen(path, "rb");
    char *buf;

    assert_non_null(f);
    assert_int_equal(fstat(fileno(f), &st), 0);
    buf = malloc((size_t)st.st_size + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)st.st_size, f), (size_t)st.st_size);
    fclose(f);
    buf[st.st_size] = '\0';
    if (len != NULL)
        *len = (size_t)st.st_size;
    return buf;
}

/* stderr into a temporary file between pg_capture_begin() and
 * pg_capture_end(), which puts what was written into buf (size n, NUL
 * terminated, cut to fit). */
struct pg_capture {
    FILE *tmp;
    int saved;
};

static inline void pg_capture_begin(struct pg_capture *c)
{
    c->tmp = tmpfile();
    assert_non_null(c->tmp);
    fflush(stderr);
    c->saved = dup(2);
    assert_true(c->saved >= 0);
    assert_true(dup2(fileno(c->tmp), 2) == 2);
}

static inline size_t pg_capture_end(struct pg_capture *c, char *buf, size_t n)
{
    size_t got;

    fflush(stderr);
    assert_true(dup2(c->saved, 2) == 2);
    close(c->saved);
    rewind(c->tmp);
    got = fread(buf, 1, n - 1, c->tmp);
    buf[got] = '\0';
    fclose(c->tmp);
    return got;
}

#endif
