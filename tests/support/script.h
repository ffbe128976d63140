/* SPDX-License-Identifier: MIT */
/* script.h - scripted POP3 sessions for the engine's unit tests.
 *
 * A script runs one pop3_client over the in-memory transport and records
 * every event as one normalized text line, so a test states what must happen
 * as a plain string:
 *
 *   GREETING count=1 'POP3 server ready <1896.697170952@dbc.mtview.ca.us>'
 *   > apop = OK
 *   LOGIN cmd=APOP
 *   MSG_DATA msg=1 'Subject: x\r\n\r\nbody\r\n'
 *   CLOSED err=CLOSED
 *   = state=CLOSED err=CLOSED close=1
 *
 * Lines starting with "> " are calls made by the scripted application with
 * their result; the "= " line is the summary written when a run ends.
 * Consecutive MSG_DATA events of one message are merged into one line, so
 * the way the engine slices a body does not show. Text is quoted with '
 * and escaped (\r \n \t \\ \' and \xHH for other non-printable octets).
 * A field an event must leave 0 (pop3.h: "Fields not listed for a type are
 * 0") is shown with a leading '!' so it fails the comparison.
 *
 * script_check() runs one transcript of server octets whole, one byte at a
 * time, split into two pieces at every offset and, for short transcripts,
 * into three pieces at every pair of offsets, and once more whole and byte
 * by byte with the application pausing after every event (the feeder
 * resumes and pushes the rest), and fails the test unless every run gives
 * the same log and the client sends the same octets. Every
 * piece is fed from its own heap block of exactly its size, so a read past
 * the end of a piece is caught under ASan.
 */
#ifndef TESTS_SCRIPT_H
#define TESTS_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pop3.h"

typedef struct script script;

/* A step of the scripted application: when the next event matching `on`
 * (and `cmd`, unless POP3_CMD_NONE) arrives, run `actions`. Rules fire in
 * order, each once. Actions are separated by ';':
 *   capa | login | apop | stat | list N | uidl N | retr N | top N L |
 *   dele N | rset | noop | quit | pause | resume
 * login and apop use the script's user and pass. */
typedef struct script_rule {
    pop3_event_type on;
    pop3_cmd cmd;
    const char *actions;
} script_rule;

/* Called for every event after the rules ran; for what rules can't say. */
typedef void (*script_app_fn)(script *s, const pop3_event *ev);

typedef struct script_opts {
    const script_rule *rules; /* terminated by actions == NULL */
    script_app_fn app;
    void *app_data;
    const char *user;         /* default "mrose" */
    const char *pass;         /* default "tanstaaf" */
    const char *pre;          /* actions before pop3_client_connected() */
    const char *post;         /* actions right after it */
    const char *after;        /* actions after all input (and eof) */
    bool no_connect;          /* leave the client in CONNECTING */
    bool eof;                 /* call pop3_client_eof() after the input */
    unsigned quiet;           /* (1u << type): event types not logged */
    unsigned pause_on;        /* (1u << type): pause after these events */
    size_t line_size;         /* 0: POP3_LINE_MIN */
    size_t cmd_size;          /* 0: POP3_CMD_MAX */
    size_t queue_len;         /* 0: 4 */
    size_t max_chunk;         /* transport: octets accepted per send */
    bool limit_sends;         /* transport: takes send_budget octets in */
    long send_budget;         /* all, then says "not now" for ever */
    uint32_t connect_timeout_ms, greeting_timeout_ms;
    uint32_t reply_timeout_ms, idle_timeout_ms;
    uint32_t low_speed_octets, low_speed_ms;
    const char *host;         /* pop3_client_config host and port */
    uint16_t port;
} script_opts;

struct script {
    script_opts o;
    pop3_client c;
    pop3_client_config cfg;
    pop3_transport tr;        /* what the client writes to */
    pop3_transport inner;     /* the in-memory transport below it */
    pop3_transport_mem mem;
    long budget;              /* octets sends may still take; < 0: any */
    char *line_buf;
    uint8_t *cmd_buf;
    pop3_slot *queue;
    uint8_t *sent;            /* what the transport recorded, cap + 1 */
    size_t sent_cap;
    size_t sent_mark;         /* script_take_sent() position */
    size_t rule;              /* next rule to fire */
    unsigned resumes;         /* times the feeder resumed after a pause */
    unsigned events;          /* events delivered */
    pop3_err init_rc;
    /* the log */
    char *log;
    size_t log_len, log_cap;
    script *next_live;        /* scripts not yet freed (for teardown) */
    char *view;               /* script_log() result */
    char *take;               /* script_take_sent() result */
    /* MSG_DATA being merged */
    bool data_open;
    uint32_t data_msg;
    char *data;
    size_t data_len, data_cap;
};

/* Create a client with storage sized by o (NULL: defaults), run o->pre,
 * connect unless o->no_connect, run o->post. Never NULL. */
script *script_new(const script_opts *o);
void script_free(script *s);

/* Group teardown for cmocka_run_group_tests(): frees the scripts a failed
 * test left behind (a failing assertion jumps past script_free), so a
 * leak report under ASan points at real leaks only. */
int script_teardown(void **state);

/* Push octets the way a port does: when the engine stops early because the
 * application paused, resume and push the rest; stop when the session
 * ended. Afterwards, let the transport take what the engine holds. Each
 * call's octets come from an exact-size heap copy. Returns octets consumed. */
size_t script_feed(script *s, const void *data, size_t len);
size_t script_feed_str(script *s, const char *text);
/* Call pop3_client_writable() while the engine has octets and the transport
 * takes them (for transports that accept little at a time). */
void script_drain(script *s);

/* Run actions now (same language as rules); each call is logged. Returns
 * the result of the last one. */
pop3_err script_do(script *s, const char *actions);

/* Append a free-form line to the log (e.g. a marker between steps). */
void script_note(script *s, const char *text);
/* The log so far, including the summary line when `summary`. */
const char *script_log(script *s, bool summary);
/* Everything sent so far, NUL-terminated (commands never contain NUL). */
const char *script_sent(script *s);
/* What was sent since the last call, NUL-terminated, valid until the next. */
const char *script_take_sent(script *s);

/* Escape octets the way the log does, into a static buffer (tests only). */
const char *script_escape(const void *data, size_t len);

/* Run the transcript in every split and compare. Fails the test unless all
 * runs agree; then compares the log (with summary) to expect_log and the
 * octets sent to expect_sent (either may be NULL to skip). The returned
 * script is the whole-input run, for further checks; free it. */
script *script_check_keep(const script_opts *o, const void *transcript,
                          size_t len, const char *expect_log,
                          const char *expect_sent);
void script_check(const script_opts *o, const char *transcript,
                  const char *expect_log, const char *expect_sent);

/* Names used in the log. */
const char *script_event_name(pop3_event_type t);
const char *script_cmd_name(pop3_cmd cmd);
const char *script_code_name(pop3_resp_code code);
const char *script_state_name(pop3_state st);

#define SCRIPT_BIT(ev) (1u << (unsigned)(ev))

#endif /* TESTS_SCRIPT_H */
