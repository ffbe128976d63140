/* SPDX-License-Identifier: MIT */
/* fuzz_client.c - libFuzzer target: the whole engine (src/core) driven by
 * arbitrary server octets, with application commands interleaved.
 *
 * Input layout:
 *   [0] queue length (2..9) and a line buffer of 512 or 1024 octets
 *   [1] transport: octets accepted per send (0 = all) and end flags
 *   [2] seed of the split points
 *   [3] what the application does before the first octet
 *   [4..19] action table: the application's callback runs action
 *        table[i % 16] on the i-th event that is not MSG_DATA
 *   [20..] server octets
 * An action octet is (arg << 4) | op, op in: none (or with arg 1..15 SASL
 * AUTH PLAIN/LOGIN/CRAM-MD5/XOAUTH2/OAUTHBEARER), capa, login USER/PASS,
 * login APOP, stat, list, uidl, retr, top, dele, rset, noop, quit, pause,
 * abort, list+retr. So every protocol state can be reached: greeting, both
 * logins and SASL exchanges, listings, message bodies, pipelining after
 * CAPA, UPDATE, CLOSED.
 *
 * The octets are pushed twice, whole and split at pseudo-random points (many
 * of them one octet long), and the event logs and the octets sent must be
 * identical (DESIGN.md: "Every result must be identical whatever way the
 * same bytes are split"). Checked on the way: no event after CLOSED and
 * exactly one CLOSED, the state never goes back, no octet sent after the
 * session ended (so never a QUIT after a protocol error), body data only
 * inside MSG_BEGIN..MSG_END, input() consumes everything unless paused or
 * closed, and the password is in neither the command buffer nor the
 * client struct once input() returns. And the engine stays in step: every
 * event about a server reply belongs to a command whose whole line the
 * transport had taken (so a reply is never matched to an unsent command;
 * [1] bit 0x20 makes the transport stop taking octets after a budget),
 * and a QUIT after a DELE leaves only once every earlier command was
 * answered (so no QUIT can follow an undetected shift or an error).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pop3.h"

#define LOG_MAX (1u << 17)
#define SENT_MAX (1u << 20)
#define HDR 20
#define USER "alice"
#define PASS "hunter2-pw"

struct run {
    pop3_client c;
    pop3_client_config cfg;
    pop3_transport tr;     /* the engine writes here: the budget, then mem */
    pop3_transport mtr;
    pop3_transport_mem mem;
    long budget;           /* octets the transport still takes; < 0: any */
    size_t scanned;        /* start of the first sent line not yet counted */
    unsigned cmd_lines;    /* whole command lines the transport took */
    unsigned replies;      /* server replies completed, by the events */
    size_t pending;        /* pop3_client_pending() after the last event */
    int dele_sent;
    char line[1024];
    uint8_t cmd[POP3_CMD_MAX];
    pop3_slot q[9];
    uint8_t sent[SENT_MAX];
    const uint8_t *acts;
    unsigned nth;       /* events other than MSG_DATA */
    unsigned closed;    /* CLOSED events */
    size_t sent_at_close;
    int in_body, data_open;
    uint32_t body_msg;
    pop3_state last_state;
    uint8_t log[LOG_MAX];
    size_t log_len;
};

static struct run runs[2];

static void put(struct run *x, const void *p, size_t n)
{
    if (n > LOG_MAX - x->log_len)
        n = LOG_MAX - x->log_len;
    memcpy(x->log + x->log_len, p, n);
    x->log_len += n;
}

static void log_event(struct run *x, const pop3_event *ev)
{
    uint32_t f[8];

    if (ev->type == POP3_EV_MSG_DATA && x->data_open) {
        put(x, ev->text, ev->len);
        return;
    }
    x->data_open = ev->type == POP3_EV_MSG_DATA;
    f[0] = ev->type;
    f[1] = ev->cmd;
    f[2] = ev->code;
    f[3] = ev->err;
    f[4] = ev->msg;
    f[5] = ev->count;
    f[6] = (uint32_t)ev->size;
    f[7] = (uint32_t)(ev->size >> 32);
    put(x, "\n#", 2);
    put(x, f, sizeof(f));
    if (ev->len > 0)
        put(x, ev->text, ev->len);
}

static void act(struct run *x, uint8_t a)
{
    pop3_client *c = &x->c;
    uint32_t arg = a >> 4;

    switch (a & 15u) {
    case 1: (void)pop3_client_capa(c); break;
    case 2: (void)pop3_client_login(c, USER, PASS, POP3_AUTH_USER); break;
    case 3: (void)pop3_client_login(c, USER, PASS, POP3_AUTH_APOP); break;
    case 4: (void)pop3_client_stat(c); break;
    case 5: (void)pop3_client_list(c, arg); break;
    case 6: (void)pop3_client_uidl(c, arg); break;
    case 7: (void)pop3_client_retr(c, arg); break;
    case 8: (void)pop3_client_top(c, arg, arg); break;
    case 9: (void)pop3_client_dele(c, arg); break;
    case 10: (void)pop3_client_rset(c); break;
    case 11: (void)pop3_client_noop(c); break;
    case 12: (void)pop3_client_quit(c); break;
    case 13: pop3_client_pause(c); break;
    case 14: pop3_client_abort(c); break;
    case 15:
        (void)pop3_client_list(c, 0);
        (void)pop3_client_retr(c, arg);
        break;
    default:
        /* op 0 with an argument: SASL AUTH with one of the five mechanisms
         * (RFC 5034), so "+ " challenges are reached too. */
        if (arg != 0)
            (void)pop3_client_auth(c, 1u << ((arg - 1u) % 5u), USER, PASS);
        break;
    }
}

/* Every event about a server reply: the reply it belongs to (the next one,
 * counted from the events) must answer a command that left whole. A reply
 * ends with the event after which the engine holds one command fewer
 * (a refused USER takes its unsent PASS along); a command completed
 * locally (SERVER_ERR with err set) was never sent and is not a reply. */
static void check_step(struct run *x, const pop3_event *ev)
{
    size_t now = pop3_client_pending(&x->c);
    int ended = now < x->pending;

    switch (ev->type) {
    case POP3_EV_GREETING:
    case POP3_EV_CLOSED:
    case POP3_EV_TLS_READY:
        return;
    case POP3_EV_SERVER_ERR:
        if (ev->cmd == POP3_CMD_NONE)
            return; /* the greeting's -ERR */
        if (ev->err != POP3_OK) {
            if (ev->err != POP3_ERR_STATE || ev->len != 0)
                abort();
            return;
        }
        break;
    default:
        break;
    }
    if (x->replies + 1u > x->cmd_lines)
        abort(); /* a reply matched to a command that never left whole */
    if (ended)
        x->replies++;
}

static const char *const verbs[] = {"USER ", "PASS ", "APOP ", "CAPA\r", "STAT\r",
    "LIST", "UIDL", "RETR ", "TOP ", "DELE ", "RSET\r", "NOOP\r", "QUIT\r",
    "STLS\r", "AUTH "};

/* Counts the command lines among the octets the transport took (SASL
 * responses are base64 or "*", never a verb). When QUIT is taken after a
 * DELE, every earlier command must have been answered already. */
static void scan_sent(struct run *x)
{
    const uint8_t *p;
    size_t i, end;

    while ((p = memchr(x->sent + x->scanned, '\n', x->mem.len - x->scanned)) != NULL) {
        end = (size_t)(p - x->sent) + 1;
        for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
            size_t m = strlen(verbs[i]);

            if (end - x->scanned >= m + 1 && memcmp(x->sent + x->scanned, verbs[i], m) == 0)
                break;
        }
        if (i < sizeof(verbs) / sizeof(verbs[0])) {
            if (i == 12 && x->dele_sent && x->replies != x->cmd_lines)
                abort(); /* QUIT would commit before every reply was checked */
            if (i == 9)
                x->dele_sent = 1;
            x->cmd_lines++;
        }
        x->scanned = end;
    }
}

static long step_send(void *ctx, const uint8_t *data, size_t len)
{
    struct run *x = ctx;
    long r;

    if (x->budget == 0)
        return 0;
    if (x->budget > 0 && len > (size_t)x->budget)
        len = (size_t)x->budget;
    r = x->mtr.send(x->mtr.ctx, data, len);
    if (r > 0 && x->budget > 0)
        x->budget -= r;
    if (r > 0)
        scan_sent(x);
    return r;
}

static void step_close(void *ctx)
{
    struct run *x = ctx;

    x->mtr.close(x->mtr.ctx);
}

static void on_event(pop3_client *c, const pop3_event *ev, void *user)
{
    struct run *x = user;
    pop3_state st = pop3_client_state(c);

    if (x->closed)
        abort(); /* nothing after CLOSED */
    if (st < x->last_state)
        abort(); /* states only move forward */
    x->last_state = st;
    if (ev->len > 0 && ev->text == NULL)
        abort();
    switch (ev->type) {
    case POP3_EV_MSG_BEGIN:
        if (x->in_body)
            abort();
        x->in_body = 1;
        x->body_msg = ev->msg;
        break;
    case POP3_EV_MSG_DATA:
        if (!x->in_body || ev->msg != x->body_msg || ev->len == 0)
            abort();
        break;
    case POP3_EV_MSG_END:
        if (!x->in_body || ev->msg != x->body_msg)
            abort();
        x->in_body = 0;
        break;
    case POP3_EV_CLOSED:
        if (st != POP3_STATE_CLOSED || ev->err == POP3_OK ||
            pop3_client_error(c) != ev->err)
            abort();
        x->closed++;
        x->sent_at_close = x->mem.len;
        break;
    default:
        break;
    }
    check_step(x, ev);
    log_event(x, ev);
    if (ev->type != POP3_EV_MSG_DATA && ev->type != POP3_EV_CLOSED)
        act(x, x->acts[x->nth++ % 16u]);
    x->pending = pop3_client_pending(c);
}

static const void *find(const void *hay, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    const uint8_t *h = hay, *end = h + n, *p;

    while ((size_t)(end - h) >= m &&
           (p = memchr(h, needle[0], (size_t)(end - h) - m + 1)) != NULL) {
        if (memcmp(p, needle, m) == 0)
            return p;
        h = p + 1;
    }
    return NULL;
}

static void check_after_call(struct run *x, int server_sent_pass)
{
    if (x->closed && x->mem.len != x->sent_at_close)
        abort(); /* octets went out after the session ended */
    if (x->closed != (pop3_client_state(&x->c) == POP3_STATE_CLOSED))
        abort(); /* CLOSED must be delivered exactly when the state is */
    if (x->closed > 1)
        abort();
    /* Once the transport took everything, the secret is on the wire and
     * must be gone from engine memory (a stalled transport keeps it in
     * the command buffer until it leaves). */
    if (!pop3_client_want_write(&x->c) && find(x->cmd, sizeof(x->cmd), PASS) != NULL)
        abort();
    if (find(&x->c, sizeof(x->c), PASS) != NULL)
        abort();
    /* The line buffer is not checked here: server octets go there, and a
     * fuzzer builds the password out of a partial line over the rest of an
     * older one (it did, after 9.8 million runs). test_hygiene.c checks the
     * line buffer with transcripts that cannot do that. */
    (void)server_sent_pass;
}

static void run_init(struct run *x, const uint8_t *hdr)
{
    memset(&x->c, 0, sizeof(x->c));
    pop3_transport_mem_init(&x->mtr, &x->mem, x->sent, sizeof(x->sent));
    x->mem.max_chunk = hdr[1] & 7u; /* 0: no limit; else 1..7 per send */
    x->tr.send = step_send;
    x->tr.close = step_close;
    x->tr.ctx = x;
    /* The same budget in both runs, so the split comparison holds. */
    x->budget = (hdr[1] & 0x20) ? (long)hdr[2] * 2 : -1;
    x->scanned = 0;
    x->cmd_lines = x->replies = 0;
    x->dele_sent = 0;
    pop3_client_config_defaults(&x->cfg);
    x->cfg.transport = &x->tr;
    x->cfg.cb = on_event;
    x->cfg.user = x;
    x->cfg.line_buf = x->line;
    x->cfg.line_size = (hdr[0] & 0x80) ? 1024 : 512;
    x->cfg.cmd_buf = x->cmd;
    x->cfg.cmd_size = sizeof(x->cmd);
    x->cfg.queue = x->q;
    x->cfg.queue_len = 2u + (hdr[0] & 0x7f) % 8u;
    memset(x->line, 0, sizeof(x->line));
    x->acts = hdr + 4;
    x->nth = 0;
    x->closed = 0;
    x->sent_at_close = 0;
    x->in_body = x->data_open = 0;
    x->body_msg = 0;
    x->last_state = POP3_STATE_CONNECTING;
    x->log_len = 0;
    if (pop3_client_init(&x->c, &x->cfg) != POP3_OK)
        abort();
}

/* Push one piece the way a port does. Each piece is copied to the end of a
 * heap block as large as the whole input, so ASan sees any read past the
 * end of the piece. */
static uint8_t *tail;
static size_t tail_size;

static void push(struct run *x, const uint8_t *data, size_t n, int sp)
{
    uint8_t *in = tail + tail_size - n;
    size_t off = 0, used;

    memcpy(in, data, n);
    while (off < n && pop3_client_state(&x->c) != POP3_STATE_CLOSED) {
        used = pop3_client_input(&x->c, in + off, n - off);
        if (used > n - off)
            abort();
        off += used;
        check_after_call(x, sp);
        if (off < n) {
            if (!pop3_client_paused(&x->c) &&
                pop3_client_state(&x->c) != POP3_STATE_CLOSED)
                abort(); /* stopped early for no reason */
            pop3_client_resume(&x->c);
        }
    }
}

static void finish_run(struct run *x, const uint8_t *hdr, int sp)
{
    if (hdr[1] & 0x08)
        pop3_client_eof(&x->c);
    pop3_client_tick(&x->c, 1);
    pop3_client_tick(&x->c, 1u + 700000u); /* past every default timeout */
    check_after_call(x, sp);
    if (hdr[1] & 0x10)
        pop3_client_abort(&x->c);
    check_after_call(x, sp);
    pop3_client_free(&x->c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *hdr = data, *in = data + HDR;
    size_t n, off, piece;
    uint32_t seed;
    int sp;
    unsigned i;

    if (size < HDR)
        return 0;
    n = size - HDR;
    sp = find(in, n, PASS) != NULL;
    tail_size = n > 0 ? n : 1;
    tail = malloc(tail_size);
    for (i = 0; i < 2; i++) {
        run_init(&runs[i], hdr);
        act(&runs[i], hdr[3]);
        runs[i].pending = pop3_client_pending(&runs[i].c);
        pop3_client_connected(&runs[i].c);
        check_after_call(&runs[i], sp);
    }
    push(&runs[0], in, n, sp);
    seed = hdr[2] * 2654435761u + 7u;
    for (off = 0; off < n; off += piece) {
        seed = seed * 1103515245u + 12345u;
        piece = ((seed >> 16) & 3u) == 0 ? 1u + (seed >> 20) % 300u : 1u;
        if (piece > n - off)
            piece = n - off;
        push(&runs[1], in + off, piece, sp);
    }
    for (i = 0; i < 2; i++)
        finish_run(&runs[i], hdr, sp);
    if (runs[0].log_len != runs[1].log_len ||
        memcmp(runs[0].log, runs[1].log, runs[0].log_len) != 0)
        abort(); /* events depend on how the octets were split */
    if (runs[0].mem.len != runs[1].mem.len ||
        memcmp(runs[0].sent, runs[1].sent, runs[0].mem.len) != 0)
        abort(); /* commands depend on how the octets were split */
    free(tail);
    return 0;
}
