/* SPDX-License-Identifier: MIT */
/* test_stls_auth.c - STLS (RFC 2595) and SASL AUTH (RFC 5034) sessions of
 * pop3_client over the in-memory transport. Transcripts run through the
 * split checker, so "+ " continuations, the STLS silence rule and the
 * injected-octets refusal hold for every split of the input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/fixtures.h"

#define PLAIN_IR "AG1yb3NlAHRhbnN0YWFm" /* \0mrose\0tanstaaf */

static bool buf_has(const uint8_t *buf, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(buf + i, needle, k) == 0)
            return true;
    return false;
}

/* --- AUTH ------------------------------------------------------------------ */

static void test_auth_plain_with_initial_response(void **state)
{
    (void)state;
    static const script_rule rules[] = {RULE(GREETING, NONE, "auth_plain"), RULES_END};
    script_opts o = {.rules = rules};
    script *s = script_check_keep(&o, GREET "+OK Logged in.\r\n",
                                  strlen(GREET "+OK Logged in.\r\n"),
                                  GREET_LOG "> auth_plain = OK\n"
                                            "LOGIN cmd=AUTH\n" SUM_TRANS,
                                  "AUTH PLAIN " PLAIN_IR "\r\n");
    /* The response was in the command buffer; no copy of it stays. */
    assert_contains(script_sent(s), PLAIN_IR);
    assert_false(buf_has(s->cmd_buf, s->cfg.cmd_size, PLAIN_IR));
    script_free(s);
    /* Same when the transport takes one octet at a time. */
    o.max_chunk = 1;
    s = script_check_keep(&o, GREET "+OK\r\n", strlen(GREET "+OK\r\n"), NULL,
                          "AUTH PLAIN " PLAIN_IR "\r\n");
    assert_false(buf_has(s->cmd_buf, s->cfg.cmd_size, PLAIN_IR));
    script_free(s);
}

static void test_auth_plain_long_response_after_empty_challenge(void **state)
{
    (void)state;
    /* RFC 5034 sec. 4: an initial response that would make the AUTH line
     * longer than 255 octets is sent after the server's "+ ". */
    static char user[200];
    memset(user, 'u', sizeof user - 1);
    static const script_rule rules[] = {RULE(GREETING, NONE, "auth_plain"), RULES_END};
    script_opts o = {.rules = rules, .user = user, .cmd_size = 1024};
    script *s = script_check_keep(&o, GREET "+ \r\n+OK\r\n",
                                  strlen(GREET "+ \r\n+OK\r\n"), NULL, NULL);
    const char *sent = script_sent(s);
    assert_memory_equal(sent, "AUTH PLAIN\r\n", 12);
    assert_int_equal(strlen(sent), 12 + (1 + 199 + 1 + 8 + 2) / 3 * 4 + 2);
    assert_contains(script_log(s, true), "LOGIN cmd=AUTH\n" SUM_TRANS);
    script_free(s);
    /* With a bare "+" (no space) too. */
    s = script_check_keep(&o, GREET "+\r\n+OK\r\n", strlen(GREET "+\r\n+OK\r\n"), NULL, NULL);
    assert_int_equal(strlen(script_sent(s)), 12 + 280 + 2);
    script_free(s);
}

static void test_auth_login_answers_two_challenges(void **state)
{
    (void)state;
    static const script_rule rules[] = {RULE(GREETING, NONE, "auth_login"), RULES_END};
    script_opts o = {.rules = rules};
    script_check(&o, GREET "+ VXNlcm5hbWU6\r\n+ UGFzc3dvcmQ6\r\n+OK\r\n",
                 GREET_LOG "> auth_login = OK\nLOGIN cmd=AUTH\n" SUM_TRANS,
                 "AUTH LOGIN\r\nbXJvc2U=\r\ndGFuc3RhYWY=\r\n");
}

static void test_nothing_is_pipelined_behind_auth(void **state)
{
    (void)state;
    /* A STAT queued behind AUTH waits for the end of the exchange even with
     * PIPELINING: anything written before it would be read as a SASL
     * response. */
    static const script_rule rules[] = {RULE(GREETING, NONE, "capa"),
                                        RULE(END, CAPA, "auth_login; stat"), RULES_END};
    script_opts o = {.rules = rules, .quiet = SCRIPT_BIT(POP3_EV_CAPA_LINE)};
    script *s = script_new(&o);
    script_feed_str(s, GREET "+OK\r\nPIPELINING\r\nSASL LOGIN\r\n.\r\n");
    assert_true(pop3_client_pipelining(&s->c));
    assert_string_equal(script_take_sent(s), "CAPA\r\nAUTH LOGIN\r\n");
    script_feed_str(s, "+ VXNlcm5hbWU6\r\n+ UGFzc3dvcmQ6\r\n");
    assert_string_equal(script_take_sent(s), "bXJvc2U=\r\ndGFuc3RhYWY=\r\n");
    script_feed_str(s, "+OK\r\n");
    assert_string_equal(script_take_sent(s), "STAT\r\n");
    script_feed_str(s, "+OK 0 0\r\n");
    assert_contains(script_log(s, true), "LOGIN cmd=AUTH\nSTAT count=0 size=0\n" SUM_TRANS);
    script_free(s);
}

static void test_auth_cram_md5_rfc2195(void **state)
{
    (void)state;
    static const script_rule rules[] = {RULE(GREETING, NONE, "auth_cram-md5"), RULES_END};
    script_opts o = {.rules = rules, .user = "tim", .pass = "tanstaaftanstaaf"};
    script_check(&o,
                 GREET "+ PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n"
                       "+OK tim's maildrop\r\n",
                 GREET_LOG "> auth_cram-md5 = OK\nLOGIN cmd=AUTH\n" SUM_TRANS,
                 "AUTH CRAM-MD5\r\ndGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw\r\n");
}

static void test_auth_xoauth2_failure_gives_server_text_and_code(void **state)
{
    (void)state;
    /* The server explains the failure in a challenge; the client replies
     * with an empty line and the -ERR follows with its [AUTH] code. */
    static const script_rule rules[] = {RULE(GREETING, NONE, "auth_xoauth2"),
                                        RULE(SERVER_ERR, AUTH, "login"), RULES_END};
    script_opts o = {.rules = rules};
    script_check(&o,
                 GREET "+ eyJzdGF0dXMiOiI0MDEifQ==\r\n-ERR [AUTH] token expired\r\n"
                       "+OK\r\n+OK\r\n",
                 GREET_LOG "> auth_xoauth2 = OK\n"
                           "ERR cmd=AUTH code=AUTH 'token expired'\n"
                           "> login = OK\n"
                           "OK cmd=USER ''\n"
                           "LOGIN cmd=PASS\n" SUM_TRANS,
                 "AUTH XOAUTH2 dXNlcj1tcm9zZQFhdXRoPUJlYXJlciB0YW5zdGFhZgEB\r\n"
                 "\r\n" LOGIN_SENT);
}

static void test_auth_oauthbearer_failure_sends_kvsep(void **state)
{
    (void)state;
    static const script_rule rules[] = {RULE(GREETING, NONE, "auth_oauthbearer"),
                                        RULES_END};
    script_opts o = {.rules = rules};
    script_check(&o,
                 GREET "+ eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIn0=\r\n"
                       "-ERR [SYS/TEMP] try later\r\n",
                 GREET_LOG "> auth_oauthbearer = OK\n"
                           "ERR cmd=AUTH code=SYS/TEMP 'try later'\n" SUM_AUTH,
                 "AUTH OAUTHBEARER bixhPW1yb3NlLAFhdXRoPUJlYXJlciB0YW5zdGFhZgEB\r\n"
                 "AQ==\r\n");
}

/* RFC 7628 sec. 3.1 and its examples: the server named in the config goes
 * into the host= and port= pairs, on the AUTH line or after "+ ". */
static void test_auth_oauthbearer_names_the_configured_server(void **state)
{
    (void)state;
    static const script_rule rules[] = {RULE(GREETING, NONE, "auth_oauthbearer"),
                                        RULES_END};
    /* base64("n,a=mrose,\1host=pop.example.org\1port=995\1auth=Bearer tanstaaf\1\1") */
    static const char *ir = "bixhPW1yb3NlLAFob3N0PXBvcC5leGFtcGxlLm9yZwFwb3J0PTk5NQFhdXRo"
                            "PUJlYXJlciB0YW5zdGFhZgEB";
    char want[256];
    script_opts o = {.rules = rules, .host = "pop.example.org", .port = 995};
    snprintf(want, sizeof want, "AUTH OAUTHBEARER %s\r\n", ir);
    script_check(&o, GREET "+OK Logged in.\r\n",
                 GREET_LOG "> auth_oauthbearer = OK\nLOGIN cmd=AUTH\n" SUM_TRANS, want);
    /* A token too long for the AUTH line: the message follows "+ ". */
    static char token[300];
    memset(token, 't', sizeof token - 1);
    o.pass = token;
    o.cmd_size = 1024;
    script *s = script_check_keep(&o, GREET "+ \r\n+OK\r\n", strlen(GREET "+ \r\n+OK\r\n"),
                                  NULL, NULL);
    const char *sent = script_sent(s);
    assert_memory_equal(sent, "AUTH OAUTHBEARER\r\n", 18);
    /* The first 50 base64 characters: "n,a=mrose,\1host=pop.example.org\1port=" */
    assert_memory_equal(sent + 18, "bixhPW1yb3NlLAFob3N0PXBvcC5leGFtcGxlLm9yZwFwb3J0PT", 50);
    script_free(s);
    /* A host with a space is refused before anything is sent. */
    o.host = "pop example";
    o.pass = NULL;
    o.cmd_size = 0;
    script_check(&o, GREET, GREET_LOG "> auth_oauthbearer = ARG\n" SUM_AUTH, "");
}

static void test_unexpected_challenges_are_cancelled_then_cut_off(void **state)
{
    (void)state;
    /* PLAIN sent its response on the AUTH line: a challenge after that is
     * cancelled with "*"; a server that keeps challenging is cut off. */
    static const script_rule rules[] = {RULE(GREETING, NONE, "auth_plain"), RULES_END};
    script_opts o = {.rules = rules};
    script_check(&o, GREET "+ \r\n-ERR [AUTH] cancelled\r\n",
                 GREET_LOG "> auth_plain = OK\n"
                           "ERR cmd=AUTH code=AUTH 'cancelled'\n" SUM_AUTH,
                 "AUTH PLAIN " PLAIN_IR "\r\n*\r\n");
    const char *nine = GREET "+ \r\n+ \r\n+ \r\n+ \r\n+ \r\n+ \r\n+ \r\n+ \r\n+ \r\n";
    script *s = script_check_keep(&o, nine, strlen(nine), NULL, NULL);
    assert_contains(script_log(s, true), "CLOSED err=PROTOCOL\n");
    assert_contains(script_sent(s), "*\r\n*\r\n*\r\n*\r\n*\r\n*\r\n*\r\n*\r\n");
    script_free(s);
}

static void test_continuation_without_auth_is_a_protocol_error(void **state)
{
    (void)state;
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"), RULES_END};
    script_opts o = {.rules = rules};
    script_check(&o, GREET "+ VXNlcm5hbWU6\r\n",
                 GREET_LOG "> login = OK\nCLOSED err=PROTOCOL\n" SUM_CLOSED("PROTOCOL"),
                 "USER mrose\r\n");
}

static void test_auth_argument_rules(void **state)
{
    (void)state;
    /* Unknown mechanism, CR/LF, login under way, wrong state: nothing sent. */
    static const script_rule rules[] = {
        RULE(GREETING, NONE, "auth_foo; auth_plain; auth_login; login; stls"),
        RULES_END};
    script_opts o = {.rules = rules};
    script_check(&o, GREET "+OK\r\n",
                 GREET_LOG "> auth_foo = ARG\n> auth_plain = OK\n"
                           "> auth_login = STATE\n> login = STATE\n> stls = STATE\n"
                           "LOGIN cmd=AUTH\n" SUM_TRANS,
                 "AUTH PLAIN " PLAIN_IR "\r\n");
    script_opts o2 = {.rules = rules, .user = "mrose\r\nQUIT"};
    script *s = script_new(&o2);
    script_feed_str(s, GREET);
    assert_contains(script_log(s, false), "> auth_plain = ARG\n> auth_login = ARG\n"
                                          "> login = ARG\n> stls = OK\n");
    assert_string_equal(script_sent(s), "STLS\r\n");
    script_free(s);
}

/* --- STLS ------------------------------------------------------------------ */

static void test_stls_ok_then_silence_until_tls_ready(void **state)
{
    (void)state;
    static const script_rule rules[] = {
        RULE(GREETING, NONE, "capa"),
        RULE(END, CAPA, "stls; login; capa"),
        RULE(STLS, NONE, "capa; login"),
        RULE(TLS_READY, NONE, "capa"),
        RULE(END, CAPA, "auth_plain"),
        RULES_END};
    script_opts o = {.rules = rules};
    script *s = script_new(&o);
    script_feed_str(s, GREET "+OK\r\nSTLS\r\nSASL PLAIN\r\nPIPELINING\r\n.\r\n");
    assert_true(pop3_client_capa_flags(&s->c) & POP3_CAPA_STLS);
    assert_string_equal(script_take_sent(s), "CAPA\r\nSTLS\r\n");
    script_feed_str(s, "+OK Begin TLS negotiation now.\r\n");
    /* Nothing may go out before the handshake; nothing can be queued. */
    assert_string_equal(script_take_sent(s), "");
    assert_false(pop3_client_tls_active(&s->c));
    assert_int_equal(pop3_client_login(&s->c, "a", "b", POP3_AUTH_USER), POP3_ERR_STATE);
    pop3_client_tls_ready(&s->c);
    assert_true(pop3_client_tls_active(&s->c));
    /* RFC 2595 sec. 4: capabilities from before TLS are forgotten. */
    assert_int_equal(pop3_client_capa_flags(&s->c), 0);
    assert_false(pop3_client_pipelining(&s->c));
    assert_string_equal(script_take_sent(s), "CAPA\r\n");
    script_feed_str(s, "+OK\r\nSASL PLAIN\r\n.\r\n+OK\r\n");
    assert_string_equal(script_take_sent(s), "AUTH PLAIN " PLAIN_IR "\r\n");
    assert_string_equal(script_log(s, true),
                        GREET_LOG "> capa = OK\n"
                        "CAPA_LINE 'STLS'\nCAPA_LINE 'SASL PLAIN'\nCAPA_LINE 'PIPELINING'\n"
                        "END cmd=CAPA\n"
                        "> stls = OK\n> login = STATE\n> capa = STATE\n"
                        "STLS 'Begin TLS negotiation now.'\n"
                        "> capa = STATE\n> login = STATE\n"
                        "TLS_READY\n> capa = OK\n"
                        "CAPA_LINE 'SASL PLAIN'\nEND cmd=CAPA\n"
                        "> auth_plain = OK\nLOGIN cmd=AUTH\n" SUM_TRANS);
    /* STLS only once per session. */
    script_free(s);
}

static void test_octets_after_stls_ok_are_refused(void **state)
{
    (void)state;
    /* A man in the middle (or a broken server) that sends anything after
     * +OK before the handshake must not have it read as a reply. */
    static const script_rule rules[] = {RULE(GREETING, NONE, "stls"), RULES_END};
    script_opts o = {.rules = rules};
    script_check(&o, GREET "+OK begin TLS\r\n+OK injected\r\n",
                 GREET_LOG "> stls = OK\nSTLS 'begin TLS'\n"
                           "CLOSED err=STLS_DATA\n" SUM_CLOSED("STLS_DATA"),
                 "STLS\r\n");
    script_check(&o, GREET "+OK begin TLS\r\n",
                 GREET_LOG "> stls = OK\nSTLS 'begin TLS'\n" SUM_AUTH, "STLS\r\n");
}

static void test_stls_err_stays_in_clear_and_allows_login(void **state)
{
    (void)state;
    static const script_rule rules[] = {RULE(GREETING, NONE, "stls"),
                                        RULE(SERVER_ERR, STLS, "login"), RULES_END};
    script_opts o = {.rules = rules};
    script_check(&o, GREET "-ERR TLS not available\r\n+OK\r\n+OK\r\n",
                 GREET_LOG "> stls = OK\nERR cmd=STLS 'TLS not available'\n"
                           "> login = OK\nOK cmd=USER ''\nLOGIN cmd=PASS\n" SUM_TRANS,
                 "STLS\r\n" LOGIN_SENT);
}

static void test_stls_not_allowed_after_login_or_twice(void **state)
{
    (void)state;
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULE(LOGIN, NONE, "stls"), RULES_END};
    script_opts o = {.rules = rules};
    script_check(&o, LOGIN_SRV, LOGIN_LOG "> stls = STATE\n" SUM_TRANS, LOGIN_SENT);

    static const script_rule r2[] = {RULE(GREETING, NONE, "stls; stls"), RULES_END};
    script_opts o2 = {.rules = r2};
    script *s = script_new(&o2);
    script_feed_str(s, GREET "+OK\r\n");
    pop3_client_tls_ready(&s->c);
    assert_int_equal(pop3_client_stls(&s->c), POP3_ERR_STATE);
    assert_contains(script_log(s, false), "> stls = OK\n> stls = STATE\n");
    script_free(s);
}

static void test_stalled_handshake_hits_reply_timeout(void **state)
{
    (void)state;
    static const script_rule rules[] = {RULE(GREETING, NONE, "stls"), RULES_END};
    script_opts o = {.rules = rules, .reply_timeout_ms = 1000, .idle_timeout_ms = 600000};
    script *s = script_new(&o);
    script_feed_str(s, GREET "+OK\r\n");
    pop3_client_tick(&s->c, 0);
    pop3_client_tick(&s->c, 999);
    assert_int_equal(pop3_client_state(&s->c), POP3_STATE_AUTHORIZATION);
    pop3_client_tick(&s->c, 1000);
    assert_int_equal(pop3_client_error(&s->c), POP3_ERR_TIMEOUT_REPLY);
    script_free(s);
}

static void test_implicit_tls_ready_before_greeting(void **state)
{
    (void)state;
    /* POP3S: the TLS layer reports the handshake before the greeting. */
    script_opts o = {0};
    script *s = script_new(&o);
    pop3_client_tls_ready(&s->c);
    assert_true(pop3_client_tls_active(&s->c));
    script_feed_str(s, GREET);
    assert_string_equal(script_log(s, true), "TLS_READY\n" GREET_LOG SUM_AUTH);
    assert_int_equal(pop3_client_stls(&s->c), POP3_ERR_STATE);
    script_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_auth_plain_with_initial_response),
        cmocka_unit_test(test_auth_plain_long_response_after_empty_challenge),
        cmocka_unit_test(test_auth_login_answers_two_challenges),
        cmocka_unit_test(test_nothing_is_pipelined_behind_auth),
        cmocka_unit_test(test_auth_cram_md5_rfc2195),
        cmocka_unit_test(test_auth_xoauth2_failure_gives_server_text_and_code),
        cmocka_unit_test(test_auth_oauthbearer_failure_sends_kvsep),
        cmocka_unit_test(test_auth_oauthbearer_names_the_configured_server),
        cmocka_unit_test(test_unexpected_challenges_are_cancelled_then_cut_off),
        cmocka_unit_test(test_continuation_without_auth_is_a_protocol_error),
        cmocka_unit_test(test_auth_argument_rules),
        cmocka_unit_test(test_stls_ok_then_silence_until_tls_ready),
        cmocka_unit_test(test_octets_after_stls_ok_are_refused),
        cmocka_unit_test(test_stls_err_stays_in_clear_and_allows_login),
        cmocka_unit_test(test_stls_not_allowed_after_login_or_twice),
        cmocka_unit_test(test_stalled_handshake_hits_reply_timeout),
        cmocka_unit_test(test_implicit_tls_ready_before_greeting),
    };
    return cmocka_run_group_tests(tests, NULL, script_teardown);
}
