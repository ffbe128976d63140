/* SPDX-License-Identifier: MIT */
/* lwip_fetch.c - fetch a whole maildrop through port/lwip on Debian's liblwip
 * (NO_SYS=0: tcpip thread, core locking) over a tap device.
 *
 *   lwip_fetch TAP LOCAL_IP NETMASK SERVER_IP PORT USER PASS OUTDIR [--slow]
 *
 * Brings up an lwIP netif on the existing tap device TAP (contrib tapif,
 * PRECONFIGURED_TAPIF), connects to SERVER_IP:PORT, logs in, sends STAT and
 * RETR for every message (pipelined when the server offers it) and writes
 * message N to OUTDIR/NNNN.eml; then QUIT. Nothing is deleted.
 *
 * --slow: a slow consumer. The callback pauses delivery every 32 KiB of
 * body data and at each message start; the main thread resumes 5 ms later.
 * While paused, lwIP keeps receiving until the window closes; those pbufs
 * are held by the port and pushed after the resume.
 *
 * Prints "messages N octets B held_max H wnd W" and exits 0 after a clean
 * QUIT; otherwise prints the close reason (its pop3_err name) and exits 1.
 * Exits 2 on a setup error (bad arguments, tap unusable).
 */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <fcntl.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <linux/if.h>
#include <linux/if_tun.h>

#include "lwip/init.h"
#include "lwip/etharp.h"
#include "lwip/netif.h"
#include "lwip/sys.h"
#include "lwip/tcpip.h"
#include "lwip/ip4_addr.h"

#include "pop3_lwip.h"
#include "../support/client_cfg.h"

/* A tap netif for the tcpip-thread stack. Debian's liblwip ships contrib's
 * tapif, but in liblwip 2.1.3+dfsg1-2 its receive path overruns the PBUF_POOL
 * buffers (valgrind: pbuf_take writes past a 616-octet pool element while a
 * full-size frame is copied in), so frames are copied into PBUF_RAM pbufs
 * here instead. One reader thread hands them to tcpip_input(). */
struct tapdev {
    int fd;
    const char *name;
};

static err_t tap_output(struct netif *netif, struct pbuf *p)
{
    struct tapdev *t = (struct tapdev *)netif->state;
    unsigned char buf[1518];

    if (p->tot_len > sizeof buf)
        return ERR_IF;
    pbuf_copy_partial(p, buf, p->tot_len, 0);
    if (write(t->fd, buf, p->tot_len) != (ssize_t)p->tot_len)
        return ERR_IF;
    return ERR_OK;
}

static void *tap_reader(void *arg)
{
    struct netif *netif = (struct netif *)arg;
    struct tapdev *t = (struct tapdev *)netif->state;
    unsigned char buf[1518];

    for (;;) {
        ssize_t n = read(t->fd, buf, sizeof buf);
        struct pbuf *p;

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        p = pbuf_alloc(PBUF_RAW, (u16_t)n, PBUF_RAM);
        if (p == NULL)
            continue; /* dropped; TCP retransmits */
        pbuf_take(p, buf, (u16_t)n);
        if (netif->input(p, netif) != ERR_OK)
            pbuf_free(p);
    }
    return NULL;
}

static err_t tap_init(struct netif *netif)
{
    struct tapdev *t = (struct tapdev *)netif->state;
    struct ifreq ifr;
    static const u8_t mac[6] = { 0x02, 0x50, 0x4f, 0x50, 0x33, 0x02 };

    t->fd = open("/dev/net/tun", O_RDWR);
    if (t->fd < 0) {
        fprintf(stderr, "lwip_fetch: /dev/net/tun: %s\n", strerror(errno));
        return ERR_IF;
    }
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", t->name);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    if (ioctl(t->fd, TUNSETIFF, &ifr) < 0) {
        fprintf(stderr, "lwip_fetch: tap %s: %s\n", t->name, strerror(errno));
        close(t->fd);
        return ERR_IF;
    }
    netif->name[0] = 't';
    netif->name[1] = 'p';
    netif->output = etharp_output;
    netif->linkoutput = tap_output;
    netif->mtu = 1500;
    netif->hwaddr_len = 6;
    memcpy(netif->hwaddr, mac, 6);
    netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    return ERR_OK;
}

struct app {
    const char *user, *pass, *outdir;
    int slow;
    uint32_t count, next, done;
    uint64_t octets;
    uint64_t since_pause;
    FILE *f;
    int io_error;
    volatile int closed;
    pop3_err reason;
};

static void request_more(pop3_client *c, struct app *a)
{
    while (a->next <= a->count && pop3_client_retr(c, a->next) == POP3_OK)
        a->next++;
    if (a->done == a->count && a->next > a->count)
        pop3_client_quit(c);
}

static void on_event(pop3_client *c, const pop3_event *ev, void *user)
{
    struct app *a = (struct app *)user;
    char path[4096];

    switch (ev->type) {
    case POP3_EV_GREETING:
        pop3_client_capa(c);
        pop3_client_login(c, a->user, a->pass, POP3_AUTH_USER);
        break;
    case POP3_EV_LOGIN:
        pop3_client_stat(c);
        break;
    case POP3_EV_STAT:
        a->count = ev->count;
        a->next = 1;
        request_more(c, a);
        break;
    case POP3_EV_MSG_BEGIN:
        snprintf(path, sizeof path, "%s/%04u.eml", a->outdir, (unsigned)ev->msg);
        a->f = fopen(path, "wb");
        if (a->f == NULL) {
            fprintf(stderr, "lwip_fetch: %s: %s\n", path, strerror(errno));
            a->io_error = 1;
            pop3_client_abort(c);
            break;
        }
        if (a->slow)
            pop3_client_pause(c);
        break;
    case POP3_EV_MSG_DATA:
        if (a->f != NULL && fwrite(ev->text, 1, ev->len, a->f) != ev->len) {
            a->io_error = 1;
            pop3_client_abort(c);
            break;
        }
        a->octets += ev->len;
        a->since_pause += ev->len;
        if (a->slow && a->since_pause >= 32768) {
            a->since_pause = 0;
            pop3_client_pause(c);
        }
        break;
    case POP3_EV_MSG_END:
        if (a->f != NULL && fclose(a->f) != 0)
            a->io_error = 1;
        a->f = NULL;
        a->done++;
        request_more(c, a);
        break;
    case POP3_EV_SERVER_ERR:
        fprintf(stderr, "lwip_fetch: -ERR to command %d: %.*s\n", (int)ev->cmd,
                (int)ev->len, ev->text);
        pop3_client_quit(c);
        break;
    case POP3_EV_CLOSED:
        a->reason = ev->err;
        a->closed = 1;
        break;
    default:
        break;
    }
}

static void tcpip_ready(void *arg)
{
    sys_sem_signal((sys_sem_t *)arg);
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
    static struct netif netif;
    static pop3_lwip port;
    static pop3_client c;
    static char line[1024];
    static uint8_t cmd[POP3_CMD_MAX];
    static pop3_slot queue[8];
    static struct app a;
    static struct tapdev tap;
    pthread_t reader;
    pop3_client_config cfg;
    ip4_addr_t ip, mask, gw;
    ip_addr_t server;
    sys_sem_t ready;
    long portnum;
    unsigned waited = 0, limit_ms = 170000;
    pop3_err e;

    if (argc < 9 || argc > 10 || (argc == 10 && strcmp(argv[9], "--slow") != 0)) {
        fprintf(stderr, "usage: lwip_fetch TAP LOCAL_IP NETMASK SERVER_IP PORT USER PASS OUTDIR [--slow]\n");
        return 2;
    }
    portnum = strtol(argv[5], NULL, 10);
    if (!ip4addr_aton(argv[2], &ip) || !ip4addr_aton(argv[3], &mask) ||
        !ipaddr_aton(argv[4], &server) || portnum < 1 || portnum > 65535) {
        fprintf(stderr, "lwip_fetch: bad address or port\n");
        return 2;
    }
    a.user = argv[6];
    a.pass = argv[7];
    a.outdir = argv[8];
    a.slow = argc == 10;
    a.reason = POP3_OK;
    if (access("/dev/net/tun", R_OK | W_OK) != 0) {
        fprintf(stderr, "lwip_fetch: /dev/net/tun: %s\n", strerror(errno));
        return 2;
    }
    tap.name = argv[1];

    if (sys_sem_new(&ready, 0) != ERR_OK)
        return 2;
    tcpip_init(tcpip_ready, &ready);
    sys_sem_wait(&ready);
    sys_sem_free(&ready);

    ip4_addr_set_zero(&gw);
    LOCK_TCPIP_CORE();
    if (netif_add(&netif, &ip, &mask, &gw, &tap, tap_init, tcpip_input) == NULL) {
        UNLOCK_TCPIP_CORE();
        fprintf(stderr, "lwip_fetch: netif_add failed\n");
        return 2;
    }
    netif_set_default(&netif);
    netif_set_up(&netif);
    netif_set_link_up(&netif);
    if (pthread_create(&reader, NULL, tap_reader, &netif) != 0) {
        UNLOCK_TCPIP_CORE();
        return 2;
    }

    pop3_lwip_init(&port);
    client_cfg(&cfg, pop3_lwip_transport(&port), on_event, &a, line, sizeof line, cmd, sizeof cmd,
               queue, 8);
    cfg.connect_timeout_ms = 10000;
    cfg.reply_timeout_ms = 20000;
    if (pop3_client_init(&c, &cfg) != POP3_OK) {
        UNLOCK_TCPIP_CORE();
        return 2;
    }
    e = pop3_lwip_connect_ip(&port, &c, &server, (uint16_t)portnum);
    UNLOCK_TCPIP_CORE();
    if (e != POP3_OK) {
        fprintf(stderr, "lwip_fetch: connect: %s\n", pop3_err_name(e));
        return 1;
    }

    /* The session runs in the tcpip thread; this thread only resumes a
     * paused consumer and gives the port a poll, with the core lock. */
    for (;;) {
        int closed;

        sleep_ms(5);
        waited += 5;
        LOCK_TCPIP_CORE();
        if (pop3_client_paused(&c))
            pop3_client_resume(&c);
        pop3_lwip_poll(&port);
        closed = a.closed && !pop3_lwip_active(&port);
        UNLOCK_TCPIP_CORE();
        if (closed)
            break;
        if (waited >= limit_ms) {
            fprintf(stderr, "lwip_fetch: no end after %u ms\n", waited);
            return 1;
        }
    }
    printf("messages %u octets %llu held_max %zu wnd %u\n", (unsigned)a.done,
           (unsigned long long)a.octets, pop3_lwip_held_max(&port), (unsigned)TCP_WND);
    if (a.reason != POP3_ERR_CLOSED || a.io_error || a.done != a.count) {
        printf("closed %s\n", pop3_err_name(a.reason));
        return 1;
    }
    printf("closed %s\n", pop3_err_name(a.reason));
    return 0;
}
