/* SPDX-License-Identifier: MIT */
/* test_guards.c - guarantees that `make mutants` found unguarded: each test
 * here fails when the code that keeps its guarantee is removed or weakened
 * (the mutant named beside it in tests/mutants/mutants.py). Every transcript
 * goes through script_check(), so each holds for any split of the input.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "support/fixtures.h"

/* reply_dot_lf_ends_body: a body ends only at CRLF "." CRLF. A line that
 * is a dot and a bare LF is a stuffed dot followed by content. */
static void test_dot_then_bare_lf_does_not_end_a_body(void **state)
{
    (void)state;
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULE(LOGIN, NONE, "retr 1"), RULES_END};
    script_opts o = {.rules = rules};
    script_check(&o,
                 LOGIN_SRV "+OK\r\nSubject: x\r\n\r\na\r\n.\n+OK 1 octets\r\n.\r\n",
                 LOGIN_LOG "> retr 1 = OK\n"
                           "MSG_BEGIN cmd=RETR msg=1 ''\n"
                           "MSG_DATA msg=1 'Subject: x\\r\\n\\r\\na\\r\\n\\n+OK 1 octets\\r\\n'\n"
                           "MSG_END msg=1\n" SUM_TRANS,
                 LOGIN_SENT "RETR 1\r\n");
}

/* reply_line_one_too_long: a line buffer of N octets holds N-1 characters
 * and the NUL; a status line of N characters is LINE_TOO_LONG. */
static void test_status_line_as_long_as_the_buffer_is_too_long(void **state)
{
    (void)state;
    char srv[POP3_LINE_MIN + 8], line[POP3_LINE_MIN + 4];
    const size_t size = POP3_LINE_MIN;
    script_opts o = {.line_size = size};

    /* Exactly size-1 characters before the LF: fits. */
    memset(line, 'x', sizeof line);
    memcpy(line, "+OK ", 4);
    line[size - 1] = '\0';
    snprintf(srv, sizeof srv, "%s\n", line);
    {
        script *s = script_new(&o);
        script_feed_str(s, srv);
        assert_int_equal(pop3_client_state(&s->c), POP3_STATE_AUTHORIZATION);
        script_free(s);
    }
    /* size characters (no CR: the LF alone ends it): too long. */
    line[size - 1] = 'x';
    line[size] = '\0';
    snprintf(srv, sizeof srv, "%s\n", line);
    {
        script *s = script_new(&o);
        script_feed_str(s, srv);
        assert_int_equal(pop3_client_error(&s->c), POP3_ERR_LINE_TOO_LONG);
        script_free(s);
    }
}

/* reply_nul_in_line: a NUL inside a status line would cut the text short
 * for the application: a protocol error. */
static void test_nul_in_status_line_is_protocol_error(void **state)
{
    (void)state;
    static const char srv[] = "+OK a\0b\r\n";
    static const script_rule rules[] = {RULE(GREETING, NONE, "capa"), RULES_END};
    script_opts o = {.rules = rules};
    script *s = script_new(&o);

    script_feed_str(s, "+OK ready\r\n"); /* the CAPA leaves */
    script_feed(s, srv, sizeof srv - 1);
    assert_int_equal(pop3_client_error(&s->c), POP3_ERR_PROTOCOL);
    script_free(s);
}

/* stat_needs_one_number: "+OK count octets" - both numbers. */
static void test_stat_with_one_number_is_number_error(void **state)
{
    (void)state;
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULE(LOGIN, NONE, "stat"), RULES_END};
    script_opts o = {.rules = rules};
    script *s = script_new(&o);

    script_feed_str(s, LOGIN_SRV "+OK 2\r\n");
    assert_int_equal(pop3_client_error(&s->c), POP3_ERR_NUMBER);
    script_free(s);
}

/* number_overflow_wraps: a count beyond 32 bits, a size beyond 64 bits:
 * NUMBER, never a wrapped value. */
static void test_numbers_out_of_range_are_number_errors(void **state)
{
    (void)state;
    static const char *const bad[] = {"+OK 4294967296 10\r\n",
                                      "+OK 1 18446744073709551616\r\n"};
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULE(LOGIN, NONE, "stat"), RULES_END};
    script_opts o = {.rules = rules};

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        script *s = script_new(&o);
        script_feed_str(s, LOGIN_SRV);
        script_feed_str(s, bad[i]);
        assert_int_equal(pop3_client_error(&s->c), POP3_ERR_NUMBER);
        script_free(s);
    }
    {
        script *s = script_new(&o); /* the largest of each still fits */
        script_feed_str(s, LOGIN_SRV);
        script_feed_str(s, "+OK 4294967295 18446744073709551615\r\n");
        assert_int_equal(pop3_client_error(&s->c), POP3_OK);
        assert_contains(script_log(s, false), "STAT count=4294967295 size=18446744073709551615");
        script_free(s);
    }
}

/* stls_not_alone: even with PIPELINING, STLS waits until every earlier
 * reply is in, and nothing is written behind it before TLS. */
static void test_stls_waits_for_earlier_replies_under_pipelining(void **state)
{
    (void)state;
    static const script_rule rules[] = {RULE(GREETING, NONE, "capa"),
                                        RULE(END, CAPA, "capa; stls"), RULES_END};
    script_opts o = {.rules = rules};
    script *s = script_new(&o);

    script_feed_str(s, "+OK ready\r\n");
    script_feed_str(s, "+OK\r\nPIPELINING\r\nSTLS\r\n.\r\n");
    assert_string_equal(script_take_sent(s), "CAPA\r\nCAPA\r\n");
    script_feed_str(s, "+OK\r\nPIPELINING\r\nSTLS\r\n.\r\n");
    assert_string_equal(script_take_sent(s), "STLS\r\n");
    script_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dot_then_bare_lf_does_not_end_a_body),
        cmocka_unit_test(test_status_line_as_long_as_the_buffer_is_too_long),
        cmocka_unit_test(test_nul_in_status_line_is_protocol_error),
        cmocka_unit_test(test_stat_with_one_number_is_number_error),
        cmocka_unit_test(test_numbers_out_of_range_are_number_errors),
        cmocka_unit_test(test_stls_waits_for_earlier_replies_under_pipelining),
    };
    return cmocka_run_group_tests(tests, NULL, script_teardown);
}
