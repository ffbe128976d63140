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

#include <mbedtls/asn1.h>
#include <mbedtls/version.h>
#include <mbedtls/x509.h>
#include <mbedtls/x509_crt.h>

/* 3.x hides the fields this file must read behind MBEDTLS_PRIVATE(). */
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#define TLS_PRIV(f) MBEDTLS_PRIVATE(f)
#else
#define TLS_PRIV(f) f
#endif
#define TLS_OUT_LEFT(t) ((t)->ssl.TLS_PRIV(out_left))

/* Mbed TLS 3.x runs TLS 1.3 (and MBEDTLS_USE_PSA_CRYPTO) on PSA crypto,
 * which must be initialised before the first handshake. */
#if MBEDTLS_VERSION_NUMBER >= 0x03000000 && defined(MBEDTLS_PSA_CRYPTO_C)
#include <psa/crypto.h>
#define TLS_PSA_INIT 1
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

/* ---- server identity: host name or IP address ----------------------------- */

/* Dotted-quad IPv4, four decimal octets without leading zeros (as
 * inet_pton() takes them). 1 when s[0..n) is one. */
static int parse_ipv4(const char *s, size_t n, uint8_t out[4])
{
    unsigned v = 0, parts = 0, digits = 0;
    size_t i;

    for (i = 0; i < n; i++) {
        if (s[i] >= '0' && s[i] <= '9') {
            if (digits > 0 && v == 0)
                return 0; /* leading zero */
            v = v * 10u + (unsigned)(s[i] - '0');
            if (v > 255u)
                return 0;
            digits++;
        } else if (s[i] == '.' && digits > 0 && parts < 3) {
            out[parts++] = (uint8_t)v;
            v = digits = 0;
        } else {
            return 0;
        }
    }
    if (digits == 0 || parts != 3)
        return 0;
    out[3] = (uint8_t)v;
    return 1;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* RFC 4291 sec. 2.2 text form: up to eight groups of 1-4 hex digits, one
 * "::" for one or more zero groups, optionally a dotted quad as the last
 * 32 bits. No zone index, no brackets. 1 when s[0..n) is one. */
static int parse_ipv6(const char *s, size_t n, uint8_t out[16])
{
    uint8_t w[16];
    size_t len = 0, i = 0, j;
    int gap = -1, d;
    unsigned v;

    if (n >= 2 && s[0] == ':' && s[1] == ':') {
        gap = 0;
        i = 2;
    }
    while (i < n) {
        for (j = i, v = 0; j < n && j - i < 4 && (d = hex_digit(s[j])) >= 0; j++)
            v = v * 16u + (unsigned)d;
        if (j < n && s[j] == '.') { /* the last 32 bits as a dotted quad */
            if (len > 12 || !parse_ipv4(s + i, n - i, w + len))
                return 0;
            len += 4;
            break;
        }
        if (j == i || len > 14)
            return 0;
        w[len++] = (uint8_t)(v >> 8);
        w[len++] = (uint8_t)v;
        if (j == n)
            break;
        if (s[j] != ':' || ++j == n)
            return 0; /* not a separator, or a trailing single ':' */
        if (s[j] == ':') {
            if (gap >= 0)
                return 0; /* a second "::" */
            gap = (int)len;
            j++;
        }
        i = j;
    }
    if (gap < 0 ? len != 16 : len > 14)
        return 0;
    memset(out, 0, 16);
    if (gap < 0)
        gap = (int)len;
    memcpy(out, w, (size_t)gap);
    memcpy(out + 16 - (len - (size_t)gap), w + gap, len - (size_t)gap);
    return 1;
}

/* RFC 6066 sec. 3: a literal IPv4 or IPv6 address is not a HostName for
 * SNI. A name with a ':', or of digits and dots only, is taken for an
 * address. Returns 1 for an address, with its octets in t->ip (t->ip_len 4
 * or 16, or 0 when it does not parse: then no certificate can match). */
static int host_is_address(pop3_tls *t, const char *host)
{
    size_t n = strlen(host), i;
    int colon = 0, other = 0;

    for (i = 0; i < n; i++) {
        if (host[i] == ':')
            colon = 1;
        else if (host[i] != '.' && (host[i] < '0' || host[i] > '9'))
            other = 1;
    }
    if (!colon && other)
        return 0;
    if (colon ? parse_ipv6(host, n, t->ip) : parse_ipv4(host, n, t->ip))
        t->ip_len = colon ? 16u : 4u;
    return 1;
}

/* RFC 6125 sec. 6.2.1 (RFC 9525 sec. 6.3): an IP address is matched only
 * against iPAddress subjectAltName entries, octet for octet; never against
 * a dNSName or the CN. */
static int crt_has_ip(const mbedtls_x509_crt *crt, const uint8_t *ip, size_t len)
{
    const mbedtls_x509_sequence *cur;

    if (len == 0)
        return 0;
    for (cur = &crt->subject_alt_names; cur != NULL; cur = cur->next) {
        if (cur->buf.p != NULL &&
            (cur->buf.tag & MBEDTLS_ASN1_TAG_VALUE_MASK) == MBEDTLS_X509_SAN_IP_ADDRESS &&
            cur->buf.len == len && memcmp(cur->buf.p, ip, len) == 0)
            return 1;
    }
    return 0;
}

/* The per-session verify callback when the server is an IP address: the
 * leaf certificate must carry it; then whatever callback the application
 * set on its config sees the flags, as with Mbed TLS's own name check. */
static int verify_ip(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
    pop3_tls *t = (pop3_tls *)ctx;
    const mbedtls_ssl_config *conf = t->ssl.TLS_PRIV(conf);

    if (depth == 0 && !crt_has_ip(crt, t->ip, t->ip_len))
        *flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
    if (conf->TLS_PRIV(f_vrfy) != NULL)
        return conf->TLS_PRIV(f_vrfy)(conf->TLS_PRIV(p_vrfy), crt, depth, flags);
    return 0;
}

/* SNI and the certificate check. A host name goes to Mbed TLS for both.
 * An address is never sent (no SNI); Mbed TLS is told there is no name to
 * check, and verify_ip() checks the address instead (Mbed TLS's own check
 * would need the address as its host name, which it also sends as SNI). */
static int set_server_identity(pop3_tls *t, const char *hostname)
{
    if (hostname == NULL)
        return 0;
    if (!host_is_address(t, hostname))
        return mbedtls_ssl_set_hostname(&t->ssl, hostname);
    t->is_ip = 1;
    mbedtls_ssl_set_verify(&t->ssl, verify_ip, t);
    return mbedtls_ssl_set_hostname(&t->ssl, NULL);
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

/* TLS 1.3 (Mbed TLS 3.x): with ticket signalling enabled on the config,
 * a NewSessionTicket makes handshake and read return this once; the
 * session goes on (tickets are not kept: every session is a full one). */
static int tls_ticket(int r)
{
#ifdef MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET
    return r == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET;
#else
    (void)r;
    return 0;
#endif
}

/* One handshake step. 1 when the handshake completed now. */
static int handshake(pop3_tls *t)
{
    int r;

    do
        r = mbedtls_ssl_handshake(&t->ssl);
    while (tls_ticket(r));
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
        if (tls_ticket(r))
            continue;
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
#ifdef TLS_PSA_INIT
    /* Idempotent; cheap after the first call. */
    if ((t->last_ret = (int)psa_crypto_init()) != PSA_SUCCESS)
        return POP3_ERR_TLS;
#endif
    if ((t->last_ret = mbedtls_ssl_setup(&t->ssl, conf)) != 0)
        return POP3_ERR_TLS;
    if ((t->last_ret = set_server_identity(t, hostname)) != 0)
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

const char *pop3_tls_version(const pop3_tls *t)
{
    return t != NULL ? mbedtls_ssl_get_version(&t->ssl) : "unknown";
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
