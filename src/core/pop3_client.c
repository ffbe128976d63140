/* SPDX-License-Identifier: MIT */
/* pop3_client.c - the POP3 protocol engine: states, command queue, replies.
 *
 * States follow RFC 1939: AUTHORIZATION after the greeting, TRANSACTION after
 * a successful login, UPDATE after QUIT. Commands wait in the caller's queue
 * (a ring of pop3_slot); the first q_sent of them have been written to the
 * command buffer and await their replies, which arrive in order. The reply
 * to the head slot decides how the following octets are read.
 */
#include <string.h>

#include "pop3.h"
#include "pop3_auth.h"
#include "pop3_cmd.h"
#include "pop3_md5.h"
#include "pop3_reply.h"

/* Flags of a feature left out of the build are 0, so every test of them is
 * constant and the compiler drops the code behind it. */
enum {
    F_PAUSED = 1u << 0,
    F_PIPELINING = POP3_CAPA ? 1u << 1 : 0u,
    F_TICKED = 1u << 2,
    F_SECRET = 1u << 3,                      /* the command buffer holds a secret */
    F_IN_GREETING = POP3_APOP ? 1u << 4 : 0u, /* the greeting is in the line buffer */
    F_HAS_TS = POP3_APOP ? 1u << 5 : 0u,     /* it carried an APOP timestamp */
    F_APOP = POP3_APOP ? 1u << 6 : 0u,       /* c->apop holds the digest */
    F_DELE = 1u << 7                         /* a DELE was queued: QUIT commits */
};

/* +OK to STLS came and the handshake is not done: nothing may be sent or
 * read. Constant 0 without STLS, so the compiler drops what depends on it. */
#define STLS_WAIT(c) (POP3_STLS && (c)->tls == 1)

/* ---- small helpers -------------------------------------------------------- */

static void wipe(void *p, size_t n)
{
    /* volatile so the compiler cannot drop the stores as dead. */
    volatile uint8_t *v = (volatile uint8_t *)p;

    while (n-- > 0)
        *v++ = 0;
}

static void forget_credentials(pop3_client *c)
{
    c->auth_user = NULL;
    c->auth_pass = NULL;
#if POP3_APOP
    wipe(c->apop, sizeof(c->apop));
    c->flags = (uint16_t)(c->flags & ~F_APOP);
#endif
}

static void emit(pop3_client *c, pop3_event *ev)
{
    if (c->cb != NULL)
        c->cb(c, ev, c->user);
}

/* A new event; text (a NUL-terminated reply text, or NULL) goes in whole. */
static void event_init(pop3_event *ev, pop3_event_type type, pop3_cmd cmd,
                       const char *text)
{
    memset(ev, 0, sizeof(*ev));
    ev->type = type;
    ev->cmd = cmd;
    if (text != NULL) {
        ev->text = text;
        ev->len = strlen(text);
    }
}

static pop3_slot *slot_at(const pop3_client *c, unsigned i)
{
    return &c->q[(c->q_head + i) % c->q_len];
}

/* A new event about the reply to the head slot: its command and message. */
static void head_event(const pop3_client *c, pop3_event *ev, pop3_event_type type,
                       const char *text)
{
    const pop3_slot *s = &c->q[c->q_head];

    event_init(ev, type, (pop3_cmd)s->cmd, text);
    ev->msg = s->arg;
}

/* Ends the session once: state CLOSED, error sticky, POP3_EV_CLOSED. */
static void finish(pop3_client *c, pop3_err err, int close_transport)
{
    pop3_event ev;

    if (c->state == POP3_STATE_CLOSED)
        return;
    c->state = POP3_STATE_CLOSED;
    c->err = (uint8_t)err;
    c->q_count = 0;
    c->q_sent = 0;
    c->q_acked = 0;
    forget_credentials(c);
    if (c->out != NULL)
        wipe(c->out, c->out_size);
    c->out_off = c->out_len = 0;
    c->flags = (uint16_t)(c->flags & ~(F_SECRET | F_PAUSED));
    if (close_transport && c->tr != NULL && c->tr->close != NULL)
        c->tr->close(c->tr->ctx);
    event_init(&ev, POP3_EV_CLOSED, POP3_CMD_NONE, NULL);
    ev.err = err;
    emit(c, &ev);
}

static int is_open(const pop3_client *c)
{
    return c->state != POP3_STATE_CLOSED;
}

/* ---- sending -------------------------------------------------------------- */

/* A transaction command still queued while no login is: the login it was
 * queued behind failed (RFC 1939 sec. 4: the server is still in the
 * AUTHORIZATION state), so it must never reach the wire. */
static int is_dead(const pop3_client *c, uint8_t cmd)
{
    return c->state == POP3_STATE_AUTHORIZATION && c->auth_pass == NULL &&
           cmd >= POP3_CMD_STAT && cmd <= POP3_CMD_NOOP;
}

/* Whether slot s (the next unsent one) may be written now. Without
 * PIPELINING one command is on the wire at a time. With it (RFC 2449 sec.
 * 6.6) queued commands go together, PASS right behind its USER and
 * transaction commands right behind PASS or APOP; STLS and AUTH still go
 * alone, and nothing follows them until their reply. */
static int may_format(const pop3_client *c, const pop3_slot *s)
{
    uint8_t last;

    if (c->state < POP3_STATE_AUTHORIZATION)
        return 0; /* nothing goes out before the greeting */
    if (STLS_WAIT(c))
        return 0; /* +OK to STLS: silent until the handshake is done */
    if (is_dead(c, s->cmd))
        return 0; /* behind a failed login: completed locally, never sent */
    if (s->cmd == POP3_CMD_QUIT && (c->flags & F_DELE))
        return c->q_sent == 0; /* commits: only once every reply matched */
    if (c->q_sent == 0)
        return 1;
    if (!(c->flags & F_PIPELINING))
        return 0;
    last = slot_at(c, c->q_sent - 1u)->cmd;
    if (last == POP3_CMD_USER)
        return s->cmd == POP3_CMD_PASS;
    return !pop3_cmd_goes_alone(last) && !pop3_cmd_goes_alone(s->cmd);
}

/* Writes the next unsent command into the command buffer: 1 when done, 0
 * when it may not go out yet, -1 when it may but the buffer is full. */
static int format_next(pop3_client *c)
{
    pop3_slot *s = slot_at(c, c->q_sent);
#if POP3_APOP
    char hex[2 * POP3_MD5_LEN];
#else
    char *hex = NULL;
#endif
    size_t n;

    if (!may_format(c, s))
        return 0;
    if (c->out_off != 0)
        return -1; /* appended only once the transport took what is there */
#if POP3_APOP
    if (s->cmd == POP3_CMD_APOP)
        pop3_md5_hex(c->apop, hex);
#endif
    if (POP3_SASL && s->cmd == POP3_CMD_AUTH) {
        int ir = 0;

        n = pop3_auth_command(c->out + c->out_len, (size_t)(c->out_size - c->out_len),
                              c->mech, c->auth_user, c->auth_pass, c->host, c->port, &ir);
        c->mech_ir = (uint8_t)(ir != 0);
    } else {
        n = pop3_cmd_format(c->out + c->out_len, (size_t)(c->out_size - c->out_len),
                            s, c->auth_user, c->auth_pass, hex);
    }
#if POP3_APOP
    wipe(hex, sizeof(hex));
#endif
    if (n == 0)
        return -1; /* no room now; the arguments were checked when queued */
    c->out_len = (uint16_t)(c->out_len + n);
    s->end = c->out_len;
    if (s->cmd == POP3_CMD_PASS || (POP3_APOP && s->cmd == POP3_CMD_APOP) ||
        (s->cmd == POP3_CMD_AUTH && c->mech_ir))
        c->flags |= F_SECRET;
    c->q_sent++;
    return 1;
}

/* Hands the command buffer to the transport. Returns 1 when all of it was
 * taken, 0 when the transport wants a pause or the session ended. */
static int send_out(pop3_client *c)
{
    long r;

    while (c->out_off < c->out_len) {
        r = c->tr->send(c->tr->ctx, c->out + c->out_off,
                        (size_t)(c->out_len - c->out_off));
        if (r < 0) {
            finish(c, POP3_ERR_TRANSPORT, 1);
            return 0;
        }
        if (r == 0)
            return 0; /* resumed by pop3_client_writable() */
        if ((unsigned long)r > (unsigned long)(c->out_len - c->out_off))
            r = (long)(c->out_len - c->out_off); /* a lying transport */
        c->out_off = (uint16_t)(c->out_off + (unsigned long)r);
        /* A reply belongs to a command only once its last octet left. */
        while (c->q_acked < c->q_sent && slot_at(c, c->q_acked)->end <= c->out_off)
            c->q_acked++;
    }
    if (c->flags & F_SECRET) {
        /* The secret is on the wire: no copy of it stays behind. */
        wipe(c->out, c->out_size);
        c->flags = (uint16_t)(c->flags & ~F_SECRET);
    }
    c->out_off = c->out_len = 0;
    return 1;
}

/* Writes queued commands as far as the state, the pipelining rule, the
 * command buffer and the transport allow. */
static void flush(pop3_client *c)
{
    int r;

    while (is_open(c)) {
        r = 0;
        while (c->q_sent < c->q_count && (r = format_next(c)) > 0)
            ;
        /* Commands left unformatted only for lack of room go next round. */
        if (c->out_off == c->out_len || !send_out(c) || r >= 0)
            return;
    }
}

/* ---- queueing --------------------------------------------------------------- */

static pop3_err check_open(const pop3_client *c)
{
    if (c == NULL)
        return POP3_ERR_ARG;
    if (!is_open(c))
        return (pop3_err)c->err;
    return POP3_OK;
}

/* A call whose feature this build left out (pop3_config_defaults.h). */
static pop3_err unsupported(const pop3_client *c)
{
    pop3_err e = check_open(c);

    return e != POP3_OK ? e : POP3_ERR_UNSUPPORTED;
}

static pop3_err push(pop3_client *c, pop3_cmd cmd, uint32_t arg, uint32_t arg2)
{
    pop3_slot *s;
    uint8_t last = c->q_count > 0 ? slot_at(c, c->q_count - 1u)->cmd : POP3_CMD_NONE;

    /* QUIT is always last: the server closes after answering it, so a
     * command queued behind it could never get its reply. Nothing behind
     * STLS either: what follows depends on the handshake. */
    if (last == POP3_CMD_QUIT || (POP3_STLS && last == POP3_CMD_STLS) || STLS_WAIT(c))
        return POP3_ERR_STATE;
    if (c->q_count >= c->q_len)
        return POP3_ERR_BUSY;
    s = slot_at(c, c->q_count);
    s->cmd = (uint8_t)cmd;
    s->arg = arg;
    s->arg2 = arg2;
    if (c->q_count == 0) { /* from idle to waiting for a reply */
        c->elapsed = 0;
        c->win_ms = 0;
        c->win_octets = 0;
    }
    if (cmd == POP3_CMD_DELE)
        c->flags |= F_DELE;
    c->q_count++;
    return POP3_OK;
}

/* True while a login (USER/PASS, APOP, AUTH) waits in the queue or for its
 * reply: its credentials are held exactly that long. (Nothing can be queued
 * behind STLS; push() refuses it.) */
static int login_queued(const pop3_client *c)
{
    return c->auth_pass != NULL;
}

#define IN_AUTH (1u << POP3_STATE_AUTHORIZATION)
#define IN_TRANS (1u << POP3_STATE_TRANSACTION)
#define NEED_MSG (1u << 7) /* arg is a message number, 1 or more */

/* Transaction commands may also be queued behind a login still in the
 * queue: they go out after it (right behind it with PIPELINING). */
static pop3_err queue_cmd(pop3_client *c, pop3_cmd cmd, uint32_t arg,
                          uint32_t arg2, unsigned states)
{
    pop3_err e = check_open(c);

    if (e != POP3_OK)
        return e;
    if (!(states & (1u << c->state)) &&
        !((states & IN_TRANS) && c->state == POP3_STATE_AUTHORIZATION && login_queued(c)))
        return POP3_ERR_STATE;
    if ((states & NEED_MSG) && arg == 0)
        return POP3_ERR_ARG; /* RFC 1939: messages are numbered from 1 */
    e = push(c, cmd, arg, arg2);
    if (e != POP3_OK)
        return e;
    flush(c);
    return POP3_OK;
}

/* ---- the greeting and APOP ------------------------------------------------ */

#if POP3_APOP
/* RFC 1939 sec. 7: the timestamp is the "<...>" in the greeting. */
static int greeting_timestamp(const char *line, const char **ts, size_t *len)
{
    /* memchr, not strchr: the engine needs only mem* and strlen. */
    size_t n = strlen(line);
    const char *lt = (const char *)memchr(line, '<', n);
    const char *gt = lt != NULL ? (const char *)memchr(lt, '>', n - (size_t)(lt - line)) : NULL;

    if (lt == NULL || gt == NULL || gt == lt + 1)
        return 0;
    *ts = lt;
    *len = (size_t)(gt - lt) + 1;
    return 1;
}
#endif

pop3_err pop3_client_login(pop3_client *c, const char *user, const char *pass,
                           pop3_auth method)
{
    /* USER/PASS/APOP lines stay within RFC 2449's 255 octets. */
    size_t max_user = method == POP3_AUTH_APOP ? POP3_CMD_MAX - 40u : POP3_CMD_MAX - 7u;
    pop3_err e = check_open(c);
    size_t pass_len;

    if (e != POP3_OK)
        return e;
    if (!POP3_APOP && method == POP3_AUTH_APOP)
        return POP3_ERR_UNSUPPORTED;
    if (c->state != POP3_STATE_AUTHORIZATION)
        return POP3_ERR_STATE;
    if (login_queued(c))
        return POP3_ERR_STATE; /* a login is already under way */
    pass_len = pop3_cmd_arg_len(pass, POP3_CMD_MAX - 7u, 1);
    if (pop3_cmd_arg_len(user, max_user, 0) == 0 || pass_len == 0)
        return POP3_ERR_ARG;
    if (method != POP3_AUTH_USER && method != POP3_AUTH_APOP)
        return POP3_ERR_ARG;
    if ((unsigned)(c->q_len - c->q_count) < (method == POP3_AUTH_USER ? 2u : 1u))
        return POP3_ERR_BUSY;
#if POP3_APOP
    if (method == POP3_AUTH_APOP) {
        const char *ts;
        size_t ts_len;

        if (!(c->flags & F_IN_GREETING) || !(c->flags & F_HAS_TS) ||
            !greeting_timestamp(c->line, &ts, &ts_len))
            return POP3_ERR_APOP_UNAVAILABLE;
        if (pop3_md5_apop(ts, ts_len, pass, pass_len, c->apop) != 0)
            return POP3_ERR_APOP_UNAVAILABLE;
        c->flags |= F_APOP;
    }
#endif
    e = push(c, method == POP3_AUTH_APOP ? POP3_CMD_APOP : POP3_CMD_USER, 0, 0);
    if (e != POP3_OK) {
        forget_credentials(c); /* the APOP digest too */
        return e;              /* behind QUIT */
    }
    if (method == POP3_AUTH_USER)
        (void)push(c, POP3_CMD_PASS, 0, 0); /* room was checked above */
    c->auth_user = user;
    c->auth_pass = pass;
    flush(c);
    return POP3_OK;
}

/* ---- reply parsing ---------------------------------------------------------- */

static const char *skip_sp(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* Decimal number after optional blanks at *pp; advances past it. Refuses no
 * digits and values over 32 bits (64 with wide). */
static int parse_u64(const char **pp, uint64_t *out, int wide)
{
    const char *p = skip_sp(*pp), *start = p;
    uint64_t v = 0, max = wide ? UINT64_MAX : UINT32_MAX;
    unsigned d;

    while ((d = (unsigned)(*p - '0')) <= 9u) {
        /* v * 10 + d > max, without a run-time 64-bit division (which
         * would pull __aeabi_uldivmod into a Cortex-M build). */
        if (v > UINT64_MAX / 10u || v * 10u > max - d)
            return 0;
        v = v * 10u + d;
        p++;
    }
    if (p == start || (*p != '\0' && *p != ' ' && *p != '\t'))
        return 0; /* no digits, or "12abc" */
    *pp = p;
    *out = v;
    return 1;
}

/* "N SIZE" (LIST, STAT): a 32-bit and a 64-bit number, anything may follow
 * the second. */
static pop3_err parse_pair(const char *p, uint64_t *a, uint64_t *b)
{
    if (!parse_u64(&p, a, 0) || !parse_u64(&p, b, 1))
        return POP3_ERR_NUMBER;
    return POP3_OK;
}

#if POP3_UIDL_TOP
/* "N UID": RFC 1939 sec. 7, a unique-id is 1..70 octets 0x21..0x7E. */
static pop3_err parse_uidl(const char *p, uint32_t *msg, const char **uid, size_t *len)
{
    uint64_t n;
    size_t i;

    if (!parse_u64(&p, &n, 0) || n == 0)
        return POP3_ERR_NUMBER;
    p = skip_sp(p);
    for (i = 0; p[i] > 0x20 && p[i] < 0x7f; i++)
        ;
    if (i == 0 || *skip_sp(p + i) != '\0')
        return POP3_ERR_PROTOCOL;
    *msg = (uint32_t)n;
    *uid = p;
    *len = i;
    return POP3_OK;
}
#endif

/* RFC 2449 sec. 8 and RFC 3206: "[CODE/SUB]" at the start of the text. */
static pop3_resp_code resp_code(const char **text)
{
#if POP3_RESP_CODES
    static const struct { const char *name; pop3_resp_code code; } codes[] = {
        { "IN-USE", POP3_RESP_IN_USE }, { "LOGIN-DELAY", POP3_RESP_LOGIN_DELAY },
        { "SYS/TEMP", POP3_RESP_SYS_TEMP }, { "SYS/PERM", POP3_RESP_SYS_PERM },
        { "AUTH", POP3_RESP_AUTH }
    };
    const char *p = *text, *end;
    size_t i, n;

    if (*p != '[' || (end = (const char *)memchr(p, ']', strlen(p))) == NULL)
        return POP3_RESP_NONE;
    *text = skip_sp(end + 1);
    for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        n = strlen(codes[i].name);
        if ((size_t)(end - p - 1) >= n && memcmp(p + 1, codes[i].name, n) == 0 &&
            (p[1 + n] == ']' || p[1 + n] == '/'))
            return codes[i].code;
    }
    return POP3_RESP_OTHER;
#else
    (void)text;
    return POP3_RESP_NONE;
#endif
}

#if POP3_CAPA
static int word_is(const char *p, size_t n, const char *word)
{
    size_t i;

    for (i = 0; i < n; i++) {
        char a = p[i], b = word[i];
        if (b == '\0')
            return 0;
        if (a >= 'a' && a <= 'z')
            a = (char)(a - 'a' + 'A'); /* RFC 2449 sec. 6: case-insensitive */
        if (a != b)
            return 0;
    }
    return word[n] == '\0';
}

static size_t word_len(const char *p)
{
    size_t n = 0;

    while (p[n] != '\0' && p[n] != ' ' && p[n] != '\t')
        n++;
    return n;
}

static void forget_capa(pop3_client *c)
{
    c->capa = 0;
    c->sasl = 0;
    c->expire = 0;
    c->login_delay = 0;
}

static void parse_capa_line(pop3_client *c, const char *line)
{
    static const struct { const char *name; uint16_t bit; } names[] = {
        { "TOP", POP3_CAPA_TOP }, { "USER", POP3_CAPA_USER },
        { "SASL", POP3_CAPA_SASL }, { "RESP-CODES", POP3_CAPA_RESP_CODES },
        { "PIPELINING", POP3_CAPA_PIPELINING }, { "UIDL", POP3_CAPA_UIDL },
        { "STLS", POP3_CAPA_STLS }, { "EXPIRE", POP3_CAPA_EXPIRE },
        { "LOGIN-DELAY", POP3_CAPA_LOGIN_DELAY },
        { "IMPLEMENTATION", POP3_CAPA_IMPLEMENTATION },
        { "AUTH-RESP-CODE", POP3_CAPA_AUTH_RESP_CODE }
    };
    static const struct { const char *name; uint8_t bit; } mechs[] = {
        { "PLAIN", POP3_SASL_PLAIN }, { "LOGIN", POP3_SASL_LOGIN },
        { "CRAM-MD5", POP3_SASL_CRAM_MD5 }, { "XOAUTH2", POP3_SASL_XOAUTH2 },
        { "OAUTHBEARER", POP3_SASL_OAUTHBEARER }
    };
    const char *p = skip_sp(line), *arg;
    size_t n = word_len(p), i, m;
    uint64_t v;
    uint16_t bit = 0;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (word_is(p, n, names[i].name))
            bit = names[i].bit;
    }
    c->capa = (uint16_t)(c->capa | bit);
    arg = skip_sp(p + n);
    if (bit == POP3_CAPA_SASL) {
        for (; *arg != '\0'; arg = skip_sp(arg + m)) {
            m = word_len(arg);
            for (i = 0; i < sizeof(mechs) / sizeof(mechs[0]); i++) {
                if (word_is(arg, m, mechs[i].name))
                    c->sasl = (uint8_t)(c->sasl | mechs[i].bit);
            }
        }
    } else if (bit == POP3_CAPA_EXPIRE) {
        if (word_is(arg, word_len(arg), "NEVER"))
            c->expire = 0xFFFFu;
        else if (parse_u64(&arg, &v, 0))
            c->expire = (uint16_t)(v < 0xFFFEu ? v : 0xFFFEu);
    } else if (bit == POP3_CAPA_LOGIN_DELAY) {
        if (parse_u64(&arg, &v, 0))
            c->login_delay = (uint16_t)(v < 0xFFFFu ? v : 0xFFFFu);
    }
}
#endif

#if POP3_CAPA
/* A line that reads as a status line: "+OK" or "-ERR", then a blank or
 * its end. Inside a listing it is another command's reply: an unsolicited
 * line earlier shifted every reply by one. */
static int is_status_line(const char *line)
{
    size_t n = line[0] == '+' ? 3u : 4u;

    return memcmp(line, line[0] == '+' ? "+OK" : "-ERR", n) == 0 &&
           (line[n] == '\0' || line[n] == ' ' || line[n] == '\t');
}
#endif

/* ---- reply handling ----------------------------------------------------------- */

/* Removes the head slot; its reply is complete. Callers take what the
 * event needs from it first: the callback may queue into the freed slot. */
static void pop_head(pop3_client *c)
{
    c->q_head = (uint16_t)((c->q_head + 1u) % c->q_len);
    c->q_count--;
    if (c->q_sent > 0)
        c->q_sent--;
    if (c->q_acked > 0)
        c->q_acked--;
}

static void on_greeting(pop3_client *c, int ok, const char *text)
{
    pop3_event ev;
    pop3_resp_code code;

    if (!ok) {
        code = resp_code(&text);
        event_init(&ev, POP3_EV_SERVER_ERR, POP3_CMD_NONE, text);
        ev.code = code;
        emit(c, &ev);
        finish(c, POP3_ERR_REFUSED, 1);
        return;
    }
    c->state = POP3_STATE_AUTHORIZATION;
    c->elapsed = 0;
    event_init(&ev, POP3_EV_GREETING, POP3_CMD_NONE, text);
#if POP3_APOP
    {
        const char *ts;
        size_t ts_len;

        if (greeting_timestamp(c->line, &ts, &ts_len)) {
            c->flags |= F_HAS_TS;
            ev.count = 1;
        }
    }
#endif
    c->flags |= F_IN_GREETING;
    emit(c, &ev);
    c->flags = (uint16_t)(c->flags & ~F_IN_GREETING);
}

/* Commands of a left-out feature are never queued, so they are not
 * looked for. */
#define IS_BODY(cmd) ((cmd) == POP3_CMD_RETR || (POP3_UIDL_TOP && (cmd) == POP3_CMD_TOP))

static int is_multiline(uint8_t cmd, uint32_t arg)
{
    if (IS_BODY(cmd) || (POP3_CAPA && cmd == POP3_CMD_CAPA))
        return 1;
    /* LIST and UIDL: with an argument the reply is one line. */
    return (cmd == POP3_CMD_LIST || (POP3_UIDL_TOP && cmd == POP3_CMD_UIDL)) && arg == 0;
}

/* RFC 5034 sec. 4: "+ " continuation lines, only while AUTH is answered. */
static pop3_err on_challenge(pop3_client *c, const char *text)
{
    size_t n;
    int secret = 0;

    if (c->state != POP3_STATE_AUTHORIZATION || c->q_sent == 0 ||
        c->q[c->q_head].cmd != POP3_CMD_AUTH)
        return POP3_ERR_PROTOCOL; /* a continuation nobody asked for */
    if (c->mech_step >= 8u)
        return POP3_ERR_PROTOCOL; /* a server that never ends the exchange */
    if (c->out_len != 0)
        return POP3_ERR_PROTOCOL; /* a challenge before our line was written */
    /* The challenge sits in the line buffer; CRAM-MD5 decodes it in place. */
    n = pop3_auth_response(c->out, c->out_size,
                           c->mech, c->mech_step, c->mech_ir,
                           c->auth_user, c->auth_pass, c->host, c->port,
                           c->line + (text - c->line), &secret);
    if (n == 0)
        return POP3_ERR_PROTOCOL; /* cannot happen: pop3_auth_check() sized it */
    c->mech_step++;
    c->out_len = (uint16_t)n;
    if (secret)
        c->flags |= F_SECRET;
    return POP3_OK;
}

/* The status line of the reply to the head slot. One event describes it
 * (OK, SERVER_ERR, LOGIN, STAT, LIST n, UIDL n, STLS or MSG_BEGIN); a
 * multi-line +OK switches the reader to listing lines or a body. */
static pop3_err on_reply(pop3_client *c, int ok, const char *text)
{
    pop3_event ev;
    uint8_t cmd = c->q[c->q_head].cmd; /* ev.msg is the slot's argument */
    pop3_resp_code code = resp_code(&text);
    uint64_t a, b;
    pop3_err e;

    head_event(c, &ev, ok ? POP3_EV_OK : POP3_EV_SERVER_ERR, text);
    ev.code = code;
    /* AUTH: our SASL response has not left yet. STLS: nothing of the
     * clear-text phase may be left to send once TLS starts. */
    if ((cmd == POP3_CMD_AUTH || cmd == POP3_CMD_STLS) && c->out_len != 0)
        return POP3_ERR_UNEXPECTED;
    if (!ok) {
        pop_head(c);
        if (cmd == POP3_CMD_USER) { /* its PASS is the head now */
            if (c->q_sent == 0)
                pop_head(c); /* not sent yet: never send it to a refused user */
            else
                cmd = POP3_CMD_NONE; /* on the wire: its -ERR ends the login */
        }
        if (pop3_cmd_is_barrier(cmd))
            forget_credentials(c);
        emit(c, &ev);
        if (cmd == POP3_CMD_QUIT) /* RFC 1939 sec. 6: the session is over */
            finish(c, POP3_ERR_QUIT_REFUSED, 1);
        return POP3_OK;
    }
    if (is_multiline(cmd, ev.msg)) {
        if (IS_BODY(cmd)) {
            pop3_reply_expect(&c->rd, POP3_RD_BODY);
            ev.type = POP3_EV_MSG_BEGIN;
            emit(c, &ev);
        } else {
#if POP3_CAPA
            if (cmd == POP3_CMD_CAPA)
                forget_capa(c); /* a new list replaces the old one */
#endif
            pop3_reply_expect(&c->rd, POP3_RD_LINES);
        }
        return POP3_OK;
    }
    switch (cmd) {
#if POP3_STLS
    case POP3_CMD_STLS: /* RFC 2595 sec. 4: TLS starts right after this */
        c->tls = 1;
        c->elapsed = 0;
        ev.type = POP3_EV_STLS;
        break;
#endif
    case POP3_CMD_PASS:
#if POP3_APOP
    case POP3_CMD_APOP:
#endif
#if POP3_SASL
    case POP3_CMD_AUTH:
#endif
        c->state = POP3_STATE_TRANSACTION;
        forget_credentials(c);
        ev.type = POP3_EV_LOGIN;
        break;
    case POP3_CMD_STAT: /* "+OK count octets" */
    case POP3_CMD_LIST: /* LIST n: "+OK n size" (RFC 1939 sec. 5) */
        if ((e = parse_pair(text, &a, &b)) != POP3_OK)
            return e;
        ev.size = b;
        ev.text = NULL;
        ev.len = 0;
        if (cmd == POP3_CMD_STAT) {
            ev.type = POP3_EV_STAT;
            ev.count = (uint32_t)a;
        } else if (a != ev.msg) {
            return POP3_ERR_PROTOCOL; /* an answer to another question */
        } else {
            ev.type = POP3_EV_LIST;
        }
        break;
#if POP3_UIDL_TOP
    case POP3_CMD_UIDL: {
        uint32_t m;

        if ((e = parse_uidl(text, &m, &ev.text, &ev.len)) != POP3_OK)
            return e;
        if (m != ev.msg)
            return POP3_ERR_PROTOCOL;
        ev.type = POP3_EV_UIDL;
        break;
    }
#endif
    default:
        break;
    }
    pop_head(c);
    emit(c, &ev);
    if (cmd == POP3_CMD_QUIT && is_open(c)) {
        /* RFC 1939 sec. 6: +OK to QUIT means the UPDATE state is done. */
        c->state = POP3_STATE_UPDATE;
        finish(c, POP3_ERR_CLOSED, 1);
    }
    return POP3_OK;
}

static pop3_err on_status(pop3_client *c, const char *line)
{
    int ok;
    const char *text;

    if (POP3_SASL && line[0] == '+' && (line[1] == ' ' || line[1] == '\0'))
        return on_challenge(c, line[1] == ' ' ? line + 2 : line + 1);
    /* memcmp reads at most 4 octets of the line buffer (>= POP3_LINE_MIN);
     * a shorter line differs at its NUL. */
    if (memcmp(line, "+OK", 3) == 0)
        ok = 1, text = line + 3;
    else if (memcmp(line, "-ERR", 4) == 0)
        ok = 0, text = line + 4;
    else
        return POP3_ERR_PROTOCOL;
    if (*text == ' ')
        text++;
    else if (*text != '\0')
        return POP3_ERR_PROTOCOL; /* "+OKAY" is not "+OK" */
    if (c->state == POP3_STATE_GREETING) {
        on_greeting(c, ok, text);
        return POP3_OK;
    }
    return on_reply(c, ok, text);
}

static pop3_err on_listing_line(pop3_client *c, const char *line, size_t len)
{
    pop3_event ev;
    const pop3_slot *s = &c->q[c->q_head];
    uint64_t a, b;
    pop3_err e;

    if (*skip_sp(line) == '\0')
        return POP3_OK; /* some servers put empty lines in listings */
    head_event(c, &ev, POP3_EV_LIST, NULL);
    switch (s->cmd) {
#if POP3_CAPA
    case POP3_CMD_CAPA:
        if (is_status_line(line))
            return POP3_ERR_UNEXPECTED; /* a reply inside the list: shifted */
        parse_capa_line(c, line);
        ev.type = POP3_EV_CAPA_LINE;
        ev.text = line;
        ev.len = len;
        break;
#endif
#if POP3_UIDL_TOP
    case POP3_CMD_UIDL:
        if ((e = parse_uidl(line, &ev.msg, &ev.text, &ev.len)) != POP3_OK)
            return e;
        ev.type = POP3_EV_UIDL;
        break;
#endif
    default: /* LIST */
        if ((e = parse_pair(line, &a, &b)) != POP3_OK)
            return e;
        if (a == 0)
            return POP3_ERR_NUMBER;
        ev.msg = (uint32_t)a;
        ev.size = b;
        break;
    }
    (void)len;
    emit(c, &ev);
    return POP3_OK;
}

static void on_end(pop3_client *c)
{
    pop3_event ev;
    uint8_t cmd = c->q[c->q_head].cmd;
    int body = IS_BODY(cmd);

    head_event(c, &ev, body ? POP3_EV_MSG_END : POP3_EV_END, NULL);
    pop_head(c);
#if POP3_CAPA
    if (cmd == POP3_CMD_CAPA) {
        if (c->capa & POP3_CAPA_PIPELINING)
            c->flags |= F_PIPELINING;
        else
            c->flags = (uint16_t)(c->flags & ~F_PIPELINING);
    }
#endif
    emit(c, &ev);
}

static pop3_err on_token(pop3_client *c, const pop3_tok *t)
{
    pop3_event ev;

    switch (t->kind) {
    case POP3_TOK_LINE:
        if (c->rd.mode == POP3_RD_LINES)
            return on_listing_line(c, (const char *)t->data, t->len);
        return on_status(c, (const char *)t->data);
    case POP3_TOK_DATA:
        head_event(c, &ev, POP3_EV_MSG_DATA, NULL);
        ev.text = (const char *)t->data;
        ev.len = t->len;
        emit(c, &ev);
        return POP3_OK;
    case POP3_TOK_END:
        on_end(c);
        return POP3_OK;
    case POP3_TOK_ERROR:
        return t->err;
    default:
        return POP3_OK;
    }
}

/* Commands queued behind a login that failed complete here, in order, as
 * SERVER_ERR with err = POP3_ERR_STATE: they were never sent. */
static void drop_dead(pop3_client *c)
{
    pop3_event ev;

    while (is_open(c) && c->q_sent == 0 && c->q_count > 0 &&
           is_dead(c, c->q[c->q_head].cmd)) {
        head_event(c, &ev, POP3_EV_SERVER_ERR, NULL);
        ev.err = POP3_ERR_STATE;
        pop_head(c);
        emit(c, &ev);
    }
}

/* ---- port-facing calls --------------------------------------------------- */

size_t pop3_client_input(pop3_client *c, const void *data, size_t len)
{
    const uint8_t *in = (const uint8_t *)data;
    size_t off = 0, n;
    pop3_tok t;
    pop3_err e;

    if (c == NULL || data == NULL)
        return 0;
    if (c->state == POP3_STATE_CONNECTING && len > 0)
        pop3_client_connected(c); /* octets prove the connection is up */
    while (off < len && is_open(c) && !(c->flags & F_PAUSED)) {
        if (STLS_WAIT(c)) { /* RFC 2595 sec. 4: nothing may precede TLS */
            finish(c, POP3_ERR_STLS_DATA, 1);
            break;
        }
        /* A reply belongs only to a command whose last octet the
         * transport took: the server cannot answer what it never got. */
        if (c->state != POP3_STATE_GREETING && c->q_acked == 0 &&
            c->rd.mode == POP3_RD_STATUS) {
            finish(c, POP3_ERR_UNEXPECTED, 1);
            break;
        }
        n = pop3_reply_next(&c->rd, c->line, c->line_size, in + off, len - off, &t);
        off += n;
        c->win_octets = c->win_octets > UINT32_MAX - n ? UINT32_MAX : c->win_octets + (uint32_t)n;
        if (t.kind != POP3_TOK_NONE)
            c->elapsed = 0; /* a whole line or body octets: the reply moves */
        e = on_token(c, &t);
        if (e != POP3_OK) {
            finish(c, e, 1);
            break;
        }
        if (t.kind == POP3_TOK_END || t.kind == POP3_TOK_LINE) {
            drop_dead(c);
            flush(c); /* a reply ended: the next command may go out */
        }
    }
    return off;
}

void pop3_client_connected(pop3_client *c)
{
    if (c == NULL || c->state != POP3_STATE_CONNECTING)
        return;
    c->state = POP3_STATE_GREETING;
    c->elapsed = 0;
}

void pop3_client_writable(pop3_client *c)
{
    if (c != NULL)
        flush(c);
}

void pop3_client_eof(pop3_client *c)
{
    if (c != NULL) /* finish() does nothing once the session is over */
        finish(c, pop3_reply_in_multiline(&c->rd) ? POP3_ERR_TRUNCATED : POP3_ERR_EOF, 1);
}

void pop3_client_fail(pop3_client *c, pop3_err reason)
{
    if (c == NULL)
        return;
    if (reason == POP3_OK || (unsigned)reason >= (unsigned)POP3_ERR_COUNT_)
        reason = POP3_ERR_RESET;
    finish(c, reason, 0);
}

void pop3_client_abort(pop3_client *c)
{
    if (c != NULL)
        finish(c, POP3_ERR_ABORTED, 1);
}

static pop3_err timeout_for(const pop3_client *c, uint32_t *limit)
{
    switch (c->state) {
    case POP3_STATE_CONNECTING:
        *limit = c->t_connect;
        return POP3_ERR_TIMEOUT_CONNECT;
    case POP3_STATE_GREETING:
        *limit = c->t_greeting;
        return POP3_ERR_TIMEOUT_GREETING;
    default:
        break;
    }
    if (c->q_count > 0 || STLS_WAIT(c)) { /* a reply, or the TLS handshake */
        *limit = c->t_reply;
        return POP3_ERR_TIMEOUT_REPLY;
    }
    *limit = c->t_idle;
    return POP3_ERR_TIMEOUT_IDLE;
}

/* The low-speed rule: while the greeting or a reply is awaited, each
 * window of speed_ms must bring no octet (the timeouts' case) or at least
 * speed_octets, so a server cannot hold a session by trickling. */
static void low_speed(pop3_client *c, pop3_err waiting, uint32_t delta)
{
    if (c->speed_ms == 0 || c->speed_octets == 0 ||
        (waiting != POP3_ERR_TIMEOUT_GREETING && waiting != POP3_ERR_TIMEOUT_REPLY) ||
        STLS_WAIT(c)) {
        c->win_ms = 0;
        c->win_octets = 0;
        return;
    }
    c->win_ms = (uint16_t)(delta >= 0xFFFFu - c->win_ms ? 0xFFFFu : c->win_ms + delta);
    if (c->win_ms < c->speed_ms)
        return;
    /* Octets per window, scaled to the time that passed: ticks may be
     * coarser than the window. */
    if (c->win_octets > 0 &&
        (uint64_t)c->win_octets * c->speed_ms < (uint64_t)c->speed_octets * c->win_ms)
        finish(c, POP3_ERR_TIMEOUT_SPEED, 1);
    c->win_ms = 0;
    c->win_octets = 0;
}

void pop3_client_tick(pop3_client *c, uint32_t now_ms)
{
    uint32_t delta, limit;
    pop3_err why;

    if (c == NULL || !is_open(c))
        return;
    /* Unsigned subtraction: correct across the counter's wrap. */
    delta = (c->flags & F_TICKED) ? now_ms - c->last_tick : 0u;
    c->last_tick = now_ms;
    c->flags |= F_TICKED;
    if (c->flags & F_PAUSED)
        return; /* the application holds the data back, not the server */
    c->elapsed = c->elapsed > UINT32_MAX - delta ? UINT32_MAX : c->elapsed + delta;
    why = timeout_for(c, &limit);
    if (limit != 0 && c->elapsed >= limit)
        finish(c, why, 1);
    else
        low_speed(c, why, delta);
}

/* ---- application-facing calls --------------------------------------------- */

void pop3_client_config_defaults(pop3_client_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->connect_timeout_ms = POP3_CONNECT_TIMEOUT_MS;
    cfg->greeting_timeout_ms = POP3_GREETING_TIMEOUT_MS;
    cfg->reply_timeout_ms = POP3_REPLY_TIMEOUT_MS;
    cfg->idle_timeout_ms = POP3_IDLE_TIMEOUT_MS;
    cfg->low_speed_octets = POP3_LOW_SPEED_OCTETS;
    cfg->low_speed_ms = POP3_LOW_SPEED_MS;
}

pop3_err pop3_client_init(pop3_client *c, const pop3_client_config *cfg)
{
    if (c == NULL)
        return POP3_ERR_ARG;
    memset(c, 0, sizeof(*c));
    if (cfg == NULL || cfg->transport == NULL || cfg->transport->send == NULL ||
        cfg->line_buf == NULL || cfg->line_size < POP3_LINE_MIN ||
        cfg->cmd_buf == NULL || cfg->cmd_size < POP3_CMD_MAX ||
        cfg->queue == NULL || cfg->queue_len < 2u) {
        c->state = POP3_STATE_CLOSED;
        c->err = POP3_ERR_ARG;
        return POP3_ERR_ARG;
    }
    c->tr = cfg->transport;
    c->cb = cfg->cb;
    c->user = cfg->user;
    c->host = cfg->host;
    c->port = cfg->port;
    c->line = cfg->line_buf;
    c->line_size = (uint16_t)(cfg->line_size > 65535u ? 65535u : cfg->line_size);
    c->out = cfg->cmd_buf;
    c->out_size = (uint16_t)(cfg->cmd_size > 65535u ? 65535u : cfg->cmd_size);
    c->q = cfg->queue;
    /* A deep queue keeps a long-latency link full of small RETRs. */
    c->q_len = (uint16_t)(cfg->queue_len > 65535u ? 65535u : cfg->queue_len);
    c->t_connect = cfg->connect_timeout_ms;
    c->t_greeting = cfg->greeting_timeout_ms;
    c->t_reply = cfg->reply_timeout_ms;
    c->t_idle = cfg->idle_timeout_ms;
    c->speed_octets = cfg->low_speed_octets;
    c->speed_ms = (uint16_t)(cfg->low_speed_ms < 0xFFFFu ? cfg->low_speed_ms : 0xFFFFu);
    c->state = POP3_STATE_CONNECTING;
    return POP3_OK;
}

void pop3_client_free(pop3_client *c)
{
    if (c == NULL)
        return;
    if (c->out != NULL)
        wipe(c->out, c->out_size);
    wipe(c, sizeof(*c));
}

pop3_err pop3_client_capa(pop3_client *c)
{
    if (!POP3_CAPA)
        return unsupported(c);
    return queue_cmd(c, POP3_CMD_CAPA, 0, 0, IN_AUTH | IN_TRANS);
}

pop3_err pop3_client_stls(pop3_client *c)
{
    pop3_err e;

    if (!POP3_STLS)
        return unsupported(c);
    e = check_open(c);
    if (e != POP3_OK)
        return e;
    if (c->state != POP3_STATE_AUTHORIZATION || c->tls != 0)
        return POP3_ERR_STATE;
    if (login_queued(c))
        return POP3_ERR_STATE; /* a login (or STLS) is under way */
    return queue_cmd(c, POP3_CMD_STLS, 0, 0, IN_AUTH);
}

pop3_err pop3_client_auth(pop3_client *c, unsigned mech, const char *user,
                          const char *secret)
{
    pop3_err e;

    if (!POP3_SASL)
        return unsupported(c);
    e = check_open(c);
    if (e != POP3_OK)
        return e;
    if (c->state != POP3_STATE_AUTHORIZATION)
        return POP3_ERR_STATE;
    if (login_queued(c))
        return POP3_ERR_STATE;
    e = pop3_auth_check(mech, user, secret, c->host, c->port, c->out_size);
    if (e != POP3_OK)
        return e;
    if (c->q_count >= c->q_len)
        return POP3_ERR_BUSY;
    c->auth_user = user;
    c->auth_pass = secret;
    c->mech = (uint8_t)mech;
    c->mech_step = 0;
    c->mech_ir = 0;
    e = queue_cmd(c, POP3_CMD_AUTH, 0, 0, IN_AUTH);
    if (e != POP3_OK)
        forget_credentials(c); /* behind QUIT: no login is under way */
    return e;
}

void pop3_client_tls_ready(pop3_client *c)
{
    pop3_event ev;

    if (c == NULL || !is_open(c) || c->tls == 2)
        return;
    if (STLS_WAIT(c)) {
        /* RFC 2595 sec. 4: forget what was learnt before TLS. */
#if POP3_CAPA
        forget_capa(c);
#endif
        c->flags = (uint16_t)(c->flags & ~F_PIPELINING);
    } else if (c->state > POP3_STATE_GREETING) {
        return; /* TLS without STLS in the middle of a session: not ours */
    }
    c->tls = 2;
    c->elapsed = 0;
    event_init(&ev, POP3_EV_TLS_READY, POP3_CMD_NONE, NULL);
    emit(c, &ev);
    flush(c);
}

bool pop3_client_tls_active(const pop3_client *c)
{
    return c != NULL && c->tls == 2;
}

pop3_err pop3_client_stat(pop3_client *c)
{
    return queue_cmd(c, POP3_CMD_STAT, 0, 0, IN_TRANS);
}

pop3_err pop3_client_list(pop3_client *c, uint32_t msg)
{
    return queue_cmd(c, POP3_CMD_LIST, msg, 0, IN_TRANS);
}

pop3_err pop3_client_uidl(pop3_client *c, uint32_t msg)
{
    if (!POP3_UIDL_TOP)
        return unsupported(c);
    return queue_cmd(c, POP3_CMD_UIDL, msg, 0, IN_TRANS);
}

pop3_err pop3_client_retr(pop3_client *c, uint32_t msg)
{
    return queue_cmd(c, POP3_CMD_RETR, msg, 0, IN_TRANS | NEED_MSG);
}

pop3_err pop3_client_top(pop3_client *c, uint32_t msg, uint32_t lines)
{
    if (!POP3_UIDL_TOP)
        return unsupported(c);
    return queue_cmd(c, POP3_CMD_TOP, msg, lines, IN_TRANS | NEED_MSG);
}

pop3_err pop3_client_dele(pop3_client *c, uint32_t msg)
{
    return queue_cmd(c, POP3_CMD_DELE, msg, 0, IN_TRANS | NEED_MSG);
}

pop3_err pop3_client_rset(pop3_client *c)
{
    return queue_cmd(c, POP3_CMD_RSET, 0, 0, IN_TRANS);
}

pop3_err pop3_client_noop(pop3_client *c)
{
    return queue_cmd(c, POP3_CMD_NOOP, 0, 0, IN_TRANS);
}

pop3_err pop3_client_quit(pop3_client *c)
{
    return queue_cmd(c, POP3_CMD_QUIT, 0, 0, IN_AUTH | IN_TRANS);
}

void pop3_client_pause(pop3_client *c)
{
    if (c != NULL && is_open(c))
        c->flags |= F_PAUSED;
}

void pop3_client_resume(pop3_client *c)
{
    if (c != NULL)
        c->flags = (uint16_t)(c->flags & ~F_PAUSED);
}

bool pop3_client_paused(const pop3_client *c)
{
    return c != NULL && (c->flags & F_PAUSED) != 0;
}

pop3_state pop3_client_state(const pop3_client *c)
{
    return c != NULL ? (pop3_state)c->state : POP3_STATE_CLOSED;
}

pop3_err pop3_client_error(const pop3_client *c)
{
    if (c == NULL)
        return POP3_ERR_ARG;
    return is_open(c) ? POP3_OK : (pop3_err)c->err;
}

unsigned pop3_client_capa_flags(const pop3_client *c)
{
    return c != NULL ? c->capa : 0u;
}

uint32_t pop3_client_capa_expire(const pop3_client *c)
{
    if (c == NULL)
        return 0u;
    return c->expire == 0xFFFFu ? POP3_EXPIRE_NEVER : c->expire;
}

uint32_t pop3_client_capa_login_delay(const pop3_client *c)
{
    return c != NULL ? c->login_delay : 0u;
}

unsigned pop3_client_sasl_mechs(const pop3_client *c)
{
    return c != NULL ? c->sasl : 0u;
}

bool pop3_client_pipelining(const pop3_client *c)
{
    return c != NULL && (c->flags & F_PIPELINING) != 0;
}

size_t pop3_client_pending(const pop3_client *c)
{
    return c != NULL ? c->q_count : 0u;
}

bool pop3_client_want_write(const pop3_client *c)
{
    return c != NULL && is_open(c) && c->out_off < c->out_len;
}
