/* SPDX-License-Identifier: MIT */
/* test_auth.c - SASL encodings (src/core/pop3_auth.c) against published
 * vectors: RFC 4648 base64, RFC 4616 PLAIN, RFC 2195 CRAM-MD5 (and RFC 2104
 * HMAC-MD5 underneath), Google's XOAUTH2 example, the RFC 7628 OAUTHBEARER
 * format, the RFC 5034 initial-response and 255-octet rules, and the
 * mechanism preference of pop3_sasl_pick().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "pop3.h"
#include "pop3_auth.h"
#include "pop3_md5.h"

static void test_base64_rfc4648_vectors(void **state)
{
    (void)state;
    static const char *const v[][2] = {
        {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
    char out[16];
    uint8_t dec[16];
    size_t n;

    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        size_t len = strlen(v[i][0]);
        n = pop3_b64_encode(v[i][0], len, out, sizeof out);
        assert_int_equal(n, strlen(v[i][1]));
        assert_memory_equal(out, v[i][1], n);
        assert_int_equal(pop3_b64_len(len), strlen(v[i][1]));
        assert_int_equal(pop3_b64_decode(v[i][1], strlen(v[i][1]), dec, sizeof dec, &n), 0);
        assert_int_equal(n, len);
        assert_memory_equal(dec, v[i][0], len);
    }
    /* Too small a buffer: nothing half-written is reported as success. */
    assert_int_equal(pop3_b64_encode("foobar", 6, out, 7), 0);
}

static void test_base64_decode_refuses_malformed_input(void **state)
{
    (void)state;
    static const char *const bad[] = {"Zg=", "Zg", "Z===", "Zm9v====", "Zg==Zg==",
                                      "Zm 9", "Zm9\n", "Zh==", "Zm9=Yg==", "*abc"};
    uint8_t out[16];
    size_t n;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(pop3_b64_decode(bad[i], strlen(bad[i]), out, sizeof out, &n), -1);
    /* Output bound: "Zm9vYmFy" is 6 octets. */
    assert_int_equal(pop3_b64_decode("Zm9vYmFy", 8, out, 5, &n), -1);
}

static void test_hmac_md5_rfc2104_vector(void **state)
{
    (void)state;
    /* RFC 2104 appendix / RFC 2202 test case 2. */
    uint8_t d[POP3_MD5_LEN];
    char hex[2 * POP3_MD5_LEN + 1] = {0};
    assert_int_equal(pop3_md5_hmac("Jefe", 4, "what do ya want for nothing?", 28, d), 0);
    pop3_md5_hex(d, hex);
    assert_string_equal(hex, "750c783e6ab0b503eaa86e310a5db738");
    /* RFC 2202 test case 6: an 80-octet key is hashed first. */
    uint8_t key[80];
    memset(key, 0xaa, sizeof key);
    const char *msg = "Test Using Larger Than Block-Size Key - Hash Key First";
    assert_int_equal(pop3_md5_hmac(key, sizeof key, msg, strlen(msg), d), 0);
    pop3_md5_hex(d, hex);
    assert_string_equal(hex, "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd");
}

/* The AUTH line for mech with user/secret, NUL-terminated into buf. */
/* The AUTH line for a server named host:port (NULL / 0: not named). */
static const char *command_to(char *buf, size_t size, unsigned mech, const char *user,
                              const char *secret, const char *host, uint16_t port, int *ir)
{
    size_t n = pop3_auth_command((uint8_t *)buf, size - 1, mech, user, secret, host, port, ir);
    buf[n] = '\0';
    return buf;
}

static const char *command(char *buf, size_t size, unsigned mech, const char *user,
                           const char *secret, int *ir)
{
    return command_to(buf, size, mech, user, secret, NULL, 0, ir);
}

static const char *response(char *buf, size_t size, unsigned mech, unsigned step,
                            int ir, const char *user, const char *secret,
                            const char *challenge, int *secret_out)
{
    char ch[512];
    snprintf(ch, sizeof ch, "%s", challenge);
    size_t n = pop3_auth_response((uint8_t *)buf, size - 1, mech, step, ir, user,
                                  secret, NULL, 0, ch, secret_out);
    buf[n] = '\0';
    return buf;
}

static void test_plain_rfc4616_initial_response(void **state)
{
    (void)state;
    char buf[300];
    int ir;
    /* RFC 4616 sec. 4: authcid "tim", password "tanstaaftanstaaf". */
    assert_string_equal(command(buf, sizeof buf, POP3_SASL_PLAIN, "tim",
                                "tanstaaftanstaaf", &ir),
                        "AUTH PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm\r\n");
    assert_int_equal(ir, 1);
    assert_int_equal(pop3_auth_check(POP3_SASL_PLAIN, "tim", "tanstaaftanstaaf", NULL, 0, 255), POP3_OK);
}

static void test_initial_response_beyond_255_octets_waits_for_challenge(void **state)
{
    (void)state;
    /* RFC 5034 sec. 4: "AUTH PLAIN " + base64 + CRLF must fit 255 octets,
     * else the response follows the server's empty challenge. */
    char user[200], pass[200], buf[700];
    int ir, sec;
    memset(user, 'u', sizeof user - 1);
    user[sizeof user - 1] = '\0';
    memset(pass, 'p', sizeof pass - 1);
    pass[sizeof pass - 1] = '\0';
    assert_string_equal(command(buf, sizeof buf, POP3_SASL_PLAIN, user, pass, &ir),
                        "AUTH PLAIN\r\n");
    assert_int_equal(ir, 0);
    response(buf, sizeof buf, POP3_SASL_PLAIN, 0, 0, user, pass, "", &sec);
    assert_int_equal(strlen(buf), pop3_b64_len(1 + 199 + 1 + 199) + 2);
    assert_int_equal(sec, 1);
    /* The response must fit the caller's command buffer: 255 is too small. */
    assert_int_equal(pop3_auth_check(POP3_SASL_PLAIN, user, pass, NULL, 0, 255), POP3_ERR_ARG);
    assert_int_equal(pop3_auth_check(POP3_SASL_PLAIN, user, pass, NULL, 0, 600), POP3_OK);

    /* Boundary: "AUTH PLAIN " (11) + base64 + CRLF. A 177-octet user and
     * password "x" make 180 octets, 240 in base64: a 253-octet line. One
     * more octet makes 244 and 257: too long, so no initial response. */
    char u2[200];
    memset(u2, 'u', sizeof u2);
    u2[177] = '\0';
    command(buf, sizeof buf, POP3_SASL_PLAIN, u2, "x", &ir);
    assert_int_equal(ir, 1);
    assert_int_equal(strlen(buf), 253);
    u2[177] = 'u';
    u2[178] = '\0';
    assert_string_equal(command(buf, sizeof buf, POP3_SASL_PLAIN, u2, "x", &ir),
                        "AUTH PLAIN\r\n");
    assert_int_equal(ir, 0);
}

static void test_login_sends_user_then_password(void **state)
{
    (void)state;
    char buf[100];
    int ir, sec;
    assert_string_equal(command(buf, sizeof buf, POP3_SASL_LOGIN, "tim", "pw", &ir),
                        "AUTH LOGIN\r\n");
    assert_int_equal(ir, 0);
    assert_string_equal(response(buf, sizeof buf, POP3_SASL_LOGIN, 0, 0, "tim", "pw",
                                 "VXNlcm5hbWU6", &sec), "dGlt\r\n");
    assert_int_equal(sec, 0);
    assert_string_equal(response(buf, sizeof buf, POP3_SASL_LOGIN, 1, 0, "tim", "pw",
                                 "UGFzc3dvcmQ6", &sec), "cHc=\r\n");
    assert_int_equal(sec, 1);
    /* A third challenge is not part of LOGIN: cancel. */
    assert_string_equal(response(buf, sizeof buf, POP3_SASL_LOGIN, 2, 0, "tim", "pw",
                                 "", &sec), "*\r\n");
}

static void test_cram_md5_rfc2195_example(void **state)
{
    (void)state;
    char buf[100];
    int ir, sec;
    assert_string_equal(command(buf, sizeof buf, POP3_SASL_CRAM_MD5, "tim",
                                "tanstaaftanstaaf", &ir), "AUTH CRAM-MD5\r\n");
    /* RFC 2195 sec. 2: challenge <1896.697170952@postoffice.reston.mci.net>,
     * response "tim b913a602c7eda7a495b4e6e7334d3890". */
    assert_string_equal(
        response(buf, sizeof buf, POP3_SASL_CRAM_MD5, 0, 0, "tim", "tanstaaftanstaaf",
                 "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+", &sec),
        "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw\r\n");
    assert_int_equal(sec, 1);
    /* An empty or broken challenge cannot be answered: cancel. */
    assert_string_equal(response(buf, sizeof buf, POP3_SASL_CRAM_MD5, 0, 0, "tim",
                                 "x", "", &sec), "*\r\n");
    assert_string_equal(response(buf, sizeof buf, POP3_SASL_CRAM_MD5, 0, 0, "tim",
                                 "x", "not base64!", &sec), "*\r\n");
    assert_int_equal(sec, 0);
}

static void test_xoauth2_google_example(void **state)
{
    (void)state;
    char buf[300];
    int ir, sec;
    /* developers.google.com/gmail/imap/xoauth2-protocol, the SASL example. */
    assert_string_equal(
        command(buf, sizeof buf, POP3_SASL_XOAUTH2, "someuser@example.com",
                "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg", &ir),
        "AUTH XOAUTH2 dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRm"
        "dDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ==\r\n");
    assert_int_equal(ir, 1);
    /* An error arrives as a challenge; the client answers with an empty line. */
    assert_string_equal(response(buf, sizeof buf, POP3_SASL_XOAUTH2, 0, 1, "u", "t",
                                 "eyJzdGF0dXMiOiI0MDEifQ==", &sec), "\r\n");
    assert_int_equal(sec, 0);
    /* 0x01 in the token would end the key=value early. */
    assert_int_equal(pop3_auth_check(POP3_SASL_XOAUTH2, "u", "t\001auth=x", NULL, 0, 4096),
                     POP3_ERR_ARG);
}

static void test_oauthbearer_rfc7628_format(void **state)
{
    (void)state;
    char buf[300];
    uint8_t dec[300];
    size_t n;
    int ir, sec;
    /* RFC 7628 sec. 3.1: gs2 header "n,a=USER," then kvpairs separated by
     * 0x01, ending with two. Without a host and port, no such pairs. */
    command(buf, sizeof buf, POP3_SASL_OAUTHBEARER, "user@example.com",
            "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==", &ir);
    assert_int_equal(ir, 1);
    assert_memory_equal(buf, "AUTH OAUTHBEARER ", 17);
    const char *b64 = buf + 17;
    assert_int_equal(pop3_b64_decode(b64, strlen(b64) - 2, dec, sizeof dec, &n), 0);
    const char want[] = "n,a=user@example.com,\001auth=Bearer "
                        "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\001\001";
    assert_int_equal(n, sizeof want - 1);
    assert_memory_equal(dec, want, n);
    /* ',' and '=' in the name are escaped (RFC 5801 saslname). */
    command(buf, sizeof buf, POP3_SASL_OAUTHBEARER, "a=b,c", "tok", &ir);
    assert_string_equal(buf, "AUTH OAUTHBEARER bixhPWE9M0RiPTJDYywBYXV0aD1CZWFyZXIgdG9rAQE=\r\n");
    /* Failure: the server's JSON comes as a challenge; reply %x01. */
    assert_string_equal(response(buf, sizeof buf, POP3_SASL_OAUTHBEARER, 0, 1, "u", "t",
                                 "eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIn0=", &sec), "AQ==\r\n");
    assert_string_equal(response(buf, sizeof buf, POP3_SASL_OAUTHBEARER, 1, 1, "u", "t",
                                 "", &sec), "*\r\n");
}

/* Decodes the base64 of an AUTH line (from offset `at`) into dec. */
static size_t decode_line(const char *line, size_t at, uint8_t *dec, size_t cap)
{
    size_t n;
    assert_true(strlen(line) > at + 2);
    assert_int_equal(pop3_b64_decode(line + at, strlen(line) - at - 2, dec, cap, &n), 0);
    return n;
}

/* OAUTHBEARER for user "u", token "t" to host:port decodes to want. */
static void expect_oauthbearer(const char *host, uint16_t port, const char *want)
{
    char buf[400];
    uint8_t dec[400];
    int ir;
    size_t n = decode_line(command_to(buf, sizeof buf, POP3_SASL_OAUTHBEARER, "u", "t", host,
                                      port, &ir), 17, dec, sizeof dec);
    assert_int_equal(n, strlen(want));
    assert_memory_equal(dec, want, n);
}

static void test_oauthbearer_sends_host_and_port(void **state)
{
    (void)state;
    char buf[400];
    uint8_t dec[400];
    int ir, sec;
    /* RFC 7628 sec. 4.1's first example, byte for byte. */
    static const char want[] = "n,a=user@example.com,\001host=server.example.com\001port=143"
                               "\001auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\001\001";
    command_to(buf, sizeof buf, POP3_SASL_OAUTHBEARER, "user@example.com",
               "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==", "server.example.com", 143, &ir);
    assert_int_equal(ir, 1);
    assert_memory_equal(buf, "AUTH OAUTHBEARER ", 17);
    size_t n = decode_line(buf, 17, dec, sizeof dec);
    assert_int_equal(n, sizeof want - 1);
    assert_memory_equal(dec, want, n);
    /* Each pair alone; ports with 1 and 5 digits; an address as host. */
    expect_oauthbearer("::1", 0, "n,a=u,\001host=::1\001auth=Bearer t\001\001");
    expect_oauthbearer("", 65535, "n,a=u,\001port=65535\001auth=Bearer t\001\001");
    expect_oauthbearer("h", 9, "n,a=u,\001host=h\001port=9\001auth=Bearer t\001\001");
    static const char want_9[] = "n,a=u,\001host=h\001port=9\001auth=Bearer t\001\001";
    /* XOAUTH2 has no such pairs: the host changes nothing. */
    char other[400];
    command(other, sizeof other, POP3_SASL_XOAUTH2, "u", "t", &ir);
    assert_string_equal(command_to(buf, sizeof buf, POP3_SASL_XOAUTH2, "u", "t", "h", 9, &ir), other);
    /* A deferred initial response (after "+ ") carries them too. */
    size_t len = pop3_auth_response((uint8_t *)buf, sizeof buf - 1, POP3_SASL_OAUTHBEARER, 0, 0,
                                    "u", "t", "h", 9, (char[]){ "" }, &sec);
    buf[len] = '\0';
    assert_int_equal(sec, 1);
    n = decode_line(buf, 0, dec, sizeof dec);
    assert_int_equal(n, sizeof want_9 - 1);
    assert_memory_equal(dec, want_9, n);
}

static void test_oauthbearer_host_must_be_vchar(void **state)
{
    (void)state;
    char longhost[300];
    memset(longhost, 'a', sizeof longhost);
    longhost[255] = '\0';
    assert_int_equal(pop3_auth_check(POP3_SASL_OAUTHBEARER, "u", "t", longhost, 995, 4096),
                     POP3_OK);
    longhost[255] = 'a';
    longhost[256] = '\0';
    assert_int_equal(pop3_auth_check(POP3_SASL_OAUTHBEARER, "u", "t", longhost, 995, 4096),
                     POP3_ERR_ARG);
    /* RFC 7628: host = 1*VCHAR; a space, 0x01, CR/LF or non-ASCII would
     * break the pair or the line. */
    static const char *bad[] = { "a b", "a\001port=1", "a\r\nQUIT", "h\xc3\xa9", "a\tb" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(pop3_auth_check(POP3_SASL_OAUTHBEARER, "u", "t", bad[i], 110, 4096),
                         POP3_ERR_ARG);
    /* Other mechanisms never send it, so never refuse for it. */
    assert_int_equal(pop3_auth_check(POP3_SASL_XOAUTH2, "u", "t", "a b", 110, 4096), POP3_OK);
    /* The pairs count toward the command buffer. */
    memset(longhost, 'a', 255);
    longhost[255] = '\0';
    assert_int_equal(pop3_auth_check(POP3_SASL_OAUTHBEARER, "u", "t", NULL, 0, 60), POP3_OK);
    assert_int_equal(pop3_auth_check(POP3_SASL_OAUTHBEARER, "u", "t", longhost, 0, 60),
                     POP3_ERR_ARG);
}

static void test_check_refuses_bad_arguments(void **state)
{
    (void)state;
    assert_int_equal(pop3_auth_check(0, "u", "p", NULL, 0, 255), POP3_ERR_ARG);
    assert_int_equal(pop3_auth_check(POP3_SASL_PLAIN | POP3_SASL_LOGIN, "u", "p", NULL, 0, 255),
                     POP3_ERR_ARG);
    assert_int_equal(pop3_auth_check(POP3_SASL_PLAIN, "", "p", NULL, 0, 255), POP3_ERR_ARG);
    assert_int_equal(pop3_auth_check(POP3_SASL_PLAIN, "u", "", NULL, 0, 255), POP3_ERR_ARG);
    assert_int_equal(pop3_auth_check(POP3_SASL_LOGIN, "u\r\nQUIT", "p", NULL, 0, 255), POP3_ERR_ARG);
    assert_int_equal(pop3_auth_check(POP3_SASL_CRAM_MD5, "u", "p\n", NULL, 0, 255), POP3_ERR_ARG);
    assert_int_equal(pop3_auth_check(POP3_SASL_PLAIN, NULL, "p", NULL, 0, 255), POP3_ERR_ARG);
}

static void test_pick_prefers_strongest_and_keeps_plain_for_tls(void **state)
{
    (void)state;
    unsigned all = POP3_SASL_PLAIN | POP3_SASL_LOGIN | POP3_SASL_CRAM_MD5 |
                   POP3_SASL_XOAUTH2 | POP3_SASL_OAUTHBEARER;
    assert_int_equal(pop3_sasl_pick(all, false, false), POP3_SASL_CRAM_MD5);
    assert_int_equal(pop3_sasl_pick(all, false, true), POP3_SASL_CRAM_MD5);
    assert_int_equal(pop3_sasl_pick(POP3_SASL_PLAIN | POP3_SASL_LOGIN, false, false), 0);
    assert_int_equal(pop3_sasl_pick(POP3_SASL_PLAIN | POP3_SASL_LOGIN, false, true),
                     POP3_SASL_PLAIN);
    assert_int_equal(pop3_sasl_pick(POP3_SASL_LOGIN, false, true), POP3_SASL_LOGIN);
    assert_int_equal(pop3_sasl_pick(all, true, false), POP3_SASL_OAUTHBEARER);
    assert_int_equal(pop3_sasl_pick(POP3_SASL_XOAUTH2 | POP3_SASL_PLAIN, true, true),
                     POP3_SASL_XOAUTH2);
    assert_int_equal(pop3_sasl_pick(POP3_SASL_PLAIN, true, true), 0);
    assert_int_equal(pop3_sasl_from_name("cram-md5"), POP3_SASL_CRAM_MD5);
    assert_int_equal(pop3_sasl_from_name("PLAINX"), 0);
    assert_int_equal(pop3_sasl_from_name("PLAI"), 0);
    assert_string_equal(pop3_sasl_name(POP3_SASL_OAUTHBEARER), "OAUTHBEARER");
    assert_null(pop3_sasl_name(POP3_SASL_PLAIN | POP3_SASL_LOGIN));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base64_rfc4648_vectors),
        cmocka_unit_test(test_base64_decode_refuses_malformed_input),
        cmocka_unit_test(test_hmac_md5_rfc2104_vector),
        cmocka_unit_test(test_plain_rfc4616_initial_response),
        cmocka_unit_test(test_initial_response_beyond_255_octets_waits_for_challenge),
        cmocka_unit_test(test_login_sends_user_then_password),
        cmocka_unit_test(test_cram_md5_rfc2195_example),
        cmocka_unit_test(test_xoauth2_google_example),
        cmocka_unit_test(test_oauthbearer_rfc7628_format),
        cmocka_unit_test(test_oauthbearer_sends_host_and_port),
        cmocka_unit_test(test_oauthbearer_host_must_be_vchar),
        cmocka_unit_test(test_check_refuses_bad_arguments),
        cmocka_unit_test(test_pick_prefers_strongest_and_keeps_plain_for_tls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
