/* SPDX-License-Identifier: MIT */
/* test_sync.c - the engine keeps replies and commands in step: a reply is
 * matched only to a command whose last octet the transport took, a QUIT
 * that commits deletions waits until every earlier reply arrived and
 * matched, commands behind a failed login never leave, -ERR to QUIT ends
 * the session, shifted replies are caught by every check the protocol
 * allows, and a trickling server is cut off by the low-speed rule. The
 * transcripts run through the split checker (script_check).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/fixtures.h"

/* --- replies only to commands that left ------------------------------------ */

static void test_reply_before_the_command_left_is_unexpected(void **state)
{
    (void)state;
    /* The transport takes nothing: USER never left, so the "+OK" lines
     * answer nothing (a server that replies ahead, or an injector). */
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULES_END};
    script_opts o = {.rules = rules, .limit_sends = true, .send_budget = 0};
    script_check(&o, GREET "+OK\r\n+OK\r\n",
                 GREET_LOG "> login = OK\n"
                           "CLOSED err=UNEXPECTED\n" SUM_CLOSED("UNEXPECTED"),
                 "");
}

static void test_reply_to_a_partly_sent_command_is_unexpected(void **state)
{
    (void)state;
    /* USER left whole, PASS only its first two octets: the server can
     * answer USER, not PASS. */
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULES_END};
    script_opts o = {.rules = rules, .limit_sends = true,
                     .send_budget = (long)strlen("USER mrose\r\nPA")};
    script_check(&o, GREET "+OK\r\n+OK\r\n",
                 GREET_LOG "> login = OK\n"
                           "OK cmd=USER ''\n"
                           "CLOSED err=UNEXPECTED\n" SUM_CLOSED("UNEXPECTED"),
                 "USER mrose\r\nPA");
}

static void test_pipelined_replies_follow_what_left(void **state)
{
    (void)state;
    /* Three RETRs in one buffer, the transport takes the first two lines:
     * their replies are matched, the third's is not. */
    static const script_rule rules[] = {
        RULE(GREETING, NONE, "capa"), RULE(END, CAPA, "login"),
        RULE(LOGIN, NONE, "retr 1; retr 2; retr 3"), RULES_END};
    const char *sent = "CAPA\r\nUSER mrose\r\nPASS tanstaaf\r\nRETR 1\r\nRETR 2\r\n";
    script_opts o = {.rules = rules, .queue_len = 8, .limit_sends = true,
                     .send_budget = (long)strlen(sent),
                     .quiet = SCRIPT_BIT(POP3_EV_CAPA_LINE)};
    script_check(&o,
                 GREET "+OK\r\nPIPELINING\r\n.\r\n+OK\r\n+OK\r\n"
                       "+OK\r\na\r\n.\r\n+OK\r\nb\r\n.\r\n+OK\r\nc\r\n.\r\n",
                 GREET_LOG "> capa = OK\n"
                           "END cmd=CAPA\n"
                           "> login = OK\n"
                           "OK cmd=USER ''\n"
                           "LOGIN cmd=PASS\n"
                           "> retr 1 = OK\n> retr 2 = OK\n> retr 3 = OK\n"
                           "MSG_BEGIN cmd=RETR msg=1 ''\n"
                           "MSG_DATA msg=1 'a\\r\\n'\n"
                           "MSG_END msg=1\n"
                           "MSG_BEGIN cmd=RETR msg=2 ''\n"
                           "MSG_DATA msg=2 'b\\r\\n'\n"
                           "MSG_END msg=2\n"
                           "CLOSED err=UNEXPECTED\n" SUM_CLOSED("UNEXPECTED"),
                 sent);
}

static void test_stls_answer_before_stls_left_starts_no_tls(void **state)
{
    (void)state;
    /* The send-side twin of CVE-2011-0411: "+OK" to an STLS that never
     * left must not start TLS (no STLS event), the session ends. */
    static const script_rule rules[] = {RULE(GREETING, NONE, "stls"),
                                        RULES_END};
    script_opts o = {.rules = rules, .limit_sends = true, .send_budget = 3};
    script_check(&o, GREET "+OK Begin TLS\r\n",
                 GREET_LOG "> stls = OK\n"
                           "CLOSED err=UNEXPECTED\n" SUM_CLOSED("UNEXPECTED"),
                 "STL");
}

static void test_stray_reply_after_greeting_with_nothing_sent(void **state)
{
    (void)state;
    /* Nothing was queued at the greeting: a second line is unsolicited. */
    script_opts o = {0};
    script_check(&o, GREET "+OK stray\r\n",
                 GREET_LOG "CLOSED err=UNEXPECTED\n" SUM_CLOSED("UNEXPECTED"), "");
}

/* --- QUIT only after every reply matched ----------------------------------- */

static void test_quit_after_dele_waits_for_every_reply(void **state)
{
    (void)state;
    /* With PIPELINING, DELE and QUIT are queued together, but QUIT makes
     * the server commit: it is written only once the DELE's reply came
     * back and matched. Shown by what was sent when the input stops right
     * before that reply. */
    static const script_rule rules[] = {
        RULE(GREETING, NONE, "capa"), RULE(END, CAPA, "login"),
        RULE(LOGIN, NONE, "dele 1; quit"), RULES_END};
    script_opts o = {.rules = rules, .queue_len = 8,
                     .quiet = SCRIPT_BIT(POP3_EV_CAPA_LINE)};
    const char *head = GREET "+OK\r\nPIPELINING\r\n.\r\n+OK\r\n+OK\r\n";
    script_check(&o, head,
                 GREET_LOG "> capa = OK\nEND cmd=CAPA\n> login = OK\n"
                           "OK cmd=USER ''\nLOGIN cmd=PASS\n"
                           "> dele 1 = OK\n> quit = OK\n" SUM_TRANS,
                 "CAPA\r\n" LOGIN_SENT "DELE 1\r\n");
    char srv[512];
    snprintf(srv, sizeof srv, "%s+OK deleted\r\n+OK bye\r\n", head);
    script_check(&o, srv,
                 GREET_LOG "> capa = OK\nEND cmd=CAPA\n> login = OK\n"
                           "OK cmd=USER ''\nLOGIN cmd=PASS\n"
                           "> dele 1 = OK\n> quit = OK\n"
                           "OK cmd=DELE msg=1 'deleted'\n"
                           "OK cmd=QUIT 'bye'\n"
                           "CLOSED err=CLOSED\n" SUM_CLOSED("CLOSED"),
                 "CAPA\r\n" LOGIN_SENT "DELE 1\r\nQUIT\r\n");
}

static void test_quit_without_dele_stays_pipelined(void **state)
{
    (void)state;
    /* Nothing to commit: QUIT goes right behind STAT. */
    static const script_rule rules[] = {
        RULE(GREETING, NONE, "capa"), RULE(END, CAPA, "login"),
        RULE(LOGIN, NONE, "stat; quit"), RULES_END};
    script_opts o = {.rules = rules, .queue_len = 8,
                     .quiet = SCRIPT_BIT(POP3_EV_CAPA_LINE)};
    script_check(&o, GREET "+OK\r\nPIPELINING\r\n.\r\n+OK\r\n+OK\r\n",
                 GREET_LOG "> capa = OK\nEND cmd=CAPA\n> login = OK\n"
                           "OK cmd=USER ''\nLOGIN cmd=PASS\n"
                           "> stat = OK\n> quit = OK\n" SUM_TRANS,
                 "CAPA\r\n" LOGIN_SENT "STAT\r\nQUIT\r\n");
}

static void test_shifted_reply_before_quit_sends_no_quit(void **state)
{
    (void)state;
    /* RETR 1 is answered with a status line where the message should be
     * (an unsolicited line shifted the session): the session ends before
     * anything is stored and QUIT never leaves, so the server rolls the
     * DELE back (RFC 1939 sec. 6). */
    static const script_rule rules[] = {
        RULE(GREETING, NONE, "capa"), RULE(END, CAPA, "login"),
        RULE(LOGIN, NONE, "dele 2; retr 1; quit"), RULES_END};
    script_opts o = {.rules = rules, .queue_len = 8,
                     .quiet = SCRIPT_BIT(POP3_EV_CAPA_LINE)};
    script_check(&o,
                 GREET "+OK\r\nPIPELINING\r\n.\r\n+OK\r\n+OK\r\n"
                       "+OK\r\n+OK\r\n+OK 120 octets\r\nSubject: x\r\n\r\n.\r\n+OK\r\n",
                 GREET_LOG "> capa = OK\nEND cmd=CAPA\n> login = OK\n"
                           "OK cmd=USER ''\nLOGIN cmd=PASS\n"
                           "> dele 2 = OK\n> retr 1 = OK\n> quit = OK\n"
                           "OK cmd=DELE msg=2 ''\n"
                           "MSG_BEGIN cmd=RETR msg=1 ''\n"
                           "CLOSED err=UNEXPECTED\n" SUM_CLOSED("UNEXPECTED"),
                 "CAPA\r\n" LOGIN_SENT "DELE 2\r\nRETR 1\r\n");
}

/* --- -ERR to QUIT ------------------------------------------------------------ */

static void test_err_to_quit_ends_the_session(void **state)
{
    (void)state;
    /* RFC 1939 sec. 6: -ERR to QUIT in the UPDATE state means some
     * deletions were not committed. The session is over either way. */
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULE(LOGIN, NONE, "dele 1; quit"),
                                        RULES_END};
    script_opts o = {.rules = rules};
    script_check(&o, LOGIN_SRV "+OK\r\n-ERR [SYS/TEMP] some deleted messages not removed\r\n",
                 LOGIN_LOG "> dele 1 = OK\n> quit = OK\n"
                           "OK cmd=DELE msg=1 ''\n"
                           "ERR cmd=QUIT code=SYS/TEMP 'some deleted messages not removed'\n"
                           "CLOSED err=QUIT_REFUSED\n" SUM_CLOSED("QUIT_REFUSED"),
                 LOGIN_SENT "DELE 1\r\nQUIT\r\n");
}

/* --- shifted replies ------------------------------------------------------- */

static void test_status_line_inside_capa_list_is_a_shifted_reply(void **state)
{
    (void)state;
    /* A stray "+OK" taken as CAPA's answer makes CAPA's real status line
     * appear as a capability. */
    static const script_rule rules[] = {RULE(GREETING, NONE, "capa"),
                                        RULES_END};
    script_opts o = {.rules = rules};
    script_check(&o, GREET "+OK\r\n+OK Capability list follows\r\nUSER\r\n.\r\n",
                 GREET_LOG "> capa = OK\n"
                           "CLOSED err=UNEXPECTED\n" SUM_CLOSED("UNEXPECTED"),
                 "CAPA\r\n");
}

static void test_extra_ok_after_pass_shifts_stat_and_is_caught(void **state)
{
    (void)state;
    /* USER, PASS and STAT pipelined; an extra "+OK" after PASS's reply is
     * taken as STAT's, which must carry two numbers. */
    static const script_rule rules[] = {
        RULE(GREETING, NONE, "capa"), RULE(END, CAPA, "login; stat"),
        RULES_END};
    script_opts o = {.rules = rules, .queue_len = 8,
                     .quiet = SCRIPT_BIT(POP3_EV_CAPA_LINE)};
    script_check(&o,
                 GREET "+OK\r\nPIPELINING\r\n.\r\n+OK\r\n+OK logged in\r\n+OK\r\n+OK 2 320\r\n",
                 GREET_LOG "> capa = OK\nEND cmd=CAPA\n"
                           "> login = OK\n> stat = OK\n"
                           "OK cmd=USER ''\nLOGIN cmd=PASS\n"
                           "CLOSED err=NUMBER\n" SUM_CLOSED("NUMBER"),
                 "CAPA\r\n" LOGIN_SENT "STAT\r\n");
}

static void test_list_n_must_echo_the_number(void **state)
{
    (void)state;
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULE(LOGIN, NONE, "list 2"),
                                        RULES_END};
    script_opts o = {.rules = rules};
    script_check(&o, LOGIN_SRV "+OK 1 120\r\n",
                 LOGIN_LOG "> list 2 = OK\n"
                           "CLOSED err=PROTOCOL\n" SUM_CLOSED("PROTOCOL"),
                 LOGIN_SENT "LIST 2\r\n");
}

/* --- the low-speed rule ----------------------------------------------------- */

static script *trickle_session(uint32_t octets, uint32_t ms)
{
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULE(LOGIN, NONE, "retr 1"),
                                        RULES_END};
    script_opts o = {.rules = rules, .reply_timeout_ms = 5000,
                     .low_speed_octets = octets, .low_speed_ms = ms,
                     .quiet = SCRIPT_BIT(POP3_EV_MSG_DATA)};
    script *s = script_new(&o);
    pop3_client_tick(&s->c, 0);
    script_feed_str(s, LOGIN_SRV "+OK\r\n");
    return s;
}

static void test_trickling_body_is_cut_by_the_low_speed_rule(void **state)
{
    (void)state;
    /* One octet a second keeps the reply timer from firing (every octet
     * restarts it) but is far below 100 octets in 10 s. */
    script *s = trickle_session(100, 10000);
    uint32_t now = 0;
    for (int i = 0; i < 30 && pop3_client_state(&s->c) != POP3_STATE_CLOSED; i++) {
        now += 1000;
        pop3_client_tick(&s->c, now);
        script_feed_str(s, "x");
    }
    assert_int_equal(pop3_client_error(&s->c), POP3_ERR_TIMEOUT_SPEED);
    /* The first window ends at 10 s, with 9 octets in it. */
    assert_int_equal(now, 10000);
    assert_string_equal(script_sent(s), LOGIN_SENT "RETR 1\r\n");
    script_free(s);
}

static void test_fast_enough_body_is_not_cut(void **state)
{
    (void)state;
    /* 20 octets a second is above 100 octets in 10 s: the message ends. */
    script *s = trickle_session(100, 10000);
    uint32_t now = 0;
    for (int i = 0; i < 30; i++) {
        now += 1000;
        pop3_client_tick(&s->c, now);
        script_feed_str(s, "0123456789abcdefghi\n");
    }
    script_feed_str(s, "\r\n.\r\n");
    assert_int_equal(pop3_client_state(&s->c), POP3_STATE_TRANSACTION);
    assert_contains(script_log(s, true), "MSG_END msg=1\n");
    script_free(s);
}

static void test_silent_server_is_left_to_the_reply_timeout(void **state)
{
    (void)state;
    /* No octet at all is the reply timeout's case, not a low speed. */
    script *s = trickle_session(100, 10000);
    pop3_client_tick(&s->c, 4000);
    assert_int_equal(pop3_client_state(&s->c), POP3_STATE_TRANSACTION);
    pop3_client_tick(&s->c, 5000);
    assert_int_equal(pop3_client_error(&s->c), POP3_ERR_TIMEOUT_REPLY);
    script_free(s);
}

static void test_low_speed_rule_off_with_zero(void **state)
{
    (void)state;
    script *s = trickle_session(0, 10000);
    uint32_t now = 0;
    for (int i = 0; i < 30; i++) {
        now += 1000;
        pop3_client_tick(&s->c, now);
        script_feed_str(s, "x");
    }
    assert_int_equal(pop3_client_state(&s->c), POP3_STATE_TRANSACTION);
    script_free(s);
}

static void test_trickling_greeting_is_cut_too(void **state)
{
    (void)state;
    /* No greeting timeout: the rule alone ends the wait. */
    script_opts o = {.greeting_timeout_ms = 0, .low_speed_octets = 100,
                     .low_speed_ms = 10000};
    script *s = script_new(&o);
    uint32_t now = 0;
    pop3_client_tick(&s->c, now);
    for (int i = 0; i < 30 && pop3_client_state(&s->c) != POP3_STATE_CLOSED; i++) {
        now += 1000;
        pop3_client_tick(&s->c, now);
        script_feed_str(s, "+");
    }
    assert_int_equal(pop3_client_error(&s->c), POP3_ERR_TIMEOUT_SPEED);
    script_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reply_before_the_command_left_is_unexpected),
        cmocka_unit_test(test_reply_to_a_partly_sent_command_is_unexpected),
        cmocka_unit_test(test_pipelined_replies_follow_what_left),
        cmocka_unit_test(test_stls_answer_before_stls_left_starts_no_tls),
        cmocka_unit_test(test_stray_reply_after_greeting_with_nothing_sent),
        cmocka_unit_test(test_quit_after_dele_waits_for_every_reply),
        cmocka_unit_test(test_quit_without_dele_stays_pipelined),
        cmocka_unit_test(test_shifted_reply_before_quit_sends_no_quit),
        cmocka_unit_test(test_err_to_quit_ends_the_session),
        cmocka_unit_test(test_status_line_inside_capa_list_is_a_shifted_reply),
        cmocka_unit_test(test_extra_ok_after_pass_shifts_stat_and_is_caught),
        cmocka_unit_test(test_list_n_must_echo_the_number),
        cmocka_unit_test(test_trickling_body_is_cut_by_the_low_speed_rule),
        cmocka_unit_test(test_fast_enough_body_is_not_cut),
        cmocka_unit_test(test_silent_server_is_left_to_the_reply_timeout),
        cmocka_unit_test(test_low_speed_rule_off_with_zero),
        cmocka_unit_test(test_trickling_greeting_is_cut_too),
    };
    return cmocka_run_group_tests(tests, NULL, script_teardown);
}
