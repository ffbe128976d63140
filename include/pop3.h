/* SPDX-License-Identifier: MIT */
/* pop3.h - non-blocking POP3 client engine (RFC 1939, RFC 2449, RFC 3206).
 *
 * The engine never blocks, allocates, or reads a clock. The caller owns all
 * storage: the pop3_client, a receive line buffer, a command buffer and the
 * command queue. A port (port/posix, port/lwip, or your own) moves bytes:
 * it pushes received octets with pop3_client_input() and the engine writes
 * through the pop3_transport given at init. Results arrive as events on one
 * callback. A callback may queue commands and may call pop3_client_pause();
 * it must not call pop3_client_input(), _eof(), _fail() or _tick().
 *
 * Typical flow: init -> port connects -> pop3_client_connected() ->
 * POP3_EV_GREETING (queue pop3_client_capa() and pop3_client_login() here) ->
 * POP3_EV_LOGIN -> transaction commands -> pop3_client_quit() ->
 * POP3_EV_CLOSED. Commands are queued in order and their replies arrive in
 * order; with PIPELINING advertised by CAPA, queued commands are written
 * together (USER and PASS too; STLS and AUTH alone), otherwise one at a
 * time. Transaction commands may be queued right behind a queued login.
 *
 * Staying in step (nothing lost, nothing injected):
 * - A reply is matched only to a command whose last octet the transport
 *   accepted; a status line while none is outstanding ends the session
 *   with POP3_ERR_UNEXPECTED. A port that pushes input before it writes
 *   (the POSIX and lwIP ports do) also catches replies that arrived before
 *   their command left.
 * - A body ends only at CRLF "." CRLF; only a dot after CRLF is unstuffed.
 *   A body or CAPA list that starts with a status line is a shifted reply
 *   (UNEXPECTED); STAT must carry two numbers, LIST n / UIDL n echo n.
 * - A QUIT queued after a DELE is written only once every earlier reply
 *   arrived and matched; after any error no QUIT is sent, so the server
 *   commits nothing (RFC 1939 sec. 6).
 */
#ifndef POP3_H
#define POP3_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pop3_config_defaults.h"
#include "pop3_transport.h"

#ifdef __cplusplus
extern "C" {
#endif
#ifdef __GNUC__ /* exported from libpop3.so, which hides everything else */
#pragma GCC visibility push(default)
#endif

/* Version of these headers; pop3_version() gives the library's at run time.
 * The pkg-config files and the shared library's file name come from here;
 * the shared library's soname (libpop3.so.<MAJOR>) changes with MAJOR. */
#define POP3_VERSION_MAJOR 0
#define POP3_VERSION_MINOR 2
#define POP3_VERSION_PATCH 0
#define POP3_VERSION_STR_(x) #x
#define POP3_VERSION_XSTR_(x) POP3_VERSION_STR_(x)
#define POP3_VERSION_STRING                                                     \
    POP3_VERSION_XSTR_(POP3_VERSION_MAJOR) "."                                  \
    POP3_VERSION_XSTR_(POP3_VERSION_MINOR) "."                                  \
    POP3_VERSION_XSTR_(POP3_VERSION_PATCH)

/* The version of the library linked in, e.g. "0.2.0"; never NULL. Compare
 * with POP3_VERSION_STRING to catch a header/library mismatch. */
const char *pop3_version(void);

/* Library results. X(name, text); the enum is POP3_OK / POP3_ERR_<name>.
 * Returned by the command functions (ARG, STATE, BUSY, CLOSED, APOP...) and
 * carried by POP3_EV_CLOSED as the reason a session ended (everything else).
 * After a session ends every call returns its reason (sticky). */
#define POP3_ERR_LIST(X)                                                        \
    X(OK, "success")                                                            \
    X(ARG, "invalid argument (CR, LF or NUL, too long, or message number 0)")   \
    X(STATE, "command not allowed in the current protocol state")               \
    X(BUSY, "command queue or command buffer full; retry after a reply")        \
    X(CLOSED, "session ended normally")                                         \
    X(ABORTED, "session abandoned by the application (no QUIT sent)")           \
    X(APOP_UNAVAILABLE, "greeting carried no APOP timestamp")                   \
    X(RESOLVE, "host name could not be resolved")                               \
    X(CONNECT, "connection could not be established")                           \
    X(TIMEOUT_CONNECT, "timed out connecting")                                  \
    X(TIMEOUT_GREETING, "timed out waiting for the greeting")                   \
    X(TIMEOUT_REPLY, "timed out waiting for a reply")                           \
    X(TIMEOUT_IDLE, "session idle for too long")                                \
    X(TRANSPORT, "transport failed while sending")                              \
    X(RESET, "connection reset")                                                \
    X(EOF, "server closed the connection")                                      \
    X(REFUSED, "server refused the session (-ERR greeting)")                    \
    /* hostile or broken server input */                                        \
    X(TRUNCATED, "connection closed inside a multi-line reply")                 \
    X(LINE_TOO_LONG, "server line longer than the line buffer")                 \
    X(PROTOCOL, "malformed server reply")                                       \
    X(NUMBER, "number in server reply missing or out of range")                 \
    X(UNEXPECTED, "server sent a reply no command asked for")                  \
    X(STLS_DATA, "server sent octets after +OK to STLS before TLS started")     \
    /* TLS and SASL (pop3_tls.h, pop3_client_auth) */                           \
    X(TLS, "TLS handshake or record layer failed")                              \
    X(TLS_VERIFY, "server certificate verification failed")                     \
    X(UNSUPPORTED, "feature left out of this build (POP3_SASL, POP3_LEAN, ...)") \
    X(TIMEOUT_SPEED, "server sent too little for too long (low-speed rule)")   \
    X(QUIT_REFUSED, "server answered QUIT with -ERR (deletions may not be committed)")

#define POP3_ERR_ENUM_(name, text) POP3_ERR_##name,
typedef enum pop3_err {
    POP3_ERR_LIST(POP3_ERR_ENUM_)
    POP3_ERR_COUNT_
} pop3_err;
#undef POP3_ERR_ENUM_
#define POP3_OK POP3_ERR_OK

/* Human-readable text of a pop3_err; never NULL. */
const char *pop3_strerror(pop3_err err);
/* Enum name without prefix, e.g. "TIMEOUT_REPLY"; never NULL. */
const char *pop3_err_name(pop3_err err);

typedef enum pop3_state {
    POP3_STATE_CONNECTING,    /* waiting for pop3_client_connected() */
    POP3_STATE_GREETING,      /* connected, waiting for the greeting */
    POP3_STATE_AUTHORIZATION, /* RFC 1939 sec. 4 */
    POP3_STATE_TRANSACTION,   /* RFC 1939 sec. 5, after a successful login */
    POP3_STATE_UPDATE,        /* QUIT accepted in TRANSACTION, sec. 6 */
    POP3_STATE_CLOSED         /* session over; see pop3_client_error() */
} pop3_state;

typedef enum pop3_cmd {
    POP3_CMD_NONE, POP3_CMD_USER, POP3_CMD_PASS, POP3_CMD_APOP, POP3_CMD_CAPA,
    POP3_CMD_STAT, POP3_CMD_LIST, POP3_CMD_UIDL, POP3_CMD_RETR, POP3_CMD_TOP,
    POP3_CMD_DELE, POP3_CMD_RSET, POP3_CMD_NOOP, POP3_CMD_QUIT,
    POP3_CMD_STLS, /* RFC 2595 sec. 4 */
    POP3_CMD_AUTH  /* RFC 5034 SASL */
} pop3_cmd;

/* Extended response codes (RFC 2449 sec. 8, RFC 3206) at the start of the
 * text of a +OK or -ERR line, e.g. "-ERR [IN-USE] mailbox locked". */
typedef enum pop3_resp_code {
    POP3_RESP_NONE, POP3_RESP_IN_USE, POP3_RESP_LOGIN_DELAY,
    POP3_RESP_SYS_TEMP, POP3_RESP_SYS_PERM, POP3_RESP_AUTH, POP3_RESP_OTHER
} pop3_resp_code;

/* Capability bits from CAPA (RFC 2449 sec. 6); see pop3_client_capa_flags(). */
#define POP3_CAPA_TOP            (1u << 0)
#define POP3_CAPA_USER           (1u << 1)
#define POP3_CAPA_SASL           (1u << 2)
#define POP3_CAPA_RESP_CODES     (1u << 3)
#define POP3_CAPA_PIPELINING     (1u << 4)
#define POP3_CAPA_UIDL           (1u << 5)
#define POP3_CAPA_STLS           (1u << 6)
#define POP3_CAPA_EXPIRE         (1u << 7)
#define POP3_CAPA_LOGIN_DELAY    (1u << 8)
#define POP3_CAPA_IMPLEMENTATION (1u << 9)
#define POP3_CAPA_AUTH_RESP_CODE (1u << 10)
/* SASL mechanisms named on the CAPA SASL line; pop3_client_sasl_mechs(). */
#define POP3_SASL_PLAIN       (1u << 0)
#define POP3_SASL_LOGIN       (1u << 1)
#define POP3_SASL_CRAM_MD5    (1u << 2)
#define POP3_SASL_XOAUTH2     (1u << 3)
#define POP3_SASL_OAUTHBEARER (1u << 4)
#define POP3_EXPIRE_NEVER     (0xFFFFFFFFu)

typedef enum pop3_auth {
    POP3_AUTH_USER, /* USER name, then PASS secret (RFC 1939 sec. 7) */
    POP3_AUTH_APOP  /* APOP name MD5(timestamp secret) (RFC 1939 sec. 7) */
} pop3_auth;

typedef enum pop3_event_type {
    POP3_EV_GREETING,   /* text; count = 1 if it carries an APOP timestamp.
                         * A -ERR greeting gives SERVER_ERR (cmd NONE), then
                         * CLOSED with POP3_ERR_REFUSED. */
    POP3_EV_CAPA_LINE,  /* text = one capability line, e.g. "SASL PLAIN" */
    POP3_EV_LOGIN,      /* login accepted; state is now TRANSACTION */
    POP3_EV_STAT,       /* count = messages, size = octets */
    POP3_EV_LIST,       /* msg, size; once per line, or once for LIST n */
    POP3_EV_UIDL,       /* msg, text = unique id; per line, or once for UIDL n */
    POP3_EV_END,        /* end of a CAPA, LIST or UIDL listing (cmd says which) */
    POP3_EV_MSG_BEGIN,  /* RETR/TOP accepted; text = rest of the +OK line */
    POP3_EV_MSG_DATA,   /* text/len = next body octets, dot-unstuffed */
    POP3_EV_MSG_END,    /* terminator seen; last line's CRLF was delivered */
    POP3_EV_OK,         /* +OK to USER, DELE, RSET, NOOP or QUIT; text */
    POP3_EV_SERVER_ERR, /* -ERR to cmd; code and text (after the code).
                         * err = POP3_ERR_STATE (no text): the command was
                         * queued behind a login that failed and was never
                         * sent; it completes here, in order. */
    POP3_EV_CLOSED,     /* session over; err = POP3_ERR_CLOSED after QUIT, or why */
    POP3_EV_STLS,       /* +OK to STLS: start TLS on the transport now (e.g.
                         * pop3_tls_start()). The engine sends nothing and
                         * refuses input (POP3_ERR_STLS_DATA) until
                         * pop3_client_tls_ready(). text = server text */
    POP3_EV_TLS_READY   /* TLS is up (pop3_client_tls_ready()). After STLS
                         * the capabilities are forgotten (RFC 2595 sec. 4):
                         * queue CAPA again, then log in. */
} pop3_event_type;

/* One event. Pointers are valid only during the callback. text is not
 * NUL-terminated; use len. Fields not listed for a type are 0. */
typedef struct pop3_event {
    pop3_event_type type;
    pop3_cmd cmd;        /* the command this reply answers */
    pop3_resp_code code; /* SERVER_ERR / OK / LOGIN: extended response code */
    pop3_err err;        /* CLOSED: reason; SERVER_ERR: STATE if unsent */
    uint32_t msg;        /* message number (LIST, UIDL, MSG_*, DELE, ERR) */
    uint32_t count;      /* STAT: number of messages */
    uint64_t size;       /* STAT: total octets; LIST: message octets */
    const char *text;
    size_t len;
} pop3_event;

struct pop3_client;
typedef void (*pop3_event_cb)(struct pop3_client *c, const pop3_event *ev,
                              void *user);

/* One queued command. The caller provides an array of these (the queue);
 * its length bounds how many commands may be outstanding at once. */
typedef struct pop3_slot {
    uint32_t arg;  /* message number */
    uint32_t arg2; /* TOP: lines */
    uint8_t cmd;   /* pop3_cmd */
    uint16_t end;  /* engine: where its line ends in the command buffer */
} pop3_slot;

/* Storage and settings handed to pop3_client_init(). */
typedef struct pop3_client_config {
    const pop3_transport *transport; /* must outlive the client */
    pop3_event_cb cb;
    void *user;                      /* passed to cb */
    char *line_buf;                  /* status and listing lines */
    size_t line_size;                /* >= POP3_LINE_MIN */
    uint8_t *cmd_buf;                /* commands not yet accepted by send */
    size_t cmd_size;                 /* >= POP3_CMD_MAX */
    pop3_slot *queue;
    size_t queue_len;                /* 2..65535; the pipelining depth */
    uint32_t connect_timeout_ms;     /* 0 disables each timeout */
    uint32_t greeting_timeout_ms;
    uint32_t reply_timeout_ms;
    uint32_t idle_timeout_ms;
    /* Low-speed rule (like curl's --speed-limit/--speed-time): while a
     * reply or the greeting is awaited, a window of low_speed_ms in which
     * the server sent at least one octet but fewer than low_speed_octets
     * ends the session with POP3_ERR_TIMEOUT_SPEED. A silent server is the
     * reply timeout's case. 0 in either disables the rule; low_speed_ms
     * above 65535 counts as 65535. */
    uint32_t low_speed_octets;
    uint32_t low_speed_ms;
    /* The server as the application dialled it, for SASL OAUTHBEARER's
     * host= and port= pairs (RFC 7628 sec. 3.1): a host name or address
     * (at most 255 octets of printable ASCII, no space; it must outlive the
     * client) and the TCP port. NULL / 0 leave a pair out. */
    const char *host;
    uint16_t port;
} pop3_client_config;

/* Reply reader state (private; see src/core/pop3_reply.h). */
typedef struct pop3_reply {
    uint8_t mode;
    uint8_t bst;
    uint16_t len;
} pop3_reply;

/* The client state. A complete type so it can be static or on the stack;
 * all fields are private: use the functions below. */
typedef struct pop3_client {
    /** PRIVATE **/
    const pop3_transport *tr;
    pop3_event_cb cb;
    void *user;
    char *line;
    uint8_t *out;
    pop3_slot *q;
    const char *auth_user;
    const char *auth_pass;
    const char *host;   /* pop3_client_config host and port */
    uint32_t t_connect, t_greeting, t_reply, t_idle;
    uint32_t speed_octets, win_octets; /* the low-speed rule; this window */
    uint32_t elapsed;   /* ms since the current wait began */
    uint32_t last_tick;
    uint16_t speed_ms, win_ms;       /* the window's length; time in it */
    uint16_t expire;    /* CAPA EXPIRE days, 0xFFFF for NEVER */
    uint16_t login_delay;
    uint16_t line_size;
    uint16_t out_size, out_off, out_len;
    uint16_t capa;
    uint8_t sasl;
    uint8_t tls, mech, mech_step, mech_ir; /* STLS/TLS state; SASL exchange */
    uint16_t q_len, q_head, q_count, q_sent;
    uint16_t q_acked; /* of the q_sent: whose last octet the transport took */
    uint16_t port;    /* pop3_client_config port */
    pop3_reply rd;
    uint8_t state, err;
    uint16_t flags;
    uint8_t apop[16];
} pop3_client;

/* Fill cfg with NULL storage and the default timeouts. */
void pop3_client_config_defaults(pop3_client_config *cfg);

/* Bind c to the storage in cfg; state CONNECTING. Returns POP3_ERR_ARG (and
 * leaves c closed) if a pointer is NULL or a size is below its minimum. */
pop3_err pop3_client_init(pop3_client *c, const pop3_client_config *cfg);

/* Zeroize c (credentials included). Does not close the transport. NULL ok. */
void pop3_client_free(pop3_client *c);

/* --- called by the port --------------------------------------------------- */
/* The connection is up: start waiting for the greeting. */
void pop3_client_connected(pop3_client *c);
/* Push received octets. Returns how many were consumed: fewer than len only
 * when the session ended or the application paused delivery; the port keeps
 * the rest and pushes it again after pop3_client_resume(). */
size_t pop3_client_input(pop3_client *c, const void *data, size_t len);
/* The transport can accept more: continue sending queued commands. */
void pop3_client_writable(pop3_client *c);
/* The peer closed its side. Ends the session: POP3_ERR_TRUNCATED inside a
 * multi-line reply, otherwise POP3_ERR_EOF (also when QUIT was sent but not
 * answered: whether the server committed deletions is then unknown). A
 * session that got +OK to QUIT has already ended with POP3_ERR_CLOSED. */
void pop3_client_eof(pop3_client *c);
/* The port lost the connection (reason: RESOLVE, CONNECT, RESET, ...). Ends
 * the session without calling transport->close. */
void pop3_client_fail(pop3_client *c, pop3_err reason);
/* Current time in ms from any free-running counter (may wrap). Drives the
 * timeouts; call it at least every few hundred ms while a session is open. */
void pop3_client_tick(pop3_client *c, uint32_t now_ms);
/* TLS is up on the transport (implicit TLS, or the handshake after STLS):
 * gives POP3_EV_TLS_READY; after STLS, forgets the capabilities and lets
 * queued commands go out. Called by the TLS layer (pop3_tls.h), never from
 * an event callback. No effect on a closed session. */
void pop3_client_tls_ready(pop3_client *c);
/* True once pop3_client_tls_ready() was called for this session. */
bool pop3_client_tls_active(const pop3_client *c);

/* --- called by the application --------------------------------------------
 * Each returns POP3_OK when the command is queued (its reply arrives as an
 * event), POP3_ERR_STATE when not allowed now (nothing queued or sent),
 * POP3_ERR_ARG for a bad argument, POP3_ERR_BUSY when the queue is full,
 * POP3_ERR_UNSUPPORTED when the build left the call's feature out
 * (POP3_SASL, POP3_STLS, POP3_APOP, POP3_CAPA, POP3_UIDL_TOP or POP3_LEAN in
 * pop3_config_defaults.h), or the sticky error once the session has ended. */

/* AUTHORIZATION. user and pass must stay valid until POP3_EV_LOGIN or the
 * -ERR that ends the attempt; they are never copied except into the command
 * buffer, which is wiped once the command is sent. Both non-empty, no CR or
 * LF, no space in user (RFC 1939 allows one in the password); each at most
 * POP3_CMD_MAX - 7 octets (user: POP3_CMD_MAX - 40 for APOP), else ARG.
 * Needs two free queue slots for USER/PASS, one for APOP (else BUSY).
 * With PIPELINING (CAPA), PASS is written right behind USER; a server that
 * refuses USER then answers PASS with -ERR as well (two SERVER_ERR events).
 * Without it PASS waits for +OK to USER and is dropped after a -ERR. APOP: call from the POP3_EV_GREETING callback
 * (the digest is taken from the greeting line); POP3_ERR_APOP_UNAVAILABLE if
 * the greeting carried no <timestamp> or has already been released. */
pop3_err pop3_client_login(pop3_client *c, const char *user, const char *pass,
                           pop3_auth method);
pop3_err pop3_client_capa(pop3_client *c);           /* AUTH. or TRANS. */

/* STLS (RFC 2595): AUTHORIZATION, before any login, once per session
 * (STATE otherwise). Nothing can be queued behind it (STATE) until the
 * handshake is done. +OK gives POP3_EV_STLS; -ERR gives SERVER_ERR with
 * cmd STLS and the session stays in clear text (the application decides
 * whether that is acceptable). */
pop3_err pop3_client_stls(pop3_client *c);

/* SASL AUTH (RFC 5034) with one mechanism, a POP3_SASL_* bit: PLAIN
 * (RFC 4616), LOGIN, CRAM-MD5 (RFC 2195), XOAUTH2 or OAUTHBEARER (RFC
 * 7628; secret is the bearer token; the config's host and port go into its
 * host= and port= pairs, ARG when that host is not 1-255 octets of VCHAR).
 * AUTHORIZATION only. user and secret:
 * non-empty C strings valid until POP3_EV_LOGIN or the -ERR (same wiping as
 * pop3_client_login). Returns ARG for an unknown mechanism, a CR or LF (and
 * 0x01 for the OAuth mechanisms) in either, or a response longer than the
 * command buffer; UNSUPPORTED when built with POP3_SASL=0. The initial
 * response goes on the AUTH line when that line fits in 255 octets, else
 * after the server's empty challenge. Unexpected challenges are answered
 * with "*" (cancel). +OK gives POP3_EV_LOGIN (cmd AUTH); -ERR gives
 * SERVER_ERR with cmd AUTH and the [AUTH] / [SYS/...] code. Policy (which
 * mechanism over which channel) is the application's: see pop3_sasl_pick. */
pop3_err pop3_client_auth(pop3_client *c, unsigned mech, const char *user,
                          const char *secret);
/* Strongest mechanism in `offered` (pop3_client_sasl_mechs()) for the
 * credential at hand: with a bearer token OAUTHBEARER, then XOAUTH2; with a
 * password CRAM-MD5, then PLAIN and LOGIN, those two only when plain_ok
 * (i.e. over TLS). 0 when none fits. */
unsigned pop3_sasl_pick(unsigned offered, bool token, bool plain_ok);
/* With POP3_SASL=0 pop3_sasl_pick() and pop3_sasl_from_name() return 0
 * and pop3_sasl_name() NULL. */
/* "PLAIN", "CRAM-MD5", ...; NULL for anything but one known bit. */
const char *pop3_sasl_name(unsigned mech);
/* A POP3_SASL_* bit from a name (case-insensitive); 0 when unknown. */
unsigned pop3_sasl_from_name(const char *name);
/* TRANSACTION, or AUTHORIZATION while a login (pop3_client_login or
 * pop3_client_auth) is queued: then they are written after the login (with
 * PIPELINING right behind USER/PASS or APOP, in the same round trip; after
 * AUTH only once it ends). If the login fails, those already on the wire
 * get the server's -ERR and the rest are never sent: each completes as
 * POP3_EV_SERVER_ERR with err = POP3_ERR_STATE. STATE otherwise. msg >= 1
 * (ARG for 0); for list and uidl msg 0 means "all messages". */
pop3_err pop3_client_stat(pop3_client *c);
pop3_err pop3_client_list(pop3_client *c, uint32_t msg);
pop3_err pop3_client_uidl(pop3_client *c, uint32_t msg);
pop3_err pop3_client_retr(pop3_client *c, uint32_t msg);
pop3_err pop3_client_top(pop3_client *c, uint32_t msg, uint32_t lines);
pop3_err pop3_client_dele(pop3_client *c, uint32_t msg);
pop3_err pop3_client_rset(pop3_client *c);
pop3_err pop3_client_noop(pop3_client *c);
/* AUTHORIZATION or TRANSACTION. In TRANSACTION the server then commits
 * deletions (UPDATE); the session ends with POP3_EV_CLOSED. Nothing can be
 * queued after QUIT (POP3_ERR_STATE). Once a DELE was queued, QUIT waits
 * until every earlier reply arrived (one round trip). -ERR to QUIT gives
 * SERVER_ERR, then CLOSED with POP3_ERR_QUIT_REFUSED. */
pop3_err pop3_client_quit(pop3_client *c);

/* Abandon the session now, without QUIT, so the server rolls back any DELE
 * (RFC 1939 sec. 6), e.g. after a local storage failure. Closes the
 * transport and delivers POP3_EV_CLOSED with POP3_ERR_ABORTED. May be called
 * from a callback; pop3_client_input() then returns after that event. */
void pop3_client_abort(pop3_client *c);

/* Stop delivering events: pop3_client_input() returns at once after the
 * current event. Resume with pop3_client_resume() and push the rest again. */
void pop3_client_pause(pop3_client *c);
void pop3_client_resume(pop3_client *c);
bool pop3_client_paused(const pop3_client *c);

pop3_state pop3_client_state(const pop3_client *c);
/* POP3_OK while the session is open, else why it ended. */
pop3_err pop3_client_error(const pop3_client *c);
/* Capabilities from the last CAPA reply (0 before one). */
unsigned pop3_client_capa_flags(const pop3_client *c);
/* CAPA EXPIRE in days (POP3_EXPIRE_NEVER for NEVER) and LOGIN-DELAY in
 * seconds from the last CAPA reply; 0 when not advertised. Values above
 * 65534 days and 65535 seconds are reported as those. */
uint32_t pop3_client_capa_expire(const pop3_client *c);
uint32_t pop3_client_capa_login_delay(const pop3_client *c);
unsigned pop3_client_sasl_mechs(const pop3_client *c);
/* True when commands are written without waiting (CAPA said PIPELINING). */
bool pop3_client_pipelining(const pop3_client *c);
/* Commands queued or awaiting a reply. */
size_t pop3_client_pending(const pop3_client *c);
/* True while the engine has command octets the transport did not take. */
bool pop3_client_want_write(const pop3_client *c);

#ifdef __GNUC__
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
}
#endif

#endif /* POP3_H */
