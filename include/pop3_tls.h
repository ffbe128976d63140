/* SPDX-License-Identifier: MIT */
/* pop3_tls.h - TLS decorator transport over Mbed TLS (POP3S and STLS).
 *
 * Wraps any inner pop3_transport (POSIX socket, lwIP, your own), so POP3S
 * (implicit TLS, port 995) and STLS (RFC 2595) work on every port:
 *
 *   port --ciphertext--> pop3_tls_input() --plaintext--> pop3_client_input()
 *   engine --plaintext--> tls transport send --ciphertext--> inner->send()
 *
 * The port pushes what it received into pop3_tls_input() instead of
 * pop3_client_input(), and reports writability and end of stream to
 * pop3_tls_writable() / pop3_tls_eof() (port/posix does all of this through
 * pop3_posix_set_filter(); see pop3_tls_posix.h). Back-pressure is kept:
 * plaintext the engine did not take (paused application) stays here, no
 * more ciphertext is consumed until it is delivered, and pop3_tls_input()
 * returns how much ciphertext it took, so the port can hold the rest (or
 * delay the TCP window). pop3_tls_pending() says when there is held
 * plaintext to push with pop3_tls_input(t, NULL, 0) after a resume.
 *
 * Build: compiled only with -DPOP3_TLS=1 (the host build does this; the
 * default firmware/cross build is MD5-only, `make cross TLS=1` adds it).
 * Needs Mbed TLS 2.28 or 3.6 (-lmbedtls -lmbedx509 -lmbedcrypto); with 3.x
 * TLS 1.3 is used when both sides have it, pop3_tls_init() calls
 * psa_crypto_init(), and NewSessionTicket signals (when the application
 * enabled them on its config) are not errors. This
 * file itself never allocates, blocks or reads a clock, but Mbed TLS
 * allocates its record buffers (about 2 x 16.7 KB with the default
 * MBEDTLS_SSL_IN/OUT_CONTENT_LEN) in pop3_tls_init() through its
 * calloc, and needs an RNG in the mbedtls_ssl_config.
 *
 * The application owns the mbedtls_ssl_config: CA certificates, RNG,
 * authmode. Verification is the config's business; use
 * MBEDTLS_SSL_VERIFY_REQUIRED (pop3_tls_posix_config() does) so a bad
 * certificate fails the handshake. A host name given to pop3_tls_init()
 * is sent as SNI and checked against the certificate by Mbed TLS. An IP
 * address (anything with a ':' or of digits and dots only, no brackets) is
 * never sent as SNI (RFC 6066 sec. 3) and must appear in the leaf
 * certificate as an iPAddress subjectAltName, octet for octet; the
 * decorator checks that itself with a per-session verify callback, which
 * then calls the config's own verify callback, if any (docs/tls-sasl.md).
 *
 * Errors (as the reason of POP3_EV_CLOSED, after the TLS layer has closed
 * the inner transport):
 *   POP3_ERR_TLS_VERIFY  certificate not trusted, expired, or for another
 *                        host; pop3_tls_verify_result() has the flags
 *   POP3_ERR_TLS         any other handshake or record failure, or the
 *                        peer closed during the handshake;
 *                        pop3_tls_last_error() has the Mbed TLS code
 *   POP3_ERR_TRANSPORT   the inner transport failed while sending
 */
#ifndef POP3_TLS_H
#define POP3_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mbedtls/ssl.h>

#include "pop3.h"

#ifdef __cplusplus
extern "C" {
#endif
#ifdef __GNUC__ /* exported from libpop3.so, which hides everything else */
#pragma GCC visibility push(default)
#endif

/* Plaintext decrypted but not yet taken by the engine, in octets. Records
 * are up to 16 KB; this only bounds one push into the engine. */
#ifndef POP3_TLS_PLAIN_SIZE
#define POP3_TLS_PLAIN_SIZE (2048u)
#endif
/* At most this many plaintext octets per TLS record written; keeps every
 * write well inside any negotiated maximum fragment length. */
#ifndef POP3_TLS_WRITE_CHUNK
#define POP3_TLS_WRITE_CHUNK (1024u)
#endif

typedef struct pop3_tls {
    /** PRIVATE **/
    pop3_transport tr;             /* what the engine writes to */
    const pop3_transport *inner;
    pop3_client *client;
    mbedtls_ssl_context ssl;
    const uint8_t *in;             /* ciphertext offered by the port now */
    size_t in_len, in_off;
    size_t plain_off, plain_len;
    int last_ret;
    uint8_t mode;                  /* clear, handshake, up, dead */
    uint8_t want_write, inner_broken;
    uint8_t is_ip, ip_len;         /* the server is an IP address: 4 or 16 octets */
    uint8_t ip[16];
    uint8_t plain[POP3_TLS_PLAIN_SIZE];
} pop3_tls;

/* Set t up over `inner` for client c (c need not be initialized yet; it is
 * only used once bytes move). conf must outlive t. hostname (SNI and the
 * certificate check; an IP address: no SNI, iPAddress check) may be NULL
 * only when conf does not verify. implicit:
 * true for POP3S (the handshake starts as soon as the connection is up),
 * false for STLS (clear text until pop3_tls_start()). Returns POP3_OK,
 * POP3_ERR_ARG, or POP3_ERR_TLS when Mbed TLS refuses (out of memory, bad
 * host name); pop3_tls_free() is needed in every case. */
pop3_err pop3_tls_init(pop3_tls *t, pop3_client *c, const pop3_transport *inner,
                       const mbedtls_ssl_config *conf, const char *hostname,
                       bool implicit);
/* The transport for pop3_client_config.transport. */
const pop3_transport *pop3_tls_transport(pop3_tls *t);
/* Start the handshake after +OK to STLS: call it from the POP3_EV_STLS
 * callback. Sends nothing itself; pop3_tls_want_write() becomes true and
 * the handshake runs from pop3_tls_writable() / pop3_tls_input(). */
void pop3_tls_start(pop3_tls *t);

/* --- called by the port instead of the pop3_client_* equivalents -------- */
/* Received octets (data may be NULL when len is 0: only push held
 * plaintext). Returns the octets consumed; fewer than len only while the
 * engine holds back (paused) or after the session ended. */
size_t pop3_tls_input(pop3_tls *t, const void *data, size_t len);
/* The inner transport can take more. */
void pop3_tls_writable(pop3_tls *t);
/* The peer closed its side. */
void pop3_tls_eof(pop3_tls *t);
/* True when the TLS layer itself has octets to write (handshake, a record
 * the inner transport did not take): the port should wait for writability
 * and call pop3_tls_writable(). The engine's own pop3_client_want_write()
 * still counts. */
bool pop3_tls_want_write(const pop3_tls *t);
/* True when decrypted octets wait for the engine (see above). */
bool pop3_tls_pending(const pop3_tls *t);

/* True once the handshake has completed. */
bool pop3_tls_active(const pop3_tls *t);
/* mbedtls_ssl_get_verify_result() flags (MBEDTLS_X509_BADCERT_*); 0 when
 * the certificate was verified, (uint32_t)-1 before a handshake. */
uint32_t pop3_tls_verify_result(const pop3_tls *t);
/* The negotiated protocol ("TLSv1.2", "TLSv1.3"), as Mbed TLS names it;
 * meaningful once pop3_tls_active(). */
const char *pop3_tls_version(const pop3_tls *t);
/* The last Mbed TLS error code seen (negative), 0 if none. */
int pop3_tls_last_error(const pop3_tls *t);
/* Release the Mbed TLS context and wipe t. NULL is fine. */
void pop3_tls_free(pop3_tls *t);

#ifdef __GNUC__
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
}
#endif

#endif /* POP3_TLS_H */
