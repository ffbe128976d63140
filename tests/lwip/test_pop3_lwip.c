/* SPDX-License-Identifier: MIT */
/* test_pop3_lwip.c - port/lwip against a scripted TCP layer.
 *
 * lwIP's own pbuf and memory pools (built from the source package with the
 * project's NO_SYS=1 lwipopts.h, LWIP_ALTCP=0) and a fake tcp_* layer that
 * records every call the port makes: what it acknowledges with tcp_recved,
 * what it writes, when it closes or aborts. This pins down what the
 * over-the-wire tests in run.sh cannot see directly: the window is opened
 * exactly by the consumed octets, held pbufs survive a pause, a FIN waits
 * behind them, and a PCB is never touched after lwIP's err callback.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "lwip/init.h"
#include "lwip/mem.h"
#include "lwip/memp.h"
#include "lwip/dns.h"
#include "pop3_lwip.h"

/* ---- the fake TCP layer ------------------------------------------------- */
static struct {
    struct tcp_pcb pcb;
    int allocated, fail_alloc;
    void *arg;
    tcp_recv_fn recv;
    tcp_sent_fn sent;
    tcp_err_fn err;
    tcp_poll_fn poll;
    tcp_connected_fn connected;
    u32_t recved;
    unsigned closes, aborts, outputs, touched_after_free;
    err_t close_result, write_result, connect_result;
    char out[4096];
    size_t out_len;
    u32_t now;
    dns_found_callback dns_cb;
    void *dns_arg;
    ip_addr_t connect_ip;
    unsigned lookups;
} f;

static struct tcp_pcb *live(struct tcp_pcb *pcb)
{
    if (pcb != &f.pcb || !f.allocated)
        f.touched_after_free++;
    return pcb;
}

struct tcp_pcb *tcp_new_ip_type(u8_t type)
{
    (void)type;
    if (f.fail_alloc)
        return NULL;
    f.allocated = 1;
    return &f.pcb;
}
void tcp_arg(struct tcp_pcb *pcb, void *arg) { live(pcb); f.arg = arg; }
void tcp_recv(struct tcp_pcb *pcb, tcp_recv_fn fn) { live(pcb); f.recv = fn; }
void tcp_sent(struct tcp_pcb *pcb, tcp_sent_fn fn) { live(pcb); f.sent = fn; }
void tcp_err(struct tcp_pcb *pcb, tcp_err_fn fn) { live(pcb); f.err = fn; }
void tcp_poll(struct tcp_pcb *pcb, tcp_poll_fn fn, u8_t interval)
{
    (void)interval;
    live(pcb);
    f.poll = fn;
}
err_t tcp_connect(struct tcp_pcb *pcb, const ip_addr_t *ip, u16_t port, tcp_connected_fn fn)
{
    (void)port;
    live(pcb);
    f.connected = fn;
    ip_addr_copy(f.connect_ip, *ip);
    return f.connect_result;
}
void tcp_recved(struct tcp_pcb *pcb, u16_t len) { live(pcb); f.recved += len; }
err_t tcp_write(struct tcp_pcb *pcb, const void *data, u16_t len, u8_t flags)
{
    (void)flags;
    live(pcb);
    if (f.write_result != ERR_OK)
        return f.write_result;
    assert_true(len <= pcb->snd_buf);
    assert_true(f.out_len + len <= sizeof f.out);
    memcpy(f.out + f.out_len, data, len);
    f.out_len += len;
    pcb->snd_buf = (tcpwnd_size_t)(pcb->snd_buf - len);
    return ERR_OK;
}
err_t tcp_output(struct tcp_pcb *pcb) { live(pcb); f.outputs++; return ERR_OK; }
err_t tcp_close(struct tcp_pcb *pcb)
{
    live(pcb);
    f.closes++;
    if (f.close_result == ERR_OK)
        f.allocated = 0;
    return f.close_result;
}
void tcp_abort(struct tcp_pcb *pcb)
{
    live(pcb);
    f.aborts++;
    f.allocated = 0;
}
u32_t sys_now(void) { return f.now; }
err_t dns_gethostbyname(const char *name, ip_addr_t *addr, dns_found_callback cb, void *arg)
{
    (void)name; (void)addr;
    f.dns_cb = cb;
    f.dns_arg = arg;
    f.lookups++;
    return ERR_INPROGRESS;
}

/* ---- the application ------------------------------------------------------ */
static struct {
    unsigned closed, msg_end;
    pop3_err reason;
    char body[4096];
    size_t body_len;
    int pause_on_data, pause_on_begin;
} ev;

static void on_event(pop3_client *c, const pop3_event *e, void *user)
{
    (void)user;
    switch (e->type) {
    case POP3_EV_GREETING: pop3_client_login(c, "u", "p", POP3_AUTH_USER); break;
    case POP3_EV_LOGIN: pop3_client_retr(c, 1); break;
    case POP3_EV_MSG_BEGIN:
        if (ev.pause_on_begin)
            pop3_client_pause(c);
        break;
    case POP3_EV_MSG_DATA:
        assert_true(ev.body_len + e->len <= sizeof ev.body);
        memcpy(ev.body + ev.body_len, e->text, e->len);
        ev.body_len += e->len;
        if (ev.pause_on_data)
            pop3_client_pause(c);
        break;
    case POP3_EV_MSG_END: ev.msg_end++; pop3_client_quit(c); break;
    case POP3_EV_CLOSED: ev.closed++; ev.reason = e->err; break;
    default: break;
    }
}

static pop3_lwip port;
static pop3_client client;
static char line[512];
static uint8_t cmd[POP3_CMD_MAX];
static pop3_slot queue[4];

/* A fresh client on port's transport; connect_ms 0: the default. */
static void init_client(uint32_t connect_ms)
{
    pop3_client_config cfg;

    pop3_client_config_defaults(&cfg);
    if (connect_ms != 0)
        cfg.connect_timeout_ms = connect_ms;
    cfg.transport = pop3_lwip_transport(&port);
    cfg.cb = on_event;
    cfg.line_buf = line; cfg.line_size = sizeof line;
    cfg.cmd_buf = cmd;   cfg.cmd_size = sizeof cmd;
    cfg.queue = queue;   cfg.queue_len = 4;
    cfg.reply_timeout_ms = 1000;
    assert_int_equal(pop3_client_init(&client, &cfg), POP3_OK);
}

static int setup(void **state)
{
    ip_addr_t ip;

    (void)state;
    memset(&f, 0, sizeof f);
    memset(&ev, 0, sizeof ev);
    f.pcb.snd_buf = 2048;
    pop3_lwip_init(&port);
    init_client(0);
    IP_ADDR4(&ip, 169, 254, 77, 1);
    assert_int_equal(pop3_lwip_connect_ip(&port, &client, &ip, 110), POP3_OK);
    return 0;
}

static struct pbuf *chain(const char *a, const char *b)
{
    struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)strlen(a), PBUF_RAM);

    assert_non_null(p);
    memcpy(p->payload, a, strlen(a));
    if (b != NULL) {
        struct pbuf *q = pbuf_alloc(PBUF_RAW, (u16_t)strlen(b), PBUF_RAM);
        assert_non_null(q);
        memcpy(q->payload, b, strlen(b));
        pbuf_cat(p, q);
    }
    return p;
}

static err_t rx(const char *a, const char *b)
{
    return f.recv(f.arg, &f.pcb, a != NULL ? chain(a, b) : NULL, ERR_OK);
}

/* Up to the +OK of RETR 1: greeting, USER, PASS. */
static void log_in(void)
{
    assert_int_equal(f.connected(f.arg, &f.pcb, ERR_OK), ERR_OK);
    assert_int_equal(rx("+OK hi\r\n", NULL), ERR_OK);
    assert_int_equal(rx("+OK\r\n", NULL), ERR_OK);
    assert_int_equal(rx("+OK\r\n", NULL), ERR_OK);
    assert_memory_equal(f.out, "USER u\r\nPASS p\r\nRETR 1\r\n", f.out_len);
}

static void test_reply_in_the_greetings_segment_answers_nothing(void **state)
{
    (void)state;
    /* USER is queued from the greeting callback, but the port writes only
     * after the segment was handled: the "+OK" in it was sent before USER
     * could have left, so it answers nothing. */
    assert_int_equal(f.connected(f.arg, &f.pcb, ERR_OK), ERR_OK);
    assert_int_equal(rx("+OK hi\r\n+OK stray\r\n", NULL), ERR_OK);
    assert_int_equal(ev.reason, POP3_ERR_UNEXPECTED);
    assert_int_equal(f.out_len, 0);
}

static void test_window_opens_by_consumed_octets_only(void **state)
{
    const char *a = "+OK 12 octets\r\nline one\r\n", *b = "line two\r\n.\r\n";
    u32_t before;

    (void)state;
    log_in();
    before = f.recved;
    ev.pause_on_data = 1; /* a slow consumer: stop after the first slice */
    assert_int_equal(rx(a, b), ERR_OK);
    /* Consumed up to and including the first body slice; the rest is held
     * and not acknowledged, so the server's window shrinks. */
    assert_true(ev.body_len > 0);
    assert_true(pop3_lwip_held(&port) > 0);
    assert_int_equal(f.recved - before + pop3_lwip_held(&port), strlen(a) + strlen(b));
    ev.pause_on_data = 0;
    pop3_client_resume(&client);
    pop3_lwip_poll(&port);
    assert_int_equal(pop3_lwip_held(&port), 0);
    assert_int_equal(f.recved - before, strlen(a) + strlen(b));
    assert_int_equal(ev.msg_end, 1);
    assert_memory_equal(ev.body, "line one\r\nline two\r\n", ev.body_len);
}

static void test_window_stays_shut_for_the_rest_of_a_paused_pbuf(void **state)
{
    const char *a = "+OK\r\nabc\r\n.\r\n";
    u32_t before;

    (void)state;
    log_in();
    before = f.recved;
    ev.pause_on_begin = 1; /* stops inside the pbuf, after the status line */
    assert_int_equal(rx(a, NULL), ERR_OK);
    assert_int_equal(pop3_lwip_held(&port), strlen(a) - 5);
    assert_int_equal(f.recved - before, 5); /* "+OK\r\n" only */
    ev.pause_on_begin = 0;
    pop3_client_resume(&client);
    pop3_lwip_poll(&port);
    assert_int_equal(pop3_lwip_held(&port), 0);
    assert_int_equal(f.recved - before, strlen(a));
    assert_int_equal(ev.msg_end, 1);
}

static void test_fin_waits_behind_held_pbufs(void **state)
{
    (void)state;
    log_in();
    ev.pause_on_begin = 1;
    assert_int_equal(rx("+OK\r\nabc\r\n", "def\r\n"), ERR_OK);
    assert_int_equal(rx(NULL, NULL), ERR_OK); /* FIN while paused */
    assert_int_equal(ev.closed, 0);
    assert_int_equal(f.closes, 0);
    pop3_client_resume(&client);
    pop3_lwip_poll(&port);
    assert_memory_equal(ev.body, "abc\r\ndef\r\n", ev.body_len);
    assert_int_equal(ev.closed, 1);
    assert_int_equal(ev.reason, POP3_ERR_TRUNCATED);
    assert_int_equal(f.closes, 1);
    assert_false(pop3_lwip_active(&port));
}

/* A filter like the TLS decorator: it takes every octet offered ("cipher
 * text") into its own buffer and pushes it on to the engine, keeping what a
 * paused engine does not take (pending). */
static struct {
    char held[256];
    size_t held_len;
    unsigned inputs, empty_inputs, writables, eofs;
} flt;

static size_t flt_push(void)
{
    size_t k = pop3_client_input(&client, flt.held, flt.held_len);

    memmove(flt.held, flt.held + k, flt.held_len - k);
    flt.held_len -= k;
    return k;
}
static size_t flt_input(void *ctx, const void *data, size_t len)
{
    size_t take;

    assert_ptr_equal(ctx, &flt);
    flt.inputs++;
    if (len == 0)
        flt.empty_inputs++;
    if (flt.held_len > 0 && (flt_push(), flt.held_len > 0))
        return 0; /* still held back: take nothing more */
    if (len == 0)
        return 0;
    take = len < sizeof flt.held ? len : sizeof flt.held;
    memcpy(flt.held, data, take);
    flt.held_len = take;
    (void)flt_push();
    return take;
}
static void flt_writable(void *ctx) { (void)ctx; flt.writables++; pop3_client_writable(&client); }
static void flt_eof(void *ctx) { (void)ctx; flt.eofs++; pop3_client_eof(&client); }
static bool flt_pending(void *ctx) { (void)ctx; return flt.held_len > 0; }

static void test_filter_takes_the_octets_and_the_window_follows_it(void **state)
{
    static const pop3_lwip_filter filter = { flt_input, flt_writable, flt_eof, flt_pending, &flt };
    const char *a = "+OK 12 octets\r\nline one\r\n", *b = "line two\r\n.\r\n";
    u32_t before;

    (void)state;
    memset(&flt, 0, sizeof flt);
    pop3_lwip_set_filter(&port, &filter);
    log_in();
    assert_true(flt.inputs >= 3);
    assert_true(flt.writables > 0); /* the port's writable goes to the filter */
    before = f.recved;
    ev.pause_on_data = 1;
    assert_int_equal(rx(a, b), ERR_OK);
    /* The filter took all of the first piece, so the window opened for it.
     * The port offers nothing more while the engine is paused: the second
     * piece is held, its window still shut. */
    assert_int_equal(f.recved - before, strlen(a));
    assert_int_equal(pop3_lwip_held(&port), strlen(b));
    ev.pause_on_data = 0;
    pop3_client_resume(&client);
    ev.pause_on_data = 1;
    pop3_lwip_poll(&port);
    /* Now the filter took the second piece too, but the engine paused
     * inside it: the rest is the filter's (pending), none is the port's. */
    assert_int_equal(f.recved - before, strlen(a) + strlen(b));
    assert_int_equal(pop3_lwip_held(&port), 0);
    assert_true(flt.held_len > 0);
    ev.pause_on_data = 0;
    pop3_client_resume(&client);
    pop3_lwip_poll(&port); /* pushes the pending octets: input(NULL, 0) */
    assert_true(flt.empty_inputs > 0);
    assert_int_equal(flt.held_len, 0);
    assert_int_equal(f.recved - before, strlen(a) + strlen(b));
    assert_int_equal(ev.msg_end, 1);
    assert_memory_equal(ev.body, "line one\r\nline two\r\n", ev.body_len);
    assert_int_equal(rx(NULL, NULL), ERR_OK); /* FIN: to the filter */
    assert_int_equal(flt.eofs, 1);
    assert_int_equal(ev.closed, 1);
}

static void test_err_callback_never_touches_the_pcb(void **state)
{
    (void)state;
    log_in();
    ev.pause_on_begin = 1;
    assert_int_equal(rx("+OK\r\nheld\r\n", NULL), ERR_OK);
    f.allocated = 0; /* lwIP frees the PCB before calling err */
    f.err(f.arg, ERR_RST);
    assert_int_equal(ev.closed, 1);
    assert_int_equal(ev.reason, POP3_ERR_RESET);
    /* Closing again (engine, application) must not reach lwIP. */
    pop3_lwip_transport(&port)->close(&port);
    pop3_client_abort(&client);
    pop3_lwip_poll(&port);
    assert_int_equal(f.touched_after_free, 0);
    assert_int_equal(f.closes + f.aborts, 0);
    assert_int_equal(pop3_lwip_held(&port), 0); /* held pbufs freed */
    assert_false(pop3_lwip_active(&port));
}

static void test_close_is_idempotent(void **state)
{
    (void)state;
    log_in();
    assert_int_equal(rx("+OK\r\nx\r\n.\r\n", NULL), ERR_OK); /* QUIT queued */
    assert_int_equal(rx("+OK bye\r\n", NULL), ERR_OK);
    assert_int_equal(ev.reason, POP3_ERR_CLOSED);
    assert_int_equal(f.closes, 1);
    pop3_lwip_transport(&port)->close(&port);
    pop3_lwip_transport(&port)->close(&port);
    assert_int_equal(f.closes, 1);
    assert_int_equal(f.touched_after_free, 0);
    /* A late callback from lwIP with the detached arg is harmless. */
    assert_null(f.arg);
}

static void test_close_falls_back_to_abort_inside_recv(void **state)
{
    (void)state;
    log_in();
    assert_int_equal(rx("+OK\r\nx\r\n.\r\n", NULL), ERR_OK);
    f.close_result = ERR_MEM; /* lwIP cannot queue the FIN */
    /* The PCB is aborted inside its own recv callback: ERR_ABRT required. */
    assert_int_equal(rx("+OK bye\r\n", NULL), ERR_ABRT);
    assert_int_equal(f.aborts, 1);
    assert_int_equal(ev.reason, POP3_ERR_CLOSED);
}

static void test_send_respects_sndbuf_and_resumes_from_sent(void **state)
{
    (void)state;
    f.pcb.snd_buf = 3;
    assert_int_equal(f.connected(f.arg, &f.pcb, ERR_OK), ERR_OK);
    assert_int_equal(rx("+OK hi\r\n", NULL), ERR_OK);
    assert_int_equal(f.out_len, 3);
    while (f.out_len < 8) {
        size_t before = f.out_len;
        f.pcb.snd_buf = 3; /* the server acknowledged */
        assert_int_equal(f.sent(f.arg, &f.pcb, 3), ERR_OK);
        assert_true(f.out_len > before);
    }
    assert_memory_equal(f.out, "USER u\r\n", 8);
    assert_true(f.outputs >= 3);
}

static void test_write_error_ends_with_transport(void **state)
{
    (void)state;
    f.write_result = ERR_CONN;
    assert_int_equal(f.connected(f.arg, &f.pcb, ERR_OK), ERR_OK);
    assert_int_equal(rx("+OK hi\r\n", NULL), ERR_OK);
    assert_int_equal(ev.reason, POP3_ERR_TRANSPORT);
    assert_int_equal(f.closes, 1);
}

static void test_refused_connect_is_connect_error(void **state)
{
    (void)state;
    f.allocated = 0;
    f.err(f.arg, ERR_RST); /* RST to our SYN */
    assert_int_equal(ev.reason, POP3_ERR_CONNECT);
    assert_int_equal(f.touched_after_free, 0);
}

static void test_poll_callback_drives_timeouts(void **state)
{
    (void)state;
    log_in(); /* RETR outstanding; reply timeout 1000 ms */
    f.now = 100;
    assert_int_equal(f.poll(f.arg, &f.pcb), ERR_OK);
    assert_int_equal(ev.closed, 0);
    f.now = 1200;
    assert_int_equal(f.poll(f.arg, &f.pcb), ERR_OK);
    assert_int_equal(ev.reason, POP3_ERR_TIMEOUT_REPLY);
    assert_int_equal(f.closes, 1);
}

static void test_no_pcb_is_connect_error(void **state)
{
    (void)state;
    pop3_lwip_transport(&port)->close(&port);
    pop3_lwip_init(&port);
    init_client(0);
    f.fail_alloc = 1;
    assert_int_equal(pop3_lwip_connect(&port, &client, "10.0.0.1", 110), POP3_ERR_CONNECT);
    assert_int_equal(pop3_client_error(&client), POP3_ERR_CONNECT);
}

/* A fresh port looks host up and the connect timeout (500 ms) ends the
 * session while lwIP still holds the lookup. */
static void lookup_then_time_out(const char *host)
{
    pop3_lwip_transport(&port)->close(&port);
    pop3_lwip_init(&port);
    init_client(500);
    f.allocated = 0;
    f.connected = NULL;
    assert_int_equal(pop3_lwip_connect(&port, &client, host, 110), POP3_OK);
    assert_true(pop3_lwip_active(&port)); /* lookup pending */
    f.now = 0;
    pop3_lwip_poll(&port);
    f.now = 600;
    pop3_lwip_poll(&port);
    assert_int_equal(ev.reason, POP3_ERR_TIMEOUT_CONNECT);
}

static void test_dns_answer_after_the_session_ended_is_ignored(void **state)
{
    ip_addr_t ip;

    (void)state;
    lookup_then_time_out("mail.example.org");
    /* The session is over, but lwIP still holds p for the lookup. */
    assert_true(pop3_lwip_active(&port));
    IP_ADDR4(&ip, 10, 0, 0, 1);
    f.dns_cb("mail.example.org", &ip, f.dns_arg); /* too late */
    assert_null(f.connected);                     /* no connection started */
    assert_int_equal(ev.closed, 1);
    assert_false(pop3_lwip_active(&port)); /* now p may be reused or freed */
}

/* The header's rule: p may be reused only once pop3_lwip_active() is
 * false. Reusing it earlier is refused, so the first host's late answer
 * can never connect the second session to the first host. */
static void test_late_dns_answer_never_reaches_a_later_session(void **state)
{
    static pop3_client second;
    void *first_arg;
    dns_found_callback first_cb;
    ip_addr_t a, b;

    (void)state;
    lookup_then_time_out("first.example");
    first_cb = f.dns_cb;
    first_arg = f.dns_arg;
    /* Reuse while lwIP still holds the lookup: refused, nothing asked. */
    memset(&second, 0, sizeof second);
    unsigned lookups = f.lookups;
    assert_int_equal(pop3_lwip_connect(&port, &second, "second.example", 110), POP3_ERR_ARG);
    assert_int_equal(f.lookups, lookups);
    /* The first host's answer comes late: nobody connects to it. */
    IP_ADDR4(&a, 10, 0, 0, 1);
    first_cb("first.example", &a, first_arg);
    assert_null(f.connected);
    assert_int_equal(ev.closed, 1);
    /* Now p is free: the second session looks up its own host and
     * connects there. */
    assert_false(pop3_lwip_active(&port));
    memset(&ev, 0, sizeof ev);
    init_client(500);
    assert_int_equal(pop3_lwip_connect(&port, &client, "second.example", 110), POP3_OK);
    assert_int_equal(f.lookups, lookups + 1);
    IP_ADDR4(&b, 10, 0, 0, 2);
    f.dns_cb("second.example", &b, f.dns_arg);
    assert_non_null(f.connected);
    assert_true(ip_addr_cmp(&f.connect_ip, &b));
    assert_int_equal(ev.closed, 0);
}

/* An abort during the lookup is the same case as a timeout. */
static void test_abort_during_lookup_keeps_port_until_the_answer(void **state)
{
    (void)state;
    pop3_lwip_transport(&port)->close(&port);
    pop3_lwip_init(&port);
    init_client(0);
    f.connected = NULL;
    assert_int_equal(pop3_lwip_connect(&port, &client, "mail.example.org", 110), POP3_OK);
    pop3_client_abort(&client);
    assert_int_equal(ev.reason, POP3_ERR_ABORTED);
    assert_true(pop3_lwip_active(&port));
    f.dns_cb("mail.example.org", NULL, f.dns_arg); /* a failure, as late */
    assert_int_equal(ev.closed, 1);               /* no second CLOSED */
    assert_false(pop3_lwip_active(&port));
}

static void test_dns_failure_is_resolve_error(void **state)
{
    (void)state;
    pop3_lwip_transport(&port)->close(&port);
    pop3_lwip_init(&port);
    memset(&ev, 0, sizeof ev);
    init_client(0);
    assert_int_equal(pop3_lwip_connect(&port, &client, "nosuch.example", 110), POP3_OK);
    f.dns_cb("nosuch.example", NULL, f.dns_arg);
    assert_int_equal(ev.reason, POP3_ERR_RESOLVE);
    assert_false(pop3_lwip_active(&port));
}

/* A bad connect on a p that still carries a session leaves both alone. */
static void test_bad_connect_on_active_port_leaves_it_alone(void **state)
{
    ip_addr_t ip;

    (void)state;
    log_in();
    IP_ADDR4(&ip, 10, 0, 0, 1);
    assert_int_equal(pop3_lwip_connect(&port, &client, "", 110), POP3_ERR_ARG);
    assert_int_equal(pop3_lwip_connect(&port, &client, "10.0.0.1", 0), POP3_ERR_ARG);
    assert_int_equal(pop3_lwip_connect_ip(&port, &client, NULL, 110), POP3_ERR_ARG);
    assert_int_equal(pop3_lwip_connect_ip(NULL, &client, &ip, 110), POP3_ERR_ARG);
    assert_int_equal(pop3_lwip_connect(NULL, &client, NULL, 110), POP3_ERR_ARG);
    assert_int_equal(ev.closed, 0);
    assert_int_equal(f.closes + f.aborts, 0);
    assert_int_equal(pop3_client_error(&client), POP3_OK);
    assert_true(pop3_lwip_active(&port));
}

/* A connected callback with an error (lwIP 2.1 never passes one; another
 * altcp layer might), and altcp_connect refusing: a connect error, the PCB
 * released, nothing left behind. */
static void test_failed_connect_releases_the_pcb(void **state)
{
    ip_addr_t ip;

    (void)state;
    assert_int_equal(f.connected(f.arg, &f.pcb, ERR_CONN), ERR_OK);
    assert_int_equal(ev.reason, POP3_ERR_CONNECT);
    assert_int_equal(f.closes + f.aborts, 1);
    assert_null(f.arg);
    assert_false(pop3_lwip_active(&port));

    memset(&ev, 0, sizeof ev);
    init_client(0);
    f.allocated = 1;
    f.connect_result = ERR_RTE;
    IP_ADDR4(&ip, 10, 0, 0, 1);
    assert_int_equal(pop3_lwip_connect_ip(&port, &client, &ip, 110), POP3_ERR_CONNECT);
    assert_int_equal(ev.reason, POP3_ERR_CONNECT);
    assert_int_equal(f.closes + f.aborts, 2);
    assert_int_equal(f.touched_after_free, 0);
    assert_null(f.arg);
    assert_false(pop3_lwip_active(&port));
}

static int teardown(void **state)
{
    (void)state;
    pop3_lwip_transport(&port)->close(&port); /* frees held pbufs */
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_reply_in_the_greetings_segment_answers_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_window_opens_by_consumed_octets_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_window_stays_shut_for_the_rest_of_a_paused_pbuf, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fin_waits_behind_held_pbufs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_filter_takes_the_octets_and_the_window_follows_it, setup, teardown),
        cmocka_unit_test_setup_teardown(test_err_callback_never_touches_the_pcb, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_is_idempotent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_falls_back_to_abort_inside_recv, setup, teardown),
        cmocka_unit_test_setup_teardown(test_send_respects_sndbuf_and_resumes_from_sent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_error_ends_with_transport, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_connect_is_connect_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_poll_callback_drives_timeouts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_pcb_is_connect_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dns_answer_after_the_session_ended_is_ignored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_late_dns_answer_never_reaches_a_later_session, setup, teardown),
        cmocka_unit_test_setup_teardown(test_abort_during_lookup_keeps_port_until_the_answer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dns_failure_is_resolve_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_connect_on_active_port_leaves_it_alone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_connect_releases_the_pcb, setup, teardown),
    };

    mem_init();
    memp_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
