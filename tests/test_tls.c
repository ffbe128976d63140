/* SPDX-License-Identifier: MIT */
/* test_tls.c - the TLS decorator (src/transport/pop3_transport_tls.c)
 * against an in-process Mbed TLS server over in-memory pipes.
 *
 * A self-signed certificate for "localhost" (EC P-256) is made at test time.
 * The server speaks enough POP3 to log in, send one multi-record message
 * and QUIT. The client side is the real stack: pop3_client -> pop3_tls ->
 * an inner in-memory transport. Checked: POP3S and STLS sessions deliver
 * the message intact whatever size the ciphertext arrives in; while the
 * application pauses, the decorator keeps plaintext and consumes no more
 * ciphertext (back-pressure), and delivers the rest after the resume with
 * pop3_tls_input(t, NULL, 0); a wrong host name or an untrusted
 * certificate ends the session with POP3_ERR_TLS_VERIFY before any command.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl_ticket.h>
#include <mbedtls/version.h>
#include <mbedtls/x509_crt.h>

#include "pop3_tls.h"
#include "support/client_cfg.h"

#define PIPE_CAP (1u << 18)

typedef struct pipe {
    uint8_t *buf;
    size_t len;
} pipe_t;

static void pipe_put(pipe_t *p, const void *d, size_t n)
{
    assert_true(p->len + n <= PIPE_CAP);
    memcpy(p->buf + p->len, d, n);
    p->len += n;
}

static void pipe_take(pipe_t *p, size_t n)
{
    memmove(p->buf, p->buf + n, p->len - n);
    p->len -= n;
}

/* Shared test fixture: keys, certificate, RNG. */
static mbedtls_entropy_context entropy;
static mbedtls_ctr_drbg_context drbg;
static mbedtls_pk_context key;
static mbedtls_x509_crt cert;  /* localhost, self-signed */
static mbedtls_x509_crt other; /* another self-signed certificate */
static mbedtls_pk_context other_key;
/* subjectAltName DNS:localhost, IP:127.0.0.1, IP:::1 */
static mbedtls_x509_crt ipcert;
static mbedtls_pk_context ipcert_key;
/* CN=127.0.0.1 and a dNSName "127.0.0.1": the address as text only */
static mbedtls_x509_crt textip;
static mbedtls_pk_context textip_key;
#if defined(MBEDTLS_SSL_SESSION_TICKETS) && defined(MBEDTLS_SSL_TICKET_C)
#define TEST_TICKETS 1
static mbedtls_ssl_ticket_context tickets; /* the server issues tickets */
#endif

/* DER subjectAltName values (RFC 5280 sec. 4.2.1.6): dNSName is [2],
 * iPAddress [7] with the address in network order. */
static const unsigned char san_ip[] = {
    0x30, 0x23,
    0x82, 0x09, 'l', 'o', 'c', 'a', 'l', 'h', 'o', 's', 't',
    0x87, 0x04, 127, 0, 0, 1,
    0x87, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
};
static const unsigned char san_text_ip[] = {
    0x30, 0x0b, 0x82, 0x09, '1', '2', '7', '.', '0', '.', '0', '.', '1',
};

static void make_cert(mbedtls_pk_context *k, mbedtls_x509_crt *out, const char *cn,
                      const unsigned char *san, size_t san_len)
{
    mbedtls_x509write_cert w;
    mbedtls_mpi serial;
    unsigned char der[2048];
    int len;

    mbedtls_pk_init(k);
    assert_int_equal(mbedtls_pk_setup(k, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)), 0);
    assert_int_equal(mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(*k),
                                         mbedtls_ctr_drbg_random, &drbg), 0);
    mbedtls_x509write_crt_init(&w);
    mbedtls_mpi_init(&serial);
    mbedtls_x509write_crt_set_version(&w, MBEDTLS_X509_CRT_VERSION_3);
    mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
    mbedtls_x509write_crt_set_subject_key(&w, k);
    mbedtls_x509write_crt_set_issuer_key(&w, k);
    assert_int_equal(mbedtls_x509write_crt_set_subject_name(&w, cn), 0);
    assert_int_equal(mbedtls_x509write_crt_set_issuer_name(&w, cn), 0);
#if MBEDTLS_VERSION_NUMBER >= 0x03040000
    static unsigned char serial_raw[1] = { 7 };
    assert_int_equal(mbedtls_x509write_crt_set_serial_raw(&w, serial_raw, 1), 0);
#else
    assert_int_equal(mbedtls_mpi_lset(&serial, 7), 0);
    assert_int_equal(mbedtls_x509write_crt_set_serial(&w, &serial), 0);
#endif
    if (san != NULL)
        assert_int_equal(mbedtls_x509write_crt_set_extension(
                             &w, MBEDTLS_OID_SUBJECT_ALT_NAME,
                             MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), 0, san, san_len), 0);
    assert_int_equal(mbedtls_x509write_crt_set_validity(&w, "20200101000000", "20991231235959"), 0);
    assert_int_equal(mbedtls_x509write_crt_set_basic_constraints(&w, 1, 0), 0);
    len = mbedtls_x509write_crt_der(&w, der, sizeof der, mbedtls_ctr_drbg_random, &drbg);
    assert_true(len > 0);
    mbedtls_x509_crt_init(out);
    assert_int_equal(mbedtls_x509_crt_parse_der(out, der + sizeof der - len, (size_t)len), 0);
    mbedtls_x509write_crt_free(&w);
    mbedtls_mpi_free(&serial);
}

static int setup_pki(void **state)
{
    (void)state;
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    if (mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy,
                              (const unsigned char *)"test_tls", 8) != 0)
        return -1;
    make_cert(&key, &cert, "CN=localhost", NULL, 0);
    make_cert(&other_key, &other, "CN=localhost", NULL, 0);
    make_cert(&ipcert_key, &ipcert, "CN=localhost", san_ip, sizeof san_ip);
    make_cert(&textip_key, &textip, "CN=127.0.0.1", san_text_ip, sizeof san_text_ip);
#ifdef TEST_TICKETS
    mbedtls_ssl_ticket_init(&tickets);
    if (mbedtls_ssl_ticket_setup(&tickets, mbedtls_ctr_drbg_random, &drbg,
                                 MBEDTLS_CIPHER_AES_256_GCM, 3600) != 0)
        return -1;
#endif
    return 0;
}

static int teardown_pki(void **state)
{
    (void)state;
    mbedtls_x509_crt_free(&cert);
    mbedtls_x509_crt_free(&other);
    mbedtls_pk_free(&key);
    mbedtls_pk_free(&other_key);
    mbedtls_x509_crt_free(&ipcert);
    mbedtls_pk_free(&ipcert_key);
    mbedtls_x509_crt_free(&textip);
    mbedtls_pk_free(&textip_key);
#ifdef TEST_TICKETS
    mbedtls_ssl_ticket_free(&tickets);
#endif
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
    return 0;
}

/* ---- one session ------------------------------------------------------------ */

typedef struct session {
    /* client */
    pop3_client c;
    pop3_tls tls;
    pop3_transport inner;
    char line[1024];
    uint8_t cmd[1024];
    pop3_slot q[8];
    mbedtls_ssl_config ccfg;
    int stls;           /* STLS instead of POP3S */
    int pause;          /* pause after every MSG_DATA */
    int inner_closed;
    size_t inner_cap;    /* octets the inner transport takes per send (0: 700) */
    unsigned inner_full; /* every inner_full-th send finds it full (0: never) */
    unsigned inner_calls, inner_refused;
    int quiet;           /* no login on the greeting: the engine sends nothing */
    uint8_t *body;
    size_t body_len;
    pop3_err closed;
    int got_closed, tls_ready_events, sent_before_tls;
    /* server */
    mbedtls_ssl_config scfg;
    mbedtls_ssl_context srv;
    int srv_tls, srv_hs_done, srv_quit;
    int sni_calls;      /* server name indications received */
    char sni[256];
    char srv_line[512];
    size_t srv_line_len;
    pipe_t c2s, s2c;
} session;

static const char *msg_line = "Line of a long message, long enough to need many records.\r\n";
#define MSG_LINES 800

static long inner_send(void *ctx, const uint8_t *d, size_t n)
{
    session *s = ctx;
    size_t cap = s->inner_cap ? s->inner_cap : 700;
    if (s->inner_full && ++s->inner_calls % s->inner_full == 0) {
        s->inner_refused++;
        return 0; /* full: Mbed TLS is told WANT_WRITE */
    }
    if (n > cap)
        n = cap; /* a transport that takes part of what it is offered */
    pipe_put(&s->c2s, d, n);
    return (long)n;
}

static void inner_close(void *ctx)
{
    ((session *)ctx)->inner_closed++;
}

static int srv_send(void *ctx, const unsigned char *d, size_t n)
{
    pipe_put(&((session *)ctx)->s2c, d, n);
    return (int)n;
}

static int srv_recv(void *ctx, unsigned char *d, size_t n)
{
    session *s = ctx;
    if (s->c2s.len == 0)
        return MBEDTLS_ERR_SSL_WANT_READ;
    if (n > s->c2s.len)
        n = s->c2s.len;
    memcpy(d, s->c2s.buf, n);
    pipe_take(&s->c2s, n);
    return (int)n;
}

static void srv_write(session *s, const char *text)
{
    size_t n = strlen(text), off = 0;
    if (!s->srv_tls) {
        pipe_put(&s->s2c, text, n);
        return;
    }
    while (off < n) {
        int r = mbedtls_ssl_write(&s->srv, (const unsigned char *)text + off, n - off);
        assert_true(r > 0);
        off += (size_t)r;
    }
}

static void srv_command(session *s, const char *cmd)
{
    if (strncmp(cmd, "CAPA", 4) == 0) {
        srv_write(s, s->srv_tls ? "+OK\r\nUSER\r\n.\r\n" : "+OK\r\nSTLS\r\nUSER\r\n.\r\n");
    } else if (strncmp(cmd, "STLS", 4) == 0) {
        srv_write(s, "+OK begin TLS\r\n");
        s->srv_tls = 1; /* the handshake follows on the same connection */
    } else if (strncmp(cmd, "USER ", 5) == 0 || strncmp(cmd, "PASS ", 5) == 0) {
        if (!s->srv_tls)
            s->sent_before_tls = 1;
        srv_write(s, "+OK\r\n");
    } else if (strcmp(cmd, "RETR 1") == 0) {
        srv_write(s, "+OK message follows\r\n");
        for (int i = 0; i < MSG_LINES; i++)
            srv_write(s, msg_line);
        srv_write(s, ".\r\n");
    } else if (strcmp(cmd, "QUIT") == 0) {
        srv_write(s, "+OK bye\r\n");
        s->srv_quit = 1;
    } else {
        srv_write(s, "-ERR what\r\n");
    }
}

static void server_step(session *s)
{
    unsigned char tmp[512];
    int r;

    if (s->srv_tls && !s->srv_hs_done) {
        r = mbedtls_ssl_handshake(&s->srv);
        if (r == 0) {
            s->srv_hs_done = 1;
            if (!s->stls)
                srv_write(s, "+OK TLS POP3 ready\r\n");
        }
        return;
    }
    if (s->srv_tls) {
        r = mbedtls_ssl_read(&s->srv, tmp, sizeof tmp);
        if (r <= 0)
            return;
    } else {
        r = (int)(s->c2s.len < sizeof tmp ? s->c2s.len : sizeof tmp);
        /* In clear text read one line at most: after STLS comes TLS. */
        for (int i = 0; i < r; i++) {
            if (s->c2s.buf[i] == '\n') {
                r = i + 1;
                break;
            }
        }
        memcpy(tmp, s->c2s.buf, (size_t)r);
        pipe_take(&s->c2s, (size_t)r);
    }
    for (int i = 0; i < r; i++) {
        char ch = (char)tmp[i];
        if (ch == '\n') {
            s->srv_line[s->srv_line_len > 0 ? s->srv_line_len - 1 : 0] = '\0';
            srv_command(s, s->srv_line);
            s->srv_line_len = 0;
        } else if (s->srv_line_len + 1 < sizeof s->srv_line) {
            s->srv_line[s->srv_line_len++] = ch;
        }
    }
}

static void on_event(pop3_client *c, const pop3_event *ev, void *user)
{
    session *s = user;
    switch (ev->type) {
    case POP3_EV_GREETING:
        if (s->quiet)
            break;
        if (s->stls)
            assert_int_equal(pop3_client_stls(c), POP3_OK);
        else
            assert_int_equal(pop3_client_login(c, "tim", "secret", POP3_AUTH_USER), POP3_OK);
        break;
    case POP3_EV_STLS:
        pop3_tls_start(&s->tls);
        break;
    case POP3_EV_TLS_READY:
        s->tls_ready_events++;
        if (s->stls) {
            assert_int_equal(pop3_client_capa(c), POP3_OK);
            assert_int_equal(pop3_client_login(c, "tim", "secret", POP3_AUTH_USER), POP3_OK);
        }
        break;
    case POP3_EV_LOGIN:
        assert_int_equal(pop3_client_retr(c, 1), POP3_OK);
        break;
    case POP3_EV_MSG_DATA:
        memcpy(s->body + s->body_len, ev->text, ev->len);
        s->body_len += ev->len;
        if (s->pause)
            pop3_client_pause(c);
        break;
    case POP3_EV_MSG_END:
        assert_int_equal(pop3_client_quit(c), POP3_OK);
        break;
    case POP3_EV_CLOSED:
        s->got_closed = 1;
        s->closed = ev->err;
        break;
    default:
        break;
    }
}

/* The server records the SNI the client sent (RFC 6066 sec. 3). */
static int srv_sni(void *ctx, mbedtls_ssl_context *ssl, const unsigned char *name, size_t len)
{
    session *s = ctx;

    (void)ssl;
    s->sni_calls++;
    assert_true(len < sizeof s->sni);
    memcpy(s->sni, name, len);
    s->sni[len] = '\0';
    return 0;
}

/* A session whose server presents srv_crt (signed by itself). */
static session *session_with(int stls, int pause, const mbedtls_x509_crt *trust,
                             const char *host, mbedtls_x509_crt *srv_crt,
                             mbedtls_pk_context *srv_key)
{
    session *s = calloc(1, sizeof *s);
    pop3_client_config cfg;

    assert_non_null(s);
    s->c2s.buf = malloc(PIPE_CAP);
    s->s2c.buf = malloc(PIPE_CAP);
    s->body = malloc(PIPE_CAP);
    s->stls = stls;
    s->pause = pause;
    /* client config: verification required */
    mbedtls_ssl_config_init(&s->ccfg);
    assert_int_equal(mbedtls_ssl_config_defaults(&s->ccfg, MBEDTLS_SSL_IS_CLIENT,
                                                 MBEDTLS_SSL_TRANSPORT_STREAM,
                                                 MBEDTLS_SSL_PRESET_DEFAULT), 0);
    mbedtls_ssl_conf_rng(&s->ccfg, mbedtls_ctr_drbg_random, &drbg);
    mbedtls_ssl_conf_authmode(&s->ccfg, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_ca_chain(&s->ccfg, (mbedtls_x509_crt *)trust, NULL);
    /* server */
    mbedtls_ssl_config_init(&s->scfg);
    assert_int_equal(mbedtls_ssl_config_defaults(&s->scfg, MBEDTLS_SSL_IS_SERVER,
                                                 MBEDTLS_SSL_TRANSPORT_STREAM,
                                                 MBEDTLS_SSL_PRESET_DEFAULT), 0);
    mbedtls_ssl_conf_rng(&s->scfg, mbedtls_ctr_drbg_random, &drbg);
    assert_int_equal(mbedtls_ssl_conf_own_cert(&s->scfg, srv_crt, srv_key), 0);
    mbedtls_ssl_conf_sni(&s->scfg, srv_sni, s);
#ifdef TEST_TICKETS
    mbedtls_ssl_conf_session_tickets_cb(&s->scfg, mbedtls_ssl_ticket_write,
                                        mbedtls_ssl_ticket_parse, &tickets);
#endif
    mbedtls_ssl_init(&s->srv);
    assert_int_equal(mbedtls_ssl_setup(&s->srv, &s->scfg), 0);
    mbedtls_ssl_set_bio(&s->srv, s, srv_send, srv_recv, NULL);
    s->srv_tls = !stls;
    if (stls)
        srv_write(s, "+OK clear POP3 ready\r\n");
    /* client stack */
    s->inner.send = inner_send;
    s->inner.close = inner_close;
    s->inner.ctx = s;
    assert_int_equal(pop3_tls_init(&s->tls, &s->c, &s->inner, &s->ccfg, host, !stls), POP3_OK);
    client_cfg(&cfg, pop3_tls_transport(&s->tls), on_event, s, s->line, sizeof s->line, s->cmd,
               sizeof s->cmd, s->q, 8);
    assert_int_equal(pop3_client_init(&s->c, &cfg), POP3_OK);
    pop3_client_connected(&s->c);
    return s;
}

static session *session_new(int stls, int pause, const mbedtls_x509_crt *trust,
                            const char *host)
{
    return session_with(stls, pause, trust, host, &cert, &key);
}

static void session_free(session *s)
{
    pop3_tls_free(&s->tls);
    pop3_client_free(&s->c);
    mbedtls_ssl_free(&s->srv);
    mbedtls_ssl_config_free(&s->scfg);
    mbedtls_ssl_config_free(&s->ccfg);
    free(s->c2s.buf);
    free(s->s2c.buf);
    free(s->body);
    free(s);
}

/* Runs the session, pushing ciphertext in pieces of at most `chunk`
 * octets. Returns how many pushes were only partly consumed. */
static unsigned run(session *s, size_t chunk)
{
    unsigned short_pushes = 0;

    for (int iter = 0; iter < 200000 && pop3_client_state(&s->c) != POP3_STATE_CLOSED; iter++) {
        server_step(s);
        if (pop3_tls_want_write(&s->tls) || pop3_client_want_write(&s->c))
            pop3_tls_writable(&s->tls);
        if (pop3_client_paused(&s->c)) {
            /* Paused: new ciphertext is not taken, nothing is lost. */
            if (s->s2c.len > 0) {
                size_t before = s->body_len;
                assert_int_equal(pop3_tls_input(&s->tls, s->s2c.buf, s->s2c.len), 0);
                assert_int_equal(s->body_len, before);
                short_pushes++;
            }
            pop3_client_resume(&s->c);
            if (pop3_tls_pending(&s->tls))
                (void)pop3_tls_input(&s->tls, NULL, 0);
            continue;
        }
        if (s->s2c.len > 0) {
            size_t n = s->s2c.len < chunk ? s->s2c.len : chunk;
            size_t used = pop3_tls_input(&s->tls, s->s2c.buf, n);
            assert_true(used <= n);
            if (used < n)
                short_pushes++;
            pipe_take(&s->s2c, used);
        }
    }
    return short_pushes;
}

static void check_message(const session *s)
{
    size_t l = strlen(msg_line);
    assert_int_equal(s->body_len, l * MSG_LINES);
    for (size_t i = 0; i < MSG_LINES; i++)
        assert_memory_equal(s->body + i * l, msg_line, l);
}

static void test_pop3s_session_in_any_ciphertext_split(void **state)
{
    (void)state;
    static const size_t chunks[] = {1, 5, 13, 512, 4096, PIPE_CAP};
    for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
        session *s = session_new(0, 0, &cert, "localhost");
        run(s, chunks[i]);
        assert_true(s->got_closed);
        assert_int_equal(s->closed, POP3_ERR_CLOSED);
        assert_int_equal(s->tls_ready_events, 1);
        assert_true(pop3_tls_verify_result(&s->tls) == 0);
        check_message(s);
        assert_int_equal(s->inner_closed, 1);
        session_free(s);
    }
}

static void test_paused_engine_holds_plaintext_and_ciphertext(void **state)
{
    (void)state;
    /* The application pauses after every body slice: the decorator must
     * stop taking ciphertext (partial pushes) and lose nothing. */
    static const size_t chunks[] = {7, 3000, PIPE_CAP};
    for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
        session *s = session_new(0, 1, &cert, "localhost");
        unsigned short_pushes = run(s, chunks[i]);
        assert_int_equal(s->closed, POP3_ERR_CLOSED);
        check_message(s);
        assert_true(short_pushes > 0);
        session_free(s);
    }
}

static void test_stls_switches_in_place(void **state)
{
    (void)state;
    static const size_t chunks[] = {1, 100, PIPE_CAP};
    for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
        session *s = session_new(1, 0, &cert, "localhost");
        run(s, chunks[i]);
        assert_int_equal(s->closed, POP3_ERR_CLOSED);
        assert_int_equal(s->tls_ready_events, 1);
        assert_false(s->sent_before_tls);
        check_message(s);
        session_free(s);
    }
}

static void test_wrong_host_or_untrusted_certificate_fails_verification(void **state)
{
    (void)state;
    session *s = session_new(0, 0, &cert, "mail.example.org");
    run(s, 4096);
    assert_int_equal(s->closed, POP3_ERR_TLS_VERIFY);
    assert_true(pop3_tls_verify_result(&s->tls) & MBEDTLS_X509_BADCERT_CN_MISMATCH);
    assert_int_equal(s->body_len, 0);
    assert_int_equal(s->inner_closed, 1);
    session_free(s);

    s = session_new(1, 0, &other, "localhost");
    run(s, 4096);
    assert_int_equal(s->closed, POP3_ERR_TLS_VERIFY);
    assert_true(pop3_tls_verify_result(&s->tls) & MBEDTLS_X509_BADCERT_NOT_TRUSTED);
    assert_false(s->sent_before_tls);
    session_free(s);
}

static void test_peer_closing_during_handshake_is_a_tls_error(void **state)
{
    (void)state;
    session *s = session_new(0, 0, &cert, "localhost");
    pop3_tls_writable(&s->tls); /* ClientHello */
    assert_true(s->c2s.len > 0);
    pop3_tls_eof(&s->tls);
    assert_int_equal(s->closed, POP3_ERR_TLS);
    /* Garbage instead of a ServerHello is a TLS error too. */
    session *g = session_new(0, 0, &cert, "localhost");
    pop3_tls_writable(&g->tls);
    const char junk[] = "+OK I do not speak TLS\r\n";
    assert_int_equal(pop3_tls_input(&g->tls, junk, sizeof junk - 1), sizeof junk - 1);
    assert_int_equal(g->closed, POP3_ERR_TLS);
    assert_true(pop3_tls_last_error(&g->tls) < 0);
    session_free(s);
    session_free(g);
}

#if MBEDTLS_VERSION_NUMBER >= 0x03000000 && defined(MBEDTLS_PSA_CRYPTO_C)
#include <psa/crypto.h>
/* Mbed TLS 3.x: pop3_tls_init() initialises PSA crypto, which TLS 1.3 and
 * MBEDTLS_USE_PSA_CRYPTO builds need before a handshake. main() runs it
 * in a group of its own before every other test: no handshake may have
 * initialised PSA crypto already. */
static void test_init_starts_psa_crypto(void **state)
{
    (void)state;
    unsigned char b[4];
    if (psa_generate_random(b, sizeof b) != PSA_ERROR_BAD_STATE)
        fail_msg("PSA crypto already initialised: this test must run first");
    session *s = session_new(0, 0, &cert, "localhost");
    assert_int_equal(psa_generate_random(b, sizeof b), PSA_SUCCESS);
    session_free(s);
}
#endif

static void test_host_name_is_sent_as_sni(void **state)
{
    (void)state;
    session *s = session_new(0, 0, &cert, "localhost");
    run(s, 4096);
    assert_int_equal(s->closed, POP3_ERR_CLOSED);
    assert_int_equal(s->sni_calls, 1);
    assert_string_equal(s->sni, "localhost");
    session_free(s);
}

/* RFC 6066 sec. 3: no IP address in SNI. An address is checked against the
 * certificate's iPAddress entries only (RFC 6125 sec. 6.2.1). */
static void test_ip_address_is_no_sni_and_matches_ip_san(void **state)
{
    (void)state;
    static const char *good[] = { "127.0.0.1", "::1", "0:0:0:0:0:0:0:1", "0::0:1" };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        for (int stls = 0; stls <= 1; stls++) {
            session *s = session_with(stls, 0, &ipcert, good[i], &ipcert, &ipcert_key);
            run(s, 512);
            assert_int_equal(s->closed, POP3_ERR_CLOSED);
            assert_int_equal(pop3_tls_verify_result(&s->tls), 0);
            check_message(s);
            assert_int_equal(s->sni_calls, 0);
            session_free(s);
        }
    }
}

static void test_ip_address_not_in_certificate_is_refused(void **state)
{
    (void)state;
    /* Other addresses, malformed ones, and the right address written in a
     * dNSName or the CN instead of an iPAddress entry. */
    static const struct { const char *host; int text_cert; } bad[] = {
        { "127.0.0.2", 0 }, { "::2", 0 }, { "::ffff:127.0.0.1", 0 }, { "127.0.0.01", 0 },
        { "127.0.0.1.", 0 }, { "127.1", 0 }, { "1::2::3", 0 }, { "[::1]", 0 },
        { "::1%lo", 0 }, { "1:2:3:4:5:6:7:8:9", 0 }, { "12345::1", 0 }, { "127.0.0.1", 1 },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mbedtls_x509_crt *crt = bad[i].text_cert ? &textip : &ipcert;
        mbedtls_pk_context *k = bad[i].text_cert ? &textip_key : &ipcert_key;
        session *s = session_with(0, 0, crt, bad[i].host, crt, k);
        run(s, 4096);
        if (s->closed != POP3_ERR_TLS_VERIFY)
            fail_msg("%s: closed with %d", bad[i].host, (int)s->closed);
        assert_true(pop3_tls_verify_result(&s->tls) & MBEDTLS_X509_BADCERT_CN_MISMATCH);
        assert_int_equal(s->sni_calls, 0);
        assert_int_equal(s->body_len, 0);
        session_free(s);
    }
}

/* An application's own verify callback on the config still runs, after
 * the address check, and sees its flag. */
static int app_verify_calls;
static uint32_t app_verify_leaf_flags;
static int app_verify(void *p, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
    (void)p;
    (void)crt;
    app_verify_calls++;
    if (depth == 0)
        app_verify_leaf_flags = *flags;
    return 0;
}

static void test_ip_check_keeps_the_application_verify_callback(void **state)
{
    (void)state;
    session *s = session_with(0, 0, &ipcert, "127.0.0.2", &ipcert, &ipcert_key);
    mbedtls_ssl_conf_verify(&s->ccfg, app_verify, NULL);
    app_verify_calls = 0;
    run(s, 4096);
    assert_int_equal(s->closed, POP3_ERR_TLS_VERIFY);
    assert_true(app_verify_calls > 0);
    assert_true(app_verify_leaf_flags & MBEDTLS_X509_BADCERT_CN_MISMATCH);
    session_free(s);
}

#if defined(MBEDTLS_SSL_PROTO_TLS1_3) && defined(TEST_TICKETS) && \
    MBEDTLS_VERSION_NUMBER >= 0x03060100
/* TLS 1.3: with ticket signalling on, handshake/read return
 * MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET; that is no error. */
static void test_tls13_new_session_tickets_do_not_end_the_session(void **state)
{
    (void)state;
    static const size_t chunks[] = {1, 77, PIPE_CAP};
    for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
        for (int stls = 0; stls <= 1; stls++) {
            session *s = session_new(stls, 0, &cert, "localhost");
            mbedtls_ssl_conf_tls13_enable_signal_new_session_tickets(
                &s->ccfg, MBEDTLS_SSL_TLS1_3_SIGNAL_NEW_SESSION_TICKETS_ENABLED);
            run(s, chunks[i]);
            assert_int_equal(s->closed, POP3_ERR_CLOSED);
            assert_int_equal(mbedtls_ssl_get_version_number(&s->tls.ssl),
                             MBEDTLS_SSL_VERSION_TLS1_3);
            check_message(s);
            session_free(s);
        }
    }
}
#define TLS13_TESTS cmocka_unit_test(test_tls13_new_session_tickets_do_not_end_the_session),
#else
#define TLS13_TESTS /* Mbed TLS 2.28: no TLS 1.3; make tls36-check runs it */
#endif

/* ---- the write side -------------------------------------------------------- */

/* The server's side of the close: the client's close_notify must be there. */
static void expect_close_notify(session *s)
{
    unsigned char tmp[64];
    int r;

    do {
        r = mbedtls_ssl_read(&s->srv, tmp, sizeof tmp);
    } while (r > 0);
    assert_int_equal(r, MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY);
}

static void test_inner_transport_full_and_one_octet_at_a_time(void **state)
{
    (void)state;
    static const struct { size_t cap; unsigned full; } kinds[] = {
        {1, 0}, {1, 3}, {700, 2}, {13, 5}, {700, 0}
    };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        for (int stls = 0; stls <= 1; stls++) {
            session *s = session_new(stls, 0, &cert, "localhost");
            s->inner_cap = kinds[i].cap;
            s->inner_full = kinds[i].full;
            run(s, 4096);
            assert_int_equal(s->closed, POP3_ERR_CLOSED);
            check_message(s);
            if (kinds[i].full)
                assert_true(s->inner_refused > 0); /* WANT_WRITE happened */
            assert_int_equal(s->inner_closed, 1);
            if (kinds[i].cap >= 64 && !kinds[i].full)
                expect_close_notify(s); /* best effort: whole only if taken whole */
            session_free(s);
        }
    }
}

/* Up to the handshake only (POP3S): the greeting is left unread, so the
 * engine sends nothing of its own. */
static void handshake_only(session *s)
{
    for (int i = 0; i < 100000 && s->tls_ready_events == 0; i++) {
        server_step(s);
        if (pop3_tls_want_write(&s->tls))
            pop3_tls_writable(&s->tls);
        if (s->s2c.len > 0 && s->tls_ready_events == 0)
            pipe_take(&s->s2c, pop3_tls_input(&s->tls, s->s2c.buf, s->s2c.len));
    }
    assert_int_equal(s->tls_ready_events, 1);
}

static void test_long_write_is_split_into_records_and_never_resent(void **state)
{
    (void)state;
    enum { LEN = 5000 };
    static uint8_t data[LEN], got[LEN + 64];
    for (size_t i = 0; i < LEN; i++)
        data[i] = (uint8_t)('a' + i % 26);
    static const unsigned fulls[] = {0, 2, 3};
    for (size_t k = 0; k < sizeof fulls / sizeof fulls[0]; k++) {
        unsigned full = fulls[k];
        session *s = session_new(0, 0, &cert, "localhost");
        const pop3_transport *tr = pop3_tls_transport(&s->tls);
        size_t off = 0, n = 0, reads = 0, biggest = 0;
        unsigned not_now = 0, held = 0;

        s->quiet = 1;
        handshake_only(s);
        s->inner_full = full;
        s->s2c.len = 0; /* the unread greeting */
        for (int guard = 0; off < LEN; guard++) {
            assert_true(guard < 100000);
            long r = tr->send(tr->ctx, data + off, LEN - off);
            assert_true(r >= 0);
            assert_true((size_t)r <= POP3_TLS_WRITE_CHUNK);
            if (r == 0) {
                /* Not now: a record waits; writable() pushes it. */
                assert_true(pop3_tls_want_write(&s->tls));
                not_now++;
                pop3_tls_writable(&s->tls);
            }
            /* Taken but still held in Mbed TLS (WANT_WRITE): never
             * offered again, pushed out by writable(). */
            held += r > 0 && pop3_tls_want_write(&s->tls);
            off += (size_t)r;
        }
        for (int i = 0; i < 100 && pop3_tls_want_write(&s->tls); i++)
            pop3_tls_writable(&s->tls);
        assert_false(pop3_tls_want_write(&s->tls));
        for (;;) {
            int r = mbedtls_ssl_read(&s->srv, got + n, sizeof got - n);
            if (r <= 0)
                break;
            reads++;
            if ((size_t)r > biggest)
                biggest = (size_t)r;
            n += (size_t)r;
        }
        /* Every octet once, in order, in records of at most the chunk. */
        assert_int_equal(n, LEN);
        assert_memory_equal(got, data, LEN);
        assert_true(biggest <= POP3_TLS_WRITE_CHUNK);
        assert_true(reads >= (LEN + POP3_TLS_WRITE_CHUNK - 1) / POP3_TLS_WRITE_CHUNK);
        if (full)
            assert_true(s->inner_refused > 0);
        if (full)
            assert_true(held + not_now > 0);
        /* Closing sends close_notify and closes the inner transport once. */
        s->inner_full = 0;
        tr->close(tr->ctx);
        assert_int_equal(s->inner_closed, 1);
        expect_close_notify(s);
        assert_int_equal(tr->send(tr->ctx, data, 10), -1); /* dead */
        tr->close(tr->ctx);
        assert_int_equal(s->inner_closed, 1);
        session_free(s);
    }
}

static void test_close_with_a_full_inner_transport_still_closes(void **state)
{
    (void)state;
    session *s = session_new(0, 0, &cert, "localhost");
    const pop3_transport *tr = pop3_tls_transport(&s->tls);

    handshake_only(s);
    s->inner_full = 1; /* every send: full */
    tr->close(tr->ctx);
    assert_int_equal(s->inner_closed, 1);
    assert_true(s->inner_refused > 0); /* close_notify was tried */
    session_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inner_transport_full_and_one_octet_at_a_time),
        cmocka_unit_test(test_long_write_is_split_into_records_and_never_resent),
        cmocka_unit_test(test_close_with_a_full_inner_transport_still_closes),
        cmocka_unit_test(test_pop3s_session_in_any_ciphertext_split),
        cmocka_unit_test(test_paused_engine_holds_plaintext_and_ciphertext),
        cmocka_unit_test(test_stls_switches_in_place),
        cmocka_unit_test(test_wrong_host_or_untrusted_certificate_fails_verification),
        cmocka_unit_test(test_peer_closing_during_handshake_is_a_tls_error),
        cmocka_unit_test(test_host_name_is_sent_as_sni),
        cmocka_unit_test(test_ip_address_is_no_sni_and_matches_ip_san),
        cmocka_unit_test(test_ip_address_not_in_certificate_is_refused),
        cmocka_unit_test(test_ip_check_keeps_the_application_verify_callback),
        TLS13_TESTS
    };
    int failed = 0;
#if MBEDTLS_VERSION_NUMBER >= 0x03000000 && defined(MBEDTLS_PSA_CRYPTO_C)
    const struct CMUnitTest first[] = { cmocka_unit_test(test_init_starts_psa_crypto) };
    failed = cmocka_run_group_tests_name("before any handshake", first, setup_pki, teardown_pki);
#endif
    return failed | cmocka_run_group_tests(tests, setup_pki, teardown_pki);
}
