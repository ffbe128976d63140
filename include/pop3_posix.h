/* SPDX-License-Identifier: MIT */
/* pop3_posix.h - POSIX sockets port for the pop3 engine.
 *
 * Non-blocking TCP over IPv4 and IPv6 with a poll()-based driver. Use
 * pop3_posix_run() for a simple blocking loop, or fold the session into your
 * own poll() loop with pop3_posix_fd(), pop3_posix_events() and
 * pop3_posix_handle().
 *
 *   pop3_posix p;  pop3_client c;  pop3_client_config cfg;
 *   pop3_posix_init(&p);
 *   pop3_client_config_defaults(&cfg);
 *   cfg.transport = pop3_posix_transport(&p);  ...buffers, queue, cb...
 *   pop3_client_init(&c, &cfg);
 *   if (pop3_posix_connect(&p, &c, "mail.example.org", "110") == POP3_OK)
 *       pop3_posix_run(&p);
 */
#ifndef POP3_POSIX_H
#define POP3_POSIX_H

#include "pop3.h"

#ifdef __cplusplus
extern "C" {
#endif
#ifdef __GNUC__ /* exported from libpop3.so, which hides everything else */
#pragma GCC visibility push(default)
#endif

#ifndef POP3_POSIX_RX_SIZE
#define POP3_POSIX_RX_SIZE (65536u) /* octets read per recv() */
#endif
#ifndef POP3_POSIX_MAX_ADDRS
#define POP3_POSIX_MAX_ADDRS (8) /* resolved addresses tried in turn */
#endif

/* Opaque storage for resolved addresses (struct sockaddr_storage). */
typedef struct pop3_posix_addr {
    unsigned char raw[128];
    unsigned len;
} pop3_posix_addr;

/* An optional layer between the socket and the engine, e.g. the TLS
 * decorator (pop3_tls_posix_filter() in pop3_tls_posix.h). When set, the
 * port calls input() instead of pop3_client_input(), writable() instead of
 * pop3_client_writable() and eof() instead of pop3_client_eof(); it also
 * waits for writability when want_write() says so, and pushes
 * input(ctx, NULL, 0) when pending() says octets are held back. */
typedef struct pop3_posix_filter {
    size_t (*input)(void *ctx, const void *data, size_t len);
    void (*writable)(void *ctx);
    void (*eof)(void *ctx);
    bool (*want_write)(void *ctx);
    bool (*pending)(void *ctx);
    void *ctx;
} pop3_posix_filter;

typedef struct pop3_posix {
    /** PRIVATE **/
    const pop3_posix_filter *filter;
    pop3_transport tr;
    pop3_client *client;
    int fd;
    int connecting;
    int in_input;                     /* pushing received octets: sends wait */
    int family;                       /* 0 any, 4 or 6 */
    int sys_err;                      /* errno of the last socket failure */
    unsigned naddr, cur;
    pop3_posix_addr addr[POP3_POSIX_MAX_ADDRS];
    size_t rx_off, rx_len;            /* unconsumed octets in rx */
    size_t input_max;                 /* octets per push; 0: no limit */
    unsigned char rx[POP3_POSIX_RX_SIZE];
} pop3_posix;

/* Prepare p (closed). Does not fail. */
void pop3_posix_init(pop3_posix *p);
/* The transport to put in pop3_client_config.transport. */
const pop3_transport *pop3_posix_transport(pop3_posix *p);
/* Restrict name resolution: 0 (any, default), 4 or 6. */
void pop3_posix_set_family(pop3_posix *p, int family);
/* Route the connection through f (NULL: straight to the engine). f must
 * outlive the session. Set it before pop3_posix_connect(). */
void pop3_posix_set_filter(pop3_posix *p, const pop3_posix_filter *f);
/* Push at most n octets per pop3_client_input() call (0, the default: all
 * that one recv() brought). A consumer that must bound what one call can
 * deliver (the NetX shim fills fixed-size packets) sets it; the rest waits
 * in the port for the next step. */
void pop3_posix_set_input_max(pop3_posix *p, size_t n);

/* Resolve host (blocking getaddrinfo) and start a non-blocking connect to
 * the first address; later addresses are tried if it fails. port is a
 * decimal string or a service name. Returns POP3_OK, POP3_ERR_RESOLVE or
 * POP3_ERR_CONNECT (nothing to try). On error the client is failed with the
 * same reason. The connect timeout is the client's. */
pop3_err pop3_posix_connect(pop3_posix *p, pop3_client *c, const char *host,
                            const char *port);

/* -1 when no socket is open. */
int pop3_posix_fd(const pop3_posix *p);
/* The errno behind the last connect, send or receive failure (refused,
 * reset, unreachable ...), 0 if none: the system's reason for
 * POP3_ERR_CONNECT or POP3_ERR_RESET, for strerror(). */
int pop3_posix_sys_error(const pop3_posix *p);
/* poll() events wanted now (POLLIN and/or POLLOUT); 0 when paused and
 * nothing is to be written: then leave the socket out of poll() (fd -1),
 * or POLLHUP/POLLERR would make the loop spin. */
short pop3_posix_events(const pop3_posix *p);
/* Process revents from poll() for pop3_posix_fd() (0 is fine: it then
 * only pushes octets kept back by a pause), and tick the client's clock.
 * After pop3_client_resume(), call pop3_posix_handle(p, 0) to push the
 * octets kept back while paused. */
void pop3_posix_handle(pop3_posix *p, short revents);
/* One step of pop3_posix_run(): poll for at most max_ms (0: do not block)
 * and handle what happened. Returns pop3_client_error(): POP3_OK while the
 * session is open. For a caller that blocks on its own terms. */
pop3_err pop3_posix_step(pop3_posix *p, uint32_t max_ms);
/* Poll and handle until the session ends; returns pop3_client_error(),
 * which is POP3_ERR_CLOSED after a normal QUIT. */
pop3_err pop3_posix_run(pop3_posix *p);
/* Monotonic milliseconds (wraps), for pop3_client_tick(). */
uint32_t pop3_posix_now_ms(void);
/* Close the socket if open. */
void pop3_posix_close(pop3_posix *p);

#ifdef __GNUC__
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
}
#endif

#endif /* POP3_POSIX_H */
