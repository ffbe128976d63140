/* SPDX-License-Identifier: MIT */
/* pg_session.c - see pg_session.h. */
#define _POSIX_C_SOURCE 200809L

#include "pg_session.h"
#include "pg_util.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

static const char *resp_code_text(pop3_resp_code code)
{
    switch (code) {
    case POP3_RESP_IN_USE: return "[IN-USE] ";
    case POP3_RESP_LOGIN_DELAY: return "[LOGIN-DELAY] ";
    case POP3_RESP_SYS_TEMP: return "[SYS/TEMP] ";
    case POP3_RESP_SYS_PERM: return "[SYS/PERM] ";
    case POP3_RESP_AUTH: return "[AUTH] ";
    default: return "";
    }
}

void pg_session_trace(const struct pg_session *s, const pop3_event *ev)
{
    if (!s->o->verbose)
        return;
    switch (ev->type) {
    case POP3_EV_GREETING: case POP3_EV_LOGIN: case POP3_EV_MSG_BEGIN:
    case POP3_EV_OK: case POP3_EV_STLS:
        fputs(ev->len ? "S: +OK " : "S: +OK", stderr);
        break;
    case POP3_EV_SERVER_ERR:
        fprintf(stderr, "S: -ERR %s", resp_code_text(ev->code));
        break;
    case POP3_EV_CAPA_LINE: case POP3_EV_UIDL:
        if (ev->type == POP3_EV_UIDL)
            fprintf(stderr, "S: %" PRIu32 " ", ev->msg);
        else
            fputs("S: ", stderr);
        break;
    case POP3_EV_STAT:
        fprintf(stderr, "S: +OK %" PRIu32 " %" PRIu64 "\n", ev->count, ev->size);
        return;
    case POP3_EV_LIST:
        fprintf(stderr, "S: %" PRIu32 " %" PRIu64 "\n", ev->msg, ev->size);
        return;
    case POP3_EV_END: case POP3_EV_MSG_END:
        fputs("S: .\n", stderr);
        return;
    case POP3_EV_CLOSED:
        if (s->abort)
            fputs("* connection dropped without QUIT\n", stderr);
        else
            fprintf(stderr, "* closed: %s\n", pop3_strerror(ev->err));
        return;
    default:
        return;
    }
    pg_put_safe(stderr, ev->text, ev->len);
    fputc('\n', stderr);
}

/* --- ending the session ----------------------------------------------------- */

void pg_session_quit(struct pg_session *s)
{
    pop3_err r;

    if (s->quit_sent || s->abort)
        return;
    r = pop3_client_quit(s->c);
    if (r == POP3_OK) {
        s->quit_sent = 1;
        s->want_quit = 0;
    } else if (r == POP3_ERR_BUSY) {
        s->want_quit = 1; /* retried after the next reply */
    } else if (pop3_client_state(s->c) != POP3_STATE_CLOSED) {
        s->abort = 1;
    }
}

void pg_session_abort(struct pg_session *s, int code, const char *what, const char *text)
{
    pg_fail_str(s->rep, code, what, text);
    s->abort = 1;
    pop3_client_abort(s->c);
}

void pg_session_queue_failed(struct pg_session *s, const char *cmd, pop3_err r)
{
    pg_fail_str(s->rep, r == POP3_ERR_ARG ? EX_USAGE : EX_SOFTWARE, cmd, pop3_strerror(r));
    pg_session_quit(s);
}

/* --- from the greeting to the first transaction command --------------------- */

static void start_transaction(struct pg_session *s)
{
    pop3_err r;

    switch (s->o->mode) {
    case PG_MODE_LIST: r = pop3_client_list(s->c, 0); break;
    case PG_MODE_UIDL: r = pop3_client_uidl(s->c, 0); break;
    case PG_MODE_TOP:  r = pop3_client_top(s->c, s->o->msg, s->o->top_lines); break;
    case PG_MODE_MSG:  r = pop3_client_retr(s->c, s->o->msg); break;
    default:
        r = pop3_client_stat(s->c);
        if (r == POP3_OK && s->list)
            r = pop3_client_list(s->c, 0);
        if (r == POP3_OK && s->uidl)
            r = pop3_client_uidl(s->c, 0);
        break;
    }
    if (r != POP3_OK)
        pg_session_queue_failed(s, "command", r);
}

int pg_secret_in_clear(unsigned mech)
{
    return mech == 0 || mech == POP3_SASL_PLAIN || mech == POP3_SASL_LOGIN ||
           mech == POP3_SASL_XOAUTH2 || mech == POP3_SASL_OAUTHBEARER;
}

long pg_pick_login(const struct pg_options *o, unsigned offered, int tls_active)
{
    unsigned mech = o->auth_mech;

    if (o->token != NULL && mech == 0) {
        mech = pop3_sasl_pick(offered, true, true);
        return mech == 0 ? -1 : (long)mech;
    }
    if (o->auth_name == NULL)
        mech = pop3_sasl_pick(offered, false, tls_active != 0);
    return (long)mech;
}

static void login_queue_failed(struct pg_session *s, pop3_err r)
{
    pg_fail_str(s->rep, r == POP3_ERR_ARG ? EX_USAGE : EX_SOFTWARE, "login", pop3_strerror(r));
    pg_session_quit(s);
}

/* Log in: --auth MECH, else with a token the strongest OAuth mechanism
 * offered, else the strongest SASL mechanism offered (PLAIN and LOGIN only
 * over TLS), else USER/PASS. */
static void start_login(struct pg_session *s)
{
    const struct pg_options *o = s->o;
    long mech;
    pop3_err r;

    if (s->logging_in)
        return;
    s->logging_in = 1;
    mech = pg_pick_login(o, pop3_client_sasl_mechs(s->c), pop3_client_tls_active(s->c));
    if (mech < 0) {
        pg_fail_str(s->rep, EX_NOPERM, "login", "the server offers neither OAUTHBEARER "
                    "nor XOAUTH2 (CAPA SASL)");
        pg_session_quit(s);
        return;
    }
    if (!pop3_client_tls_active(s->c) && !o->plaintext_auth && pg_secret_in_clear((unsigned)mech)) {
        pg_fail_str(s->rep, EX_UNAVAILABLE, o->host, pop3_client_capa_flags(s->c) & POP3_CAPA_STLS
                    ? "STLS failed; not sending the password in clear"
                    : "the server offers no TLS (STLS); not sending the password in clear: "
                      "use pop3s://, --apop or --auth CRAM-MD5 if the server has them, or "
                      "--plaintext-auth to send it anyway");
        pg_session_quit(s);
        return;
    }
    if (o->verbose)
        fprintf(stderr, "* login with %s%s\n", mech ? "SASL " : "USER/PASS",
                mech ? pop3_sasl_name((unsigned)mech) : "");
    if (mech != 0)
        r = pop3_client_auth(s->c, (unsigned)mech, o->user,
                             o->token != NULL ? o->token : o->pass);
    else
        r = pop3_client_login(s->c, o->user, o->pass, POP3_AUTH_USER);
    if (r != POP3_OK) {
        login_queue_failed(s, r);
        return;
    }
    start_transaction(s); /* queued behind the login: with PIPELINING, same round trip */
}

void pg_session_capa_done(struct pg_session *s)
{
    const struct pg_options *o = s->o;
    pop3_err r;

    if (s->logging_in || s->quit_sent)
        return;
    if (o->stls && !pop3_client_tls_active(s->c)) {
        if (pop3_client_capa_flags(s->c) & POP3_CAPA_STLS) {
            if ((r = pop3_client_stls(s->c)) != POP3_OK)
                pg_session_queue_failed(s, "STLS", r);
            return;
        }
        if (o->stls == 2) {
            /* A downgrade (or a server without TLS): never send credentials. */
            pg_fail_str(s->rep, EX_UNAVAILABLE, o->host, "server does not offer STLS; "
                        "not logging in without TLS (--stls=required)");
            pg_session_quit(s);
            return;
        }
        if (o->verbose)
            fputs("* server does not offer STLS; continuing without TLS\n", stderr);
    }
    start_login(s);
}

void pg_session_greeting(struct pg_session *s)
{
    pop3_err r;

    s->greeted = 1;
    (void)pop3_client_capa(s->c); /* a -ERR here just means no CAPA */
    if (!s->o->apop)
        return; /* the login follows the CAPA reply (pg_session_capa_done) */
    /* APOP needs the greeting's timestamp, so it is queued now. */
    s->logging_in = 1;
    r = pop3_client_login(s->c, s->o->user, s->o->pass, POP3_AUTH_APOP);
    if (r == POP3_ERR_APOP_UNAVAILABLE) {
        pg_fail_str(s->rep, EX_NOPERM, "APOP", pop3_strerror(r));
        pg_session_quit(s);
    } else if (r != POP3_OK) {
        login_queue_failed(s, r);
    } else {
        start_transaction(s);
    }
}

void pg_session_tls_ready(struct pg_session *s)
{
    if (!s->o->pop3s) /* RFC 2595 sec. 4: ask again, over TLS */
        (void)pop3_client_capa(s->c);
}

/* --- failures ----------------------------------------------------------------- */

static const char *cmd_name(pop3_cmd cmd)
{
    static const char *const names[] = {
        "reply", "USER", "PASS", "APOP", "CAPA", "STAT", "LIST", "UIDL",
        "RETR", "TOP", "DELE", "RSET", "NOOP", "QUIT", "STLS", "AUTH"
    };
    return (unsigned)cmd < sizeof names / sizeof names[0] ? names[cmd] : "reply";
}

/* RFC 2449 sec. 8.1 / RFC 3206: IN-USE, LOGIN-DELAY and SYS/TEMP say "try
 * again later"; a plain -ERR to USER/PASS/APOP (or [AUTH]) is a refusal;
 * any other -ERR (no such message, ...) means the request cannot be met. */
int pg_exit_for_err(pop3_cmd cmd, pop3_resp_code code)
{
    /* -ERR to QUIT: deletions not committed (RFC 1939 sec. 6); try later. */
    if (cmd == POP3_CMD_QUIT || code == POP3_RESP_IN_USE || code == POP3_RESP_LOGIN_DELAY ||
        code == POP3_RESP_SYS_TEMP)
        return EX_TEMPFAIL;
    if (cmd == POP3_CMD_USER || cmd == POP3_CMD_PASS || cmd == POP3_CMD_APOP ||
        cmd == POP3_CMD_AUTH || code == POP3_RESP_AUTH)
        return EX_NOPERM;
    return EX_UNAVAILABLE;
}

int pg_session_server_err(struct pg_session *s, const pop3_event *ev)
{
    const struct pg_options *o = s->o;
    char what[48];
    int code;

    if (ev->cmd == POP3_CMD_CAPA) {
        pg_session_capa_done(s);
        return 0;
    }
    if (ev->cmd == POP3_CMD_AUTH && s->trace != NULL)
        pg_trace_auth_done(s->trace);
    if (ev->cmd == POP3_CMD_STLS && o->stls != 2) {
        if (o->verbose)
            fputs("* STLS refused; continuing without TLS\n", stderr);
        start_login(s);
        return 0;
    }
    if (ev->cmd == POP3_CMD_STLS) {
        pg_fail(s->rep, EX_UNAVAILABLE, "STLS refused; not logging in without TLS "
                "(--stls=required)", ev->text, ev->len);
        pg_session_quit(s);
        return 0;
    }
    code = pg_exit_for_err(ev->cmd, ev->code);
    if (code == EX_NOPERM)
        snprintf(what, sizeof what, "login refused (%s)", cmd_name(ev->cmd));
    else if (ev->msg != 0)
        snprintf(what, sizeof what, "%s %" PRIu32, cmd_name(ev->cmd), ev->msg);
    else if (ev->cmd == POP3_CMD_NONE)
        snprintf(what, sizeof what, "%s", s->greeted ? "server" : "greeting");
    else
        snprintf(what, sizeof what, "%s", cmd_name(ev->cmd));
    if (ev->code != POP3_RESP_NONE && ev->code != POP3_RESP_OTHER) {
        char buf[600];
        int n = snprintf(buf, sizeof buf, "%s%.*s", resp_code_text(ev->code),
                         (int)(ev->len < 512 ? ev->len : 512), ev->text);

        pg_fail(s->rep, code, what, buf, n > 0 ? (size_t)n : 0);
    } else {
        pg_fail(s->rep, code, what, ev->text, ev->len);
    }
    /* One message failing does not stop the others; it is simply not
     * stored and therefore not deleted. */
    if (o->mode == PG_MODE_MAILDIR && pop3_client_state(s->c) == POP3_STATE_TRANSACTION &&
        (ev->cmd == POP3_CMD_RETR || ev->cmd == POP3_CMD_DELE))
        return 1;
    if (ev->cmd != POP3_CMD_QUIT)
        pg_session_quit(s);
    return 0;
}

int pg_exit_for_close(pop3_err e, int greeted)
{
    switch (e) {
    case POP3_ERR_CLOSED:           return 0;
    case POP3_ERR_RESOLVE:          return EX_NOHOST;
    /* Refused, reset, unreachable: the server may be back later (75, as
     * mpop); a server that closes before greeting refuses service (69). */
    case POP3_ERR_CONNECT:
    case POP3_ERR_RESET:            return EX_TEMPFAIL;
    case POP3_ERR_TRANSPORT:        return EX_UNAVAILABLE;
    case POP3_ERR_EOF:              return greeted ? EX_PROTOCOL : EX_UNAVAILABLE;
    case POP3_ERR_TIMEOUT_CONNECT:
    case POP3_ERR_TIMEOUT_GREETING:
    case POP3_ERR_TIMEOUT_REPLY:
    case POP3_ERR_TIMEOUT_IDLE:
    case POP3_ERR_TIMEOUT_SPEED:
    case POP3_ERR_QUIT_REFUSED:     return EX_TEMPFAIL;
    case POP3_ERR_TRUNCATED:
    case POP3_ERR_LINE_TOO_LONG:
    case POP3_ERR_PROTOCOL:
    case POP3_ERR_NUMBER:
    case POP3_ERR_UNEXPECTED:       return EX_PROTOCOL;
    case POP3_ERR_APOP_UNAVAILABLE: return EX_NOPERM;
    case POP3_ERR_TLS_VERIFY:       return PG_EXIT_TLS_VERIFY;
    case POP3_ERR_TLS:
    case POP3_ERR_STLS_DATA:        return EX_PROTOCOL;
    default:                        return EX_SOFTWARE;
    }
}

void pg_session_closed(struct pg_session *s, const pop3_event *ev)
{
    const struct pg_options *o = s->o;
    int code = pg_exit_for_close(ev->err, s->greeted);
    char what[300];

    if (ev->err == POP3_ERR_EOF && s->quit_sent) {
        /* QUIT is sent only when the work is done, so only its answer is
         * missing. Harmless unless deletions hang on it: the server may or
         * may not have entered UPDATE. */
        if (o->del)
            pg_fail_str(s->rep, EX_PROTOCOL, o->host, "server closed the connection "
                        "without answering QUIT; deletions may not be committed");
        return;
    }
    if (code == 0) {
        /* QUIT answered, but did we get everything we asked for? */
        if (!s->quit_sent)
            pg_fail_str(s->rep, EX_PROTOCOL, o->host, "session ended before QUIT");
        return;
    }
    if ((ev->err == POP3_ERR_TLS_VERIFY || ev->err == POP3_ERR_TLS) && s->tls_why != NULL) {
        char why[200];

        s->tls_why(s->tls_ctx, ev->err, why, sizeof why);
        snprintf(what, sizeof what, "%s: %s", o->host, pop3_strerror(ev->err));
        pg_fail_str(s->rep, code, what, why);
        return;
    }
    if (ev->err == POP3_ERR_CONNECT || ev->err == POP3_ERR_TIMEOUT_CONNECT)
        snprintf(what, sizeof what, "%s port %s", o->host, o->port);
    else
        snprintf(what, sizeof what, "%s", o->host);
    if ((ev->err == POP3_ERR_CONNECT || ev->err == POP3_ERR_RESET) && s->sys_err != 0) {
        char why[200];

        snprintf(why, sizeof why, "%s (%s)", pop3_strerror(ev->err), strerror(s->sys_err));
        pg_fail_str(s->rep, code, what, why);
        return;
    }
    if (!s->greeted && s->banner_len > 0 &&
        (ev->err == POP3_ERR_PROTOCOL || ev->err == POP3_ERR_LINE_TOO_LONG)) {
        char why[200];
        size_t n = s->banner_len < 100 ? s->banner_len : 100;
        int k = snprintf(why, sizeof why, "%s; not a POP3 server? its first line: \"%.*s\"%s",
                         pop3_strerror(ev->err), (int)n, s->banner,
                         n < s->banner_len ? "..." : "");

        pg_fail(s->rep, code, what, why, k > 0 ? (size_t)k : 0); /* made terminal-safe */
        return;
    }
    pg_fail_str(s->rep, code, what, pop3_strerror(ev->err));
}
