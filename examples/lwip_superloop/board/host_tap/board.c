/* SPDX-License-Identifier: MIT */
/* board.c - the superloop's board on a Linux host: lwIP's contrib tap
 * interface as the Ethernet driver, CLOCK_MONOTONIC as the millisecond
 * clock, stdout as the console and OUTDIR/NNNN.eml files as the storage.
 *
 *   lwip_superloop TAP LOCAL_IP NETMASK DNS_IP HOST PORT USER PASS OUTDIR
 *
 * One clear-text session against HOST:PORT (HOST resolved with lwIP's DNS
 * at DNS_IP unless it is an address); exit 0 after a clean QUIT with every
 * message stored and deleted, 1 otherwise, 2 on bad arguments.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "netif/tapif.h"

#include "board.h"

static const char *outdir;
static FILE *cur;

/* NO_SYS=1: the platform supplies lwIP's millisecond clock. */
u32_t sys_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (u32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}

int board_init(int argc, char **argv, board_config *cfg)
{
    long portnum;

    if (argc != 10) {
        fprintf(stderr, "usage: lwip_superloop TAP LOCAL_IP NETMASK DNS_IP HOST PORT USER PASS OUTDIR\n");
        return 2;
    }
    portnum = strtol(argv[6], NULL, 10);
    if (!ip4addr_aton(argv[2], &cfg->ip) || !ip4addr_aton(argv[3], &cfg->mask) ||
        !ipaddr_aton(argv[4], &cfg->dns) || portnum < 1 || portnum > 65535) {
        fprintf(stderr, "lwip_superloop: bad address or port\n");
        return 2;
    }
    ip4_addr_set_zero(&cfg->gw);
    cfg->host = argv[5];
    cfg->port = (uint16_t)portnum;
    cfg->user = argv[7];
    cfg->pass = argv[8];
    cfg->tls = BOARD_TLS_NONE;
    cfg->tls_name = NULL;
    cfg->sessions = 1;
    cfg->pause_ms = 0;
    outdir = argv[9];
    setenv("PRECONFIGURED_TAPIF", argv[1], 1); /* tapif: the device exists */
    return 0;
}

err_t board_netif_init(struct netif *netif)
{
    return tapif_init(netif);
}

void board_netif_poll(struct netif *netif)
{
    tapif_select(netif);
}

void board_printf(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    fflush(stdout);
}

int board_store_begin(uint32_t msg)
{
    char path[512];

    snprintf(path, sizeof path, "%s/%04u.eml", outdir, (unsigned)msg);
    cur = fopen(path, "wb");
    return cur != NULL ? 0 : -1;
}

int board_store_write(const void *data, size_t len)
{
    return cur != NULL && fwrite(data, 1, len, cur) == len ? 0 : -1;
}

bool board_store_busy(void)
{
    return false; /* fwrite is done when it returns */
}

int board_store_end(uint32_t msg)
{
    int rc = cur != NULL && fclose(cur) == 0 ? 0 : -1;

    (void)msg;
    cur = NULL;
    return rc;
}

void board_store_abort(void)
{
    if (cur != NULL)
        fclose(cur);
    cur = NULL;
}
