/* SPDX-License-Identifier: MIT */
/* nx_posix.c - the NetX POP3 shim's hook over the POSIX port: each client's
 * connection is a pop3_posix (port/posix) in its pop3_nx_conn, which
 * connects, sends and receives; the hook only translates the address and
 * blocks in pop3_posix_step() while the shim waits. Contract in
 * pop3_nx_posix.h and nx_hook.h.
 */
#if !defined(_POSIX_C_SOURCE) || _POSIX_C_SOURCE < 200809L
#undef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include "pop3_nx_posix.h"
#include "nx_hook.h"
#include "pop3_posix.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

typedef char pop3_posix_fits_in_POP3_NX_CONN_SIZE_[sizeof(pop3_posix) <= sizeof(pop3_nx_conn) ? 1 : -1];

static pop3_posix *px(pop3_nx_conn *conn)
{
    return (pop3_posix *)(void *)conn;
}

static const pop3_transport *nxp_open(void *ctx, pop3_nx_conn *conn, size_t input_max)
{
    (void)ctx;
    pop3_posix_init(px(conn));
    pop3_posix_set_input_max(px(conn), input_max);
    return pop3_posix_transport(px(conn));
}

/* The address as text for pop3_posix_connect() (a numeric host: no DNS). */
static UINT nxp_connect(void *ctx, pop3_nx_conn *conn, pop3_client *c,
                        const NXD_ADDRESS *addr, ULONG port)
{
    char host[INET6_ADDRSTRLEN], service[8];
    unsigned char a[16];
    int i, family;

    (void)ctx;
    if (addr->nxd_ip_version == NX_IP_VERSION_V4) {
        uint32_t v4 = htonl((uint32_t)addr->nxd_ip_address.v4);

        memcpy(a, &v4, 4);
        family = AF_INET;
    } else if (addr->nxd_ip_version == NX_IP_VERSION_V6) {
        for (i = 0; i < 4; i++) {
            uint32_t w = (uint32_t)addr->nxd_ip_address.v6[i];

            a[i * 4] = (unsigned char)(w >> 24);
            a[i * 4 + 1] = (unsigned char)(w >> 16);
            a[i * 4 + 2] = (unsigned char)(w >> 8);
            a[i * 4 + 3] = (unsigned char)w;
        }
        family = AF_INET6;
    } else {
        return NX_IP_ADDRESS_ERROR;
    }
    if (inet_ntop(family, a, host, sizeof host) == NULL)
        return NX_IP_ADDRESS_ERROR;
    (void)snprintf(service, sizeof service, "%lu", (unsigned long)port);
    pop3_posix_set_family(px(conn), family == AF_INET ? 4 : 6);
    return pop3_posix_connect(px(conn), c, host, service) == POP3_OK ? NX_SUCCESS
                                                                     : NX_NOT_CONNECTED;
}

static void nxp_wait(void *ctx, pop3_nx_conn *conn, uint32_t max_ms)
{
    (void)ctx;
    (void)pop3_posix_step(px(conn), max_ms);
}

static uint32_t nxp_now(void *ctx)
{
    (void)ctx;
    return pop3_posix_now_ms();
}

static void nxp_close(void *ctx, pop3_nx_conn *conn)
{
    (void)ctx;
    pop3_posix_close(px(conn));
}

static const pop3_nx_hook nx_posix_hook = {nxp_open, nxp_connect, nxp_wait, nxp_now, nxp_close};

UINT pop3_nx_posix_ip_create(NX_IP *ip_ptr)
{
    if (ip_ptr == NX_NULL)
        return NX_PTR_ERROR;
    pop3_nx_ip_bind(ip_ptr, &nx_posix_hook, NX_NULL);
    return NX_SUCCESS;
}
