/* SPDX-License-Identifier: MIT */
/* pop3_nx_posix.h - the NetX POP3 shim over the POSIX port (pop3_posix.h).
 *
 * Replaces nx_ip_create() and the network driver of a NetX Duo program:
 *
 *   NX_IP ip;
 *   pop3_nx_posix_ip_create(&ip);
 *   nx_pop3_client_create(&client, NX_TRUE, &ip, &pool,
 *                         IP_ADDRESS(127,0,0,1), 110, "alice", "secret");
 *
 * Each client's connection is a pop3_posix inside its NX_POP3_CLIENT:
 * non-blocking TCP (IPv4 and IPv6, TCP_NODELAY) waited on with poll() while
 * a call blocks. One NX_IP serves any number of clients. No state at file
 * scope.
 */
#ifndef POP3_NX_POSIX_H
#define POP3_NX_POSIX_H

#include "nx_api.h"

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
