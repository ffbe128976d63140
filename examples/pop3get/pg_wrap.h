/* SPDX-License-Identifier: MIT */
/* pg_wrap.h - transport decorators pop3get puts between the engine and
 * the socket (or TLS): the protocol trace of -v, and the receive-side peek
 * that keeps the server's first line. (The commands queued while a read is
 * handled leave in one write without help: the POSIX port holds sends
 * during input and writes right after.) */
#ifndef PG_WRAP_H
#define PG_WRAP_H

#include "pop3_posix.h"
#include "pop3_transport.h"

#include <stddef.h>
#include <stdint.h>

/* Echoes to stderr, as "C: ..." lines, each command line the inner
 * transport accepted, with secrets masked: PASS's argument, APOP's digest,
 * AUTH's initial response and every line of an AUTH exchange (until
 * pg_trace_auth_done()). */
struct pg_trace {
    pop3_transport tr;
    const pop3_transport *inner;
    char line[300];
    size_t len;
    int hidden;   /* rest of this line is a secret */
    int spaces;
    int in_auth;  /* an AUTH exchange is on: every line is a secret */
};

const pop3_transport *pg_trace_wrap(struct pg_trace *t, const pop3_transport *inner);
/* The AUTH exchange ended (login answered): lines are shown again. */
void pg_trace_auth_done(struct pg_trace *t);

/* A receive-side filter for the POSIX port that keeps the first line the
 * server sent (up to PG_PEEK_MAX octets, raw) and passes every octet on to
 * inner (another filter such as TLS, or NULL for the engine itself), so a
 * server that is not a POP3 server can be shown. For an application that
 * never pauses delivery (octets are never offered twice). */
#define PG_PEEK_MAX 160
struct pg_peek {
    pop3_posix_filter f;
    const pop3_posix_filter *inner;
    pop3_client *c;
    char line[PG_PEEK_MAX];
    size_t len;
    int done;   /* the first LF was seen */
};

const pop3_posix_filter *pg_peek_wrap(struct pg_peek *k, pop3_client *c,
                                      const pop3_posix_filter *inner);

#endif
