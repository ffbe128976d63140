/* SPDX-License-Identifier: MIT */
/* main.c - pop3 on a bare lwIP superloop (NO_SYS=1, no RTOS, one thread).
 *
 * The same file on every target; what differs lives in board/<name>/ behind
 * board.h: the Ethernet driver, the millisecond clock, the console, the
 * storage and where the settings come from (a host's command line, a
 * board's configuration block).
 *
 * One session: connect (clear text, POP3S through lwIP's altcp_tls, or STLS
 * through the pop3 TLS decorator over the lwIP port), log in, STAT, and for
 * every message: RETR, store it; the client is paused while the storage is
 * busy, so the TCP window closes instead of data piling up. A message is
 * deleted (DELE) only after its store completed; QUIT then commits the
 * deletions. A session that ends any other way deletes nothing; the
 * reason is printed and the loop goes on with the next session.
 *
 * No heap: everything here is static. lwIP allocates from its own pools and
 * heap (MEM_SIZE); Mbed TLS allocates through lwIP's heap (altcp_tls).
 */
#include <string.h>

#include "lwip/init.h"
#include "lwip/dns.h"
#include "lwip/netif.h"
#include "lwip/sys.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"

#include "pop3_lwip.h"
#include "board.h"

#if LWIP_ALTCP_TLS
#include "lwip/altcp_tls.h"
#include "mbedtls/ssl.h"
#include "mbedtls/ctr_drbg.h"
#include "mbedtls/entropy.h"
#include "mbedtls/x509_crt.h"
/* Largest TLS record the server may send, negotiated with the RFC 6066
 * max_fragment_length extension: a whole record must fit in TCP_WND, since
 * altcp_tls decrypts only complete records (see docs/firmware.md). */
#ifndef FW_TLS_MFL
#define FW_TLS_MFL MBEDTLS_SSL_MAX_FRAG_LEN_4096
#endif
#endif
/* STLS through the pop3 TLS decorator (POP3S alone: -DFW_STLS=0). */
#ifndef FW_STLS
#define FW_STLS LWIP_ALTCP_TLS
#endif
#if FW_STLS
#include "pop3_tls.h"
#endif

#define FW_SESSION_MS 170000u /* one session, at most */

static struct {
    board_config cfg;
    uint32_t count, next, stored, deleted, msg;
    uint8_t end_pending;  /* MSG_END seen; commit once the store is idle */
    uint8_t storing;
    uint8_t done;
    pop3_err reason;
#if LWIP_ALTCP_TLS
    uint32_t verify_flags; /* of the last certificate chain checked */
#endif
} app;

static struct netif netif;
static pop3_lwip port;
static pop3_client client;

#if LWIP_ALTCP_TLS
static struct altcp_tls_config *tls_conf; /* POP3S: lwIP's altcp_tls */
static altcp_allocator_t tls_allocator;
#if FW_STLS
/* STLS: the pop3 TLS decorator, with its own Mbed TLS config. */
static mbedtls_ssl_config stls_conf;
static mbedtls_x509_crt stls_ca;
static mbedtls_entropy_context stls_entropy;
static mbedtls_ctr_drbg_context stls_drbg;
static pop3_tls stls;
static pop3_lwip_filter stls_filter;
#endif

static int on_verify(void *arg, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
    (void)arg; (void)crt;
    if (depth == 0 || *flags != 0)
        app.verify_flags |= *flags;
    return 0; /* the flags decide (authmode REQUIRED) */
}

/* What both TLS paths share: verify the chain against the CA in the image
 * and the server's name; records from the server at most FW_TLS_MFL. */
static void tls_conf_common(mbedtls_ssl_config *c)
{
    mbedtls_ssl_conf_authmode(c, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_verify(c, on_verify, NULL);
    mbedtls_ssl_conf_max_frag_len(c, FW_TLS_MFL);
    mbedtls_ssl_conf_min_version(c, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
}

/* altcp allocator for POP3S: a TLS pcb that checks the server's name. */
static struct altcp_pcb *tls_alloc(void *arg, u8_t ip_type)
{
    struct altcp_pcb *pcb = altcp_tls_new((struct altcp_tls_config *)arg, ip_type);

    if (pcb != NULL &&
        mbedtls_ssl_set_hostname((mbedtls_ssl_context *)altcp_tls_context(pcb), app.cfg.tls_name) != 0) {
        altcp_abort(pcb);
        return NULL;
    }
    return pcb;
}

static int tls_setup(void)
{
    /* altcp_tls keeps its mbedtls_ssl_config as the first member of the
     * (opaque) altcp_tls_config; lwIP 2.1 sets authmode OPTIONAL there,
     * which would accept any certificate, so it is set here. */
    tls_conf = altcp_tls_create_config_client(board_ca, board_ca_len);
    if (tls_conf == NULL)
        return -1;
    tls_conf_common((mbedtls_ssl_config *)(void *)tls_conf);
    tls_allocator.alloc = tls_alloc;
    tls_allocator.arg = tls_conf;
#if FW_STLS
    mbedtls_ssl_config_init(&stls_conf);
    mbedtls_x509_crt_init(&stls_ca);
    mbedtls_entropy_init(&stls_entropy);
    mbedtls_ctr_drbg_init(&stls_drbg);
    if (mbedtls_ctr_drbg_seed(&stls_drbg, mbedtls_entropy_func, &stls_entropy, NULL, 0) != 0 ||
        mbedtls_x509_crt_parse(&stls_ca, board_ca, board_ca_len) != 0 ||
        mbedtls_ssl_config_defaults(&stls_conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                    MBEDTLS_SSL_PRESET_DEFAULT) != 0)
        return -1;
    tls_conf_common(&stls_conf);
    mbedtls_ssl_conf_ca_chain(&stls_conf, &stls_ca, NULL);
    mbedtls_ssl_conf_rng(&stls_conf, mbedtls_ctr_drbg_random, &stls_drbg);
#endif
    return 0;
}
#endif /* LWIP_ALTCP_TLS */

#if FW_STLS
/* The decorator as the lwIP port's filter. */
static size_t f_input(void *t, const void *d, size_t n) { return pop3_tls_input(t, d, n); }
static void f_writable(void *t) { pop3_tls_writable(t); }
static void f_eof(void *t) { pop3_tls_eof(t); }
static bool f_pending(void *t) { return pop3_tls_pending(t); }
#endif /* FW_STLS */

static void next_command(pop3_client *c)
{
    if (app.next <= app.count) {
        if (pop3_client_retr(c, app.next) == POP3_OK)
            app.next++;
    } else {
        pop3_client_quit(c);
    }
}

static void login(pop3_client *c)
{
    pop3_client_login(c, app.cfg.user, app.cfg.pass, POP3_AUTH_USER);
}

static void on_event(pop3_client *c, const pop3_event *ev, void *user)
{
    (void)user;
    switch (ev->type) {
    case POP3_EV_GREETING:
#if FW_STLS
        if (app.cfg.tls == BOARD_TLS_STLS) {
            pop3_client_stls(c);
            break;
        }
#endif
        login(c);
        break;
#if FW_STLS
    case POP3_EV_STLS:
        pop3_tls_start(&stls);
        break;
    case POP3_EV_TLS_READY:
        login(c);
        break;
#endif
    case POP3_EV_LOGIN:
        pop3_client_stat(c);
        break;
    case POP3_EV_STAT:
        app.count = ev->count;
        app.next = 1;
        board_printf("stat %u messages\n", (unsigned)ev->count);
        next_command(c);
        break;
    case POP3_EV_MSG_BEGIN:
        app.msg = ev->msg;
        if (board_store_begin(ev->msg) != 0) {
            pop3_client_abort(c); /* no QUIT: nothing gets deleted */
            break;
        }
        app.storing = 1;
        break;
    case POP3_EV_MSG_DATA:
        if (board_store_write(ev->text, ev->len) != 0) {
            pop3_client_abort(c);
            break;
        }
        if (board_store_busy())
            pop3_client_pause(c); /* the window closes while flash is busy */
        break;
    case POP3_EV_MSG_END:
        app.end_pending = 1; /* DELE once the store has completed */
        break;
    case POP3_EV_OK:
        if (ev->cmd == POP3_CMD_DELE) {
            app.deleted++;
            next_command(c);
        }
        break;
    case POP3_EV_SERVER_ERR:
        board_printf("-ERR: %.*s\n", (int)ev->len, ev->text);
        pop3_client_quit(c);
        break;
    case POP3_EV_CLOSED:
        app.reason = ev->err;
        app.done = 1;
        break;
    default:
        break;
    }
}

/* The storage side of the superloop: commit a finished message once the
 * store is idle, then delete it; resume the client paused for a write. */
static void service_store(pop3_client *c)
{
    if (board_store_busy())
        return;
    if (app.end_pending) {
        app.end_pending = 0;
        app.storing = 0;
        if (board_store_end(app.msg) != 0) {
            pop3_client_abort(c);
            return;
        }
        app.stored++;
        pop3_client_dele(c, app.msg);
    }
    if (pop3_client_paused(c))
        pop3_client_resume(c);
}

static void poll_all(void)
{
    board_netif_poll(&netif);  /* netif poll: feed received frames */
    sys_check_timeouts();      /* lwIP timers: TCP, ARP, DNS */
    pop3_lwip_poll(&port);     /* pop3 tick, resume, pending sends */
}

/* One session; true when it ended with QUIT after every message was
 * stored and deleted. */
static bool session(void)
{
    static char line[POP3_LINE_MIN];
    static uint8_t cmd[POP3_CMD_MAX];
    static pop3_slot queue[4];
    pop3_client_config cc;
    u32_t start;

    app.count = app.next = app.stored = app.deleted = 0;
    app.end_pending = app.storing = app.done = 0;
    app.reason = POP3_OK;
    pop3_lwip_init(&port);
    pop3_client_config_defaults(&cc);
    cc.transport = pop3_lwip_transport(&port);
    cc.cb = on_event;
    cc.line_buf = line;  cc.line_size = sizeof line;
    cc.cmd_buf = cmd;    cc.cmd_size = sizeof cmd;
    cc.queue = queue;    cc.queue_len = 4;
    if ((app.cfg.tls == BOARD_TLS_IMPLICIT && !LWIP_ALTCP_TLS) ||
        (app.cfg.tls == BOARD_TLS_STLS && !FW_STLS)) {
        board_printf("closed TLS (not in this build)\n");
        return false;
    }
#if LWIP_ALTCP_TLS
    app.verify_flags = 0;
    if (app.cfg.tls == BOARD_TLS_IMPLICIT)
        pop3_lwip_set_allocator(&port, &tls_allocator);
#endif
#if FW_STLS
    if (app.cfg.tls == BOARD_TLS_STLS) {
        if (pop3_tls_init(&stls, &client, pop3_lwip_transport(&port), &stls_conf,
                          app.cfg.tls_name, false) != POP3_OK) {
            pop3_tls_free(&stls);
            board_printf("closed TLS (decorator setup)\n");
            return false;
        }
        cc.transport = pop3_tls_transport(&stls);
        stls_filter.input = f_input;
        stls_filter.writable = f_writable;
        stls_filter.eof = f_eof;
        stls_filter.pending = f_pending;
        stls_filter.ctx = &stls;
        pop3_lwip_set_filter(&port, &stls_filter);
    }
#endif
    pop3_client_init(&client, &cc);
    pop3_lwip_connect(&port, &client, app.cfg.host, app.cfg.port);

    /* The superloop: these calls are all pop3 needs. */
    start = sys_now();
    while (!app.done || pop3_lwip_active(&port)) {
        poll_all();
        service_store(&client);
        if (sys_now() - start > FW_SESSION_MS) {
            board_printf("session timed out\n");
            pop3_client_abort(&client);
            start = sys_now();
        }
    }
    if (app.storing)
        board_store_abort(); /* a message cut short is never committed */
#if LWIP_ALTCP_TLS
    if (app.verify_flags != 0)
        board_printf("certificate refused: flags 0x%05lx\n", (unsigned long)app.verify_flags);
#endif
#if FW_STLS
    if (app.cfg.tls == BOARD_TLS_STLS)
        pop3_tls_free(&stls);
#endif
    /* What the port kept back while the store was busy: the window closes
     * at TCP_WND octets. */
    board_printf("held at most %u of TCP_WND %u\n", (unsigned)pop3_lwip_held_max(&port),
                 (unsigned)TCP_WND);
    board_printf("stored %u deleted %u of %u; closed %s\n", (unsigned)app.stored,
                 (unsigned)app.deleted, (unsigned)app.count, pop3_err_name(app.reason));
    return app.reason == POP3_ERR_CLOSED && app.deleted == app.count;
}

int main(int argc, char **argv)
{
    uint32_t n;
    bool ok = false;

    if (board_init(argc, argv, &app.cfg) != 0)
        return 2;
    lwip_init();
    if (netif_add(&netif, &app.cfg.ip, &app.cfg.mask, &app.cfg.gw, NULL,
                  board_netif_init, ethernet_input) == NULL) {
        board_printf("netif_add failed\n");
        return 2;
    }
    netif_set_default(&netif);
    netif_set_up(&netif);
#if LWIP_DNS
    if (!ip_addr_isany(&app.cfg.dns))
        dns_setserver(0, &app.cfg.dns);
#endif
#if LWIP_ALTCP_TLS
    if (tls_setup() != 0) {
        board_printf("TLS setup failed\n");
        return 2;
    }
#endif
    for (n = 1; app.cfg.sessions == 0 || n <= app.cfg.sessions; n++) {
        u32_t t0;

        board_printf("session %u\n", (unsigned)n);
        ok = session();
        for (t0 = sys_now(); sys_now() - t0 < app.cfg.pause_ms;)
            poll_all();
    }
    return ok ? 0 : 1;
}
