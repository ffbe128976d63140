/* SPDX-License-Identifier: MIT */
/* pg_session.h - pop3get's session policy: what follows the greeting
 * (CAPA, STLS, the choice of login), how the session ends (QUIT, or a drop
 * without QUIT after a local failure so the server rolls back), and which
 * exit status each failure gives (sysexits.h). */
#ifndef PG_SESSION_H
#define PG_SESSION_H

#include "pop3.h"
#include "pg_options.h"
#include "pg_report.h"
#include "pg_wrap.h"

/* Exit status when the server's certificate is not trusted (sysexits
 * EX_CONFIG: the trust configuration does not accept this server). */
#define PG_EXIT_TLS_VERIFY 78

/* The reason text of POP3_EV_CLOSED for TLS failures. */
typedef void (*pg_tls_why_fn)(void *ctx, pop3_err err, char *buf, size_t n);

struct pg_session {
    pop3_client *c;
    const struct pg_options *o;
    struct pg_report *rep;
    struct pg_trace *trace;  /* NULL without -v */
    pg_tls_why_fn tls_why;
    void *tls_ctx;
    int greeted;
    int logging_in;          /* the login was queued */
    int quit_sent, want_quit;
    int abort;               /* local failure: drop the connection, no QUIT */
    int uidl;                /* store mode: UIDL follows STAT */
    int list;                /* store mode: LIST follows STAT (--max-size) */
    int sys_err;             /* errno behind CONNECT/RESET, set before CLOSED */
    const char *banner;      /* the server's first line (raw), for a non-POP3 */
    size_t banner_len;       /* server's failure; set before CLOSED */
};

/* Ask for QUIT (retried after the next event when the queue is full).
 * If the engine cannot queue it, the connection is dropped instead. */
void pg_session_quit(struct pg_session *s);
/* A local failure (disk, stdout, signal): report it with code and end the
 * session at once without QUIT, so the server rolls back any DELE sent
 * (RFC 1939 sec. 6: deletions happen only in the UPDATE state). */
void pg_session_abort(struct pg_session *s, int code, const char *what, const char *text);
/* A command could not be queued. */
void pg_session_queue_failed(struct pg_session *s, const char *cmd, pop3_err r);

void pg_session_greeting(struct pg_session *s);
/* CAPA answered (EV_END) or refused. */
void pg_session_capa_done(struct pg_session *s);
void pg_session_tls_ready(struct pg_session *s);
/* -ERR. Returns 1 when only one message failed (RETR or DELE in store
 * mode): the caller drops that message and the session goes on. */
int pg_session_server_err(struct pg_session *s, const pop3_event *ev);
void pg_session_closed(struct pg_session *s, const pop3_event *ev);
/* Server side of the -v trace, rebuilt from events: status and listing
 * lines, never message bodies. */
void pg_session_trace(const struct pg_session *s, const pop3_event *ev);

/* Pure policy, exposed for tests. */
/* Login mechanism mech (0: USER/PASS) would show the secret to anyone on
 * the path without TLS (everything but CRAM-MD5; APOP is not SASL). */
int pg_secret_in_clear(unsigned mech);
int pg_exit_for_close(pop3_err e, int greeted);
/* Exit status for a -ERR to cmd with response code code. */
int pg_exit_for_err(pop3_cmd cmd, pop3_resp_code code);
/* The SASL mechanism to log in with (0: USER/PASS), or -1 when a token
 * was given and the server offers no OAuth mechanism. */
long pg_pick_login(const struct pg_options *o, unsigned offered, int tls_active);

#endif
