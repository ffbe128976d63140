/* SPDX-License-Identifier: MIT */
/* pg_deliver.c - see pg_deliver.h. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE

#include "pg_deliver.h"

#include "pop3.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void pg_filter_begin(struct pg_filter *f)
{
    f->cr = 0;
    f->bol = 1;
    f->gt = 0;
    f->from = 0;
}

static int put(struct pg_filter *f, const char *d, size_t n)
{
    return n > 0 ? f->sink(f->ctx, d, n) : 0;
}

/* The held line start (">>>Fro") goes out as it was. */
static int flush_prefix(struct pg_filter *f)
{
    static const char gts[] = ">>>>>>>>>>>>>>>>";
    unsigned g = f->gt;
    int e = 0;

    while (g > 0 && e == 0) {
        unsigned k = g < sizeof gts - 1 ? g : (unsigned)sizeof gts - 1;

        e = put(f, gts, k);
        g -= k;
    }
    if (e == 0)
        e = put(f, "From ", f->from);
    f->gt = 0;
    f->from = 0;
    return e;
}

/* One octet after the line-end conversion. */
static int octet(struct pg_filter *f, char ch)
{
    int e;

    if (f->mboxrd && f->bol) {
        if (f->from == 0 && ch == '>') {
            f->gt++;
            return 0;
        }
        if (ch == "From "[f->from]) {
            if (++f->from < 5)
                return 0;
            /* ">*From " at a line start: one more '>' (mboxrd). */
            if ((e = put(f, ">", 1)) != 0)
                return e;
            e = flush_prefix(f);
            f->bol = 0;
            return e;
        }
        if ((e = flush_prefix(f)) != 0)
            return e;
    }
    f->bol = ch == '\n';
    return put(f, &ch, 1);
}

int pg_filter_write(struct pg_filter *f, const char *data, size_t len)
{
    size_t i, run = 0;
    int e;

    for (i = 0; i < len; i++) {
        char ch = data[i];

        /* Fast path: a run of octets that need no look, written at once. */
        if (!f->cr && ch != '\r' && ch != '\n' && !(f->mboxrd && f->bol)) {
            run++;
            continue;
        }
        if (run > 0) {
            if ((e = put(f, data + i - run, run)) != 0)
                return e;
            run = 0;
        }
        if (f->cr) {
            f->cr = 0;
            if (ch != '\n' && (e = octet(f, '\r')) != 0) /* a bare CR stays */
                return e;
        }
        if (ch == '\r' && !f->keep_crlf) {
            f->cr = 1;
            continue;
        }
        if ((e = octet(f, ch)) != 0)
            return e;
    }
    return run > 0 ? put(f, data + len - run, run) : 0;
}

int pg_filter_end(struct pg_filter *f)
{
    int e = 0;

    if (f->cr) {
        f->cr = 0;
        e = octet(f, '\r');
    }
    if (e == 0 && f->mboxrd && f->bol)
        e = flush_prefix(f);
    return e;
}

size_t pg_received(char *buf, size_t n, const char *server, const char *user,
                   const char *id, int crlf)
{
    static char host[256]; /* asked once per run */
    char date[64];
    time_t now = time(NULL);
    struct tm tm;
    int k;

    if (host[0] == '\0' && gethostname(host, sizeof host) != 0)
        strcpy(host, "localhost");
    host[sizeof host - 1] = '\0';
    localtime_r(&now, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S %z", &tm);
    k = snprintf(buf, n, "Received: from %s by %s with POP3 (pop3get %s)%s\tid %s for <%s>; %s%s",
                 server, host, POP3_VERSION_STRING, crlf ? "\r\n" : "\n",
                 id, user, date, crlf ? "\r\n" : "\n");
    return k > 0 && (size_t)k < n ? (size_t)k : 0;
}
