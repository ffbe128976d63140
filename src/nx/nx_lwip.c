/* SPDX-License-Identifier: MIT */
/* nx_lwip.c - the NetX POP3 shim's hook over the lwIP port, for NO_SYS=1
 * superloops: each client's connection is a pop3_lwip (port/lwip) in its
 * pop3_nx_conn, which connects, sends, receives and opens the TCP window;
 * the hook translates the address and runs the stack while the shim waits.
 * Contract in pop3_nx_lwip.h and nx_hook.h. Not part of libpop3: build it
 * with your lwIP, beside port/lwip/pop3_lwip.c.
 */
#include <string.h>

#include "pop3_nx_lwip.h"
#include "nx_hook.h"
#include "pop3_lwip.h"

#include "lwip/ip_addr.h"
#include "lwip/sys.h"

typedef char pop3_lwip_fits_in_POP3_NX_CONN_SIZE_[sizeof(pop3_lwip) <= sizeof(pop3_nx_conn) ? 1 : -1];

static pop3_lwip *pl(pop3_nx_conn *conn)
{
    return (pop3_lwip *)(void *)conn;
}

static const pop3_transport *nxl_open(void *ctx, pop3_nx_conn *conn, size_t input_max)
{
    (void)ctx;
    pop3_lwip_init(pl(conn));
    pop3_lwip_set_input_max(pl(conn), input_max < 0xFFFFu ? (uint16_t)input_max : 0xFFFFu);
    return pop3_lwip_transport(pl(conn));
}

static UINT nxl_connect(void *ctx, pop3_nx_conn *conn, pop3_client *c,
                        const NXD_ADDRESS *addr, ULONG port)
{
    ip_addr_t ip;

    (void)ctx;
    memset(&ip, 0, sizeof ip);
    if (addr->nxd_ip_version == NX_IP_VERSION_V4) {
#if LWIP_IPV4
        ip_addr_set_ip4_u32(&ip, lwip_htonl((u32_t)addr->nxd_ip_address.v4));
#else
        return NX_IP_ADDRESS_ERROR;
#endif
    } else {
#if LWIP_IPV6
        IP_ADDR6(&ip, lwip_htonl((u32_t)addr->nxd_ip_address.v6[0]),
                 lwip_htonl((u32_t)addr->nxd_ip_address.v6[1]),
                 lwip_htonl((u32_t)addr->nxd_ip_address.v6[2]),
                 lwip_htonl((u32_t)addr->nxd_ip_address.v6[3]));
#else
        return NX_IP_ADDRESS_ERROR;
#endif
    }
    return pop3_lwip_connect_ip(pl(conn), c, &ip, (uint16_t)port) == POP3_OK
               ? NX_SUCCESS
               : NX_NOT_CONNECTED;
}

/* One round of the stack (the application's poll may block until a frame
 * or the next lwIP timeout), then the port's own poll: held octets go to
 * the engine and pending commands out. max_ms 0: only what lwIP holds. */
static void nxl_wait(void *ctx, pop3_nx_conn *conn, uint32_t max_ms)
{
    pop3_nx_lwip *lw = (pop3_nx_lwip *)ctx;

    if (max_ms > 0)
        lw->poll(lw->arg);
    pop3_lwip_poll(pl(conn));
}

static uint32_t nxl_now(void *ctx)
{
    (void)ctx;
    return (uint32_t)sys_now();
}

/* The engine closes the connection through the port's transport; nothing
 * is left to release here. */
static void nxl_close(void *ctx, pop3_nx_conn *conn)
{
    (void)ctx;
    (void)conn;
}

static const pop3_nx_hook nx_lwip_hook = {nxl_open, nxl_connect, nxl_wait, nxl_now, nxl_close};

UINT pop3_nx_lwip_ip_create(NX_IP *ip_ptr, pop3_nx_lwip *port,
                            void (*poll)(void *arg), void *arg)
{
    if (ip_ptr == NX_NULL || port == NX_NULL || poll == NX_NULL)
        return NX_PTR_ERROR;
    port->poll = poll;
    port->arg = arg;
    pop3_nx_ip_bind(ip_ptr, &nx_lwip_hook, port);
    return NX_SUCCESS;
}
