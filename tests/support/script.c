/* SPDX-License-Identifier: MIT */
/* script.c - scripted POP3 sessions; see script.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support/script.h"

#define SCRIPT_SENT_CAP (1u << 16)
#define SCRIPT_QUEUE_DEFAULT 4u
/* Three-piece splits cost O(n^2) runs; beyond this the two-piece and
 * byte-at-a-time runs already cover every boundary. */
#define SCRIPT_SPLIT3_MAX 160u

/* Our own copy of the error names, taken from the list in pop3.h, so a log
 * stays readable even if the engine's pop3_err_name() is wrong (that one is
 * checked on its own in test_err.c). */
#define SCRIPT_ERR_NAME_(name, text) #name,
static const char *const err_names[] = {POP3_ERR_LIST(SCRIPT_ERR_NAME_)};
#undef SCRIPT_ERR_NAME_

static const char *err_name(pop3_err e)
{
    if ((unsigned)e < sizeof err_names / sizeof err_names[0])
        return err_names[e];
    return "?";
}

const char *script_event_name(pop3_event_type t)
{
    static const char *const names[] = {
        "GREETING", "CAPA_LINE", "LOGIN", "STAT", "LIST", "UIDL", "END",
        "MSG_BEGIN", "MSG_DATA", "MSG_END", "OK", "ERR", "CLOSED", "STLS",
        "TLS_READY"};
    if ((unsigned)t < sizeof names / sizeof names[0])
        return names[t];
    return "?EVENT";
}

const char *script_cmd_name(pop3_cmd cmd)
{
    static const char *const names[] = {
        "NONE", "USER", "PASS", "APOP", "CAPA", "STAT", "LIST",
        "UIDL", "RETR", "TOP", "DELE", "RSET", "NOOP", "QUIT", "STLS", "AUTH"};
    if ((unsigned)cmd < sizeof names / sizeof names[0])
        return names[cmd];
    return "?CMD";
}

const char *script_code_name(pop3_resp_code code)
{
    static const char *const names[] = {
        "NONE", "IN-USE", "LOGIN-DELAY", "SYS/TEMP", "SYS/PERM", "AUTH",
        "OTHER"};
    if ((unsigned)code < sizeof names / sizeof names[0])
        return names[code];
    return "?CODE";
}

const char *script_state_name(pop3_state st)
{
    static const char *const names[] = {
        "CONNECTING", "GREETING", "AUTHORIZATION", "TRANSACTION", "UPDATE",
        "CLOSED"};
    if ((unsigned)st < sizeof names / sizeof names[0])
        return names[st];
    return "?STATE";
}

/* --- growable strings ----------------------------------------------------- */

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL) {
        print_error("out of memory\n");
        abort();
    }
    return p;
}

static void buf_add(char **buf, size_t *len, size_t *cap, const void *p,
                    size_t n)
{
    if (*len + n + 1 > *cap) {
        size_t ncap = *cap ? *cap : 256;
        while (*len + n + 1 > ncap)
            ncap *= 2;
        char *nb = realloc(*buf, ncap);
        if (nb == NULL) {
            print_error("out of memory\n");
            abort();
        }
        *buf = nb;
        *cap = ncap;
    }
    if (n)
        memcpy(*buf + *len, p, n);
    *len += n;
    (*buf)[*len] = '\0';
}

static void log_add(script *s, const char *p, size_t n)
{
    buf_add(&s->log, &s->log_len, &s->log_cap, p, n);
}

static void log_str(script *s, const char *p)
{
    log_add(s, p, strlen(p));
}

static void log_fmt(script *s, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    log_add(s, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* Quote octets as '...' with C-like escapes: CR and LF must stay visible,
 * since whether the last line's CRLF is delivered is part of the contract. */
static void log_text(script *s, const void *data, size_t len)
{
    const unsigned char *p = data;
    log_str(s, "'");
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = p[i];
        char e[8];
        switch (ch) {
        case '\r': log_str(s, "\\r"); break;
        case '\n': log_str(s, "\\n"); break;
        case '\t': log_str(s, "\\t"); break;
        case '\\': log_str(s, "\\\\"); break;
        case '\'': log_str(s, "\\'"); break;
        default:
            if (ch >= 0x20 && ch < 0x7f) {
                e[0] = (char)ch;
                log_add(s, e, 1);
            } else {
                snprintf(e, sizeof e, "\\x%02x", ch);
                log_str(s, e);
            }
        }
    }
    log_str(s, "'");
}

const char *script_escape(const void *data, size_t len)
{
    /* A throwaway script gives us the same escaping as the log. */
    static char *out;
    script tmp;
    memset(&tmp, 0, sizeof tmp);
    log_text(&tmp, data, len);
    free(out);
    out = tmp.log;
    return out;
}

void script_note(script *s, const char *text)
{
    log_str(s, text);
    log_str(s, "\n");
}

/* --- events --------------------------------------------------------------- */

enum {
    F_CODE = 1u << 0,
    F_ERR = 1u << 1,
    F_MSG = 1u << 2,
    F_COUNT = 1u << 3,
    F_SIZE = 1u << 4,
    F_TEXT = 1u << 5
};

/* Fields each event type may carry (pop3.h comments on pop3_event_type).
 * cmd is "the command this reply answers" and is not checked here. */
static unsigned allowed_fields(pop3_event_type t)
{
    switch (t) {
    case POP3_EV_GREETING: return F_COUNT | F_TEXT;
    case POP3_EV_CAPA_LINE: return F_TEXT;
    /* The +OK text of a login is harmless; the header only names code. */
    case POP3_EV_LOGIN: return F_CODE | F_TEXT;
    case POP3_EV_STAT: return F_COUNT | F_SIZE;
    case POP3_EV_LIST: return F_MSG | F_SIZE;
    case POP3_EV_UIDL: return F_MSG | F_TEXT;
    case POP3_EV_END: return 0;
    case POP3_EV_MSG_BEGIN: return F_MSG | F_TEXT | F_CODE;
    case POP3_EV_MSG_DATA: return F_MSG | F_TEXT;
    case POP3_EV_MSG_END: return F_MSG;
    case POP3_EV_OK: return F_MSG | F_TEXT | F_CODE;
    case POP3_EV_SERVER_ERR: return F_MSG | F_TEXT | F_CODE | F_ERR;
    case POP3_EV_CLOSED: return F_ERR;
    case POP3_EV_STLS: return F_TEXT;
    case POP3_EV_TLS_READY: return 0;
    }
    return 0;
}

static void log_extras(script *s, const pop3_event *ev)
{
    unsigned ok = allowed_fields(ev->type);
    if (!(ok & F_CODE) && ev->code != POP3_RESP_NONE)
        log_fmt(s, " !code=%s", script_code_name(ev->code));
    if (!(ok & F_ERR) && ev->err != POP3_OK)
        log_fmt(s, " !err=%s", err_name(ev->err));
    if (!(ok & F_MSG) && ev->msg != 0)
        log_fmt(s, " !msg=%lu", (unsigned long)ev->msg);
    if (!(ok & F_COUNT) && ev->count != 0)
        log_fmt(s, " !count=%lu", (unsigned long)ev->count);
    if (!(ok & F_SIZE) && ev->size != 0)
        log_fmt(s, " !size=%llu", (unsigned long long)ev->size);
    if (!(ok & F_TEXT) && ev->len != 0) {
        log_str(s, " !text=");
        log_text(s, ev->text, ev->len);
    }
    if (ev->len != 0 && ev->text == NULL)
        log_str(s, " !text=NULL");
}

static void data_flush(script *s)
{
    if (!s->data_open)
        return;
    log_fmt(s, "MSG_DATA msg=%lu ", (unsigned long)s->data_msg);
    log_text(s, s->data, s->data_len);
    log_str(s, "\n");
    s->data_open = false;
    s->data_len = 0;
}

static void log_code(script *s, pop3_resp_code code)
{
    if (code != POP3_RESP_NONE)
        log_fmt(s, " code=%s", script_code_name(code));
}

static void log_event(script *s, const pop3_event *ev)
{
    if (ev->type == POP3_EV_MSG_DATA) {
        /* Merge slices: how the engine cuts a body depends on the input
         * split, and only the octets are part of the contract. */
        if (s->data_open && s->data_msg != ev->msg)
            data_flush(s);
        s->data_open = true;
        s->data_msg = ev->msg;
        if (ev->text != NULL)
            buf_add(&s->data, &s->data_len, &s->data_cap, ev->text, ev->len);
        if (ev->code != POP3_RESP_NONE || ev->err != POP3_OK ||
            ev->count != 0 || ev->size != 0 ||
            (ev->len != 0 && ev->text == NULL)) {
            data_flush(s);
            log_str(s, "!MSG_DATA");
            log_extras(s, ev);
            log_str(s, "\n");
        }
        return;
    }
    data_flush(s);
    const char *cmd = script_cmd_name(ev->cmd);
    unsigned long msg = (unsigned long)ev->msg;
    bool text = true;
    switch (ev->type) {
    case POP3_EV_GREETING:
        log_fmt(s, "GREETING count=%lu", (unsigned long)ev->count);
        break;
    case POP3_EV_CAPA_LINE:
        log_str(s, "CAPA_LINE");
        break;
    case POP3_EV_LOGIN:
        log_fmt(s, "LOGIN cmd=%s", cmd);
        log_code(s, ev->code);
        text = false;
        break;
    case POP3_EV_STAT:
        log_fmt(s, "STAT count=%lu size=%llu", (unsigned long)ev->count,
                (unsigned long long)ev->size);
        text = false;
        break;
    case POP3_EV_LIST:
        log_fmt(s, "LIST msg=%lu size=%llu", msg,
                (unsigned long long)ev->size);
        text = false;
        break;
    case POP3_EV_UIDL:
        log_fmt(s, "UIDL msg=%lu", msg);
        break;
    case POP3_EV_END:
        log_fmt(s, "END cmd=%s", cmd);
        text = false;
        break;
    case POP3_EV_MSG_BEGIN:
        log_fmt(s, "MSG_BEGIN cmd=%s msg=%lu", cmd, msg);
        log_code(s, ev->code);
        break;
    case POP3_EV_MSG_END:
        log_fmt(s, "MSG_END msg=%lu", msg);
        text = false;
        break;
    case POP3_EV_OK:
    case POP3_EV_SERVER_ERR:
        log_fmt(s, "%s cmd=%s", ev->type == POP3_EV_OK ? "OK" : "ERR", cmd);
        if (msg != 0)
            log_fmt(s, " msg=%lu", msg);
        log_code(s, ev->code);
        if (ev->type == POP3_EV_SERVER_ERR && ev->err != POP3_OK)
            log_fmt(s, " err=%s", err_name(ev->err)); /* completed unsent */
        break;
    case POP3_EV_CLOSED:
        log_fmt(s, "CLOSED err=%s", err_name(ev->err));
        text = false;
        break;
    case POP3_EV_STLS:
        log_str(s, "STLS");
        break;
    case POP3_EV_TLS_READY:
        log_str(s, "TLS_READY");
        text = false;
        break;
    default:
        log_fmt(s, "?EVENT%d", (int)ev->type);
        text = false;
        break;
    }
    if (text) {
        log_str(s, " ");
        log_text(s, ev->text, ev->text != NULL ? ev->len : 0);
    }
    log_extras(s, ev);
    log_str(s, "\n");
}

static void on_event(pop3_client *c, const pop3_event *ev, void *user)
{
    script *s = user;
    s->events++;
    if (c != &s->c)
        script_note(s, "! event for another client");
    if (!(s->o.quiet & SCRIPT_BIT(ev->type)))
        log_event(s, ev);
    const script_rule *r = s->o.rules;
    if (r != NULL && r[s->rule].actions != NULL && r[s->rule].on == ev->type &&
        (r[s->rule].cmd == POP3_CMD_NONE || r[s->rule].cmd == ev->cmd)) {
        /* Advance first: the actions may cause further events. */
        const char *actions = r[s->rule].actions;
        s->rule++;
        script_do(s, actions);
    }
    if (s->o.app != NULL)
        s->o.app(s, ev);
    if (s->o.pause_on & SCRIPT_BIT(ev->type))
        pop3_client_pause(&s->c);
}

/* --- actions -------------------------------------------------------------- */

static pop3_err do_one(script *s, const char *name, unsigned long a,
                       unsigned long b, int nargs, bool *known)
{
    pop3_client *c = &s->c;
    uint32_t n = (uint32_t)a;
    *known = true;
    if (strcmp(name, "capa") == 0) return pop3_client_capa(c);
    if (strcmp(name, "login") == 0)
        return pop3_client_login(c, s->o.user, s->o.pass, POP3_AUTH_USER);
    if (strcmp(name, "apop") == 0)
        return pop3_client_login(c, s->o.user, s->o.pass, POP3_AUTH_APOP);
    if (strcmp(name, "stat") == 0) return pop3_client_stat(c);
    if (strcmp(name, "list") == 0) return pop3_client_list(c, nargs ? n : 0);
    if (strcmp(name, "uidl") == 0) return pop3_client_uidl(c, nargs ? n : 0);
    if (strcmp(name, "retr") == 0) return pop3_client_retr(c, n);
    if (strcmp(name, "top") == 0) return pop3_client_top(c, n, (uint32_t)b);
    if (strcmp(name, "dele") == 0) return pop3_client_dele(c, n);
    if (strcmp(name, "rset") == 0) return pop3_client_rset(c);
    if (strcmp(name, "noop") == 0) return pop3_client_noop(c);
    if (strcmp(name, "quit") == 0) return pop3_client_quit(c);
    /* STLS and SASL: "auth_MECH" with MECH as in pop3_sasl_from_name(). */
    if (strcmp(name, "stls") == 0) return pop3_client_stls(c);
    if (strncmp(name, "auth_", 5) == 0)
        return pop3_client_auth(c, pop3_sasl_from_name(name + 5), s->o.user,
                                s->o.pass);
    *known = false;
    return POP3_OK;
}

pop3_err script_do(script *s, const char *actions)
{
    pop3_err rc = POP3_OK;
    const char *p = actions;
    while (p != NULL && *p != '\0') {
        const char *end = strchr(p, ';');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char act[128];
        while (n > 0 && *p == ' ') {
            p++;
            n--;
        }
        while (n > 0 && p[n - 1] == ' ')
            n--;
        if (n >= sizeof act)
            n = sizeof act - 1;
        memcpy(act, p, n);
        act[n] = '\0';
        p = end ? end + 1 : NULL;
        if (n == 0)
            continue;

        char name[32];
        unsigned long a = 0, b = 0;
        int got = sscanf(act, "%31s %lu %lu", name, &a, &b);
        data_flush(s);
        if (strcmp(name, "pause") == 0) {
            pop3_client_pause(&s->c);
            log_str(s, "> pause\n");
            continue;
        }
        if (strcmp(name, "abort") == 0) {
            log_str(s, "> abort\n");
            pop3_client_abort(&s->c);
            continue;
        }
        if (strcmp(name, "resume") == 0) {
            pop3_client_resume(&s->c);
            log_str(s, "> resume\n");
            continue;
        }
        bool known;
        rc = do_one(s, name, a, b, got - 1, &known);
        if (!known) {
            log_fmt(s, "! unknown action '%s'\n", act);
            continue;
        }
        log_fmt(s, "> %s = %s\n", act, err_name(rc));
    }
    return rc;
}

/* --- setup and feeding ---------------------------------------------------- */

/* Live scripts, so a test that fails midway does not leak them. */
static script *live;

static void live_remove(script *s)
{
    for (script **p = &live; *p != NULL; p = &(*p)->next_live) {
        if (*p == s) {
            *p = s->next_live;
            return;
        }
    }
}

int script_teardown(void **state)
{
    (void)state;
    while (live != NULL)
        script_free(live);
    return 0;
}

static long budget_send(void *ctx, const uint8_t *data, size_t len)
{
    script *s = ctx;
    if (s->mem.closed)
        script_note(s, "! send after close");
    if (len == 0)
        script_note(s, "! send of 0 octets");
    if (s->budget == 0)
        return 0;
    if (s->budget > 0 && len > (size_t)s->budget)
        len = (size_t)s->budget;
    long n = s->inner.send(s->inner.ctx, data, len);
    if (n > 0 && s->budget > 0)
        s->budget -= n;
    return n;
}

static void budget_close(void *ctx)
{
    script *s = ctx;
    if (s->mem.closed)
        script_note(s, "! close called twice");
    if (s->inner.close != NULL)
        s->inner.close(s->inner.ctx);
}

script *script_new(const script_opts *o)
{
    script *s = calloc(1, sizeof *s);
    if (s == NULL)
        abort();
    s->next_live = live;
    live = s;
    if (o != NULL)
        s->o = *o;
    if (s->o.user == NULL)
        s->o.user = "mrose";
    if (s->o.pass == NULL)
        s->o.pass = "tanstaaf";
    size_t line_size = s->o.line_size ? s->o.line_size : POP3_LINE_MIN;
    size_t cmd_size = s->o.cmd_size ? s->o.cmd_size : POP3_CMD_MAX;
    size_t queue_len = s->o.queue_len ? s->o.queue_len : SCRIPT_QUEUE_DEFAULT;
    /* Exact sizes: an engine write past its buffer is an ASan error. */
    s->line_buf = xmalloc(line_size);
    s->cmd_buf = xmalloc(cmd_size);
    s->queue = xmalloc(queue_len * sizeof *s->queue);
    memset(s->line_buf, 0x5a, line_size);
    memset(s->cmd_buf, 0x5a, cmd_size);
    memset(s->queue, 0x5a, queue_len * sizeof *s->queue);
    s->sent_cap = SCRIPT_SENT_CAP;
    s->sent = xmalloc(s->sent_cap + 1);
    pop3_transport_mem_init(&s->inner, &s->mem, s->sent, s->sent_cap);
    s->mem.max_chunk = s->o.max_chunk;
    s->budget = s->o.limit_sends ? s->o.send_budget : -1;
    s->tr.send = budget_send;
    s->tr.close = budget_close;
    s->tr.ctx = s;

    pop3_client_config_defaults(&s->cfg);
    s->cfg.transport = &s->tr;
    s->cfg.cb = on_event;
    s->cfg.user = s;
    s->cfg.line_buf = s->line_buf;
    s->cfg.line_size = line_size;
    s->cfg.cmd_buf = s->cmd_buf;
    s->cfg.cmd_size = cmd_size;
    s->cfg.queue = s->queue;
    s->cfg.queue_len = queue_len;
    /* Timeouts only where a test asks for them: the harness never ticks. */
    s->cfg.connect_timeout_ms = s->o.connect_timeout_ms;
    s->cfg.greeting_timeout_ms = s->o.greeting_timeout_ms;
    s->cfg.reply_timeout_ms = s->o.reply_timeout_ms;
    s->cfg.idle_timeout_ms = s->o.idle_timeout_ms;
    s->cfg.low_speed_octets = s->o.low_speed_octets;
    s->cfg.low_speed_ms = s->o.low_speed_ms;
    s->cfg.host = s->o.host;
    s->cfg.port = s->o.port;
    s->init_rc = pop3_client_init(&s->c, &s->cfg);
    if (s->init_rc != POP3_OK)
        log_fmt(s, "! init = %s\n", err_name(s->init_rc));

    script_do(s, s->o.pre);
    if (!s->o.no_connect) {
        pop3_client_connected(&s->c);
        script_drain(s);
    }
    script_do(s, s->o.post);
    script_drain(s);
    return s;
}

void script_free(script *s)
{
    if (s == NULL)
        return;
    live_remove(s);
    pop3_client_free(&s->c);
    free(s->line_buf);
    free(s->cmd_buf);
    free(s->queue);
    free(s->sent);
    free(s->log);
    free(s->data);
    free(s->view);
    free(s->take);
    free(s);
}

void script_drain(script *s)
{
    /* Bounded: a transport taking one octet per call needs one call per
     * octet, a stalled one makes no progress and ends the loop. */
    for (unsigned i = 0; i < 100000u; i++) {
        if (!pop3_client_want_write(&s->c) ||
            pop3_client_state(&s->c) == POP3_STATE_CLOSED)
            break;
        size_t before = s->mem.len;
        pop3_client_writable(&s->c);
        if (s->mem.len == before)
            break;
    }
}

size_t script_feed(script *s, const void *data, size_t len)
{
    uint8_t *copy = xmalloc(len);
    if (len)
        memcpy(copy, data, len);
    size_t off = 0;
    unsigned spins = 0;
    while (off < len) {
        if (pop3_client_paused(&s->c)) {
            pop3_client_resume(&s->c);
            s->resumes++;
        }
        size_t n = pop3_client_input(&s->c, copy + off, len - off);
        if (n > len - off) {
            script_note(s, "! input consumed more than offered");
            break;
        }
        off += n;
        if (off == len)
            break;
        if (pop3_client_state(&s->c) == POP3_STATE_CLOSED)
            break; /* the rest is not the engine's any more */
        if (!pop3_client_paused(&s->c)) {
            /* pop3.h: fewer than len only when the session ended or the
             * application paused. */
            if (pop3_client_state(&s->c) != POP3_STATE_CLOSED)
                script_note(s, "! input stopped early, not paused, open");
            break;
        }
        if (n == 0 && ++spins > 1000) {
            script_note(s, "! input makes no progress after resume");
            break;
        }
    }
    free(copy);
    script_drain(s);
    return off;
}

size_t script_feed_str(script *s, const char *text)
{
    return script_feed(s, text, strlen(text));
}

const char *script_log(script *s, bool summary)
{
    data_flush(s);
    free(s->view);
    s->view = NULL;
    size_t len = 0, cap = 0;
    buf_add(&s->view, &len, &cap, s->log ? s->log : "", s->log_len);
    if (summary) {
        char tmp[160];
        int n = snprintf(tmp, sizeof tmp, "= state=%s err=%s close=%d\n",
                         script_state_name(pop3_client_state(&s->c)),
                         err_name(pop3_client_error(&s->c)), s->mem.closed);
        buf_add(&s->view, &len, &cap, tmp, (size_t)n);
    }
    return s->view;
}

const char *script_sent(script *s)
{
    size_t n = s->mem.len <= s->sent_cap ? s->mem.len : s->sent_cap;
    s->sent[n] = '\0';
    return (const char *)s->sent;
}

const char *script_take_sent(script *s)
{
    const char *all = script_sent(s);
    size_t n = strlen(all);
    size_t from = s->sent_mark <= n ? s->sent_mark : n;
    free(s->take);
    s->take = xmalloc(n - from + 1);
    memcpy(s->take, all + from, n - from + 1);
    s->sent_mark = n;
    return s->take;
}

/* --- split invariance ----------------------------------------------------- */

typedef struct run_result {
    char *log;
    char *sent;
    size_t sent_len;
} run_result;

static char *dup_n(const void *p, size_t n)
{
    char *d = xmalloc(n + 1);
    memcpy(d, p, n);
    d[n] = '\0';
    return d;
}

static void finish(script *s)
{
    if (s->o.eof)
        pop3_client_eof(&s->c);
    script_do(s, s->o.after);
}

/* cuts[0..ncuts) are increasing offsets strictly inside (0, len). */
static script *run_split(const script_opts *o, const uint8_t *t, size_t len,
                         const size_t *cuts, size_t ncuts)
{
    script *s = script_new(o);
    size_t from = 0;
    for (size_t i = 0; i <= ncuts; i++) {
        size_t to = i < ncuts ? cuts[i] : len;
        script_feed(s, t + from, to - from);
        from = to;
    }
    finish(s);
    return s;
}

static run_result capture(script *s)
{
    run_result r;
    r.log = dup_n(script_log(s, true), strlen(script_log(s, true)));
    r.sent_len = s->mem.len;
    r.sent = dup_n(s->sent, s->mem.len);
    return r;
}

static void describe_cuts(char *out, size_t size, const size_t *cuts,
                          size_t ncuts, bool bytewise)
{
    if (bytewise) {
        snprintf(out, size, "one octet at a time");
        return;
    }
    size_t n = (size_t)snprintf(out, size, "pieces cut at");
    for (size_t i = 0; i < ncuts && n < size; i++)
        n += (size_t)snprintf(out + n, size - n, " %zu", cuts[i]);
}

static bool same_as_ref(const run_result *ref, script *s, const char *how)
{
    const char *log = script_log(s, true);
    bool ok = strcmp(log, ref->log) == 0 && s->mem.len == ref->sent_len &&
              memcmp(s->sent, ref->sent, ref->sent_len) == 0;
    if (!ok) {
        print_error("split invariance broken (%s)\n"
                    "--- whole input gave:\n%s--- sent %s\n"
                    "--- this split gave:\n%s",
                    how, ref->log, script_escape(ref->sent, ref->sent_len),
                    log);
        print_error("--- sent %s\n", script_escape(s->sent, s->mem.len));
    }
    return ok;
}

static bool expect_text(const char *what, const char *got, const char *want)
{
    if (strcmp(got, want) == 0)
        return true;
    /* Point at the first differing line: logs are long. */
    size_t line = 1;
    for (size_t i = 0; got[i] == want[i]; i++)
        if (got[i] == '\n')
            line++;
    print_error("%s differs at line %zu\n--- expected:\n%s\n--- got:\n%s\n",
                what, line, want, got);
    return false;
}

script *script_check_keep(const script_opts *o, const void *transcript,
                          size_t len, const char *expect_log,
                          const char *expect_sent)
{
    const uint8_t *t = transcript;
    script *whole = run_split(o, t, len, NULL, 0);
    run_result ref = capture(whole);
    bool ok = true;
    char how[96];

    if (len > 1) {
        size_t *cuts = xmalloc((len - 1) * sizeof *cuts);
        for (size_t i = 0; i < len - 1; i++)
            cuts[i] = i + 1;
        script *s = run_split(o, t, len, cuts, len - 1);
        describe_cuts(how, sizeof how, cuts, 0, true);
        ok = same_as_ref(&ref, s, how);
        script_free(s);
        free(cuts);
    }
    for (size_t i = 1; ok && i < len; i++) {
        size_t cut[1] = {i};
        script *s = run_split(o, t, len, cut, 1);
        describe_cuts(how, sizeof how, cut, 1, false);
        ok = same_as_ref(&ref, s, how);
        script_free(s);
    }
    if (len <= SCRIPT_SPLIT3_MAX) {
        for (size_t i = 1; ok && i + 1 < len; i++) {
            for (size_t j = i + 1; ok && j < len; j++) {
                size_t cut[2] = {i, j};
                script *s = run_split(o, t, len, cut, 2);
                describe_cuts(how, sizeof how, cut, 2, false);
                ok = same_as_ref(&ref, s, how);
                script_free(s);
            }
        }
    }
    if (ok && o->pause_on == 0) {
        /* Back-pressure must not change anything either: pause after
         * every event, then resume and push the rest (script_feed). */
        script_opts po = *o;
        po.pause_on = ~0u;
        script *s = run_split(&po, t, len, NULL, 0);
        ok = same_as_ref(&ref, s, "whole, paused after every event");
        script_free(s);
        if (ok && len > 1) {
            size_t *cuts = xmalloc((len - 1) * sizeof *cuts);
            for (size_t i = 0; i < len - 1; i++)
                cuts[i] = i + 1;
            s = run_split(&po, t, len, cuts, len - 1);
            ok = same_as_ref(&ref, s, "one octet at a time, paused after "
                                      "every event");
            script_free(s);
            free(cuts);
        }
    }
    if (ok && expect_log != NULL)
        ok = expect_text("event log", ref.log, expect_log);
    if (ok && expect_sent != NULL) {
        char *got = dup_n(script_escape(ref.sent, ref.sent_len),
                          strlen(script_escape(ref.sent, ref.sent_len)));
        const char *want = script_escape(expect_sent, strlen(expect_sent));
        ok = expect_text("sent octets", got, want);
        free(got);
    }
    free(ref.log);
    free(ref.sent);
    if (!ok) {
        script_free(whole);
        fail();
    }
    return whole;
}

void script_check(const script_opts *o, const char *transcript,
                  const char *expect_log, const char *expect_sent)
{
    script *s = script_check_keep(o, transcript, strlen(transcript),
                                  expect_log, expect_sent);
    script_free(s);
}
