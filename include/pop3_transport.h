/* SPDX-License-Identifier: MIT */
/* pop3_transport.h - the interface between the pop3 engine and a port.
 *
 * For port writers. The engine writes through a pop3_transport; the port
 * pushes received bytes with pop3_client_input() and reports connection
 * events with pop3_client_connected(), pop3_client_writable(),
 * pop3_client_eof() and pop3_client_fail() (see pop3.h).
 */
#ifndef POP3_TRANSPORT_H
#define POP3_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif
#ifdef __GNUC__ /* exported from libpop3.so, which hides everything else */
#pragma GCC visibility push(default)
#endif

typedef struct pop3_transport {
    /* Offer len > 0 octets. Returns the number accepted (1..len), 0 when the
     * transport cannot take more now (the engine keeps the rest and resends
     * after pop3_client_writable()), or a negative value when the connection
     * is broken. Never returns 0 for a dead connection. Must not call back
     * into the engine. */
    long (*send)(void *ctx, const uint8_t *data, size_t len);
    /* Close the connection. Called at most once per session, by the engine,
     * when the session ends (after QUIT, a fatal error, a timeout, or
     * pop3_client_eof()); never after pop3_client_fail(). May be NULL. */
    void (*close)(void *ctx);
    void *ctx;
} pop3_transport;

/* In-memory transport for tests, fuzzing and loopback tools: records every
 * octet sent into a caller buffer. Behaviour is scriptable: accept at most
 * max_chunk octets per call (0 = no limit), refuse (return 0) when `stall`
 * is set, fail (return -1) when `broken` is set. Sends beyond `cap` fail. */
typedef struct pop3_transport_mem {
    uint8_t *buf;
    size_t cap;
    size_t len;       /* octets recorded so far */
    size_t max_chunk;
    int stall;
    int broken;
    int closed;       /* number of close() calls */
    unsigned sends;   /* number of send() calls that accepted data */
} pop3_transport_mem;

/* Fill *t with the in-memory transport bound to *m, and reset *m to record
 * into buf[0..cap). */
void pop3_transport_mem_init(pop3_transport *t, pop3_transport_mem *m,
                             uint8_t *buf, size_t cap);

#ifdef __GNUC__
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
}
#endif

#endif /* POP3_TRANSPORT_H */
