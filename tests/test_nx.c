/* SPDX-License-Identifier: MIT */
/* test_nx.c - the NetX Duo POP3 Client API shim (nxd_pop3_client.h) over a
 * scripted port: every function, every return code, what goes on the
 * wire, and awkward deliveries. Each session runs with the server's octets
 * delivered whole, one octet per read, in small chunks, and cut at every
 * offset of the whole transcript, and with several packet payload sizes;
 * every run must send the same octets and hand out the same message bytes,
 * in packets that each carry octets, ended by a final packet with none.
 *
 * The fake port (struct fake) is bound through the shim's hook (nx_hook.h)
 * and behaves as pop3_posix and pop3_lwip do: it pushes the server's octets
 * into the engine itself (at most the shim's input_max per push, keeping
 * what a paused engine did not take), reports writability and the end of
 * the stream. It hands out the server's reply to a command only after the
 * client has sent that command, and its clock moves only when the shim
 * waits, so timeouts are exact.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nx_api.h"
#include "nx_hook.h"
#include "nxd_pop3_client.h"
#include "pop3.h"
#include "pop3_transport.h"

/* --- the fake port -------------------------------------------------------- */

#define EOF_MARK "\x01<EOF>"
#define RST_MARK "\x01<RST>"

typedef struct step {
    const char *sent;  /* the client must have sent this first (NULL: nothing) */
    const char *reply; /* server octets, or EOF_MARK / RST_MARK */
} step;

typedef struct fake {
    const step *steps;
    size_t nsteps, idx, off;
    size_t sent_need;  /* octets the client must have sent for steps[idx] */
    size_t chunk;      /* max octets per read; 0: no limit */
    size_t cut;        /* reads never cross this offset of the server stream */
    size_t pos;        /* server octets delivered so far */
    uint32_t clock;
    UINT connect_result;
    int connect_never; /* the connection never comes up */
    int connects, closes, open;
    size_t send_chunk; /* max octets per send; 0: no limit */
    int send_stalls;   /* sends refused (0) before one is taken */
    int send_broken;   /* sends fail */
    int write_waits;   /* waits while the engine wanted to write */
    size_t input_max;  /* from the shim's open */
    pop3_client *c;
    pop3_transport to_engine; /* what the engine sends through */
    pop3_transport tr;        /* records what was sent */
    pop3_transport_mem mem;
    uint8_t sent[16384];
    uint8_t rx[4096];  /* read, not yet taken by the engine */
    size_t rx_off, rx_len;
} fake;

static long f_send(void *ctx, const uint8_t *data, size_t len)
{
    fake *f = (fake *)ctx;

    assert_true(f->open);
    if (f->send_broken)
        return -1;
    if (f->send_stalls > 0) {
        f->send_stalls--;
        return 0;
    }
    if (f->send_chunk != 0 && len > f->send_chunk)
        len = f->send_chunk;
    return f->tr.send(f->tr.ctx, data, len);
}

static void f_tr_close(void *ctx)
{
    fake *f = (fake *)ctx;

    if (f->open)
        f->closes++;
    f->open = 0;
}

static const pop3_transport *f_open(void *ctx, pop3_nx_conn *conn, size_t input_max)
{
    fake *f = (fake *)ctx;

    (void)conn;
    assert_true(input_max > 0);
    f->input_max = input_max;
    f->to_engine.send = f_send;
    f->to_engine.close = f_tr_close;
    f->to_engine.ctx = f;
    return &f->to_engine;
}

static UINT f_connect(void *ctx, pop3_nx_conn *conn, pop3_client *c,
                      const NXD_ADDRESS *addr, ULONG port)
{
    fake *f = (fake *)ctx;

    (void)conn;
    (void)addr;
    assert_int_equal(port, 110);
    f->connects++;
    f->c = c;
    if (f->connect_result != NX_SUCCESS) {
        pop3_client_fail(c, POP3_ERR_CONNECT); /* as pop3_posix_connect does */
        return f->connect_result;
    }
    f->open = 1;
    if (!f->connect_never)
        pop3_client_connected(c);
    return NX_SUCCESS;
}

/* Read the next server octets into rx: 1 when something happened. */
static int f_read(fake *f)
{
    const step *s;
    size_t left, n;

    if (f->idx >= f->nsteps)
        return 0; /* the server says nothing more */
    s = &f->steps[f->idx];
    if (f->off == 0) {
        size_t need = f->sent_need + (s->sent != NULL ? strlen(s->sent) : 0);

        if (f->mem.len < need)
            return 0; /* the command has not been sent yet */
    }
    if (strcmp(s->reply, EOF_MARK) == 0) {
        f->idx++;
        pop3_client_eof(f->c);
        return 1;
    }
    if (strcmp(s->reply, RST_MARK) == 0) {
        f->idx++;
        f_tr_close(f);
        pop3_client_fail(f->c, POP3_ERR_RESET);
        return 1;
    }
    left = strlen(s->reply) - f->off;
    n = left < sizeof(f->rx) ? left : sizeof(f->rx);
    if (f->chunk != 0 && n > f->chunk)
        n = f->chunk;
    if (f->cut > f->pos && n > f->cut - f->pos)
        n = f->cut - f->pos;
    memcpy(f->rx, s->reply + f->off, n);
    f->rx_off = 0;
    f->rx_len = n;
    f->off += n;
    f->pos += n;
    if (f->off == strlen(s->reply)) {
        f->sent_need += s->sent != NULL ? strlen(s->sent) : 0;
        f->idx++;
        f->off = 0;
    }
    return 1;
}

/* Push held octets, at most input_max at a time, while the engine takes. */
static void f_push(fake *f)
{
    while (f->rx_len > 0 && pop3_client_state(f->c) != POP3_STATE_CLOSED &&
           !pop3_client_paused(f->c)) {
        size_t n = f->rx_len < f->input_max ? f->rx_len : f->input_max;
        size_t took = pop3_client_input(f->c, f->rx + f->rx_off, n);

        assert_true(took <= n);
        f->rx_off += took;
        f->rx_len -= took;
        if (took < n)
            break; /* paused, or the session ended */
    }
    if (pop3_client_state(f->c) == POP3_STATE_CLOSED)
        f->rx_len = 0;
}

static void f_wait(void *ctx, pop3_nx_conn *conn, uint32_t max_ms)
{
    fake *f = (fake *)ctx;

    (void)conn;
    f->clock += max_ms; /* nothing else happens while the shim waits */
    if (!f->open || f->connect_never || pop3_client_state(f->c) == POP3_STATE_CLOSED)
        return;
    if (pop3_client_want_write(f->c)) {
        f->write_waits++;
        pop3_client_writable(f->c);
    }
    if (pop3_client_paused(f->c))
        return;
    if (f->rx_len == 0 && !f_read(f))
        return;
    pop3_client_tick(f->c, f->clock); /* the octets arrive now */
    f_push(f);
}

static uint32_t f_now(void *ctx)
{
    return ((fake *)ctx)->clock;
}

static void f_close(void *ctx, pop3_nx_conn *conn)
{
    (void)conn;
    f_tr_close((fake *)ctx);
}

static const pop3_nx_hook fake_hook = {f_open, f_connect, f_wait, f_now, f_close};

static void fake_init(fake *f, NX_IP *ip, const step *steps, size_t n)
{
    memset(f, 0, sizeof(*f));
    f->steps = steps;
    f->nsteps = n;
    f->clock = 0xFFFFF000u; /* wraps during the session */
    pop3_transport_mem_init(&f->tr, &f->mem, f->sent, sizeof(f->sent));
    pop3_nx_ip_bind(ip, &fake_hook, f);
}

/* What the client sent, NUL-terminated. */
static const char *sent(fake *f)
{
    static char buf[sizeof(f->sent) + 1];

    memcpy(buf, f->sent, f->mem.len);
    buf[f->mem.len] = '\0';
    return buf;
}

/* The commands of the steps, concatenated: what the wire must carry. */
static const char *wire(const step *steps, size_t n)
{
    static char buf[16384];
    size_t i;

    buf[0] = '\0';
    for (i = 0; i < n; i++)
        if (steps[i].sent != NULL)
            strcat(buf, steps[i].sent);
    return buf;
}

static NX_PACKET *alloc(NX_PACKET_POOL *pool)
{
    NX_PACKET *p = NULL;
    UINT st = nx_packet_allocate(pool, &p, 0, NX_NO_WAIT);

    if (st == NX_SUCCESS)
        assert_non_null(p);
    else
        assert_int_equal(st, NX_NO_PACKET);
    return p;
}

/* --- a test environment: IP, pool, client ----------------------------------- */

typedef struct env {
    fake f;
    NX_IP ip;
    NX_PACKET_POOL pool;
    NX_POP3_CLIENT client;
    ULONG mem[4096];
    ULONG payload;
} env;

static env E;

static void env_init(const step *steps, size_t n, ULONG payload, ULONG packets)
{
    memset(&E, 0, sizeof(E));
    fake_init(&E.f, &E.ip, steps, n);
    E.payload = payload;
    assert_int_equal(nx_packet_pool_create(&E.pool, "test", payload, E.mem,
                                           (ULONG)(packets * (payload + 128))),
                     NX_SUCCESS);
    assert_true(E.pool.nx_packet_pool_total >= packets);
}

static UINT create(UINT apop)
{
    return nx_pop3_client_create(&E.client, apop, &E.ip, &E.pool,
                                 IP_ADDRESS(127, 0, 0, 1), 110, "mrose", "tanstaaf");
}

/* Fetch the message being downloaded; returns its octets (static). */
static const char *fetch(size_t *len)
{
    static char buf[8192];
    size_t n = 0;
    UINT final = NX_FALSE;
    int packets = 0;

    while (!final) {
        NX_PACKET *p = NULL;
        ULONG bytes = 12345;

        assert_int_equal(nx_pop3_client_mail_item_message_get(&E.client, &p, &bytes, &final),
                         NX_SUCCESS);
        assert_non_null(p);
        assert_null(p->nx_packet_next);
        assert_int_equal(bytes, p->nx_packet_length);
        assert_true(bytes <= E.payload);
        assert_int_equal(p->nx_packet_append_ptr - p->nx_packet_prepend_ptr, bytes);
        if (final)
            assert_int_equal(bytes, 0); /* the end comes alone */
        else
            assert_true(bytes > 0);     /* every other packet carries octets */
        assert_true(n + bytes < sizeof(buf));
        memcpy(buf + n, p->nx_packet_prepend_ptr, bytes);
        n += bytes;
        assert_int_equal(nx_packet_release(p), NX_SUCCESS);
        assert_true(++packets < 10000);
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* Run app for every delivery of the transcript and several payload sizes. */
typedef void (*app_fn)(void);

static void run_all(const step *steps, size_t n, app_fn app)
{
    static const ULONG payloads[] = {1536, 1, 2, 5, 16};
    static const size_t chunks[] = {0, 1, 2, 3, 7};
    size_t total = 0, i, k, p;

    for (i = 0; i < n; i++)
        if (strcmp(steps[i].reply, EOF_MARK) != 0 && strcmp(steps[i].reply, RST_MARK) != 0)
            total += strlen(steps[i].reply);
    for (p = 0; p < sizeof(payloads) / sizeof(payloads[0]); p++) {
        for (k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
            env_init(steps, n, payloads[p], 4);
            E.f.chunk = chunks[k];
            app();
            assert_string_equal(sent(&E.f), wire(steps, n));
            assert_int_equal(E.pool.nx_packet_pool_available, E.pool.nx_packet_pool_total);
        }
    }
    for (k = 1; k < total; k++) {
        env_init(steps, n, 16, 4);
        E.f.cut = k;
        app();
        assert_string_equal(sent(&E.f), wire(steps, n));
    }
    /* The client's writes accepted one octet at a time. */
    env_init(steps, n, 1536, 4);
    E.f.send_chunk = 1;
    app();
    assert_string_equal(sent(&E.f), wire(steps, n));
}

#define RUN(steps, app) run_all(steps, sizeof(steps) / sizeof(steps[0]), app)

/* --- transcripts --------------------------------------------------------------- */

#define GREET "+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n"
#define GREET_NO_TS "+OK POP3 server ready\r\n"
#define USER_S "USER mrose\r\n"
#define PASS_S "PASS tanstaaf\r\n"
/* RFC 1939 sec. 7: MD5("<1896.697170952@dbc.mtview.ca.us>tanstaaf") */
#define APOP_S "APOP mrose c4c9334bac560ecc979e58001b3e22fb\r\n"

#define MSG1_WIRE "Subject: one\r\n\r\n..leading dot\r\nline\r\n.\r\n"
#define MSG1 "Subject: one\r\n\r\n.leading dot\r\nline\r\n"
#define MSG2_WIRE "Subject: two\r\n\r\n...\r\n.\r\r\n.x\r\n\r\n.\r\n"
#define MSG2 "Subject: two\r\n\r\n..\r\n\r\r\nx\r\n\r\n"

/* --- create ----------------------------------------------------------------- */

static const step login_user[] = {
    {NULL, GREET}, {USER_S, "+OK\r\n"}, {PASS_S, "+OK maildrop has 2 messages\r\n"},
    {"QUIT\r\n", "+OK bye\r\n"}};

static void app_login_quit(void)
{
    assert_int_equal(create(NX_FALSE), NX_SUCCESS);
    assert_int_equal(nx_pop3_client_quit(&E.client), NX_SUCCESS);
    assert_int_equal(E.f.closes, 1);
    assert_int_equal(nx_pop3_client_delete(&E.client), NX_SUCCESS);
}

static void test_create_user_pass(void **state)
{
    (void)state;
    RUN(login_user, app_login_quit);
}

static const step login_apop[] = {
    {NULL, GREET}, {APOP_S, "+OK maildrop locked\r\n"}, {"QUIT\r\n", "+OK\r\n"}};

static void app_apop_quit(void)
{
    assert_int_equal(create(NX_TRUE), NX_SUCCESS);
    assert_int_equal(nx_pop3_client_quit(&E.client), NX_SUCCESS);
    assert_int_equal(nx_pop3_client_delete(&E.client), NX_SUCCESS);
}

static void test_create_apop_rfc1939_digest(void **state)
{
    (void)state;
    RUN(login_apop, app_apop_quit);
}

/* APOP asked for, but the greeting has no timestamp: USER/PASS. */
static const step apop_no_ts[] = {
    {NULL, GREET_NO_TS}, {USER_S, "+OK\r\n"}, {PASS_S, "+OK\r\n"}, {"QUIT\r\n", "+OK\r\n"}};

static void test_create_apop_without_timestamp_falls_back(void **state)
{
    (void)state;
    RUN(apop_no_ts, app_apop_quit);
}

/* APOP refused: USER/PASS on the same connection, as NetX Duo does. */
static const step apop_refused[] = {
    {NULL, GREET}, {APOP_S, "-ERR [AUTH] no APOP here\r\n"}, {USER_S, "+OK\r\n"},
    {PASS_S, "+OK\r\n"}, {"QUIT\r\n", "+OK\r\n"}};

static void test_create_apop_refused_falls_back(void **state)
{
    (void)state;
    RUN(apop_refused, app_apop_quit);
}

static const step apop_then_pass_refused[] = {
    {NULL, GREET}, {APOP_S, "-ERR no\r\n"}, {USER_S, "+OK\r\n"}, {PASS_S, "-ERR no\r\n"}};

static void app_create_fails_server_error_apop(void)
{
    assert_int_equal(create(NX_TRUE), NX_POP3_SERVER_ERROR_STATUS);
    assert_int_equal(E.f.closes, 1);
    assert_int_equal(nx_pop3_client_delete(&E.client), NX_SUCCESS);
    assert_int_equal(nx_pop3_client_delete(&E.client), NX_SUCCESS);
}

static void test_create_apop_and_fallback_refused(void **state)
{
    (void)state;
    RUN(apop_then_pass_refused, app_create_fails_server_error_apop);
}

/* NetX Duo reports success here; the shim fails the create. */
static const step pass_refused[] = {
    {NULL, GREET}, {USER_S, "+OK\r\n"}, {PASS_S, "-ERR [AUTH] invalid password\r\n"}};

static void app_create_fails_server_error(void)
{
    UINT items = 9;
    ULONG total = 9;

    assert_int_equal(create(NX_FALSE), NX_POP3_SERVER_ERROR_STATUS);
    assert_int_equal(E.f.closes, 1);
    assert_false(E.f.open);
    assert_int_equal(nx_pop3_client_mail_items_get(&E.client, &items, &total),
                     NX_POP3_CLIENT_INVALID_STATE);
    assert_int_equal(nx_pop3_client_quit(&E.client), NX_POP3_CLIENT_INVALID_STATE);
    assert_int_equal(nx_pop3_client_delete(&E.client), NX_SUCCESS);
    assert_int_equal(nx_pop3_client_delete(&E.client), NX_SUCCESS);
}

static void test_create_pass_refused_fails(void **state)
{
    (void)state;
    RUN(pass_refused, app_create_fails_server_error);
}

/* A refused user never gets the password sent. */
static const step user_refused[] = {{NULL, GREET}, {USER_S, "-ERR who?\r\n"}};

static void test_create_user_refused_no_pass_sent(void **state)
{
    (void)state;
    RUN(user_refused, app_create_fails_server_error);
}

static const step greeting_refused[] = {{NULL, "-ERR [SYS/TEMP] go away\r\n"}};

static void test_create_greeting_err(void **state)
{
    (void)state;
    RUN(greeting_refused, app_create_fails_server_error);
}

/* Status line without CRLF, then the connection closes. */
static const step greeting_no_crlf[] = {{NULL, "+OK no line end"}, {NULL, EOF_MARK}};

static void app_create_not_connected(void)
{
    assert_int_equal(create(NX_FALSE), NX_NOT_CONNECTED);
    assert_int_equal(nx_pop3_client_delete(&E.client), NX_SUCCESS);
}

static void test_create_greeting_without_crlf_then_eof(void **state)
{
    (void)state;
    RUN(greeting_no_crlf, app_create_not_connected);
}

static void test_create_greeting_too_long(void **state)
{
    static char longline[2000];
    step s[1];

    (void)state;
    memset(longline, 'x', sizeof(longline) - 1);
    memcpy(longline, "+OK ", 4);
    s[0].sent = NULL;
    s[0].reply = longline;
    env_init(s, 1, 64, 2);
    assert_int_equal(create(NX_FALSE), NX_POP3_SERVER_ERROR_STATUS);
    assert_string_equal(sent(&E.f), "");
    assert_int_equal(nx_pop3_client_delete(&E.client), NX_SUCCESS);
}

static void test_create_connect_fails(void **state)
{
    (void)state;
    env_init(login_user, 4, 64, 2);
    E.f.connect_result = NX_NOT_CONNECTED;
    assert_int_equal(create(NX_FALSE), NX_NOT_CONNECTED);
    assert_int_equal(E.f.connects, 1);
    assert_int_equal(E.f.closes, 0);
    assert_int_equal(nx_pop3_client_quit(&E.client), NX_POP3_CLIENT_INVALID_STATE);
    assert_int_equal(nx_pop3_client_delete(&E.client), NX_SUCCESS);
    assert_int_equal(nx_pop3_client_delete(&E.client), NX_SUCCESS);
}

/* The connection never comes up: create gives up after
 * NX_POP3_CLIENT_CONNECTION_TIMEOUT (30 s) with NX_NOT_CONNECTED. */
static void test_create_connect_times_out(void **state)
{
    uint32_t t0;

    (void)state;
    env_init(login_user, 4, 64, 2);
    E.f.connect_never = 1;
    t0 = E.f.clock;
    assert_int_equal(create(NX_FALSE), NX_NOT_CONNECTED);
    assert_true(E.f.clock - t0 >= 30000u && E.f.clock - t0 <= 30200u);
    assert_string_equal(sent(&E.f), "");
    assert_false(E.f.open);
    assert_int_equal(nx_pop3_client_delete(&E.client), NX_SUCCESS);
}

static void test_create_greeting_timeout(void **state)
{
    static const step silent[] = {{"never", "+OK\r\n"}};

    (void)state;
    env_init(silent, 1, 64, 2);
    assert_int_equal(create(NX_FALSE), NX_NO_PACKET);
    /* NX_POP3_SERVER_REPLY_TIMEOUT: 10 s, in 100 ms waits. */
    assert_true(E.f.clock - 0xFFFFF000u >= 10000u);
    assert_true(E.f.clock - 0xFFFFF000u <= 10200u);
    assert_int_equal(E.f.closes, 1);
    assert_int_equal(nx_pop3_client_delete(&E.client), NX_SUCCESS);
}

static void test_create_reset(void **state)
{
    static const step rst[] = {{NULL, GREET}, {USER_S, RST_MARK}};

    (void)state;
    env_init(rst, 2, 64, 2);
    assert_int_equal(create(NX_FALSE), NX_NOT_CONNECTED);
    assert_false(E.f.open);
    assert_int_equal(nx_pop3_client_delete(&E.client), NX_SUCCESS);
}

static void test_create_bad_arguments(void **state)
{
    static char name41[42], pass21[22];
    NXD_ADDRESS a;
    NX_IP bad_ip;
    NX_PACKET_POOL bad_pool;

    (void)state;
    env_init(login_user, 4, 64, 2);
    memset(&a, 0, sizeof(a));
    a.nxd_ip_version = NX_IP_VERSION_V4;
    a.nxd_ip_address.v4 = IP_ADDRESS(127, 0, 0, 1);
    memset(&bad_ip, 0, sizeof(bad_ip));
    memset(&bad_pool, 0, sizeof(bad_pool));
    memset(name41, 'a', 41);
    memset(pass21, 'p', 21);

    assert_int_equal(nx_pop3_client_create(NULL, 0, &E.ip, &E.pool, 1, 110, "u", "p"), NX_PTR_ERROR);
    assert_int_equal(nx_pop3_client_create(&E.client, 0, NULL, &E.pool, 1, 110, "u", "p"), NX_PTR_ERROR);
    assert_int_equal(nx_pop3_client_create(&E.client, 0, &E.ip, NULL, 1, 110, "u", "p"), NX_PTR_ERROR);
    assert_int_equal(nx_pop3_client_create(&E.client, 0, &E.ip, &E.pool, 1, 110, NULL, "p"), NX_PTR_ERROR);
    assert_int_equal(nx_pop3_client_create(&E.client, 0, &E.ip, &E.pool, 1, 110, "u", NULL), NX_PTR_ERROR);
    assert_int_equal(nxd_pop3_client_create(&E.client, 0, &E.ip, &E.pool, NULL, 110, "u", "p"), NX_PTR_ERROR);
    assert_int_equal(nx_pop3_client_create(&E.client, 0, &E.ip, &bad_pool, 1, 110, "u", "p"), NX_PTR_ERROR);

    assert_int_equal(nx_pop3_client_create(&E.client, 0, &bad_ip, &E.pool, 1, 110, "u", "p"), NX_POP3_PARAM_ERROR);
    assert_int_equal(nx_pop3_client_create(&E.client, 0, &E.ip, &E.pool, 0, 110, "u", "p"), NX_POP3_PARAM_ERROR);
    assert_int_equal(nx_pop3_client_create(&E.client, 0, &E.ip, &E.pool, 1, 0, "u", "p"), NX_POP3_PARAM_ERROR);
    assert_int_equal(nx_pop3_client_create(&E.client, 0, &E.ip, &E.pool, 1, 70000, "u", "p"), NX_POP3_PARAM_ERROR);
    a.nxd_ip_version = 5;
    assert_int_equal(nxd_pop3_client_create(&E.client, 0, &E.ip, &E.pool, &a, 110, "u", "p"), NX_POP3_PARAM_ERROR);
    /* Command injection and sizes: refused before connecting. */
    assert_int_equal(nx_pop3_client_create(&E.client, 0, &E.ip, &E.pool, 1, 110, "u\r\nDELE 1", "p"), NX_POP3_PARAM_ERROR);
    assert_int_equal(nx_pop3_client_create(&E.client, 0, &E.ip, &E.pool, 1, 110, "u\n", "p"), NX_POP3_PARAM_ERROR);
    assert_int_equal(nx_pop3_client_create(&E.client, 0, &E.ip, &E.pool, 1, 110, "u", "p\rQUIT"), NX_POP3_PARAM_ERROR);
    assert_int_equal(nx_pop3_client_create(&E.client, 0, &E.ip, &E.pool, 1, 110, "u", "p\nQUIT"), NX_POP3_PARAM_ERROR);
    assert_int_equal(nx_pop3_client_create(&E.client, 0, &E.ip, &E.pool, 1, 110, "a b", "p"), NX_POP3_PARAM_ERROR);
    assert_int_equal(nx_pop3_client_create(&E.client, 0, &E.ip, &E.pool, 1, 110, "", "p"), NX_POP3_PARAM_ERROR);
    assert_int_equal(nx_pop3_client_create(&E.client, 0, &E.ip, &E.pool, 1, 110, "u", ""), NX_POP3_PARAM_ERROR);
    assert_int_equal(nx_pop3_client_create(&E.client, 0, &E.ip, &E.pool, 1, 110, name41, "p"), NX_POP3_PARAM_ERROR);
    assert_int_equal(nx_pop3_client_create(&E.client, 0, &E.ip, &E.pool, 1, 110, "u", pass21), NX_POP3_PARAM_ERROR);
    assert_int_equal(E.f.connects, 0);
    assert_int_equal(E.f.mem.len, 0);
    /* Limits themselves are fine. */
    name41[40] = '\0';
    pass21[20] = '\0';
    {
        static const step s[] = {{NULL, GREET_NO_TS}, {"USER aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n", "+OK\r\n"},
                                 {"PASS pppppppppppppppppppp\r\n", "+OK\r\n"}};
        env_init(s, 3, 64, 2);
        assert_int_equal(nx_pop3_client_create(&E.client, 0, &E.ip, &E.pool, 1, 110, name41, pass21), NX_SUCCESS);
        assert_string_equal(sent(&E.f), wire(s, 3));
        assert_int_equal(nx_pop3_client_delete(&E.client), NX_SUCCESS);
    }
}

/* Neither the password, the APOP digest, nor a pointer to the
 * application's copy of the password stays in the client block. */
static void assert_no_secret(const char *app_pass)
{
    const unsigned char *b = (const unsigned char *)&E.client;
    const char *digest = "c4c9334bac560ecc979e58001b3e22fb";
    size_t i;

    for (i = 0; i + 8 <= sizeof(E.client); i++) {
        assert_true(memcmp(b + i, "tanstaaf", 8) != 0);
        assert_true(i + 32 > sizeof(E.client) || memcmp(b + i, digest, 32) != 0);
        assert_true(i + sizeof(app_pass) > sizeof(E.client) ||
                    memcmp(b + i, &app_pass, sizeof(app_pass)) != 0);
    }
}

static void test_credentials_wiped_after_login(void **state)
{
    static char pass[] = "tanstaaf";

    (void)state;
    env_init(login_user, 4, 64, 2);
    assert_int_equal(nx_pop3_client_create(&E.client, NX_FALSE, &E.ip, &E.pool,
                                           IP_ADDRESS(127, 0, 0, 1), 110, "mrose", pass),
                     NX_SUCCESS);
    assert_non_null(strstr(sent(&E.f), "PASS tanstaaf"));
    assert_no_secret(pass);
    assert_int_equal(nx_pop3_client_delete(&E.client), NX_SUCCESS);

    env_init(pass_refused, 3, 64, 2);
    assert_int_equal(nx_pop3_client_create(&E.client, NX_FALSE, &E.ip, &E.pool,
                                           IP_ADDRESS(127, 0, 0, 1), 110, "mrose", pass),
                     NX_POP3_SERVER_ERROR_STATUS);
    assert_no_secret(pass);

    env_init(login_apop, 3, 64, 2);
    assert_int_equal(nx_pop3_client_create(&E.client, NX_TRUE, &E.ip, &E.pool,
                                           IP_ADDRESS(127, 0, 0, 1), 110, "mrose", pass),
                     NX_SUCCESS);
    assert_non_null(strstr(sent(&E.f), "c4c9334bac560ecc979e58001b3e22fb"));
    assert_no_secret(pass);
    assert_int_equal(nx_pop3_client_delete(&E.client), NX_SUCCESS);

    env_init(apop_then_pass_refused, 4, 64, 2);
    assert_int_equal(nx_pop3_client_create(&E.client, NX_TRUE, &E.ip, &E.pool,
                                           IP_ADDRESS(127, 0, 0, 1), 110, "mrose", pass),
                     NX_POP3_SERVER_ERROR_STATUS);
    assert_no_secret(pass);
}

static void test_ipv6_create(void **state)
{
    NXD_ADDRESS a;

    (void)state;
    env_init(login_user, 4, 64, 2);
    memset(&a, 0, sizeof(a));
    a.nxd_ip_version = NX_IP_VERSION_V6;
    a.nxd_ip_address.v6[3] = 1;
    assert_int_equal(nxd_pop3_client_create(&E.client, NX_FALSE, &E.ip, &E.pool, &a, 110,
                                            "mrose", "tanstaaf"),
                     NX_SUCCESS);
    assert_int_equal(nx_pop3_client_quit(&E.client), NX_SUCCESS);
    assert_string_equal(sent(&E.f), wire(login_user, 4));
    assert_int_equal(nx_pop3_client_delete(&E.client), NX_SUCCESS);
}

/* --- a whole session ------------------------------------------------------------ */

static const step session[] = {
    {NULL, GREET}, {USER_S, "+OK\r\n"}, {PASS_S, "+OK\r\n"},
    {"STAT\r\n", "+OK 2 320\r\n"},
    {"LIST 1\r\n", "+OK 1 120\r\n"},
    {"RETR 1\r\n", "+OK 120 octets\r\n" MSG1_WIRE},
    {"DELE 1\r\n", "+OK message 1 deleted\r\n"},
    {"LIST 2\r\n", "+OK 2 200\r\n"},
    {"RETR 2\r\n", "+OK\r\n" MSG2_WIRE},
    {"DELE 2\r\n", "+OK\r\n"},
    {"QUIT\r\n", "+OK bye\r\n"}};

static void app_session(void)
{
    UINT items = 0;
    ULONG total = 0, size = 0;
    const char *m;
    size_t len;

    assert_int_equal(create(NX_FALSE), NX_SUCCESS);
    assert_int_equal(nx_pop3_client_mail_items_get(&E.client, &items, &total), NX_SUCCESS);
    assert_int_equal(items, 2);
    assert_int_equal(total, 320);

    assert_int_equal(nx_pop3_client_mail_item_size_get(&E.client, 1, &size), NX_SUCCESS);
    assert_int_equal(size, 120);
    assert_int_equal(nx_pop3_client_mail_item_get(&E.client, 1, &size), NX_SUCCESS);
    assert_int_equal(size, 120);
    m = fetch(&len);
    assert_int_equal(len, strlen(MSG1));
    assert_memory_equal(m, MSG1, len);
    assert_int_equal(nx_pop3_client_mail_item_delete(&E.client, 1), NX_SUCCESS);

    assert_int_equal(nx_pop3_client_mail_item_size_get(&E.client, 2, &size), NX_SUCCESS);
    assert_int_equal(size, 200);
    assert_int_equal(nx_pop3_client_mail_item_get(&E.client, 2, &size), NX_SUCCESS);
    assert_int_equal(size, 0); /* "+OK" without a size */
    m = fetch(&len);
    assert_int_equal(len, strlen(MSG2));
    assert_memory_equal(m, MSG2, len);
    assert_int_equal(nx_pop3_client_mail_item_delete(&E.client, 2), NX_SUCCESS);

    assert_int_equal(nx_pop3_client_quit(&E.client), NX_SUCCESS);
    assert_int_equal(E.f.closes, 1);
    assert_int_equal(nx_pop3_client_mail_items_get(&E.client, &items, &total),
                     NX_POP3_CLIENT_INVALID_STATE);
    assert_int_equal(nx_pop3_client_delete(&E.client), NX_SUCCESS);
    assert_int_equal(nx_pop3_client_delete(&E.client), NX_SUCCESS);
}

static void test_session_two_mails(void **state)
{
    (void)state;
    RUN(session, app_session);
}

/* An empty message: the first packet is final and carries 0 octets. */
static const step empty_msg[] = {
    {NULL, GREET}, {USER_S, "+OK\r\n"}, {PASS_S, "+OK\r\n"},
    {"STAT\r\n", "+OK 1 0\r\n"}, {"RETR 1\r\n", "+OK 0\r\n.\r\n"}, {"QUIT\r\n", "+OK\r\n"}};

static void app_empty(void)
{
    UINT items, final = NX_FALSE;
    ULONG total, size, bytes = 7;
    NX_PACKET *p = NULL;

    assert_int_equal(create(NX_FALSE), NX_SUCCESS);
    assert_int_equal(nx_pop3_client_mail_items_get(&E.client, &items, &total), NX_SUCCESS);
    assert_int_equal(nx_pop3_client_mail_item_get(&E.client, 1, &size), NX_SUCCESS);
    assert_int_equal(nx_pop3_client_mail_item_message_get(&E.client, &p, &bytes, &final), NX_SUCCESS);
    assert_non_null(p);
    assert_int_equal(bytes, 0);
    assert_int_equal(final, NX_TRUE);
    assert_int_equal(nx_packet_release(p), NX_SUCCESS);
    /* Nothing more to hand out. */
    assert_int_equal(nx_pop3_client_mail_item_message_get(&E.client, &p, &bytes, &final),
                     NX_POP3_CLIENT_INVALID_STATE);
    assert_null(p);
    assert_int_equal(nx_pop3_client_quit(&E.client), NX_SUCCESS);
    nx_pop3_client_delete(&E.client);
}

static void test_empty_message(void **state)
{
    (void)state;
    RUN(empty_msg, app_empty);
}

/* --- index and state checks -------------------------------------------------------- */

static const step stat2[] = {
    {NULL, GREET}, {USER_S, "+OK\r\n"}, {PASS_S, "+OK\r\n"}, {"STAT\r\n", "+OK 2 320\r\n"},
    {"RETR 2\r\n", "+OK\r\nbody\r\n.\r\n"}, {"QUIT\r\n", "+OK\r\n"}};

static void app_index_state(void)
{
    UINT items, final;
    ULONG total, size;
    NX_PACKET *p = (NX_PACKET *)&total;
    ULONG bytes;
    NX_POP3_CLIENT zero;

    assert_int_equal(create(NX_FALSE), NX_SUCCESS);
    /* Before STAT the recorded count is 0: every index is too big. */
    assert_int_equal(nx_pop3_client_mail_item_size_get(&E.client, 1, &size), NX_POP3_INVALID_MAIL_ITEM);
    assert_int_equal(nx_pop3_client_mail_item_get(&E.client, 1, &size), NX_POP3_INVALID_MAIL_ITEM);
    assert_int_equal(nx_pop3_client_mail_item_message_get(&E.client, &p, &bytes, &final),
                     NX_POP3_CLIENT_INVALID_STATE);
    assert_null(p);
    assert_int_equal(nx_pop3_client_mail_items_get(&E.client, &items, &total), NX_SUCCESS);
    assert_int_equal(nx_pop3_client_mail_item_size_get(&E.client, 0, &size), NX_POP3_CLIENT_INVALID_INDEX);
    assert_int_equal(nx_pop3_client_mail_item_get(&E.client, 0, &size), NX_POP3_CLIENT_INVALID_INDEX);
    assert_int_equal(nx_pop3_client_mail_item_delete(&E.client, 0), NX_POP3_CLIENT_INVALID_INDEX);
    assert_int_equal(nx_pop3_client_mail_item_size_get(&E.client, 3, &size), NX_POP3_INVALID_MAIL_ITEM);
    assert_int_equal(nx_pop3_client_mail_item_get(&E.client, 3, &size), NX_POP3_INVALID_MAIL_ITEM);
    /* NULL pointers. */
    assert_int_equal(nx_pop3_client_mail_items_get(NULL, &items, &total), NX_PTR_ERROR);
    assert_int_equal(nx_pop3_client_mail_items_get(&E.client, NULL, &total), NX_PTR_ERROR);
    assert_int_equal(nx_pop3_client_mail_items_get(&E.client, &items, NULL), NX_PTR_ERROR);
    assert_int_equal(nx_pop3_client_mail_item_size_get(NULL, 1, &size), NX_PTR_ERROR);
    assert_int_equal(nx_pop3_client_mail_item_size_get(&E.client, 1, NULL), NX_PTR_ERROR);
    assert_int_equal(nx_pop3_client_mail_item_get(NULL, 1, &size), NX_PTR_ERROR);
    assert_int_equal(nx_pop3_client_mail_item_get(&E.client, 1, NULL), NX_PTR_ERROR);
    assert_int_equal(nx_pop3_client_mail_item_message_get(NULL, &p, &bytes, &final), NX_PTR_ERROR);
    assert_int_equal(nx_pop3_client_mail_item_message_get(&E.client, NULL, &bytes, &final), NX_PTR_ERROR);
    assert_int_equal(nx_pop3_client_mail_item_message_get(&E.client, &p, NULL, &final), NX_PTR_ERROR);
    assert_int_equal(nx_pop3_client_mail_item_message_get(&E.client, &p, &bytes, NULL), NX_PTR_ERROR);
    assert_int_equal(nx_pop3_client_mail_item_delete(NULL, 1), NX_PTR_ERROR);
    assert_int_equal(nx_pop3_client_quit(NULL), NX_PTR_ERROR);
    assert_int_equal(nx_pop3_client_delete(NULL), NX_PTR_ERROR);

    /* During a download only message_get and quit are allowed. */
    assert_int_equal(nx_pop3_client_mail_item_get(&E.client, 2, &size), NX_SUCCESS);
    assert_int_equal(nx_pop3_client_mail_items_get(&E.client, &items, &total), NX_POP3_CLIENT_INVALID_STATE);
    assert_int_equal(nx_pop3_client_mail_item_size_get(&E.client, 1, &size), NX_POP3_CLIENT_INVALID_STATE);
    assert_int_equal(nx_pop3_client_mail_item_get(&E.client, 1, &size), NX_POP3_CLIENT_INVALID_STATE);
    assert_int_equal(nx_pop3_client_mail_item_delete(&E.client, 1), NX_POP3_CLIENT_INVALID_STATE);
    /* quit now: reads the rest of the message, drops it, then QUIT. */
    assert_int_equal(nx_pop3_client_quit(&E.client), NX_SUCCESS);
    assert_int_equal(nx_pop3_client_quit(&E.client), NX_POP3_CLIENT_INVALID_STATE);
    assert_int_equal(nx_pop3_client_delete(&E.client), NX_SUCCESS);

    /* A block never created. */
    memset(&zero, 0, sizeof(zero));
    assert_int_equal(nx_pop3_client_mail_items_get(&zero, &items, &total), NX_POP3_CLIENT_INVALID_STATE);
    assert_int_equal(nx_pop3_client_mail_item_delete(&zero, 1), NX_POP3_CLIENT_INVALID_STATE);
    assert_int_equal(nx_pop3_client_quit(&zero), NX_POP3_CLIENT_INVALID_STATE);
    assert_int_equal(nx_pop3_client_delete(&zero), NX_SUCCESS);
}

static void test_index_and_state_checks(void **state)
{
    (void)state;
    RUN(stat2, app_index_state);
}

/* --- server errors ---------------------------------------------------------------- */

static const step errs[] = {
    {NULL, GREET}, {USER_S, "+OK\r\n"}, {PASS_S, "+OK\r\n"},
    {"STAT\r\n", "-ERR [SYS/TEMP] busy\r\n"},
    {"STAT\r\n", "+OK 3 30\r\n"},
    {"LIST 3\r\n", "-ERR no such message\r\n"},
    {"RETR 3\r\n", "-ERR no such message\r\n"},
    {"DELE 9\r\n", "-ERR no such message\r\n"},
    {"LIST 1\r\n", "+OK 1 10\r\n"},
    {"QUIT\r\n", "-ERR some deleted messages not removed\r\n"}};

static void app_errs(void)
{
    UINT items = 7, final;
    ULONG total = 7, size = 7, bytes;
    NX_PACKET *p;

    assert_int_equal(create(NX_FALSE), NX_SUCCESS);
    assert_int_equal(nx_pop3_client_mail_items_get(&E.client, &items, &total), NX_POP3_SERVER_ERROR_STATUS);
    assert_int_equal(items, 0);
    assert_int_equal(total, 0);
    assert_int_equal(nx_pop3_client_mail_items_get(&E.client, &items, &total), NX_SUCCESS);
    assert_int_equal(items, 3);
    assert_int_equal(nx_pop3_client_mail_item_size_get(&E.client, 3, &size), NX_POP3_SERVER_ERROR_STATUS);
    assert_int_equal(size, 0);
    assert_int_equal(nx_pop3_client_mail_item_get(&E.client, 3, &size), NX_POP3_SERVER_ERROR_STATUS);
    assert_int_equal(nx_pop3_client_mail_item_message_get(&E.client, &p, &bytes, &final),
                     NX_POP3_CLIENT_INVALID_STATE);
    /* As in NetX Duo, DELE is not checked against the count. */
    assert_int_equal(nx_pop3_client_mail_item_delete(&E.client, 9), NX_POP3_SERVER_ERROR_STATUS);
    assert_int_equal(nx_pop3_client_mail_item_size_get(&E.client, 1, &size), NX_SUCCESS);
    assert_int_equal(size, 10);
    assert_int_equal(nx_pop3_client_quit(&E.client), NX_POP3_SERVER_ERROR_STATUS);
    assert_false(E.f.open);
    assert_int_equal(nx_pop3_client_delete(&E.client), NX_SUCCESS);
}

static void test_server_errors(void **state)
{
    (void)state;
    RUN(errs, app_errs);
}

/* A STAT count of many digits: malformed, the session ends. */
static const step stat_huge[] = {
    {NULL, GREET}, {USER_S, "+OK\r\n"}, {PASS_S, "+OK\r\n"},
    {"STAT\r\n", "+OK 99999999999999999999999999 5\r\n"}};

static void app_stat_huge(void)
{
    UINT items = 7;
    ULONG total = 7, size;

    assert_int_equal(create(NX_FALSE), NX_SUCCESS);
    assert_int_equal(nx_pop3_client_mail_items_get(&E.client, &items, &total), NX_POP3_SERVER_ERROR_STATUS);
    assert_int_equal(items, 0);
    assert_int_equal(total, 0);
    assert_false(E.f.open);
    assert_int_equal(nx_pop3_client_mail_item_size_get(&E.client, 1, &size), NX_POP3_CLIENT_INVALID_STATE);
    assert_int_equal(nx_pop3_client_delete(&E.client), NX_SUCCESS);
}

static void test_stat_many_digits(void **state)
{
    (void)state;
    RUN(stat_huge, app_stat_huge);
}

static const step list_huge[] = {
    {NULL, GREET}, {USER_S, "+OK\r\n"}, {PASS_S, "+OK\r\n"},
    {"STAT\r\n", "+OK 1 5\r\n"},
    {"LIST 1\r\n", "+OK 1 123456789012345678901234567890\r\n"}};

static void app_list_huge(void)
{
    UINT items;
    ULONG total, size = 7;

    assert_int_equal(create(NX_FALSE), NX_SUCCESS);
    assert_int_equal(nx_pop3_client_mail_items_get(&E.client, &items, &total), NX_SUCCESS);
    assert_int_equal(nx_pop3_client_mail_item_size_get(&E.client, 1, &size), NX_POP3_SERVER_ERROR_STATUS);
    assert_int_equal(size, 0);
    assert_int_equal(nx_pop3_client_delete(&E.client), NX_SUCCESS);
}

static void test_list_many_digits(void **state)
{
    (void)state;
    RUN(list_huge, app_list_huge);
}

/* RETR's stated size of many digits saturates; the message still comes. */
static const step retr_huge[] = {
    {NULL, GREET}, {USER_S, "+OK\r\n"}, {PASS_S, "+OK\r\n"},
    {"STAT\r\n", "+OK 1 5\r\n"},
    {"RETR 1\r\n", "+OK 123456789012345678901234567890 octets\r\nhi\r\n.\r\n"},
    {"QUIT\r\n", "+OK\r\n"}};

static void app_retr_huge(void)
{
    UINT items;
    ULONG total, size = 7;
    size_t len;

    assert_int_equal(create(NX_FALSE), NX_SUCCESS);
    assert_int_equal(nx_pop3_client_mail_items_get(&E.client, &items, &total), NX_SUCCESS);
    assert_int_equal(nx_pop3_client_mail_item_get(&E.client, 1, &size), NX_SUCCESS);
    assert_true(size == (ULONG)~(ULONG)0);
    assert_string_equal(fetch(&len), "hi\r\n");
    assert_int_equal(nx_pop3_client_quit(&E.client), NX_SUCCESS);
    assert_int_equal(nx_pop3_client_delete(&E.client), NX_SUCCESS);
}

static void test_retr_size_many_digits(void **state)
{
    (void)state;
    RUN(retr_huge, app_retr_huge);
}

/* The connection closes in the middle of a message. */
static const step body_eof[] = {
    {NULL, GREET}, {USER_S, "+OK\r\n"}, {PASS_S, "+OK\r\n"},
    {"STAT\r\n", "+OK 1 5\r\n"},
    {"RETR 1\r\n", "+OK\r\nline one\r\nline two\r\n."}, {NULL, EOF_MARK}};

static void app_body_eof(void)
{
    UINT items, final = NX_FALSE;
    ULONG total, size, bytes;
    NX_PACKET *p;
    UINT st = NX_SUCCESS;
    int n = 0;

    assert_int_equal(create(NX_FALSE), NX_SUCCESS);
    assert_int_equal(nx_pop3_client_mail_items_get(&E.client, &items, &total), NX_SUCCESS);
    assert_int_equal(nx_pop3_client_mail_item_get(&E.client, 1, &size), NX_SUCCESS);
    while (st == NX_SUCCESS) {
        st = nx_pop3_client_mail_item_message_get(&E.client, &p, &bytes, &final);
        if (st == NX_SUCCESS) {
            assert_false(final);
            nx_packet_release(p);
        }
        assert_true(++n < 100);
    }
    assert_int_equal(st, NX_NOT_CONNECTED);
    assert_null(p);
    assert_int_equal(nx_pop3_client_mail_item_message_get(&E.client, &p, &bytes, &final),
                     NX_POP3_CLIENT_INVALID_STATE);
    assert_int_equal(nx_pop3_client_quit(&E.client), NX_POP3_CLIENT_INVALID_STATE);
    assert_int_equal(nx_pop3_client_delete(&E.client), NX_SUCCESS);
}

static void test_message_truncated(void **state)
{
    (void)state;
    RUN(body_eof, app_body_eof);
}

/* Reply timeout inside a message and for a command. */
static void test_reply_timeouts(void **state)
{
    static const step s1[] = {
        {NULL, GREET}, {USER_S, "+OK\r\n"}, {PASS_S, "+OK\r\n"}, {"STAT\r\n", "+OK 1 5\r\n"},
        {"RETR 1\r\n", "+OK\r\npartial line"}};
    static const step s2[] = {{NULL, GREET}, {USER_S, "+OK\r\n"}, {PASS_S, "+OK\r\n"}};
    UINT items, final;
    ULONG total, size, bytes;
    NX_PACKET *p;
    uint32_t t0;

    (void)state;
    env_init(s1, 5, 1536, 2);
    assert_int_equal(create(NX_FALSE), NX_SUCCESS);
    assert_int_equal(nx_pop3_client_mail_items_get(&E.client, &items, &total), NX_SUCCESS);
    assert_int_equal(nx_pop3_client_mail_item_get(&E.client, 1, &size), NX_SUCCESS);
    /* What has arrived is handed over at once, a line without its end
     * included; the next call waits for the rest and gives up after
     * NX_POP3_SERVER_REPLY_TIMEOUT. */
    t0 = E.f.clock;
    assert_int_equal(nx_pop3_client_mail_item_message_get(&E.client, &p, &bytes, &final), NX_SUCCESS);
    assert_true(E.f.clock - t0 <= 100u);
    assert_int_equal(bytes, 12);
    assert_memory_equal(p->nx_packet_prepend_ptr, "partial line", 12);
    assert_false(final);
    assert_int_equal(nx_packet_release(p), NX_SUCCESS);
    t0 = E.f.clock;
    assert_int_equal(nx_pop3_client_mail_item_message_get(&E.client, &p, &bytes, &final), NX_NO_PACKET);
    assert_true(E.f.clock - t0 >= 10000u && E.f.clock - t0 <= 10200u);
    assert_int_equal(E.pool.nx_packet_pool_available, E.pool.nx_packet_pool_total);
    assert_false(E.f.open);
    assert_int_equal(nx_pop3_client_delete(&E.client), NX_SUCCESS);

    env_init(s2, 3, 1536, 2);
    assert_int_equal(create(NX_FALSE), NX_SUCCESS);
    E.f.clock += 3600000u; /* the application idles an hour between calls */
    t0 = E.f.clock;
    assert_int_equal(nx_pop3_client_mail_items_get(&E.client, &items, &total), NX_NO_PACKET);
    assert_true(E.f.clock - t0 >= 10000u);
    assert_string_equal(sent(&E.f), USER_S PASS_S "STAT\r\n");
    assert_int_equal(nx_pop3_client_mail_items_get(&E.client, &items, &total), NX_POP3_CLIENT_INVALID_STATE);
    assert_int_equal(nx_pop3_client_delete(&E.client), NX_SUCCESS);
}

/* An empty packet pool: NX_NO_PACKET, and the download goes on later. */
static const step pool_steps[] = {
    {NULL, GREET}, {USER_S, "+OK\r\n"}, {PASS_S, "+OK\r\n"}, {"STAT\r\n", "+OK 1 5\r\n"},
    {"RETR 1\r\n", "+OK\r\n" MSG1_WIRE}, {"QUIT\r\n", "+OK\r\n"}};

static void test_pool_empty(void **state)
{
    UINT items, final;
    ULONG total, size, bytes;
    NX_PACKET *held[64], *p;
    size_t n = 0, len;

    (void)state;
    env_init(pool_steps, 6, 8, 4);
    assert_int_equal(create(NX_FALSE), NX_SUCCESS);
    assert_int_equal(nx_pop3_client_mail_items_get(&E.client, &items, &total), NX_SUCCESS);
    assert_int_equal(nx_pop3_client_mail_item_get(&E.client, 1, &size), NX_SUCCESS);
    while ((held[n] = alloc(&E.pool)) != NULL)
        n++;
    assert_int_equal(nx_pop3_client_mail_item_message_get(&E.client, &p, &bytes, &final), NX_NO_PACKET);
    while (n > 0)
        assert_int_equal(nx_packet_release(held[--n]), NX_SUCCESS);
    assert_string_equal(fetch(&len), MSG1);
    assert_int_equal(nx_pop3_client_quit(&E.client), NX_SUCCESS);
    assert_int_equal(nx_pop3_client_delete(&E.client), NX_SUCCESS);
}

/* Garbage after the terminator: a reply nobody asked for ends the session,
 * but the message itself was complete. */
static const step trailing[] = {
    {NULL, GREET}, {USER_S, "+OK\r\n"}, {PASS_S, "+OK\r\n"}, {"STAT\r\n", "+OK 1 5\r\n"},
    {"RETR 1\r\n", "+OK\r\nok\r\n.\r\n+OK surprise\r\n"}};

static void app_trailing(void)
{
    UINT items;
    ULONG total, size;
    size_t len;

    assert_int_equal(create(NX_FALSE), NX_SUCCESS);
    assert_int_equal(nx_pop3_client_mail_items_get(&E.client, &items, &total), NX_SUCCESS);
    assert_int_equal(nx_pop3_client_mail_item_get(&E.client, 1, &size), NX_SUCCESS);
    assert_string_equal(fetch(&len), "ok\r\n");
    /* Depending on the split, the surprise came with the message (the
     * session is then over) or is still unread. */
    assert_int_equal(nx_pop3_client_delete(&E.client), NX_SUCCESS);
    assert_false(E.f.open);
}

static void test_reply_after_terminator(void **state)
{
    (void)state;
    RUN(trailing, app_trailing);
}

/* delete in the middle of a download releases everything. */
static void test_delete_during_download(void **state)
{
    UINT items, final;
    ULONG total, size, bytes;
    NX_PACKET *p;

    (void)state;
    env_init(pool_steps, 6, 4, 4);
    assert_int_equal(create(NX_FALSE), NX_SUCCESS);
    assert_int_equal(nx_pop3_client_mail_items_get(&E.client, &items, &total), NX_SUCCESS);
    assert_int_equal(nx_pop3_client_mail_item_get(&E.client, 1, &size), NX_SUCCESS);
    assert_int_equal(nx_pop3_client_mail_item_message_get(&E.client, &p, &bytes, &final), NX_SUCCESS);
    assert_int_equal(bytes, 4);
    assert_false(final);
    assert_int_equal(nx_packet_release(p), NX_SUCCESS);
    assert_int_equal(nx_pop3_client_delete(&E.client), NX_SUCCESS);
    assert_false(E.f.open);
    assert_int_equal(E.f.closes, 1);
    assert_string_equal(sent(&E.f), USER_S PASS_S "STAT\r\nRETR 1\r\n"); /* no QUIT */
    assert_int_equal(E.pool.nx_packet_pool_available, E.pool.nx_packet_pool_total);
    assert_int_equal(nx_pop3_client_delete(&E.client), NX_SUCCESS);
}

/* A whole message in one segment, terminator included: the body comes in a
 * packet that is not final, and the end in a final packet of 0 octets, the
 * way NetX Duo applications see it when the terminator arrives alone. */
static void test_end_is_its_own_packet(void **state)
{
    UINT items, final = NX_TRUE;
    ULONG total, size, bytes = 99;
    NX_PACKET *p = NX_NULL;

    (void)state;
    env_init(session, sizeof(session) / sizeof(session[0]), 1536, 2);
    assert_int_equal(create(NX_FALSE), NX_SUCCESS);
    assert_int_equal(nx_pop3_client_mail_items_get(&E.client, &items, &total), NX_SUCCESS);
    assert_int_equal(nx_pop3_client_mail_item_size_get(&E.client, 1, &size), NX_SUCCESS);
    assert_int_equal(nx_pop3_client_mail_item_get(&E.client, 1, &size), NX_SUCCESS);
    assert_int_equal(nx_pop3_client_mail_item_message_get(&E.client, &p, &bytes, &final), NX_SUCCESS);
    assert_false(final);
    assert_int_equal(bytes, strlen(MSG1));
    assert_memory_equal(p->nx_packet_prepend_ptr, MSG1, strlen(MSG1));
    assert_int_equal(nx_packet_release(p), NX_SUCCESS);
    assert_int_equal(nx_pop3_client_mail_item_message_get(&E.client, &p, &bytes, &final), NX_SUCCESS);
    assert_true(final);
    assert_int_equal(bytes, 0);
    assert_int_equal(p->nx_packet_length, 0);
    assert_int_equal(nx_packet_release(p), NX_SUCCESS);
    /* The download is over: message_get is refused, commands go on. */
    assert_int_equal(nx_pop3_client_mail_item_message_get(&E.client, &p, &bytes, &final),
                     NX_POP3_CLIENT_INVALID_STATE);
    assert_int_equal(nx_pop3_client_mail_item_delete(&E.client, 1), NX_SUCCESS);
    assert_int_equal(nx_pop3_client_delete(&E.client), NX_SUCCESS);
}

/* The port takes no octets for a while: the shim waits for writability
 * and sends the rest; a broken send ends the session. */
static void test_send_back_pressure_and_failure(void **state)
{
    UINT items;
    ULONG total;

    (void)state;
    env_init(session, sizeof(session) / sizeof(session[0]), 64, 2);
    assert_int_equal(create(NX_FALSE), NX_SUCCESS);
    E.f.send_stalls = 5;
    assert_int_equal(nx_pop3_client_mail_items_get(&E.client, &items, &total), NX_SUCCESS);
    assert_int_equal(items, 2);
    /* The first refusal comes as STAT is queued; after each, the shim
     * waits and the port offers the rest again: five waits, the fifth
     * send is taken. */
    assert_int_equal(E.f.write_waits, 5);
    assert_string_equal(sent(&E.f), USER_S PASS_S "STAT\r\n");
    E.f.send_broken = 1;
    assert_int_equal(nx_pop3_client_mail_item_get(&E.client, 1, &total), NX_NOT_CONNECTED);
    assert_false(E.f.open);
    assert_int_equal(nx_pop3_client_mail_item_get(&E.client, 1, &total), NX_POP3_CLIENT_INVALID_STATE);
    assert_int_equal(nx_pop3_client_delete(&E.client), NX_SUCCESS);
}

/* --- packet pools ------------------------------------------------------------------- */

static void test_packet_pool(void **state)
{
    NX_PACKET_POOL pool;
    ULONG mem[256], n;
    NX_PACKET *a, *b;
    char out[64];

    (void)state;
    assert_int_equal(nx_packet_pool_create(NULL, "p", 32, mem, sizeof(mem)), NX_PTR_ERROR);
    assert_int_equal(nx_packet_pool_create(&pool, "p", 32, NULL, sizeof(mem)), NX_PTR_ERROR);
    assert_int_equal(nx_packet_pool_create(&pool, "p", 0, mem, sizeof(mem)), NX_SIZE_ERROR);
    assert_int_equal(nx_packet_pool_create(&pool, "p", 32, mem, 16), NX_SIZE_ERROR);
    assert_int_equal(nx_packet_pool_create(&pool, "p", 32, mem, sizeof(mem)), NX_SUCCESS);
    assert_true(pool.nx_packet_pool_total >= 2);
    a = alloc(&pool);
    b = alloc(&pool);
    assert_non_null(a);
    assert_non_null(b);
    assert_true(a != b);
    assert_int_equal(a->nx_packet_data_end - a->nx_packet_data_start, 32);
    memcpy(a->nx_packet_prepend_ptr, "hello", 5);
    a->nx_packet_append_ptr += 5;
    a->nx_packet_length = 5;
    assert_int_equal(nx_packet_data_retrieve(a, out, &n), NX_SUCCESS);
    assert_int_equal(n, 5);
    assert_memory_equal(out, "hello", 5);
    assert_int_equal(nx_packet_data_retrieve(NULL, out, &n), NX_PTR_ERROR);
    assert_int_equal(nx_packet_release(a), NX_SUCCESS);
    assert_int_equal(nx_packet_release(a), NX_PTR_ERROR); /* twice */
    assert_int_equal(nx_packet_release(NULL), NX_PTR_ERROR);
    {
        NX_PACKET foreign;

        memset(&foreign, 0, sizeof(foreign));
        assert_int_equal(nx_packet_release(&foreign), NX_PTR_ERROR);
        foreign.nx_packet_pool_owner = &pool; /* claims the pool, lies outside */
        foreign.nx_packet_in_use = 1;
        assert_int_equal(nx_packet_release(&foreign), NX_PTR_ERROR);
    }
    assert_int_equal(nx_packet_release(b), NX_SUCCESS);
    assert_int_equal(pool.nx_packet_pool_available, pool.nx_packet_pool_total);
    /* A chain: retrieved whole, released whole. */
    a = alloc(&pool);
    b = alloc(&pool);
    memcpy(a->nx_packet_prepend_ptr, "ab", 2);
    a->nx_packet_append_ptr += 2;
    memcpy(b->nx_packet_prepend_ptr, "cde", 3);
    b->nx_packet_append_ptr += 3;
    a->nx_packet_next = b;
    a->nx_packet_length = 5;
    assert_int_equal(nx_packet_data_retrieve(a, out, &n), NX_SUCCESS);
    assert_int_equal(n, 5);
    assert_memory_equal(out, "abcde", 5);
    assert_int_equal(nx_packet_release(a), NX_SUCCESS);
    assert_int_equal(nx_packet_release(b), NX_PTR_ERROR); /* went with a */
    assert_int_equal(pool.nx_packet_pool_available, pool.nx_packet_pool_total);
    /* Empty pool. */
    while ((a = alloc(&pool)) != NULL)
        ;
    assert_int_equal(nx_packet_allocate(&pool, &a, 0, NX_NO_WAIT), NX_NO_PACKET);
    assert_null(a);
    assert_int_equal(nx_packet_allocate(NULL, &a, 0, NX_NO_WAIT), NX_PTR_ERROR);
    assert_int_equal(nx_packet_pool_delete(&pool), NX_SUCCESS);
    assert_int_equal(nx_packet_pool_delete(&pool), NX_PTR_ERROR);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_user_pass),
        cmocka_unit_test(test_create_apop_rfc1939_digest),
        cmocka_unit_test(test_create_apop_without_timestamp_falls_back),
        cmocka_unit_test(test_create_apop_refused_falls_back),
        cmocka_unit_test(test_create_apop_and_fallback_refused),
        cmocka_unit_test(test_create_pass_refused_fails),
        cmocka_unit_test(test_create_user_refused_no_pass_sent),
        cmocka_unit_test(test_create_greeting_err),
        cmocka_unit_test(test_create_greeting_without_crlf_then_eof),
        cmocka_unit_test(test_create_greeting_too_long),
        cmocka_unit_test(test_create_connect_fails),
        cmocka_unit_test(test_create_connect_times_out),
        cmocka_unit_test(test_create_greeting_timeout),
        cmocka_unit_test(test_create_reset),
        cmocka_unit_test(test_create_bad_arguments),
        cmocka_unit_test(test_credentials_wiped_after_login),
        cmocka_unit_test(test_ipv6_create),
        cmocka_unit_test(test_session_two_mails),
        cmocka_unit_test(test_empty_message),
        cmocka_unit_test(test_index_and_state_checks),
        cmocka_unit_test(test_server_errors),
        cmocka_unit_test(test_stat_many_digits),
        cmocka_unit_test(test_list_many_digits),
        cmocka_unit_test(test_retr_size_many_digits),
        cmocka_unit_test(test_message_truncated),
        cmocka_unit_test(test_reply_timeouts),
        cmocka_unit_test(test_pool_empty),
        cmocka_unit_test(test_reply_after_terminator),
        cmocka_unit_test(test_delete_during_download),
        cmocka_unit_test(test_end_is_its_own_packet),
        cmocka_unit_test(test_send_back_pressure_and_failure),
        cmocka_unit_test(test_packet_pool),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
