/* SPDX-License-Identifier: MIT */
/* pg_deliver.h - what every delivery does to a message on its way from the
 * wire: line ends (CRLF to LF unless --keep-crlf), the Received header
 * pop3get adds, and mboxrd "From " quoting. Streaming: a message comes in
 * slices that may split a CRLF or a "From " anywhere. */
#ifndef PG_DELIVER_H
#define PG_DELIVER_H

#include <stddef.h>
#include <stdint.h>

/* Where filtered octets go: 0, or an errno value that stops the message. */
typedef int (*pg_sink_fn)(void *ctx, const char *data, size_t len);

struct pg_filter {
    int keep_crlf;          /* pass CRLF through */
    int mboxrd;             /* quote ">*From " at line starts */
    int cr;                 /* a CR waits for the next octet */
    int bol;                /* at the start of a line */
    unsigned gt;            /* '>' seen at this line start */
    unsigned from;          /* octets of "From " matched after them */
    pg_sink_fn sink;
    void *ctx;
};

/* Start a message. */
void pg_filter_begin(struct pg_filter *f);
int pg_filter_write(struct pg_filter *f, const char *data, size_t len);
/* The message ended: flush what was held back. */
int pg_filter_end(struct pg_filter *f);

/* "Received: from SERVER by LOCALHOST with POP3 (pop3get VERSION) id ID for
 * USER; DATE" + the line end, into buf. Returns its length, 0 if it does
 * not fit. */
size_t pg_received(char *buf, size_t n, const char *server, const char *user,
                   const char *id, int crlf);

#endif
