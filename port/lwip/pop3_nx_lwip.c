/* SPDX-License-Identifier: MIT */
/* pop3_nx_lwip.c - the NetX POP3 shim's wait hook (pop3_nx_port.h) over
 * lwIP's raw TCP API, for NO_SYS=1 superloops. Contract in
 * include/pop3_nx_lwip.h. Not part of libpop3.a: build it with your lwIP.
 */
#include <string.h>

#include "pop3_nx_lwip.h"

#include "lwip/ip_addr.h"
#include "lwip/pbuf.h"
#include "lwip/sys.h"
#include "lwip/tcp.h"

/* Per-connection state, kept inside the client's pop3_nx_conn. */
typedef struct nx_lwip_conn {
    struct tcp_pcb *pcb; /* NULL once closed or freed by lwIP */
    struct pbuf *q;      /* received, not yet taken */
    u16_t off;           /* octets of q already taken */
    u8_t connected;
    u8_t fin;            /* the peer closed its side */
    u8_t failed;         /* lwIP reported an error; pcb is gone */
} nx_lwip_conn;

typedef char nx_lwip_conn_fits_[sizeof(nx_lwip_conn) <= sizeof(pop3_nx_conn) ? 1 : -1];

static nx_lwip_conn *lc(pop3_nx_conn *conn)
{
    return (nx_lwip_conn *)(void *)conn;
}

static void on_err(void *arg, err_t err)
{
    nx_lwip_conn *c = (nx_lwip_conn *)arg;

    (void)err;
    if (c == NULL)
        return;
    c->pcb = NULL; /* lwIP has freed it */
    c->failed = 1;
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    nx_lwip_conn *c = (nx_lwip_conn *)arg;

    (void)pcb;
    if (c == NULL) {
        if (p != NULL)
            pbuf_free(p);
        return ERR_OK;
    }
    if (p == NULL) {
        c->fin = 1;
        return ERR_OK;
    }
    if (err != ERR_OK) {
        pbuf_free(p);
        return ERR_OK;
    }
    if (c->q == NULL)
        c->q = p;
    else
        pbuf_cat(c->q, p);
    return ERR_OK;
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    nx_lwip_conn *c = (nx_lwip_conn *)arg;

    (void)pcb;
    if (c != NULL && err == ERR_OK)
        c->connected = 1;
    return ERR_OK;
}

static void drop_queue(nx_lwip_conn *c)
{
    if (c->q != NULL)
        pbuf_free(c->q);
    c->q = NULL;
    c->off = 0;
}

static void nxl_close(void *ctx, pop3_nx_conn *conn)
{
    nx_lwip_conn *c = lc(conn);

    (void)ctx;
    if (c->pcb != NULL) {
        tcp_arg(c->pcb, NULL);
        tcp_recv(c->pcb, NULL);
        tcp_err(c->pcb, NULL);
        if (tcp_close(c->pcb) != ERR_OK)
            tcp_abort(c->pcb);
        c->pcb = NULL;
    }
    drop_queue(c);
}

static UINT nxl_connect(void *ctx, pop3_nx_conn *conn, const NXD_ADDRESS *addr,
                        ULONG port, uint32_t timeout_ms)
{
    pop3_nx_lwip *lw = (pop3_nx_lwip *)ctx;
    nx_lwip_conn *c = lc(conn);
    ip_addr_t ip;
    u32_t start;

    memset(conn, 0, sizeof(*conn));
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
    c->pcb = tcp_new_ip_type(IP_GET_TYPE(&ip));
    if (c->pcb == NULL)
        return NX_NOT_CONNECTED;
    tcp_arg(c->pcb, c);
    tcp_err(c->pcb, on_err);
    tcp_recv(c->pcb, on_recv);
    if (tcp_connect(c->pcb, &ip, (u16_t)port, on_connected) != ERR_OK) {
        nxl_close(ctx, conn);
        return NX_NOT_CONNECTED;
    }
    start = sys_now();
    while (!c->connected && !c->failed) {
        if (timeout_ms != 0 && (u32_t)(sys_now() - start) >= timeout_ms)
            break;
        lw->poll(lw->arg);
    }
    if (!c->connected) {
        if (c->pcb != NULL) {
            tcp_arg(c->pcb, NULL);
            tcp_abort(c->pcb);
            c->pcb = NULL;
        }
        drop_queue(c);
        return NX_NOT_CONNECTED;
    }
    return NX_SUCCESS;
}

static long nxl_send(void *ctx, pop3_nx_conn *conn, const uint8_t *data, size_t len)
{
    nx_lwip_conn *c = lc(conn);
    u16_t room;
    err_t e;

    (void)ctx;
    if (c->pcb == NULL)
        return -1;
    room = tcp_sndbuf(c->pcb);
    if (room == 0)
        return 0;
    if (len > room)
        len = room;
    e = tcp_write(c->pcb, data, (u16_t)len, TCP_WRITE_FLAG_COPY);
    if (e == ERR_MEM)
        return 0;
    if (e != ERR_OK)
        return -1;
    (void)tcp_output(c->pcb);
    return (long)len;
}

static long nxl_recv(void *ctx, pop3_nx_conn *conn, uint8_t *buf, size_t cap)
{
    nx_lwip_conn *c = lc(conn);
    size_t n = 0;

    (void)ctx;
    while (c->q != NULL && n < cap) {
        struct pbuf *p = c->q;
        size_t avail = (size_t)p->len - c->off;
        size_t take = avail < cap - n ? avail : cap - n;

        memcpy(buf + n, (const u8_t *)p->payload + c->off, take);
        n += take;
        c->off = (u16_t)(c->off + take);
        if (c->off == p->len) {
            struct pbuf *next = p->next;

            if (next != NULL)
                pbuf_ref(next); /* keep the rest of the chain */
            pbuf_free(p);       /* frees this pbuf only */
            c->q = next;
            c->off = 0;
        }
    }
    if (n > 0) {
        if (c->pcb != NULL)
            tcp_recved(c->pcb, (u16_t)n); /* cap <= 0xFFFF from the shim */
        return (long)n;
    }
    if (c->fin)
        return POP3_NX_PORT_EOF;
    if (c->failed || c->pcb == NULL)
        return POP3_NX_PORT_ERROR;
    return 0;
}

static void nxl_wait(void *ctx, pop3_nx_conn *conn, int want_write, uint32_t max_ms)
{
    pop3_nx_lwip *lw = (pop3_nx_lwip *)ctx;
    nx_lwip_conn *c = lc(conn);
    u32_t start = sys_now();

    for (;;) {
        lw->poll(lw->arg);
        if (c->q != NULL || c->fin || c->failed || c->pcb == NULL)
            return;
        if (want_write && tcp_sndbuf(c->pcb) > 0)
            return;
        if ((u32_t)(sys_now() - start) >= max_ms)
            return;
    }
}

static uint32_t nxl_now(void *ctx)
{
    (void)ctx;
    return (uint32_t)sys_now();
}

static const pop3_nx_port nx_lwip_port = {
    nxl_connect, nxl_send, nxl_recv, nxl_wait, nxl_now, nxl_close
};

UINT pop3_nx_lwip_ip_create(NX_IP *ip_ptr, pop3_nx_lwip *port,
                            void (*poll)(void *arg), void *arg)
{
    if (ip_ptr == NX_NULL || port == NX_NULL || poll == NX_NULL)
        return NX_PTR_ERROR;
    port->poll = poll;
    port->arg = arg;
    pop3_nx_ip_bind(ip_ptr, &nx_lwip_port, port);
    return NX_SUCCESS;
}
