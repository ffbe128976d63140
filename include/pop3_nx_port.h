/* SPDX-License-Identifier: MIT */
/* pop3_nx_port.h - the wait hook between the blocking NetX POP3 shim and a
 * network port. For port writers.
 *
 * The shim (nxd_pop3_client.h) is blocking; the pop3 engine is not. Each
 * shim call queues one command and then loops: it feeds received octets to
 * the engine, and when it has none it asks the port to wait. The port never
 * calls the engine; it only moves octets and waits. That fits both a
 * POSIX process (poll() on a socket) and a bare-metal superloop (lwIP
 * NO_SYS=1), where `wait` runs the stack for a while: polls the network
 * interface, calls sys_check_timeouts(), and returns when the connection has
 * data, can take more data, or the time is up.
 *
 * A connection's state lives in a pop3_nx_conn inside each NX_POP3_CLIENT,
 * so one port (one NX_IP) serves several clients. A port needing more than
 * POP3_NX_CONN_SIZE octets per connection keeps a pointer there.
 *
 * Contract of each function (ctx is NX_IP.nx_ip_pop3_ctx):
 *
 *  connect  Open a TCP connection to addr:port, blocking (or running the
 *           stack) for at most timeout_ms. Returns NX_SUCCESS,
 *           NX_IP_ADDRESS_ERROR (address family not usable) or
 *           NX_NOT_CONNECTED (refused, unreachable, timed out). On failure
 *           nothing stays open.
 *  send     Offer len > 0 octets without blocking. Returns the number taken
 *           (1..len), 0 when no buffer space is free now, negative when the
 *           connection is broken.
 *  recv     Copy up to cap received octets to buf without blocking. Returns
 *           the count (> 0), 0 when nothing is there yet, POP3_NX_PORT_EOF
 *           when the peer closed its side and everything before the close
 *           was returned, or POP3_NX_PORT_ERROR for a reset/broken
 *           connection. Ports with TCP windows (lwIP) should open the window
 *           only for octets returned here (tcp_recved), so a slow reader
 *           slows the server down instead of buffering.
 *  wait     Block or run the stack until recv would return non-zero, or
 *           (want_write) send would take octets, or max_ms elapse. May
 *           return early for any reason; the shim checks again.
 *  now_ms   A free-running millisecond counter (may wrap). Drives the
 *           NX_POP3_* timeouts.
 *  close    Close the connection (idempotent; the conn may never have been
 *           connected). Must not block for long.
 */
#ifndef POP3_NX_PORT_H
#define POP3_NX_PORT_H

#include <stddef.h>
#include <stdint.h>

#include "nx_api.h"

#ifdef __cplusplus
extern "C" {
#endif
#ifdef __GNUC__ /* exported from libpop3.so, which hides everything else */
#pragma GCC visibility push(default)
#endif

#ifndef POP3_NX_CONN_SIZE
#define POP3_NX_CONN_SIZE 64
#endif

#define POP3_NX_PORT_EOF   (-1L)
#define POP3_NX_PORT_ERROR (-2L)

/* Per-connection storage, private to the port; zeroed before connect. */
typedef union pop3_nx_conn {
    void *ptr[POP3_NX_CONN_SIZE / sizeof(void *)];
    uint64_t u64[POP3_NX_CONN_SIZE / 8];
    long l[POP3_NX_CONN_SIZE / sizeof(long)];
    int i[POP3_NX_CONN_SIZE / sizeof(int)];
} pop3_nx_conn;

typedef struct pop3_nx_port {
    UINT (*connect)(void *ctx, pop3_nx_conn *conn, const NXD_ADDRESS *addr,
                    ULONG port, uint32_t timeout_ms);
    long (*send)(void *ctx, pop3_nx_conn *conn, const uint8_t *data, size_t len);
    long (*recv)(void *ctx, pop3_nx_conn *conn, uint8_t *buf, size_t cap);
    void (*wait)(void *ctx, pop3_nx_conn *conn, int want_write, uint32_t max_ms);
    uint32_t (*now_ms)(void *ctx);
    void (*close)(void *ctx, pop3_nx_conn *conn);
} pop3_nx_port;

/* Bind ip to a port: sets nx_ip_id to NX_IP_ID. A port's own ip_create
 * (e.g. pop3_nx_posix_ip_create) calls this. */
void pop3_nx_ip_bind(NX_IP *ip, const pop3_nx_port *port, void *ctx);

#ifdef __GNUC__
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
}
#endif

#endif /* POP3_NX_PORT_H */
