/* SPDX-License-Identifier: MIT */
/* pop3_nx_posix.h - the NetX POP3 shim's wait hook over POSIX sockets.
 *
 * Replaces nx_ip_create() and the network driver of a NetX Duo program:
 *
 *   NX_IP ip;
 *   pop3_nx_posix_ip_create(&ip);
 *   nx_pop3_client_create(&client, NX_TRUE, &ip, &pool,
 *                         IP_ADDRESS(127,0,0,1), 110, "alice", "secret");
 *
 * Connections are non-blocking TCP sockets (IPv4 and IPv6) waited on with
 * poll(); one NX_IP serves any number of clients. No state at file scope.
 */
#ifndef POP3_NX_POSIX_H
#define POP3_NX_POSIX_H

#include "nx_api.h"
#include "pop3_nx_port.h"

#ifdef __cplusplus
extern "C" {
#endif
#ifdef __GNUC__ /* exported from libpop3.so, which hides everything else */
#pragma GCC visibility push(default)
#endif

/* Bind ip to the POSIX port. NX_SUCCESS, or NX_PTR_ERROR for NULL. */
UINT pop3_nx_posix_ip_create(NX_IP *ip_ptr);

#ifdef __GNUC__
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
}
#endif

#endif /* POP3_NX_POSIX_H */
