/* SPDX-License-Identifier: MIT */
/* test_lean.c - the engine built with POP3_LEAN=1 (pop3_config_defaults.h).
 *
 * Compiled together with the sources of src/core and -DPOP3_LEAN=1, without src/md5
 * and without Mbed TLS: the lean build must link without MD5. Checks that
 * what it keeps works as in the full build (over the split-invariance
 * harness), and that every left-out feature answers POP3_ERR_UNSUPPORTED
 * with nothing queued or sent.
 */
#include <string.h>

#include "support/fixtures.h"

#if !POP3_LEAN || POP3_SASL || POP3_STLS || POP3_APOP || POP3_CAPA ||        \
    POP3_UIDL_TOP || POP3_RESP_CODES
#error "test_lean.c must be built with -DPOP3_LEAN=1 and nothing else"
#endif

/* Without APOP the greeting's timestamp is not looked at: count stays 0. */
#define LEAN_GREET_LOG "GREETING count=0 'POP3 server ready " TS "'\n"

static void test_fetch_and_delete_session(void **state)
{
    (void)state;
    static const script_rule rules[] = {
        RULE(GREETING, NONE, "login; stat"),
        RULE(STAT, NONE, "list 1; retr 1; dele 1; quit"), RULES_END};
    script_opts o = {.rules = rules, .queue_len = 8};
    script_check(&o,
                 GREET "+OK hi\r\n+OK in\r\n+OK 1 12\r\n+OK 1 12\r\n"
                       "+OK 12 octets\r\n..dot\r\nline\r\n.\r\n"
                       "+OK deleted\r\n+OK bye\r\n",
                 LEAN_GREET_LOG "> login = OK\n"
                                "> stat = OK\n"
                                "OK cmd=USER 'hi'\n"
                                "LOGIN cmd=PASS\n"
                                "STAT count=1 size=12\n"
                                "> list 1 = OK\n"
                                "> retr 1 = OK\n"
                                "> dele 1 = OK\n"
                                "> quit = OK\n"
                                "LIST msg=1 size=12\n"
                                "MSG_BEGIN cmd=RETR msg=1 '12 octets'\n"
                                "MSG_DATA msg=1 '.dot\\r\\nline\\r\\n'\n"
                                "MSG_END msg=1\n"
                                "OK cmd=DELE msg=1 'deleted'\n"
                                "OK cmd=QUIT 'bye'\n"
                                "CLOSED err=CLOSED\n" SUM_CLOSED("CLOSED"),
                 LOGIN_SENT "STAT\r\nLIST 1\r\nRETR 1\r\nDELE 1\r\nQUIT\r\n");
}

static void test_left_out_features_are_unsupported(void **state)
{
    (void)state;
    /* Nothing is queued or sent for any of them; USER/PASS still works. */
    static const script_rule rules[] = {
        RULE(GREETING, NONE, "capa; stls; apop; auth_plain; login"),
        RULE(LOGIN, NONE, "uidl; uidl 1; top 1 0; list"), RULES_END};
    script_opts o = {.rules = rules};
    script_check(&o, GREET "+OK\r\n+OK\r\n+OK 1 messages\r\n1 5\r\n.\r\n",
                 LEAN_GREET_LOG "> capa = UNSUPPORTED\n"
                                "> stls = UNSUPPORTED\n"
                                "> apop = UNSUPPORTED\n"
                                "> auth_plain = UNSUPPORTED\n"
                                "> login = OK\n"
                                "OK cmd=USER ''\n"
                                "LOGIN cmd=PASS\n"
                                "> uidl = UNSUPPORTED\n"
                                "> uidl 1 = UNSUPPORTED\n"
                                "> top 1 0 = UNSUPPORTED\n"
                                "> list = OK\n"
                                "LIST msg=1 size=5\n"
                                "END cmd=LIST\n" SUM_TRANS,
                 LOGIN_SENT "LIST\r\n");
    assert_int_equal(pop3_client_capa_flags(NULL), 0);
}

static void test_response_codes_stay_in_the_text(void **state)
{
    (void)state;
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"), RULES_END};
    script_opts o = {.rules = rules};
    script_check(&o, GREET "+OK\r\n-ERR [IN-USE] locked\r\n",
                 LEAN_GREET_LOG "> login = OK\n"
                                "OK cmd=USER ''\n"
                                "ERR cmd=PASS '[IN-USE] locked'\n" SUM_AUTH,
                 LOGIN_SENT);
}

static void test_sasl_continuation_is_a_protocol_error(void **state)
{
    (void)state;
    /* No AUTH can be outstanding, so a "+ " line is malformed. */
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"), RULES_END};
    script_opts o = {.rules = rules};
    script_check(&o, GREET "+ \r\n",
                 LEAN_GREET_LOG "> login = OK\n"
                                "CLOSED err=PROTOCOL\n" SUM_CLOSED("PROTOCOL"),
                 "USER mrose\r\n");
}

static void test_one_command_on_the_wire_at_a_time(void **state)
{
    (void)state;
    /* No CAPA, so no PIPELINING: each command waits for the reply before
     * it, even when many are queued. */
    static const script_rule rules[] = {
        RULE(GREETING, NONE, "login; noop; noop"), RULES_END};
    script_opts o = {.rules = rules};
    script *s = script_new(&o);
    script_feed_str(s, GREET);
    assert_string_equal(script_take_sent(s), "USER mrose\r\n");
    script_feed_str(s, "+OK\r\n");
    assert_string_equal(script_take_sent(s), "PASS tanstaaf\r\n");
    script_feed_str(s, "+OK\r\n");
    assert_string_equal(script_take_sent(s), "NOOP\r\n");
    script_feed_str(s, "+OK\r\n");
    assert_string_equal(script_take_sent(s), "NOOP\r\n");
    script_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fetch_and_delete_session),
        cmocka_unit_test(test_left_out_features_are_unsupported),
        cmocka_unit_test(test_response_codes_stay_in_the_text),
        cmocka_unit_test(test_sasl_continuation_is_a_protocol_error),
        cmocka_unit_test(test_one_command_on_the_wire_at_a_time),
    };
    return cmocka_run_group_tests(tests, NULL, script_teardown);
}
