/* SPDX-License-Identifier: MIT */
/* pop3_tls_posix.h - TLS for the POSIX port: an Mbed TLS client config
 * (CA file or directory, system RNG) and the glue that routes the socket
 * through the TLS decorator (pop3_tls.h). Host builds only (POP3_TLS=1).
 *
 *   pop3_tls_posix_config tc;  pop3_tls tls;  pop3_posix_filter f;
 *   pop3_tls_posix_config_init(&tc, cafile, capath, false, err, sizeof err);
 *   pop3_tls_init(&tls, &client, pop3_posix_transport(&p), &tc.conf, host, pop3s);
 *   cfg.transport = pop3_tls_transport(&tls);  ... pop3_client_init(&client, &cfg);
 *   pop3_tls_posix_filter(&f, &tls);  pop3_posix_set_filter(&p, &f);
 *   For STLS: pop3_tls_start(&tls) in the POP3_EV_STLS callback.
 */
#ifndef POP3_TLS_POSIX_H
#define POP3_TLS_POSIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "pop3_posix.h"
#include "pop3_tls.h"

#ifdef __cplusplus
extern "C" {
#endif
#ifdef __GNUC__ /* exported from libpop3.so, which hides everything else */
#pragma GCC visibility push(default)
#endif

/* Used when neither a CA file nor a CA directory is given (Debian's
 * ca-certificates bundle, then the directory). */
#ifndef POP3_TLS_SYSTEM_CA_FILE
#define POP3_TLS_SYSTEM_CA_FILE "/etc/ssl/certs/ca-certificates.crt"
#endif
#ifndef POP3_TLS_SYSTEM_CA_PATH
#define POP3_TLS_SYSTEM_CA_PATH "/etc/ssl/certs"
#endif

typedef struct pop3_tls_posix_config {
    mbedtls_ssl_config conf; /* hand &conf to pop3_tls_init() */
    mbedtls_x509_crt ca;
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
} pop3_tls_posix_config;

/* A TLS 1.2+ client config. Certificates are verified (REQUIRED) against
 * ca_file (PEM bundle) and/or ca_path (directory of PEM files); with both
 * NULL, against the system bundle. insecure: no verification at all
 * (VERIFY_NONE): anyone on the path can read the session. Returns 0, or a
 * negative Mbed TLS code with a message in err[0..errlen). Call
 * pop3_tls_posix_config_free() in every case. */
int pop3_tls_posix_config_init(pop3_tls_posix_config *c, const char *ca_file,
                               const char *ca_path, bool insecure, char *err,
                               size_t errlen);
void pop3_tls_posix_config_free(pop3_tls_posix_config *c);

/* The same in two steps, for a client that may never start TLS (STLS only
 * when the server offers it): _init_deferred() sets up everything but the
 * CA certificates; _load_ca() reads them (ca_file, ca_path, or with both
 * NULL the system's) and must be called before the handshake starts, e.g.
 * in the POP3_EV_STLS callback before pop3_tls_start(). Until then every
 * handshake fails verification (unless insecure). Both return 0 or a
 * negative Mbed TLS code with a message in err; _load_ca() may be called
 * again after a failure. pop3_tls_posix_config_free() in every case. */
int pop3_tls_posix_config_init_deferred(pop3_tls_posix_config *c, bool insecure, char *err,
                                        size_t errlen);
int pop3_tls_posix_config_load_ca(pop3_tls_posix_config *c, const char *ca_file,
                                  const char *ca_path, char *err, size_t errlen);

/* Fill f so that pop3_posix_set_filter(p, f) routes p through t. */
void pop3_tls_posix_filter(pop3_posix_filter *f, pop3_tls *t);

/* Text for pop3_tls_verify_result() flags ("certificate not trusted",
 * "host name mismatch", ...), joined with "; " into buf. */
void pop3_tls_posix_verify_text(uint32_t flags, char *buf, size_t n);
/* Text for an Mbed TLS error code. */
void pop3_tls_posix_error_text(int code, char *buf, size_t n);

#ifdef __GNUC__
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
}
#endif

#endif /* POP3_TLS_POSIX_H */
