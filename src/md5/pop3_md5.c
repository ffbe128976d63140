/* SPDX-License-Identifier: MIT */
/* pop3_md5.c - MD5 adapter over Mbed TLS. */
#include "pop3_md5.h"

#include <string.h>

#include <mbedtls/md5.h>
#include <mbedtls/version.h>

/* The opaque storage must hold the real context. */
typedef char pop3_md5_fits_[(sizeof(mbedtls_md5_context) <= sizeof(pop3_md5)) ? 1 : -1];

/* Mbed TLS 2.7 .. 2.28 name the error-returning calls *_ret; 3.x gave the
 * plain names that signature. */
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#define POP3_MD5_STARTS mbedtls_md5_starts
#define POP3_MD5_UPDATE mbedtls_md5_update
#define POP3_MD5_FINISH mbedtls_md5_finish
#else
#define POP3_MD5_STARTS mbedtls_md5_starts_ret
#define POP3_MD5_UPDATE mbedtls_md5_update_ret
#define POP3_MD5_FINISH mbedtls_md5_finish_ret
#endif

static mbedtls_md5_context *md5_ctx(pop3_md5 *ctx)
{
    return (mbedtls_md5_context *)(void *)ctx;
}

void pop3_md5_init(pop3_md5 *ctx)
{
    mbedtls_md5_init(md5_ctx(ctx));
}

int pop3_md5_starts(pop3_md5 *ctx)
{
    return POP3_MD5_STARTS(md5_ctx(ctx));
}

int pop3_md5_update(pop3_md5 *ctx, const void *data, size_t len)
{
    return POP3_MD5_UPDATE(md5_ctx(ctx), (const unsigned char *)data, len);
}

int pop3_md5_finish(pop3_md5 *ctx, uint8_t out[POP3_MD5_LEN])
{
    return POP3_MD5_FINISH(md5_ctx(ctx), out);
}

void pop3_md5_free(pop3_md5 *ctx)
{
    if (ctx != NULL) {
        mbedtls_md5_free(md5_ctx(ctx));
        memset(ctx, 0, sizeof(*ctx));
    }
}

int pop3_md5_apop(const char *timestamp, size_t ts_len, const char *secret,
                  size_t secret_len, uint8_t out[POP3_MD5_LEN])
{
    pop3_md5 ctx;
    int rc;

    pop3_md5_init(&ctx);
    rc = pop3_md5_starts(&ctx);
    if (rc == 0)
        rc = pop3_md5_update(&ctx, timestamp, ts_len);
    if (rc == 0)
        rc = pop3_md5_update(&ctx, secret, secret_len);
    if (rc == 0)
        rc = pop3_md5_finish(&ctx, out);
    /* The context saw the secret: wipe it. */
    pop3_md5_free(&ctx);
    return rc;
}

static void md5_wipe(void *p, size_t n)
{
    volatile uint8_t *v = (volatile uint8_t *)p;

    while (n-- > 0)
        *v++ = 0;
}

/* One MD5 over (pad XOR key-block) || data. */
static int hmac_pass(const uint8_t block[64], uint8_t pad, const void *data,
                     size_t len, uint8_t out[POP3_MD5_LEN])
{
    uint8_t k[64];
    pop3_md5 ctx;
    size_t i;
    int rc;

    for (i = 0; i < sizeof(k); i++)
        k[i] = (uint8_t)(block[i] ^ pad);
    pop3_md5_init(&ctx);
    rc = pop3_md5_starts(&ctx);
    if (rc == 0)
        rc = pop3_md5_update(&ctx, k, sizeof(k));
    if (rc == 0)
        rc = pop3_md5_update(&ctx, data, len);
    if (rc == 0)
        rc = pop3_md5_finish(&ctx, out);
    pop3_md5_free(&ctx);
    md5_wipe(k, sizeof(k));
    return rc;
}

int pop3_md5_hmac(const void *key, size_t key_len, const void *msg,
                  size_t msg_len, uint8_t out[POP3_MD5_LEN])
{
    uint8_t block[64], inner[POP3_MD5_LEN];
    pop3_md5 ctx;
    int rc = 0;

    memset(block, 0, sizeof(block));
    if (key_len > sizeof(block)) {
        pop3_md5_init(&ctx);
        rc = pop3_md5_starts(&ctx);
        if (rc == 0)
            rc = pop3_md5_update(&ctx, key, key_len);
        if (rc == 0)
            rc = pop3_md5_finish(&ctx, block);
        pop3_md5_free(&ctx);
    } else if (key_len > 0) {
        memcpy(block, key, key_len);
    }
    if (rc == 0)
        rc = hmac_pass(block, 0x36, msg, msg_len, inner);
    if (rc == 0)
        rc = hmac_pass(block, 0x5c, inner, sizeof(inner), out);
    md5_wipe(block, sizeof(block));
    md5_wipe(inner, sizeof(inner));
    return rc;
}

void pop3_md5_hex(const uint8_t digest[POP3_MD5_LEN], char out[2 * POP3_MD5_LEN])
{
    static const char hex[] = "0123456789abcdef";
    size_t i;

    for (i = 0; i < POP3_MD5_LEN; i++) {
        out[2 * i] = hex[digest[i] >> 4];
        out[2 * i + 1] = hex[digest[i] & 0x0f];
    }
}
