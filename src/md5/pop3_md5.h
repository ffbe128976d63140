/* SPDX-License-Identifier: MIT */
/* pop3_md5.h - MD5 for APOP (RFC 1939 sec. 7), a thin adapter over Mbed TLS.
 *
 * The engine sees only this interface, so a change of the Mbed TLS MD5 API
 * (2.x *_ret names, 3.x int-returning names) stays in pop3_md5.c.
 */
#ifndef POP3_MD5_H
#define POP3_MD5_H

#include <stddef.h>
#include <stdint.h>

#define POP3_MD5_LEN (16u)

/* Opaque context, large enough for mbedtls_md5_context (checked at compile
 * time in pop3_md5.c). Aligned for its uint32_t state. */
typedef struct pop3_md5 {
    uint32_t opaque[24];
} pop3_md5;

void pop3_md5_init(pop3_md5 *ctx);
/* Each returns 0 on success, non-zero on a backend failure. */
int pop3_md5_starts(pop3_md5 *ctx);
int pop3_md5_update(pop3_md5 *ctx, const void *data, size_t len);
int pop3_md5_finish(pop3_md5 *ctx, uint8_t out[POP3_MD5_LEN]);
/* Zeroizes ctx. NULL is fine. */
void pop3_md5_free(pop3_md5 *ctx);

/* APOP digest: MD5(timestamp || secret), both given with their lengths.
 * timestamp includes the angle brackets. Returns 0 on success. */
int pop3_md5_apop(const char *timestamp, size_t ts_len, const char *secret,
                  size_t secret_len, uint8_t out[POP3_MD5_LEN]);

/* HMAC-MD5 (RFC 2104) of msg under key, for SASL CRAM-MD5 (RFC 2195).
 * Keys longer than 64 octets are hashed first. Returns 0 on success. */
int pop3_md5_hmac(const void *key, size_t key_len, const void *msg,
                  size_t msg_len, uint8_t out[POP3_MD5_LEN]);

/* Lower-case hex of a digest into out[32] (not NUL-terminated). */
void pop3_md5_hex(const uint8_t digest[POP3_MD5_LEN], char out[2 * POP3_MD5_LEN]);

#endif /* POP3_MD5_H */
