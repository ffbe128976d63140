/* SPDX-License-Identifier: MIT */
/* pop3_tls_posix.c - Mbed TLS client config and filter glue for the POSIX
 * port. Built only with POP3_TLS=1 (the host build). */
#include "pop3_config_defaults.h"

#if defined(POP3_TLS) && POP3_TLS

#include "pop3_tls_posix.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <mbedtls/error.h>
#include <mbedtls/version.h>
#include <mbedtls/x509.h>

static void set_err(char *err, size_t errlen, const char *what, int code)
{
    char text[128];

    if (err == NULL || errlen == 0)
        return;
    mbedtls_strerror(code, text, sizeof text);
    snprintf(err, errlen, "%s: %s (-0x%04x)", what, text, (unsigned)-code);
}

static int exists(const char *path, int dir)
{
    struct stat st;

    return stat(path, &st) == 0 && (dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode));
}

int pop3_tls_posix_config_init_deferred(pop3_tls_posix_config *c, bool insecure, char *err,
                                        size_t errlen)
{
    static const unsigned char pers[] = "pop3 client";
    int r;

    mbedtls_ssl_config_init(&c->conf);
    mbedtls_x509_crt_init(&c->ca);
    mbedtls_entropy_init(&c->entropy);
    mbedtls_ctr_drbg_init(&c->drbg);
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    r = mbedtls_ctr_drbg_seed(&c->drbg, mbedtls_entropy_func, &c->entropy,
                              pers, sizeof pers - 1);
    if (r != 0) {
        set_err(err, errlen, "random generator", r);
        return r;
    }
    r = mbedtls_ssl_config_defaults(&c->conf, MBEDTLS_SSL_IS_CLIENT,
                                    MBEDTLS_SSL_TRANSPORT_STREAM,
                                    MBEDTLS_SSL_PRESET_DEFAULT);
    if (r != 0) {
        set_err(err, errlen, "TLS config", r);
        return r;
    }
    mbedtls_ssl_conf_rng(&c->conf, mbedtls_ctr_drbg_random, &c->drbg);
    /* TLS 1.2 at least: older versions are broken (RFC 8996). Mbed TLS 3.x
     * offers TLS 1.3 as well when built with it. */
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
    mbedtls_ssl_conf_min_tls_version(&c->conf, MBEDTLS_SSL_VERSION_TLS1_2);
#else
    mbedtls_ssl_conf_min_version(&c->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
                                 MBEDTLS_SSL_MINOR_VERSION_3);
#endif
    if (insecure) {
        mbedtls_ssl_conf_authmode(&c->conf, MBEDTLS_SSL_VERIFY_NONE);
        return 0;
    }
    /* Verified against c->ca, empty until pop3_tls_posix_config_load_ca():
     * a handshake before that fails. */
    mbedtls_ssl_conf_ca_chain(&c->conf, &c->ca, NULL);
    mbedtls_ssl_conf_authmode(&c->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    return 0;
}

int pop3_tls_posix_config_load_ca(pop3_tls_posix_config *c, const char *ca_file,
                                  const char *ca_path, char *err, size_t errlen)
{
    int r;

    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (ca_file == NULL && ca_path == NULL) {
        if (exists(POP3_TLS_SYSTEM_CA_FILE, 0))
            ca_file = POP3_TLS_SYSTEM_CA_FILE;
        else
            ca_path = POP3_TLS_SYSTEM_CA_PATH;
    }
    /* A positive result counts certificates that failed to parse in a
     * bundle or directory; the rest are loaded. */
    if (ca_file != NULL && (r = mbedtls_x509_crt_parse_file(&c->ca, ca_file)) < 0) {
        set_err(err, errlen, ca_file, r);
        return r;
    }
    if (ca_path != NULL && (r = mbedtls_x509_crt_parse_path(&c->ca, ca_path)) < 0) {
        set_err(err, errlen, ca_path, r);
        return r;
    }
    if (c->ca.version == 0) {
        set_err(err, errlen, "no CA certificate loaded", MBEDTLS_ERR_X509_INVALID_FORMAT);
        return MBEDTLS_ERR_X509_INVALID_FORMAT;
    }
    return 0;
}

int pop3_tls_posix_config_init(pop3_tls_posix_config *c, const char *ca_file,
                               const char *ca_path, bool insecure, char *err,
                               size_t errlen)
{
    int r = pop3_tls_posix_config_init_deferred(c, insecure, err, errlen);

    if (r != 0 || insecure)
        return r;
    return pop3_tls_posix_config_load_ca(c, ca_file, ca_path, err, errlen);
}

void pop3_tls_posix_config_free(pop3_tls_posix_config *c)
{
    if (c == NULL)
        return;
    mbedtls_ssl_config_free(&c->conf);
    mbedtls_x509_crt_free(&c->ca);
    mbedtls_ctr_drbg_free(&c->drbg);
    mbedtls_entropy_free(&c->entropy);
}

static size_t f_input(void *ctx, const void *data, size_t len)
{
    return pop3_tls_input(ctx, data, len);
}

static void f_writable(void *ctx)
{
    pop3_tls_writable(ctx);
}

static void f_eof(void *ctx)
{
    pop3_tls_eof(ctx);
}

static bool f_want_write(void *ctx)
{
    return pop3_tls_want_write(ctx);
}

static bool f_pending(void *ctx)
{
    return pop3_tls_pending(ctx);
}

void pop3_tls_posix_filter(pop3_posix_filter *f, pop3_tls *t)
{
    f->input = f_input;
    f->writable = f_writable;
    f->eof = f_eof;
    f->want_write = f_want_write;
    f->pending = f_pending;
    f->ctx = t;
}

void pop3_tls_posix_verify_text(uint32_t flags, char *buf, size_t n)
{
    static const struct { uint32_t bit; const char *text; } names[] = {
        { MBEDTLS_X509_BADCERT_NOT_TRUSTED, "certificate not signed by a trusted CA" },
        { MBEDTLS_X509_BADCERT_CN_MISMATCH, "certificate is for another host name" },
        { MBEDTLS_X509_BADCERT_EXPIRED, "certificate expired" },
        { MBEDTLS_X509_BADCERT_FUTURE, "certificate not yet valid" },
        { MBEDTLS_X509_BADCERT_REVOKED, "certificate revoked" },
        { MBEDTLS_X509_BADCERT_MISSING, "no certificate" },
        { MBEDTLS_X509_BADCERT_KEY_USAGE, "certificate key usage not allowed" },
        { MBEDTLS_X509_BADCERT_EXT_KEY_USAGE, "certificate not for TLS servers" },
        { MBEDTLS_X509_BADCERT_BAD_MD, "certificate signed with a weak hash" },
        { MBEDTLS_X509_BADCERT_BAD_KEY, "certificate key too weak" },
    };
    size_t i, len = 0;

    if (n == 0)
        return;
    buf[0] = '\0';
    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!(flags & names[i].bit))
            continue;
        snprintf(buf + len, n - len, "%s%s", len ? "; " : "", names[i].text);
        len = strlen(buf);
        flags &= ~names[i].bit;
    }
    if (flags != 0 || len == 0)
        snprintf(buf + len, n - len, "%sverification flags 0x%08x", len ? "; " : "",
                 (unsigned)flags);
}

void pop3_tls_posix_error_text(int code, char *buf, size_t n)
{
    mbedtls_strerror(code, buf, n);
}

#else /* !POP3_TLS */

typedef int pop3_tls_posix_disabled_;

#endif /* POP3_TLS */
