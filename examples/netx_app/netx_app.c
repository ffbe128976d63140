/* SPDX-License-Identifier: MIT */
/* netx_app.c - a NetX Duo POP3 client application, unchanged but for its
 * start-up: it downloads every message of a maildrop through the NetX Duo
 * POP3 Client API (nxd_pop3_client.h) and stores message N in
 * OUTDIR/NNNN.eml, optionally deleting each message once it is stored.
 *
 *   netx_app [-a] [-d] [-6] SERVER-IP PORT USER PASSWORD OUTDIR
 *   netx_app_lwip [-a] [-d] TAP LOCAL-IP NETMASK SERVER-IP PORT USER PASSWORD OUTDIR
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
 * application thread.
 */
#if !defined(_POSIX_C_SOURCE) || _POSIX_C_SOURCE < 200809L
#undef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <arpa/inet.h>
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
