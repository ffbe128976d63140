/* SPDX-License-Identifier: MIT */
/* pop3_lwip.h - lwIP port of the pop3 engine (raw/altcp API).
 *
 * Runs the engine over lwIP's callback API, on a NO_SYS=1 superloop or with
 * lwIP's tcpip thread. Written against altcp: with LWIP_ALTCP=0 the calls are
 * lwIP's raw tcp_* API; with LWIP_ALTCP=1 pass an allocator (for instance
 * altcp_tls_alloc() for POP3S over altcp_tls) with pop3_lwip_set_allocator().
 *
 *   static pop3_lwip port;  static pop3_client c;  pop3_client_config cfg;
 *   pop3_lwip_init(&port);
 *   pop3_client_config_defaults(&cfg);
 *   cfg.transport = pop3_lwip_transport(&port);  ...buffers, queue, cb...
 *   pop3_client_init(&c, &cfg);
 *   pop3_lwip_connect(&port, &c, "mail.example.org", 110);
 *   for (;;) { netif poll; sys_check_timeouts(); pop3_lwip_poll(&port); }
 *
 * Threads: every function here and every pop3_client_* call must run in
 * lwIP's context: the superloop with NO_SYS=1, or with the tcpip core lock
 * held (LOCK_TCPIP_CORE()) / inside tcpip_callback() otherwise. The event
 * callback runs in that context too (from lwIP's recv, sent, poll and err
 * callbacks, or from pop3_lwip_poll()).
 *
 * Receive: each pbuf of a received chain is handed to pop3_client_input()
 * in place (no copy). The TCP window is opened (altcp_recved) only for the
 * octets the engine consumed. When the application pauses delivery
 * (pop3_client_pause()), the unconsumed pbufs are kept, the window stays
 * shut, and the server is throttled; after pop3_client_resume(), the next
 * pop3_lwip_poll() (or lwIP's poll callback, every 500 ms) pushes them.
 * At most TCP_WND octets are ever held.
 *
 * Send: the engine's commands are written with altcp_write (copied into
 * lwIP's segment pool) up to altcp_sndbuf and flushed with altcp_output; the
 * rest goes out from the sent and poll callbacks.
 *
 * How a session ends, as the POP3_EV_CLOSED reason:
 *   POP3_ERR_RESOLVE  the host name did not resolve (or LWIP_DNS is 0 and
 *                     the host is not an address literal)
 *   POP3_ERR_CONNECT  no PCB could be allocated, or the connection was
 *                     refused or timed out inside lwIP before it was up
 *   POP3_ERR_RESET    lwIP reported the connection lost (err callback:
 *                     RST, retransmissions exhausted); the PCB is already
 *                     freed by lwIP and is never touched again
 *   POP3_ERR_EOF / POP3_ERR_TRUNCATED  the server closed the connection
 *                     (outside / inside a multi-line reply), delivered after
 *                     every octet received before the FIN was consumed
 *   POP3_ERR_TRANSPORT altcp_write failed with anything but ERR_MEM
 *   POP3_ERR_TIMEOUT_* the engine's timeouts, driven from sys_now() by the
 *                     poll callback and pop3_lwip_poll()
 * The transport's close is safe to call twice and after the err callback.
 *
 * Memory: nothing is allocated but lwIP's own PCB, pbuf and segment pools;
 * the pop3_lwip lives in caller storage and must stay valid (not moved,
 * freed, re-initialised or reused) until pop3_lwip_active() is false, since
 * lwIP holds its address as a callback argument. lwIP's DNS has no cancel:
 * when a session ends during the lookup (a connect timeout, an abort), the
 * session is over at once (POP3_EV_CLOSED) but p stays active until lwIP
 * answers the lookup, at the latest when its retries run out (about
 * DNS_MAX_RETRIES * 2 * DNS_TMR_INTERVAL ms with lwIP 2.1's defaults); that
 * answer is dropped, and until then pop3_lwip_connect*() refuses p
 * (POP3_ERR_ARG), so a late answer never reaches a later session. Use
 * another pop3_lwip to retry at once. The pop3_client may be freed or
 * reused as soon as POP3_EV_CLOSED has been delivered.
 */
#ifndef POP3_LWIP_H
#define POP3_LWIP_H

#include "pop3.h"

#include "lwip/opt.h"
#include "lwip/altcp.h"
#include "lwip/ip_addr.h"
#include "lwip/pbuf.h"

#if !LWIP_TCP
#error "pop3_lwip needs LWIP_TCP=1 in lwipopts.h"
#endif

#ifdef __cplusplus
extern "C" {
#endif
#ifdef __GNUC__ /* exported from libpop3.so, which hides everything else */
#pragma GCC visibility push(default)
#endif

/* Poll callback interval in TCP coarse-timer ticks (500 ms each). */
#ifndef POP3_LWIP_POLL_INTERVAL
#define POP3_LWIP_POLL_INTERVAL (1u)
#endif

/* An optional layer between the connection and the engine: the pop3 TLS
 * decorator (pop3_tls.h) for STLS, since lwIP's altcp_tls cannot start TLS
 * on a connection that is already up. When set, the port calls input()
 * instead of pop3_client_input() (and input(ctx, NULL, 0) while pending()
 * says octets are held back), writable() instead of pop3_client_writable()
 * and eof() instead of pop3_client_eof() (the sent and poll callbacks call
 * writable() every time, so the filter's own pending writes go out too).
 * The window is opened by what input() consumed (ciphertext). */
typedef struct pop3_lwip_filter {
    size_t (*input)(void *ctx, const void *data, size_t len);
    void (*writable)(void *ctx);
    void (*eof)(void *ctx);
    bool (*pending)(void *ctx);
    void *ctx;
} pop3_lwip_filter;

typedef struct pop3_lwip {
    /** PRIVATE **/
    const pop3_lwip_filter *filter;
    pop3_transport tr;
    pop3_client *client;
    struct altcp_pcb *pcb;
#if LWIP_ALTCP
    altcp_allocator_t *alloc;
#endif
    struct pbuf *rx;      /* received, not yet consumed by the engine */
    uint32_t held_max;    /* most octets ever held in rx */
    uint16_t input_max;   /* octets per push; 0: a whole pbuf */
    uint16_t port;
    uint8_t state;        /* POP3_LWIP_S_* in pop3_lwip.c */
    uint8_t fin;          /* the server's FIN arrived */
    uint8_t busy;         /* inside a delivery loop */
    uint8_t aborted;      /* altcp_abort() ran inside an lwIP callback */
} pop3_lwip;

/* Prepare p (closed). Does not fail. */
void pop3_lwip_init(pop3_lwip *p);
/* The transport to put in pop3_client_config.transport. */
const pop3_transport *pop3_lwip_transport(pop3_lwip *p);
#if LWIP_ALTCP
/* Allocator for the connection's altcp PCB (NULL: plain TCP). E.g. an
 * altcp_tls allocator for POP3S. Call before connecting. */
void pop3_lwip_set_allocator(pop3_lwip *p, altcp_allocator_t *alloc);
#endif
/* Route the connection through f (NULL: straight to the engine). f must
 * outlive the session. Set it after pop3_lwip_init(), before connecting. */
void pop3_lwip_set_filter(pop3_lwip *p, const pop3_lwip_filter *f);

/* Push at most n octets per pop3_client_input() call (0, the default: one
 * pbuf's payload). For a consumer that must bound what one call can deliver
 * (the NetX shim fills fixed-size packets); the rest stays held. */
void pop3_lwip_set_input_max(pop3_lwip *p, uint16_t n);

/* Connect c to host:port. host is an IPv4/IPv6 address literal or, with
 * LWIP_DNS, a name looked up with dns_gethostbyname() (callback form).
 * Returns POP3_OK when the connection (or the lookup) is under way; the
 * outcome arrives as events on c. Otherwise the client is failed with the
 * returned reason (POP3_EV_CLOSED): POP3_ERR_ARG (empty host, port 0),
 * POP3_ERR_RESOLVE (not an address and DNS failed or is disabled),
 * POP3_ERR_CONNECT (no PCB free, or altcp_connect refused). POP3_ERR_ARG
 * without touching c: p or c NULL, or p still active with a session. */
pop3_err pop3_lwip_connect(pop3_lwip *p, pop3_client *c, const char *host,
                           uint16_t port);
/* Same for an address. */
pop3_err pop3_lwip_connect_ip(pop3_lwip *p, pop3_client *c,
                              const ip_addr_t *ip, uint16_t port);

/* The superloop call: ticks the client's clock from sys_now(), pushes
 * octets kept while paused (after pop3_client_resume()), sends what the
 * engine has pending, and reports a FIN that was held back behind them. */
void pop3_lwip_poll(pop3_lwip *p);

/* True while a lookup (also one whose session already ended), a
 * connection or held pbufs belong to p: p may be reused or freed only when
 * this is false. */
bool pop3_lwip_active(const pop3_lwip *p);
/* Octets received and kept back unconsumed right now / at most so far. */
size_t pop3_lwip_held(const pop3_lwip *p);
size_t pop3_lwip_held_max(const pop3_lwip *p);

#ifdef __GNUC__
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
}
#endif

#endif /* POP3_LWIP_H */
