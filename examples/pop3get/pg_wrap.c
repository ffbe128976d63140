/* SPDX-License-Identifier: MIT */
/* pg_wrap.c - see pg_wrap.h. */
#define _POSIX_C_SOURCE 200809L

#include "pg_wrap.h"
#include "pg_util.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static void trace_flush(struct pg_trace *t)
{
    fputs("C: ", stderr);
    pg_put_safe(stderr, t->line, t->len);
    fputs(t->hidden ? "****\n" : "\n", stderr);
    pg_wipe(t->line, sizeof t->line);
    t->len = 0;
    t->hidden = 0;
    t->spaces = 0;
}

/* Echo octets the server accepted. PASS hides its argument; APOP hides the
 * digest (it is derived from the password and could be brute-forced). */
static void trace_octets(struct pg_trace *t, const uint8_t *d, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        char ch = (char)d[i];

        if (ch == '\n') {
            trace_flush(t);
            continue;
        }
        if (t->len == 0 && t->in_auth)
            t->hidden = 1; /* a SASL response line */
        if (ch == '\r' || t->hidden || t->len + 1 >= sizeof t->line)
            continue;
        t->line[t->len++] = ch;
        if (ch != ' ')
            continue;
        t->spaces++;
        if ((t->spaces == 1 && t->len == 5 && strncasecmp(t->line, "PASS ", 5) == 0) ||
            (t->spaces == 2 && strncasecmp(t->line, "APOP ", 5) == 0))
            t->hidden = 1;
        if (t->spaces == 2 && strncasecmp(t->line, "AUTH ", 5) == 0)
            t->hidden = 1; /* the initial response */
        if (t->spaces == 1 && t->len == 5 && strncasecmp(t->line, "AUTH ", 5) == 0)
            t->in_auth = 1;
    }
}

static long trace_send(void *ctx, const uint8_t *data, size_t len)
{
    struct pg_trace *t = ctx;
    long n = t->inner->send(t->inner->ctx, data, len);

    if (n > 0)
        trace_octets(t, data, (size_t)n);
    return n;
}

static void trace_close(void *ctx)
{
    struct pg_trace *t = ctx;

    if (t->inner->close != NULL)
        t->inner->close(t->inner->ctx);
}

const pop3_transport *pg_trace_wrap(struct pg_trace *t, const pop3_transport *inner)
{
    memset(t, 0, sizeof *t);
    t->inner = inner;
    t->tr.send = trace_send;
    t->tr.close = trace_close;
    t->tr.ctx = t;
    return &t->tr;
}

void pg_trace_auth_done(struct pg_trace *t)
{
    t->in_auth = 0;
}

/* Recorded before the engine sees it: the engine may end the session on
 * this very line. pop3get never pauses delivery, so nothing is offered
 * twice. */
static size_t peek_input(void *ctx, const void *data, size_t len)
{
    struct pg_peek *k = ctx;
    const char *d = data;
    size_t i;

    for (i = 0; i < len && !k->done; i++) {
        if (d[i] == '\n' || d[i] == '\r')
            k->done = d[i] == '\n';
        else if (k->len < sizeof k->line)
            k->line[k->len++] = d[i];
    }
    return k->inner != NULL ? k->inner->input(k->inner->ctx, data, len)
                            : pop3_client_input(k->c, data, len);
}

static void peek_writable(void *ctx)
{
    struct pg_peek *k = ctx;

    if (k->inner != NULL)
        k->inner->writable(k->inner->ctx);
    else
        pop3_client_writable(k->c);
}

static void peek_eof(void *ctx)
{
    struct pg_peek *k = ctx;

    if (k->inner != NULL)
        k->inner->eof(k->inner->ctx);
    else
        pop3_client_eof(k->c);
}

static bool peek_want_write(void *ctx)
{
    struct pg_peek *k = ctx;

    return k->inner != NULL && k->inner->want_write(k->inner->ctx);
}

static bool peek_pending(void *ctx)
{
    struct pg_peek *k = ctx;

    return k->inner != NULL && k->inner->pending(k->inner->ctx);
}

const pop3_posix_filter *pg_peek_wrap(struct pg_peek *k, pop3_client *c,
                                      const pop3_posix_filter *inner)
{
    memset(k, 0, sizeof *k);
    k->inner = inner;
    k->c = c;
    k->f.input = peek_input;
    k->f.writable = peek_writable;
    k->f.eof = peek_eof;
    k->f.want_write = peek_want_write;
    k->f.pending = peek_pending;
    k->f.ctx = k;
    return &k->f;
}
