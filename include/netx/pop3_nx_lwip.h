/* SPDX-License-Identifier: MIT */
/* pop3_nx_lwip.h - the NetX POP3 shim over the lwIP port (pop3_lwip.h).
 *
 * For a superloop (NO_SYS=1): while a NetX POP3 call blocks, the hook runs
 * the stack by calling the application's poll function (poll the network
 * interface, sys_check_timeouts()) and then pop3_lwip_poll(), until the
 * call's reply is in. The application writes that function once:
 *
 *   static void run_stack(void *arg)
 *   {
 *       tapif_select((struct netif *)arg);   (or the MAC driver's poll)
 *       sys_check_timeouts();
 *   }
 *   static pop3_nx_lwip lwip_port;
 *   NX_IP ip;
 *   pop3_nx_lwip_ip_create(&ip, &lwip_port, run_stack, &netif);
 *
 * With lwIP's tcpip thread (NO_SYS=0) the hook is not for you: every call
 * would have to hold the core lock while it waits.
 *
 * Each client's connection is a pop3_lwip inside its NX_POP3_CLIENT (build
 * src/nx and the application with POP3_NX_CONN_SIZE=128 to save the room
 * the POSIX port needs). Receive, send and the TCP window are the lwIP
 * port's: pbufs are held until the shim has taken their octets and the
 * window opens only for those. IPv4, and IPv6 when lwIP has LWIP_IPV6
 * (otherwise create returns NX_IP_ADDRESS_ERROR for an IPv6 address).
 * Connect errors (refused, timed out, no PCB) give NX_NOT_CONNECTED. Time
 * comes from sys_now(). Not part of libpop3: compile src/nx/nx_lwip.c with
 * your lwIP, beside port/lwip/pop3_lwip.c.
 */
#ifndef POP3_NX_LWIP_H
#define POP3_NX_LWIP_H

#include "nx_api.h"

#ifdef __cplusplus
extern "C" {
#endif
#ifdef __GNUC__ /* exported from libpop3.so, which hides everything else */
#pragma GCC visibility push(default)
#endif

typedef struct pop3_nx_lwip {
    /** PRIVATE **/
    void (*poll)(void *arg);
    void *arg;
} pop3_nx_lwip;

/* Bind ip to lwIP; poll(arg) runs the stack once and may block briefly
 * (e.g. select() until the next lwIP timeout). port must outlive ip.
 * NX_SUCCESS, or NX_PTR_ERROR for a NULL pointer. */
UINT pop3_nx_lwip_ip_create(NX_IP *ip_ptr, pop3_nx_lwip *port,
                            void (*poll)(void *arg), void *arg);

#ifdef __GNUC__
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
}
#endif

#endif /* POP3_NX_LWIP_H */
