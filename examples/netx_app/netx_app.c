/* SPDX-License-Identifier: MIT */
/* netx_app.c - a NetX Duo POP3 client application, unchanged but for its
 * start-up: it downloads every message of a maildrop through the NetX Duo
 * POP3 Client API (nxd_pop3_client.h) and stores message N in
 * OUTDIR/NNNN.eml, optionally deleting each message once it is stored.
 *
 *   netx_app [-a] [-d] [-6] SERVER-IP PORT USER PASSWORD OUTDIR
 *   netx_app_lwip [-a] [-d] TAP LOCAL-IP NETMASK SERVER-IP PORT USER PASSWORD OUTDIR
 *   build/fw/netx.elf: the same on a board (examples/lwip_superloop/board/),
 *   settings from the board, messages into its store, always with -d
 *
 *   -a  log in with APOP (falls back to USER/PASS as NetX Duo does)
 *   -d  delete each message after it has been written, then QUIT
 *   -6  SERVER-IP is an IPv6 address (nxd_pop3_client_create)
 *
 * Exit status: 0 done, 1 a NetX call failed (its code is printed), 2 usage
 * or local I/O error.
 *
 * The only lines that differ from a NetX Duo program are marked PORT: the
 * IP instance comes from the POSIX port (or, built with NETX_APP_LWIP, from
 * lwIP on a NO_SYS=1 superloop over the existing tap device TAP) instead of
 * nx_ip_create() and a network driver, and main() replaces the ThreadX
 * application thread. Built with NETX_APP_BOARD, the IP instance is lwIP
 * on a board's netif (board.h), and the board's store and console stand in
 * for the files and stdio used below.
 */
#if !defined(_POSIX_C_SOURCE) || _POSIX_C_SOURCE < 200809L
#undef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#ifndef NETX_APP_BOARD
#include <arpa/inet.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nx_api.h"
#include "nxd_pop3_client.h"

/* PORT: the network under NX_IP. */
#ifdef NETX_APP_LWIP
#include <time.h>

#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"
#include "netif/tapif.h"
#include "pop3_nx_lwip.h"

#define PORT_ARGS 3
#define PORT_USAGE "TAP LOCAL-IP NETMASK "

/* NO_SYS=1: the platform supplies lwIP's millisecond clock. */
u32_t sys_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (u32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}

static struct netif netif_0;
static pop3_nx_lwip lwip_port;

/* What the superloop does while a NetX call waits. */
static void run_stack(void *arg)
{
    tapif_select((struct netif *)arg);
    sys_check_timeouts();
}

static int port_ip_create(NX_IP *ip, char **argv)
{
    ip4_addr_t addr, mask, gw;

    if (!ip4addr_aton(argv[1], &addr) || !ip4addr_aton(argv[2], &mask))
        return -1;
    setenv("PRECONFIGURED_TAPIF", argv[0], 1);
    lwip_init();
    ip4_addr_set_zero(&gw);
    if (netif_add(&netif_0, &addr, &mask, &gw, NULL, tapif_init, ethernet_input) == NULL)
        return -1;
    netif_set_default(&netif_0);
    netif_set_up(&netif_0);
    return pop3_nx_lwip_ip_create(ip, &lwip_port, run_stack, &netif_0) == NX_SUCCESS ? 0 : -1;
}
#elif defined(NETX_APP_BOARD)
#include "lwip/def.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"
#include "board.h"
#include "pop3_nx_lwip.h"

#define PORT_ARGS 0
#define PORT_USAGE ""

static struct netif netif_0;
static pop3_nx_lwip lwip_port;
static board_config board_cfg;

static void run_stack(void *arg)
{
    board_netif_poll((struct netif *)arg);
    sys_check_timeouts();
}

static int port_ip_create(NX_IP *ip, char **argv)
{
    (void)argv;
    lwip_init();
    if (netif_add(&netif_0, &board_cfg.ip, &board_cfg.mask, &board_cfg.gw, NULL,
                  board_netif_init, ethernet_input) == NULL)
        return -1;
    netif_set_default(&netif_0);
    netif_set_up(&netif_0);
    return pop3_nx_lwip_ip_create(ip, &lwip_port, run_stack, &netif_0) == NX_SUCCESS ? 0 : -1;
}

/* No files, no stdio streams, no heap on the board: a message "file" is the
 * board's store (OUTDIR/NNNN.eml names message NNNN); a write waits, running
 * the stack, while the store is busy; output goes to the board's console. */
#define AF_INET 2
#define AF_INET6 10
struct in_addr { u32_t s_addr; };
static int inet_pton(int af, const char *src, void *dst)
{
    ip4_addr_t a;

    if (af != AF_INET || !ip4addr_aton(src, &a))
        return 0;
    memcpy(dst, &a.addr, sizeof a.addr);
    return 1;
}

typedef struct { uint32_t msg; } port_file;
static port_file port_store;
static void port_store_wait(void)
{
    while (board_store_busy())
        run_stack(&netif_0);
}
static port_file *port_fopen(const char *path)
{
    const char *slash = strrchr(path, '/');

    port_store.msg = (uint32_t)strtoul(slash != NULL ? slash + 1 : path, NULL, 10);
    return board_store_begin(port_store.msg) == 0 ? &port_store : NULL;
}
static size_t port_fwrite(const void *p, size_t n, port_file *f)
{
    size_t done = 0;

    (void)f;
    while (done < n) {
        size_t k = n - done < BOARD_STORE_CHUNK ? n - done : BOARD_STORE_CHUNK;

        port_store_wait();
        if (board_store_write((const uint8_t *)p + done, k) != 0)
            break;
        done += k;
    }
    return done;
}
static int port_fclose(port_file *f)
{
    port_store_wait();
    return board_store_end(f->msg);
}
#define FILE port_file
#define fopen(path, mode) port_fopen(path)
#define fwrite(p, size, n, f) port_fwrite((p), (size) * (n), (f))
#define fclose(f) port_fclose(f)
#define perror(s) board_printf("%s: cannot store\n", (s))
#define printf board_printf
#define fprintf(stream, ...) board_printf(__VA_ARGS__)
#define main netx_app_main
#else
#include "pop3_nx_posix.h"

#define PORT_ARGS 0
#define PORT_USAGE ""

static int port_ip_create(NX_IP *ip, char **argv)
{
    (void)argv;
    return pop3_nx_posix_ip_create(ip) == NX_SUCCESS ? 0 : -1;
}
#endif

#define PAYLOAD_SIZE 1536
#define PACKET_COUNT 8

static NX_IP ip_0;
static NX_PACKET_POOL pool_0;
static NX_POP3_CLIENT pop3_client;
static ULONG pool_memory[(PACKET_COUNT * (PAYLOAD_SIZE + 128)) / sizeof(ULONG)];

static int fail(const char *what, UINT status)
{
    fprintf(stderr, "netx_app: %s failed: 0x%02X\n", what, status);
    return 1;
}

static int usage(void)
{
    fprintf(stderr, "usage: netx_app [-a] [-d] [-6] " PORT_USAGE "SERVER-IP PORT USER PASSWORD OUTDIR\n");
    return 2;
}

int main(int argc, char **argv)
{
    UINT status, apop = NX_FALSE, del = NX_FALSE, v6 = NX_FALSE;
    UINT items, i;
    ULONG total, port;
    NXD_ADDRESS server;
    int a = 1;
    char **port_args;

    for (; a < argc && argv[a][0] == '-'; a++) {
        if (strcmp(argv[a], "-a") == 0)
            apop = NX_TRUE;
        else if (strcmp(argv[a], "-d") == 0)
            del = NX_TRUE;
        else if (strcmp(argv[a], "-6") == 0)
            v6 = NX_TRUE;
        else
            return usage();
    }
    if (argc - a != 5 + PORT_ARGS)
        return usage();
    port_args = argv + a;
    a += PORT_ARGS;
    port = strtoul(argv[a + 1], NULL, 10);
    memset(&server, 0, sizeof server);
    if (v6) {
        unsigned char b[16];
        int k;

        if (inet_pton(AF_INET6, argv[a], b) != 1)
            return usage();
        server.nxd_ip_version = NX_IP_VERSION_V6;
        for (k = 0; k < 4; k++)
            server.nxd_ip_address.v6[k] = ((ULONG)b[4 * k] << 24) | ((ULONG)b[4 * k + 1] << 16) |
                                          ((ULONG)b[4 * k + 2] << 8) | (ULONG)b[4 * k + 3];
    } else {
        struct in_addr in;

        if (inet_pton(AF_INET, argv[a], &in) != 1)
            return usage();
        server.nxd_ip_version = NX_IP_VERSION_V4;
        server.nxd_ip_address.v4 = ntohl(in.s_addr);
    }

    /* PORT: instead of nx_system_initialize(), nx_ip_create() and a driver. */
    if (port_ip_create(&ip_0, port_args) != 0)
        return 2;

    status = nx_packet_pool_create(&pool_0, "POP3 Client Packet Pool", PAYLOAD_SIZE,
                                   pool_memory, sizeof(pool_memory));
    if (status != NX_SUCCESS)
        return fail("nx_packet_pool_create", status);

    /* From here on: NetX Duo POP3 client code as written for NetX Duo. */
    if (v6)
        status = nxd_pop3_client_create(&pop3_client, apop, &ip_0, &pool_0, &server,
                                        port, argv[a + 2], argv[a + 3]);
    else
        status = nx_pop3_client_create(&pop3_client, apop, &ip_0, &pool_0,
                                       server.nxd_ip_address.v4, port, argv[a + 2],
                                       argv[a + 3]);
    if (status != NX_SUCCESS) {
        nx_pop3_client_delete(&pop3_client);
        return fail("nx_pop3_client_create", status);
    }

    status = nx_pop3_client_mail_items_get(&pop3_client, &items, &total);
    if (status != NX_SUCCESS) {
        nx_pop3_client_delete(&pop3_client);
        return fail("nx_pop3_client_mail_items_get", status);
    }
    printf("%u messages, %lu octets\n", items, total);

    for (i = 1; i <= items; i++) {
        ULONG size, item_size, bytes, stored = 0;
        UINT final_packet = NX_FALSE;
        NX_PACKET *packet;
        char path[4096];
        FILE *f;

        status = nx_pop3_client_mail_item_size_get(&pop3_client, i, &size);
        if (status != NX_SUCCESS)
            break;
        status = nx_pop3_client_mail_item_get(&pop3_client, i, &item_size);
        if (status != NX_SUCCESS)
            break;
        snprintf(path, sizeof path, "%s/%04u.eml", argv[a + 4], i);
        f = fopen(path, "wb");
        if (f == NULL) {
            perror(path);
            nx_pop3_client_delete(&pop3_client);
            return 2;
        }
        while (final_packet == NX_FALSE) {
            status = nx_pop3_client_mail_item_message_get(&pop3_client, &packet, &bytes,
                                                          &final_packet);
            if (status != NX_SUCCESS)
                break;
            if (bytes > 0 && fwrite(packet->nx_packet_prepend_ptr, 1, bytes, f) != bytes) {
                nx_packet_release(packet);
                fclose(f);
                nx_pop3_client_delete(&pop3_client);
                return 2;
            }
            stored += bytes;
            nx_packet_release(packet);
        }
        if (fclose(f) != 0 || status != NX_SUCCESS) {
            if (status == NX_SUCCESS)
                status = NX_NOT_SUCCESSFUL;
            break;
        }
        printf("message %u: LIST %lu, RETR %lu, stored %lu\n", i, size, item_size, stored);
        if (del) {
            status = nx_pop3_client_mail_item_delete(&pop3_client, i);
            if (status != NX_SUCCESS)
                break;
        }
    }
    if (status != NX_SUCCESS) {
        nx_pop3_client_delete(&pop3_client);
        return fail("retrieving a message", status);
    }
    status = nx_pop3_client_quit(&pop3_client);
    nx_pop3_client_delete(&pop3_client);
    if (status != NX_SUCCESS)
        return fail("nx_pop3_client_quit", status);
    return 0;
}

#ifdef NETX_APP_BOARD
#undef main
/* PORT: the board's start-up: the settings it holds become the command line
 * (fetch and delete every message). */
int main(int argc, char **argv)
{
    static char port_s[8];
    char *args[] = { "netx_app", "-d", NULL, port_s, NULL, NULL, "store", NULL };

    if (board_init(argc, argv, &board_cfg) != 0)
        return 2;
    snprintf(port_s, sizeof port_s, "%u", (unsigned)board_cfg.port);
    args[2] = (char *)board_cfg.host;
    args[4] = (char *)board_cfg.user;
    args[5] = (char *)board_cfg.pass;
    return netx_app_main(7, args);
}
#endif
