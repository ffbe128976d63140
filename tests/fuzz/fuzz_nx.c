/* SPDX-License-Identifier: MIT */
/* fuzz_nx.c - libFuzzer target: the NetX Duo POP3 shim (src/nx/) driven by
 * arbitrary server octets through a scripted port bound with the shim's
 * hook (nx_hook.h), which pushes octets into the engine as pop3_posix and
 * pop3_lwip do (at most the shim's input_max at a time, keeping what a
 * paused engine leaves).
 *
 * Input: [0] packet payload size (32..1055 octets) and pool size, [1] what
 * the application does (APOP, delete each message, keep one packet
 * unreleased until nx_pop3_client_delete), [2] seed of the receive piece
 * sizes; the rest is what the server sends. The application logs in,
 * asks STAT, then for up to four messages LIST n, RETR n and takes every
 * packet with nx_pop3_client_mail_item_message_get until final_packet,
 * optionally DELE n, then QUIT and nx_pop3_client_delete. The port's clock
 * advances one second per blocking wait, so every NX_POP3_* timeout is
 * reached and no call can loop forever. Checked: every handed-out packet is
 * well formed (prepend/append inside the payload area, length = append -
 * prepend = bytes_retrieved), every packet before the final one carries
 * octets and the final one none, a message's octets never exceed what the
 * server sent, and once the client is deleted every packet is back in the
 * pool.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nx_hook.h"
#include "nxd_pop3_client.h"

struct fake {
    const uint8_t *in;
    size_t len, off;
    size_t piece;      /* octets read, not yet taken by the engine */
    size_t input_max;
    uint32_t seed, clock;
    unsigned waits;
    pop3_client *c;
    pop3_transport tr;
};

static long f_send(void *ctx, const uint8_t *data, size_t len)
{
    (void)ctx, (void)data;
    return (long)len;
}

static void f_tr_close(void *ctx)
{
    (void)ctx;
}

static const pop3_transport *f_open(void *ctx, pop3_nx_conn *conn, size_t input_max)
{
    struct fake *f = ctx;

    (void)conn;
    f->input_max = input_max;
    f->tr.send = f_send;
    f->tr.close = f_tr_close;
    f->tr.ctx = f;
    return &f->tr;
}

static UINT f_connect(void *ctx, pop3_nx_conn *conn, pop3_client *c,
                      const NXD_ADDRESS *addr, ULONG port)
{
    struct fake *f = ctx;

    (void)conn, (void)addr, (void)port;
    f->c = c;
    pop3_client_connected(c);
    return NX_SUCCESS;
}

static void f_wait(void *ctx, pop3_nx_conn *conn, uint32_t max_ms)
{
    struct fake *f = ctx;
    size_t n, took;

    (void)conn;
    if (max_ms > 0)
        f->clock += 1000u;
    if (++f->waits > 200000u)
        abort(); /* the shim spins without end */
    if (pop3_client_state(f->c) == POP3_STATE_CLOSED || pop3_client_paused(f->c))
        return;
    if (pop3_client_want_write(f->c))
        pop3_client_writable(f->c);
    if (f->piece == 0) {
        if (f->off >= f->len) {
            pop3_client_eof(f->c);
            return;
        }
        f->seed = f->seed * 1103515245u + 12345u;
        if ((f->seed >> 16) % 8u == 0)
            return; /* nothing yet: the shim waits */
        f->piece = 1u + (f->seed >> 8) % 3000u;
        if (f->piece > f->len - f->off)
            f->piece = f->len - f->off;
    }
    pop3_client_tick(f->c, f->clock);
    while (f->piece > 0 && pop3_client_state(f->c) != POP3_STATE_CLOSED &&
           !pop3_client_paused(f->c)) {
        n = f->piece < f->input_max ? f->piece : f->input_max;
        took = pop3_client_input(f->c, f->in + f->off, n);
        if (took > n)
            abort();
        f->off += took;
        f->piece -= took;
        if (took < n)
            break;
    }
    if (pop3_client_state(f->c) == POP3_STATE_CLOSED)
        f->piece = 0;
}

static uint32_t f_now(void *ctx)
{
    return ((struct fake *)ctx)->clock;
}

static void f_close(void *ctx, pop3_nx_conn *conn)
{
    (void)ctx, (void)conn;
}

static const pop3_nx_hook hook = {f_open, f_connect, f_wait, f_now, f_close};

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
    pop3_nx_ip_bind(&ip, &hook, &f);
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
                if (final ? bytes != 0 : bytes == 0)
                    abort(); /* octets only before the end, the end alone */
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
