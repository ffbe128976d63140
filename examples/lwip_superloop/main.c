/* SPDX-License-Identifier: MIT */
/* main.c - pop3 on a bare lwIP superloop (NO_SYS=1, no RTOS, one thread).
 *
 *   lwip_superloop TAP LOCAL_IP NETMASK DNS_IP HOST PORT USER PASS OUTDIR
 *
 * The shape of firmware: one loop that polls the network interface, runs
 * lwIP's timers and gives the pop3 port its tick. Here the "Ethernet driver"
 * is lwIP's contrib tap interface (the existing tap device TAP) and the
 * "flash" is OUTDIR; on a board those are the MAC driver and your storage.
 *
 * It resolves HOST with lwIP's DNS (server DNS_IP), logs in, and for every
 * message: RETR, store it as OUTDIR/NNNN.eml, and only once the file is
 * closed, DELE. Then QUIT, which makes the server commit the deletions.
 * Exits 0 after a clean QUIT, 1 with the close reason otherwise.
 *
 * Everything is static: no heap is used outside lwIP's pools.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lwip/init.h"
#include "lwip/dns.h"
#include "lwip/netif.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"
#include "netif/tapif.h"

#include "pop3_lwip.h"

/* NO_SYS=1: the platform supplies lwIP's millisecond clock. */
u32_t sys_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (u32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}

static struct {
    const char *user, *pass, *outdir;
    uint32_t count, next, stored, deleted;
    FILE *f;
    int done;
    pop3_err reason;
} app;

static void next_command(pop3_client *c)
{
    if (app.next <= app.count) {
        if (pop3_client_retr(c, app.next) == POP3_OK)
            app.next++;
    } else {
        pop3_client_quit(c);
    }
}

static void on_event(pop3_client *c, const pop3_event *ev, void *user)
{
    char path[512];

    (void)user;
    switch (ev->type) {
    case POP3_EV_GREETING:
        pop3_client_login(c, app.user, app.pass, POP3_AUTH_USER);
        break;
    case POP3_EV_LOGIN:
        pop3_client_stat(c);
        break;
    case POP3_EV_STAT:
        app.count = ev->count;
        app.next = 1;
        next_command(c);
        break;
    case POP3_EV_MSG_BEGIN:
        snprintf(path, sizeof path, "%s/%04u.eml", app.outdir, (unsigned)ev->msg);
        app.f = fopen(path, "wb");
        if (app.f == NULL)
            pop3_client_abort(c); /* no QUIT: nothing gets deleted */
        break;
    case POP3_EV_MSG_DATA:
        if (fwrite(ev->text, 1, ev->len, app.f) != ev->len)
            pop3_client_abort(c);
        break;
    case POP3_EV_MSG_END:
        /* Delete only what is safely stored. */
        if (fclose(app.f) != 0) {
            app.f = NULL;
            pop3_client_abort(c);
            break;
        }
        app.f = NULL;
        app.stored++;
        pop3_client_dele(c, ev->msg);
        break;
    case POP3_EV_OK:
        if (ev->cmd == POP3_CMD_DELE) {
            app.deleted++;
            next_command(c);
        }
        break;
    case POP3_EV_SERVER_ERR:
        fprintf(stderr, "lwip_superloop: -ERR: %.*s\n", (int)ev->len, ev->text);
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

int main(int argc, char **argv)
{
    static struct netif netif;
    static pop3_lwip port;
    static pop3_client client;
    static char line[POP3_LINE_MIN];
    static uint8_t cmd[POP3_CMD_MAX];
    static pop3_slot queue[4];
    pop3_client_config cfg;
    ip4_addr_t ip, mask, gw;
    ip_addr_t dns;
    long portnum;
    u32_t start;

    if (argc != 10) {
        fprintf(stderr, "usage: lwip_superloop TAP LOCAL_IP NETMASK DNS_IP HOST PORT USER PASS OUTDIR\n");
        return 2;
    }
    portnum = strtol(argv[6], NULL, 10);
    if (!ip4addr_aton(argv[2], &ip) || !ip4addr_aton(argv[3], &mask) ||
        !ipaddr_aton(argv[4], &dns) || portnum < 1 || portnum > 65535) {
        fprintf(stderr, "lwip_superloop: bad address or port\n");
        return 2;
    }
    app.user = argv[7];
    app.pass = argv[8];
    app.outdir = argv[9];
    setenv("PRECONFIGURED_TAPIF", argv[1], 1); /* tapif: the device exists */

    lwip_init();
    ip4_addr_set_zero(&gw);
    if (netif_add(&netif, &ip, &mask, &gw, NULL, tapif_init, ethernet_input) == NULL)
        return 2;
    netif_set_default(&netif);
    netif_set_up(&netif);
    dns_setserver(0, &dns);

    pop3_lwip_init(&port);
    pop3_client_config_defaults(&cfg);
    cfg.transport = pop3_lwip_transport(&port);
    cfg.cb = on_event;
    cfg.line_buf = line;  cfg.line_size = sizeof line;
    cfg.cmd_buf = cmd;    cfg.cmd_size = sizeof cmd;
    cfg.queue = queue;    cfg.queue_len = 4;
    pop3_client_init(&client, &cfg);
    pop3_lwip_connect(&port, &client, argv[5], (uint16_t)portnum);

    /* The superloop: these three calls are all pop3 needs. */
    start = sys_now();
    while (!app.done || pop3_lwip_active(&port)) {
        tapif_select(&netif);      /* netif poll: feed received frames */
        sys_check_timeouts();      /* lwIP timers: TCP, ARP, DNS */
        pop3_lwip_poll(&port);     /* pop3 tick, resume, pending sends */
        if (sys_now() - start > 170000u) {
            fprintf(stderr, "lwip_superloop: timed out\n");
            return 1;
        }
    }
    printf("stored %u deleted %u of %u; closed %s\n", (unsigned)app.stored,
           (unsigned)app.deleted, (unsigned)app.count, pop3_err_name(app.reason));
    return app.reason == POP3_ERR_CLOSED && app.deleted == app.count ? 0 : 1;
}
