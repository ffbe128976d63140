/* SPDX-License-Identifier: MIT */
/* pop3_transport_tls.c - TLS decorator transport over Mbed TLS.
 *
 * Mbed TLS pulls ciphertext through a BIO callback; the port pushes it. The
 * two meet here: pop3_tls_input() lends the port's octets to the BIO for
 * the duration of the call, and whatever Mbed TLS did not read is handed
 * back as "not consumed". Mbed TLS reads records exactly (header, then
 * body), so it never reads ahead of what it needs. Plaintext goes to the
 * engine from a small buffer; while the engine holds back, no ssl_read
 * happens, so no further ciphertext is consumed.
 *
 * Built only with POP3_TLS=1 (see pop3_tls.h).
 */
#include "pop3_config_defaults.h"

#if defined(POP3_TLS) && POP3_TLS

#include "pop3_tls.h"

#include <string.h>

#include <mbedtls/version.h>
#include <mbedtls/x509.h>

#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#define TLS_OUT_LEFT(t) ((t)->ssl.MBEDTLS_PRIVATE(out_left))
#else
#define TLS_OUT_LEFT(t) ((t)->ssl.out_left)
#endif

enum { MODE_CLEAR, MODE_HANDSHAKE, MODE_UP, MODE_DEAD };

static void tls_wipe(void *p, size_t n)
{
    volatile uint8_t *v = (volatile uint8_t *)p;

    while (n-- > 0)
        *v++ = 0;
}

/* ---- BIO: Mbed TLS <-> the inner transport and the port's octets ------- */

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
    pop3_tls *t = (pop3_tls *)ctx;
    long r;

    if (len > 0x7fffu)
        len = 0x7fffu; /* the return value is an int */
    r = t->inner->send(t->inner->ctx, buf, len);
    if (r < 0) {
        t->inner_broken = 1;
        return MBEDTLS_ERR_SSL_INTERNAL_ERROR;
    }
    if (r == 0)
        return MBEDTLS_ERR_SSL_WANT_WRITE;
    if ((unsigned long)r > (unsigned long)len)
        r = (long)len; /* a lying transport */
    return (int)r;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
    pop3_tls *t = (pop3_tls *)ctx;
    size_t n;

    if (t->in == NULL || t->in_off >= t->in_len)
        return MBEDTLS_ERR_SSL_WANT_READ;
    n = t->in_len - t->in_off;
    if (n > len)
        n = len;
    if (n > 0x7fffu)
        n = 0x7fffu;
    memcpy(buf, t->in + t->in_off, n);
    t->in_off += n;
    return (int)n;
}

/* ---- failure -------------------------------------------------------------- */

/* Ends the session: close the inner transport (the engine does not after
 * pop3_client_fail()), then report why. */
static void tls_fail(pop3_tls *t, int ret)
{
    pop3_err why = POP3_ERR_TLS;

    t->last_ret = ret;
    if (t->mode == MODE_DEAD)
        return;
    if (t->inner_broken)
        why = POP3_ERR_TRANSPORT;
    else if (ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED)
        why = POP3_ERR_TLS_VERIFY;
    t->mode = MODE_DEAD;
    t->plain_len = 0;
    if (t->inner->close != NULL)
        t->inner->close(t->inner->ctx);
    pop3_client_fail(t->client, why);
}

/* ---- the engine's transport ------------------------------------------------- */

/* Pushes a record Mbed TLS still holds. 1 when nothing is left, 0 when
 * the inner transport is full, -1 on error. */
static int flush_out(pop3_tls *t)
{
    static const unsigned char none[1] = { 0 };
    int r;

    if (TLS_OUT_LEFT(t) == 0)
        return 1;
    /* With a record pending, a write of 0 octets only flushes it. */
    r = mbedtls_ssl_write(&t->ssl, none, 0);
    if (r == MBEDTLS_ERR_SSL_WANT_WRITE)
        return 0;
    if (r < 0) {
        t->last_ret = r;
        return -1;
    }
    return TLS_OUT_LEFT(t) == 0 ? 1 : 0;
}

static long tls_send(void *ctx, const uint8_t *data, size_t len)
{
    pop3_tls *t = (pop3_tls *)ctx;
    int r;

    switch (t->mode) {
    case MODE_CLEAR:
        return t->inner->send(t->inner->ctx, data, len);
    case MODE_HANDSHAKE:
        return 0; /* nothing before the handshake is done */
    case MODE_UP:
        break;
    default:
        return -1;
    }
    r = flush_out(t);
    if (r <= 0) {
        t->want_write = r == 0;
        return r;
    }
    if (len > POP3_TLS_WRITE_CHUNK)
        len = POP3_TLS_WRITE_CHUNK;
    r = mbedtls_ssl_write(&t->ssl, data, len);
    if (r > 0)
        return (long)r;
    if (r == MBEDTLS_ERR_SSL_WANT_WRITE) {
        t->want_write = 1;
        /* The record is built and waits in Mbed TLS: the octets are taken
         * (a retry must not offer different data, so none is asked for). */
        return TLS_OUT_LEFT(t) > 0 ? (long)len : 0;
    }
    t->last_ret = r;
    return -1;
}

static void tls_close(void *ctx)
{
    pop3_tls *t = (pop3_tls *)ctx;

    if (t->mode == MODE_UP)
        (void)mbedtls_ssl_close_notify(&t->ssl); /* best effort */
    if (t->mode != MODE_DEAD && t->inner->close != NULL)
        t->inner->close(t->inner->ctx);
    t->mode = MODE_DEAD;
    t->plain_len = 0;
}

/* ---- moving octets ------------------------------------------------------------ */

/* Hands held plaintext to the engine. 1 when none is left. */
static int deliver(pop3_tls *t)
{
    size_t n;

    while (t->plain_len > 0) {
        if (pop3_client_state(t->client) == POP3_STATE_CLOSED) {
            t->plain_len = 0; /* nobody to deliver to */
            return 0;
        }
        n = pop3_client_input(t->client, t->plain + t->plain_off, t->plain_len);
        if (n > t->plain_len)
            n = t->plain_len;
        t->plain_off += n;
        t->plain_len -= n;
        if (n == 0 || t->plain_len > 0)
            return 0; /* paused, or the session just ended */
    }
    t->plain_off = 0;
    return 1;
}

/* One handshake step. 1 when the handshake completed now. */
static int handshake(pop3_tls *t)
{
    int r = mbedtls_ssl_handshake(&t->ssl);

    if (r == 0) {
        t->mode = MODE_UP;
        t->want_write = TLS_OUT_LEFT(t) > 0;
        pop3_client_tls_ready(t->client); /* may queue and send commands */
        return 1;
    }
    if (r == MBEDTLS_ERR_SSL_WANT_READ) {
        t->want_write = 0;
        return 0;
    }
    if (r == MBEDTLS_ERR_SSL_WANT_WRITE) {
        t->want_write = 1;
        return 0;
    }
    tls_fail(t, r);
    return 0;
}

static void pump(pop3_tls *t)
{
    int r;

    for (;;) {
        if (!deliver(t))
            return;
        if (pop3_client_state(t->client) == POP3_STATE_CLOSED ||
            pop3_client_paused(t->client))
            return; /* no ciphertext is consumed while the engine holds back */
        if (t->mode == MODE_HANDSHAKE) {
            if (!handshake(t))
                return;
            continue;
        }
        if (t->mode != MODE_UP)
            return;
        r = mbedtls_ssl_read(&t->ssl, t->plain, sizeof(t->plain));
        if (r > 0) {
            t->plain_off = 0;
            t->plain_len = (size_t)r;
            continue;
        }
        if (r == MBEDTLS_ERR_SSL_WANT_READ || r == MBEDTLS_ERR_SSL_WANT_WRITE)
            return;
        if (r == 0 || r == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
            /* The server ended TLS: the engine decides what that means. */
            pop3_client_eof(t->client);
            return;
        }
        tls_fail(t, r);
        return;
    }
}

/* ---- public ------------------------------------------------------------------ */

pop3_err pop3_tls_init(pop3_tls *t, pop3_client *c, const pop3_transport *inner,
                       const mbedtls_ssl_config *conf, const char *hostname,
                       bool implicit)
{
    if (t == NULL)
        return POP3_ERR_ARG;
    memset(t, 0, sizeof(*t));
    mbedtls_ssl_init(&t->ssl);
    t->mode = MODE_DEAD;
    if (c == NULL || inner == NULL || inner->send == NULL || conf == NULL)
        return POP3_ERR_ARG;
    t->client = c;
    t->inner = inner;
    t->tr.send = tls_send;
    t->tr.close = tls_close;
    t->tr.ctx = t;
    if ((t->last_ret = mbedtls_ssl_setup(&t->ssl, conf)) != 0)
        return POP3_ERR_TLS;
    if (hostname != NULL &&
        (t->last_ret = mbedtls_ssl_set_hostname(&t->ssl, hostname)) != 0)
        return POP3_ERR_TLS;
    mbedtls_ssl_set_bio(&t->ssl, t, bio_send, bio_recv, NULL);
    t->mode = implicit ? MODE_HANDSHAKE : MODE_CLEAR;
    t->want_write = implicit ? 1u : 0u; /* the ClientHello goes first */
    return POP3_OK;
}

const pop3_transport *pop3_tls_transport(pop3_tls *t)
{
    return &t->tr;
}

void pop3_tls_start(pop3_tls *t)
{
    if (t != NULL && t->mode == MODE_CLEAR) {
        t->mode = MODE_HANDSHAKE;
        t->want_write = 1;
    }
}

size_t pop3_tls_input(pop3_tls *t, const void *data, size_t len)
{
    size_t used;

    if (t == NULL || (data == NULL && len > 0))
        return 0;
    if (t->mode == MODE_CLEAR)
        return len > 0 ? pop3_client_input(t->client, data, len) : 0;
    if (t->mode == MODE_DEAD)
        return len; /* the session is over: drop */
    t->in = (const uint8_t *)data;
    t->in_len = len;
    t->in_off = 0;
    pump(t);
    used = t->in_off;
    t->in = NULL;
    t->in_len = t->in_off = 0;
    if (t->mode == MODE_DEAD || pop3_client_state(t->client) == POP3_STATE_CLOSED)
        return len;
    return used;
}

void pop3_tls_writable(pop3_tls *t)
{
    int r;

    if (t == NULL)
        return;
    switch (t->mode) {
    case MODE_CLEAR:
        pop3_client_writable(t->client);
        return;
    case MODE_HANDSHAKE:
        if (handshake(t))
            pump(t); /* plaintext may already be waiting */
        return;
    case MODE_UP:
        r = flush_out(t);
        if (r < 0) {
            tls_fail(t, t->last_ret);
            return;
        }
        t->want_write = r == 0;
        if (r == 1)
            pop3_client_writable(t->client);
        return;
    default:
        return;
    }
}

void pop3_tls_eof(pop3_tls *t)
{
    if (t == NULL)
        return;
    switch (t->mode) {
    case MODE_CLEAR:
    case MODE_UP:
        pop3_client_eof(t->client);
        return;
    case MODE_HANDSHAKE:
        tls_fail(t, MBEDTLS_ERR_SSL_CONN_EOF);
        return;
    default:
        return;
    }
}

bool pop3_tls_want_write(const pop3_tls *t)
{
    if (t == NULL)
        return false;
    if (t->mode == MODE_HANDSHAKE)
        return t->want_write != 0;
    return t->mode == MODE_UP && TLS_OUT_LEFT(t) > 0;
}

bool pop3_tls_pending(const pop3_tls *t)
{
    return t != NULL && t->mode == MODE_UP &&
           (t->plain_len > 0 || mbedtls_ssl_get_bytes_avail(&t->ssl) > 0);
}

bool pop3_tls_active(const pop3_tls *t)
{
    return t != NULL && t->mode == MODE_UP;
}

uint32_t pop3_tls_verify_result(const pop3_tls *t)
{
    return t != NULL ? mbedtls_ssl_get_verify_result(&t->ssl) : (uint32_t)-1;
}

int pop3_tls_last_error(const pop3_tls *t)
{
    return t != NULL ? t->last_ret : 0;
}

void pop3_tls_free(pop3_tls *t)
{
    if (t == NULL)
        return;
    mbedtls_ssl_free(&t->ssl);
    tls_wipe(t, sizeof(*t));
}

#else /* !POP3_TLS */

/* ISO C wants at least one declaration in a translation unit. */
typedef int pop3_transport_tls_disabled_;

#endif /* POP3_TLS */
