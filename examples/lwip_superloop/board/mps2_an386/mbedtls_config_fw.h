/* SPDX-License-Identifier: MIT */
/* mbedtls_config_fw.h - Mbed TLS 2.28 configuration of the firmware image
 * (MBEDTLS_CONFIG_FILE): a TLS 1.2 client and nothing more.
 *
 *   key exchange   ECDHE-RSA, ECDHE-ECDSA; curves P-256 and X25519
 *   ciphers        AES-128/256-GCM, ChaCha20-Poly1305; SHA-256, SHA-384
 *   certificates   X.509 chain verification against the CA compiled into
 *                  the image (DER or PEM), the server's name checked
 *   also           MD5 (APOP, CRAM-MD5), SHA-256 for the store's digests
 *   entropy        MBEDTLS_ENTROPY_HARDWARE_ALT: the board's
 *                  mbedtls_hardware_poll() (test-only on the QEMU board)
 *   memory         allocations through lwIP's heap (altcp_tls sets
 *                  mbedtls_platform_set_calloc_free); records of at most
 *                  4 KB in (max_fragment_length negotiated, see main.c),
 *                  2 KB out
 *
 * No clock: certificate validity dates are not checked
 * (MBEDTLS_HAVE_TIME_DATE undefined). A product sets the time (SNTP or an
 * RTC) and defines MBEDTLS_HAVE_TIME, MBEDTLS_HAVE_TIME_DATE and
 * MBEDTLS_PLATFORM_GMTIME_R_ALT.
 */
#ifndef POP3_MBEDTLS_CONFIG_FW_H
#define POP3_MBEDTLS_CONFIG_FW_H

#define MBEDTLS_HAVE_ASM
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY
/* Until altcp_tls installs lwIP's heap (altcp_tls_create_config_client()),
 * an allocation stops the board instead of reaching newlib's malloc. */
#include <stddef.h>
void *board_no_calloc(size_t n, size_t size);
void board_no_free(void *p);
#define MBEDTLS_PLATFORM_STD_CALLOC board_no_calloc
#define MBEDTLS_PLATFORM_STD_FREE   board_no_free
#define MBEDTLS_NO_PLATFORM_ENTROPY
#define MBEDTLS_ENTROPY_HARDWARE_ALT
#define MBEDTLS_ENTROPY_C
#define MBEDTLS_CTR_DRBG_C

#define MBEDTLS_AES_C
#define MBEDTLS_AES_ROM_TABLES
#define MBEDTLS_AES_FEWER_TABLES
#define MBEDTLS_GCM_C
#define MBEDTLS_CHACHA20_C
#define MBEDTLS_POLY1305_C
#define MBEDTLS_CHACHAPOLY_C
#define MBEDTLS_CIPHER_C
#define MBEDTLS_MD_C
#define MBEDTLS_MD5_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA256_SMALLER
#define MBEDTLS_SHA512_C

#define MBEDTLS_BIGNUM_C
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_CURVE25519_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_ECP_WINDOW_SIZE 2
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 0
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V15
#define MBEDTLS_PKCS1_V21
#define MBEDTLS_OID_C
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_BASE64_C
#define MBEDTLS_PEM_PARSE_C
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C

#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
#define MBEDTLS_SSL_MAX_FRAGMENT_LENGTH
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
#define MBEDTLS_SSL_IN_CONTENT_LEN  4096
#define MBEDTLS_SSL_OUT_CONTENT_LEN 2048

/* FW_TLS_MIN (the POP3S-only image of make fw-bench): what a product that
 * talks to known servers can leave out: MD5 (no APOP/CRAM-MD5), RSA-PSS,
 * ChaCha20-Poly1305, SHA-384 suites, X25519, PEM (the CA in DER). */
#ifdef FW_TLS_MIN
#undef MBEDTLS_MD5_C
#undef MBEDTLS_PKCS1_V21
#undef MBEDTLS_CHACHA20_C
#undef MBEDTLS_POLY1305_C
#undef MBEDTLS_CHACHAPOLY_C
#undef MBEDTLS_SHA512_C
#undef MBEDTLS_ECP_DP_CURVE25519_ENABLED
#undef MBEDTLS_PEM_PARSE_C
#undef MBEDTLS_BASE64_C
#endif

#include "mbedtls/check_config.h"

#endif /* POP3_MBEDTLS_CONFIG_FW_H */
