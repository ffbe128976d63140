/* SPDX-License-Identifier: MIT */
/* fuzz_nx.c - libFuzzer target: the NetX Duo POP3 shim (src/nx/) driven by
 * arbitrary server octets through a scripted port (pop3_nx_port.h).
 *
 * Input: [0] packet payload size (32..1055 octets) and pool size, [1] what
 * the application does (APOP, delete each message, keep one packet
 * unreleased until nx_pop3_client_delete), [2] seed of the receive piece
 * sizes; the rest is what the server sends. The application logs in,
 * asks STAT, then for up to four messages LIST n, RETR n and takes every
 * packet with nx_pop3_client_mail_item_message_get until final_packet,
 * optionally DELE n, then QUIT and nx_pop3_client_delete. The port's clock
 * advances one second per wait, so every NX_POP3_* timeout is reached and
 * no call can loop forever. Checked: every handed-out packet is well formed
 * (prepend/append inside the payload area, length = append - prepend =
 * bytes_retrieved), a message's octets never exceed what the server sent,
 * and once the client is deleted every packet is back in the pool.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nxd_pop3_client.h"
#include "pop3_nx_port.h"

struct fake {
    const uint8_t *in;
    size_t len, off;
    uint32_t seed, clock;
    unsigned waits;
};

static UINT f_connect(void *ctx, pop3_nx_conn *conn, const NXD_ADDRESS *addr,
                      ULONG port, uint32_t timeout_ms)
{
    (void)ctx, (void)conn, (void)addr, (void)port, (void)timeout_ms;
    return NX_SUCCESS;
}

static long f_send(void *ctx, pop3_nx_conn *conn, const uint8_t *data, size_t len)
{
    (void)ctx, (void)conn, (void)data;
    return (long)len;
}

static long f_recv(void *ctx, pop3_nx_conn *conn, uint8_t *buf, size_t cap)
{
    struct fake *f = ctx;
    size_t n;

    (void)conn;
    if (f->off >= f->len)
        return POP3_NX_PORT_EOF;
    f->seed = f->seed * 1103515245u + 12345u;
    if ((f->seed >> 16) % 8u == 0)
        return 0; /* nothing yet: the shim waits */
    n = 1u + (f->seed >> 8) % 200u;
    if (n > cap)
        n = cap;
    if (n > f->len - f->off)
        n = f->len - f->off;
    memcpy(buf, f->in + f->off, n);
    f->off += n;
    return (long)n;
}

static void f_wait(void *ctx, pop3_nx_conn *conn, int want_write, uint32_t max_ms)
{
    struct fake *f = ctx;

    (void)conn, (void)want_write, (void)max_ms;
    f->clock += 1000u;
    f->waits++;
    if (f->waits > 100000u)
        abort(); /* the shim spins without end */
}

static uint32_t f_now(void *ctx)
{
    return ((struct fake *)ctx)->clock;
}

static void f_close(void *ctx, pop3_nx_conn *conn)
{
    (void)ctx, (void)conn;
}

static const pop3_nx_port port = {f_connect, f_send, f_recv, f_wait, f_now, f_close};

static void check_packet(const NX_PACKET *p, ULONG bytes)
{
    if (p == NX_NULL)
        abort();
    if (p->nx_packet_prepend_ptr < p->nx_packet_data_start ||
        p->nx_packet_append_ptr > p->nx_packet_data_end ||
        p->nx_packet_append_ptr < p->nx_packet_prepend_ptr)
        abort();
    if ((ULONG)(p->nx_packet_append_ptr - p->nx_packet_prepend_ptr) != p->nx_packet_length ||
        p->nx_packet_length != bytes)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static NX_POP3_CLIENT client;
    static NX_IP ip;
    static NX_PACKET_POOL pool;
    static ULONG pool_mem[16384 / sizeof(ULONG)];
    struct fake f;
    NXD_ADDRESS addr;
    UINT n = 0, i, final, st;
    ULONG total = 0, sz, item, bytes, got;
    NX_PACKET *p, *held = NX_NULL;
    uint8_t flags;
    unsigned guard;

    if (size < 3)
        return 0;
    memset(&f, 0, sizeof(f));
    f.in = data + 3;
    f.len = size - 3;
    f.seed = data[2] * 2654435761u + 3u;
    flags = data[1];
    memset(&pool, 0, sizeof(pool));
    if (nx_packet_pool_create(&pool, (CHAR *)"fuzz", 32u + (data[0] & 0x3f) * 16u,
                              pool_mem, sizeof(pool_mem)) != NX_SUCCESS)
        return 0;
    memset(&ip, 0, sizeof(ip));
    pop3_nx_ip_bind(&ip, &port, &f);
    memset(&addr, 0, sizeof(addr));
    addr.nxd_ip_version = NX_IP_VERSION_V4;
    addr.nxd_ip_address.v4 = IP_ADDRESS(127, 0, 0, 1);
    st = nxd_pop3_client_create(&client, flags & 1u, &ip, &pool, &addr, 110,
                                (CHAR *)"alice", (CHAR *)"hunter2-pw");
    if (st == NX_SUCCESS && nx_pop3_client_mail_items_get(&client, &n, &total) == NX_SUCCESS) {
        for (i = 1; i <= n && i <= 4; i++) {
            (void)nx_pop3_client_mail_item_size_get(&client, i, &sz);
            if (nx_pop3_client_mail_item_get(&client, i, &item) != NX_SUCCESS)
                continue;
            got = 0;
            for (guard = 0; guard < 100000u; guard++) {
                p = NX_NULL;
                final = 0;
                bytes = 0;
                if (nx_pop3_client_mail_item_message_get(&client, &p, &bytes, &final) != NX_SUCCESS)
                    break;
                check_packet(p, bytes);
                got += bytes;
                if (got > f.len)
                    abort(); /* more message octets than the server sent */
                if ((flags & 4u) && held == NX_NULL)
                    held = p; /* the application forgets one */
                else
                    nx_packet_release(p);
                if (final)
                    break;
            }
            if (guard == 100000u)
                abort();
            if (flags & 2u)
                (void)nx_pop3_client_mail_item_delete(&client, i);
        }
        (void)nx_pop3_client_quit(&client);
    }
    (void)nx_pop3_client_delete(&client);
    if (held != NX_NULL)
        nx_packet_release(held);
    if (pool.nx_packet_pool_available != pool.nx_packet_pool_total)
        abort(); /* a packet was lost */
    (void)nx_packet_pool_delete(&pool);
    return 0;
}
