/* SPDX-License-Identifier: MIT */
/* nx_hook.h - between the blocking NetX shim (nx_pop3_client.c) and the
 * network ports (internal).
 *
 * The shim is blocking; the engine and the ports are not. A hook adapts a
 * port to the shim: it keeps the port's connection object in the client's
 * pop3_nx_conn, starts the connection with the port's own connect, and
 * blocks while the shim waits. Everything else is the port's: its transport
 * sends, and it pushes what it receives straight into the engine
 * (pop3_client_input, _writable, _eof, _fail). The hooks are nx_posix.c
 * (pop3_posix) and nx_lwip.c (pop3_lwip); the unit tests and the fuzz
 * target have scripted ones. No port knows the shim.
 *
 *  open     Prepare conn (zeroed by the caller) for one session: at most
 *           input_max octets per pop3_client_input() call. Returns the
 *           transport to put in the client's config.
 *  connect  Start connecting c (initialised with open's transport) to
 *           addr:port. NX_SUCCESS: under way; the outcome reaches c as
 *           events (pop3_client_connected or a failure) and the client's
 *           connect timeout bounds it. NX_IP_ADDRESS_ERROR: the address
 *           family cannot be used here; NX_NOT_CONNECTED: nothing could be
 *           started. Either way c may still be open; the shim closes it.
 *  wait     Block or run the stack for at most max_ms (0: do not block)
 *           and hand whatever happened on the connection to the engine.
 *           May return early; the shim checks and calls again.
 *  now_ms   A free-running millisecond counter (may wrap).
 *  close    Release the connection (idempotent; never connected is fine).
 */
#ifndef POP3_NX_HOOK_H
#define POP3_NX_HOOK_H

#include <stddef.h>
#include <stdint.h>

#include "nxd_pop3_client.h"
#include "pop3.h"

/* Per-client storage for the port's connection object. */
typedef union pop3_nx_conn {
    void *align_p;
    uint64_t align_u64;
    double align_d;
    unsigned char bytes[POP3_NX_CONN_SIZE];
} pop3_nx_conn;

typedef struct pop3_nx_hook {
    const pop3_transport *(*open)(void *ctx, pop3_nx_conn *conn, size_t input_max);
    UINT (*connect)(void *ctx, pop3_nx_conn *conn, pop3_client *c,
                    const NXD_ADDRESS *addr, ULONG port);
    void (*wait)(void *ctx, pop3_nx_conn *conn, uint32_t max_ms);
    uint32_t (*now_ms)(void *ctx);
    void (*close)(void *ctx, pop3_nx_conn *conn);
} pop3_nx_hook;

/* Bind ip to a hook (sets nx_ip_id to NX_IP_ID; hook NULL unbinds). */
void pop3_nx_ip_bind(NX_IP *ip, const pop3_nx_hook *hook, void *ctx);

/* A free packet of pool, emptied, or NX_NULL when the pool is empty or
 * not created (nx_packet.c). */
NX_PACKET *pop3_nx_packet_alloc(NX_PACKET_POOL *pool);

#endif /* POP3_NX_HOOK_H */
