/* SPDX-License-Identifier: MIT */
/* test_client.c - sessions of pop3_client over the in-memory transport:
 * login methods, every command and its reply, server errors, pipelining,
 * a misbehaving transport, timeouts, end of stream, back-pressure and the
 * wiping of credentials. Every transcript runs through the split checker
 * (script_check), so each expectation also holds for any split of the input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/fixtures.h"

/* --- login ---------------------------------------------------------------- */

static void test_user_pass_login_sends_user_then_pass(void **state)
{
    (void)state;
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULES_END};
    script_opts o = {.rules = rules};
    script_check(&o, LOGIN_SRV, LOGIN_LOG SUM_TRANS, LOGIN_SENT);
}

static void test_apop_login_sends_rfc1939_digest(void **state)
{
    (void)state;
    /* RFC 1939 sec. 7: MD5("<1896.697170952@dbc.mtview.ca.us>tanstaaf"). */
    static const script_rule rules[] = {RULE(GREETING, NONE, "apop"),
                                        RULES_END};
    script_opts o = {.rules = rules};
    script_check(&o, GREET "+OK maildrop has 1 message (369 octets)\r\n",
                 GREET_LOG "> apop = OK\n"
                           "LOGIN cmd=APOP\n" SUM_TRANS,
                 "APOP mrose " APOP_DIGEST "\r\n");
}

static void test_apop_without_timestamp_is_unavailable(void **state)
{
    (void)state;
    /* Nothing may be sent: the application falls back to USER/PASS. */
    static const script_rule rules[] = {RULE(GREETING, NONE, "apop; login"),
                                        RULES_END};
    script_opts o = {.rules = rules};
    script_check(&o, "+OK POP3 server ready\r\n+OK\r\n+OK\r\n",
                 "GREETING count=0 'POP3 server ready'\n"
                 "> apop = APOP_UNAVAILABLE\n"
                 "> login = OK\n"
                 "OK cmd=USER ''\n"
                 "LOGIN cmd=PASS\n" SUM_TRANS,
                 LOGIN_SENT);
}

static void test_apop_after_greeting_callback_is_unavailable(void **state)
{
    (void)state;
    /* pop3.h: the timestamp is released once the greeting callback returns,
     * so a later APOP can't be built from it. */
    static const script_rule rules[] = {RULE(GREETING, NONE, "capa"),
                                        RULE(END, CAPA, "apop"), RULES_END};
    script_opts o = {.rules = rules};
    script_check(&o, GREET "+OK\r\nUSER\r\n.\r\n",
                 GREET_LOG "> capa = OK\n"
                           "CAPA_LINE 'USER'\n"
                           "END cmd=CAPA\n"
                           "> apop = APOP_UNAVAILABLE\n" SUM_AUTH,
                 "CAPA\r\n");
}

static void test_greeting_with_bare_ok(void **state)
{
    (void)state;
    script_opts o = {0};
    script_check(&o, "+OK\r\n", "GREETING count=0 ''\n" SUM_AUTH, "");
}

static void test_err_greeting_refuses_the_session(void **state)
{
    (void)state;
    /* The server said no before any command: its text is surfaced, then
     * the session ends with POP3_ERR_REFUSED. No login is possible from
     * that callback: the session never reached AUTHORIZATION. */
    static const script_rule rules[] = {RULE(SERVER_ERR, NONE, "login"),
                                        RULES_END};
    script_opts o = {.rules = rules};
    script_check(&o, "-ERR [SYS/TEMP] too many connections\r\n",
                 "ERR cmd=NONE code=SYS/TEMP 'too many connections'\n"
                 "> login = STATE\n"
                 "CLOSED err=REFUSED\n" SUM_CLOSED("REFUSED"),
                 "");
}

static void test_greeting_text_is_delivered_whole(void **state)
{
    (void)state;
    /* pop3.h gives GREETING only text and count; a bracketed word at the
     * start of a greeting is part of that text, not a response code. */
    script_opts o = {0};
    script_check(&o, "+OK [mx1] POP3 ready " TS "\r\n",
                 "GREETING count=1 '[mx1] POP3 ready " TS "'\n" SUM_AUTH,
                 "");
}

static void test_err_to_apop_allows_fallback_to_user_pass(void **state)
{
    (void)state;
    static const script_rule rules[] = {RULE(GREETING, NONE, "apop"),
                                        RULE(SERVER_ERR, APOP, "login"),
                                        RULES_END};
    script_opts o = {.rules = rules};
    script_check(&o, GREET "-ERR [AUTH] APOP disabled\r\n+OK\r\n+OK\r\n",
                 GREET_LOG "> apop = OK\n"
                           "ERR cmd=APOP code=AUTH 'APOP disabled'\n"
                           "> login = OK\n"
                           "OK cmd=USER ''\n"
                           "LOGIN cmd=PASS\n" SUM_TRANS,
                 "APOP mrose " APOP_DIGEST "\r\n" LOGIN_SENT);
}

static void test_err_to_user_means_pass_is_never_sent(void **state)
{
    (void)state;
    /* The attempt ends with the -ERR; a new one may start afterwards. */
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULE(SERVER_ERR, USER, "login"),
                                        RULES_END};
    script_opts o = {.rules = rules};
    script_check(&o, GREET "-ERR [AUTH] sorry, no mailbox for mrose here\r\n",
                 GREET_LOG "> login = OK\n"
                           "ERR cmd=USER code=AUTH 'sorry, no mailbox for "
                           "mrose here'\n"
                           "> login = OK\n" SUM_AUTH,
                 "USER mrose\r\nUSER mrose\r\n");
}

static void test_err_to_pass_stays_in_authorization(void **state)
{
    (void)state;
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULES_END};
    script_opts o = {.rules = rules};
    script_check(&o, GREET "+OK\r\n-ERR invalid password\r\n",
                 GREET_LOG "> login = OK\n"
                           "OK cmd=USER ''\n"
                           "ERR cmd=PASS 'invalid password'\n" SUM_AUTH,
                 LOGIN_SENT);
}

/* --- transaction commands ------------------------------------------------- */

static void test_stat_reports_count_and_size(void **state)
{
    (void)state;
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULE(LOGIN, NONE, "stat"), RULES_END};
    script_opts o = {.rules = rules};
    script_check(&o, LOGIN_SRV "+OK 2 320\r\n",
                 LOGIN_LOG "> stat = OK\n"
                           "STAT count=2 size=320\n" SUM_TRANS,
                 LOGIN_SENT "STAT\r\n");
}

static void test_list_all_reports_each_message_then_end(void **state)
{
    (void)state;
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULE(LOGIN, NONE, "list"), RULES_END};
    script_opts o = {.rules = rules};
    script_check(&o,
                 LOGIN_SRV "+OK 2 messages (320 octets)\r\n1 120\r\n2 200\r\n"
                           ".\r\n",
                 LOGIN_LOG "> list = OK\n"
                           "LIST msg=1 size=120\n"
                           "LIST msg=2 size=200\n"
                           "END cmd=LIST\n" SUM_TRANS,
                 LOGIN_SENT "LIST\r\n");
}

static void test_list_one_is_single_line(void **state)
{
    (void)state;
    /* RFC 1939 sec. 5: LIST with an argument answers on the status line.
     * The NOOP after it proves the engine did not wait for a listing. */
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULE(LOGIN, NONE, "list 2"),
                                        RULE(LIST, NONE, "noop"), RULES_END};
    script_opts o = {.rules = rules};
    script_check(&o, LOGIN_SRV "+OK 2 200\r\n+OK\r\n",
                 LOGIN_LOG "> list 2 = OK\n"
                           "LIST msg=2 size=200\n"
                           "> noop = OK\n"
                           "OK cmd=NOOP ''\n" SUM_TRANS,
                 LOGIN_SENT "LIST 2\r\nNOOP\r\n");
}

static void test_uidl_all_reports_each_id_then_end(void **state)
{
    (void)state;
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULE(LOGIN, NONE, "uidl"), RULES_END};
    script_opts o = {.rules = rules};
    script_check(&o,
                 LOGIN_SRV "+OK\r\n1 whqtswO00WBw418f9t5JxYwZ\r\n"
                           "2 QhdPYR:00WBw1Ph7x7\r\n.\r\n",
                 LOGIN_LOG "> uidl = OK\n"
                           "UIDL msg=1 'whqtswO00WBw418f9t5JxYwZ'\n"
                           "UIDL msg=2 'QhdPYR:00WBw1Ph7x7'\n"
                           "END cmd=UIDL\n" SUM_TRANS,
                 LOGIN_SENT "UIDL\r\n");
}

static void test_uidl_one_is_single_line(void **state)
{
    (void)state;
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULE(LOGIN, NONE, "uidl 2"),
                                        RULE(UIDL, NONE, "noop"), RULES_END};
    script_opts o = {.rules = rules};
    script_check(&o, LOGIN_SRV "+OK 2 QhdPYR:00WBw1Ph7x7\r\n+OK\r\n",
                 LOGIN_LOG "> uidl 2 = OK\n"
                           "UIDL msg=2 'QhdPYR:00WBw1Ph7x7'\n"
                           "> noop = OK\n"
                           "OK cmd=NOOP ''\n" SUM_TRANS,
                 LOGIN_SENT "UIDL 2\r\nNOOP\r\n");
}

static void test_retr_streams_body_between_begin_and_end(void **state)
{
    (void)state;
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULE(LOGIN, NONE, "retr 1"),
                                        RULES_END};
    script_opts o = {.rules = rules};
    script_check(&o,
                 LOGIN_SRV "+OK 120 octets\r\nSubject: hi\r\n\r\nbody\r\n.\r\n",
                 LOGIN_LOG "> retr 1 = OK\n"
                           "MSG_BEGIN cmd=RETR msg=1 '120 octets'\n"
                           "MSG_DATA msg=1 'Subject: hi\\r\\n\\r\\nbody\\r\\n'\n"
                           "MSG_END msg=1\n" SUM_TRANS,
                 LOGIN_SENT "RETR 1\r\n");
}

static void test_top_sends_message_and_line_count(void **state)
{
    (void)state;
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULE(LOGIN, NONE, "top 2 0"),
                                        RULES_END};
    script_opts o = {.rules = rules};
    script_check(&o, LOGIN_SRV "+OK\r\nSubject: x\r\n\r\n.\r\n",
                 LOGIN_LOG "> top 2 0 = OK\n"
                           "MSG_BEGIN cmd=TOP msg=2 ''\n"
                           "MSG_DATA msg=2 'Subject: x\\r\\n\\r\\n'\n"
                           "MSG_END msg=2\n" SUM_TRANS,
                 LOGIN_SENT "TOP 2 0\r\n");
}

static void test_empty_body_gives_begin_and_end_only(void **state)
{
    (void)state;
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULE(LOGIN, NONE, "retr 1"),
                                        RULES_END};
    script_opts o = {.rules = rules};
    script_check(&o, LOGIN_SRV "+OK\r\n.\r\n",
                 LOGIN_LOG "> retr 1 = OK\n"
                           "MSG_BEGIN cmd=RETR msg=1 ''\n"
                           "MSG_END msg=1\n" SUM_TRANS,
                 NULL);
}

static void test_dele_reports_ok_with_message_number(void **state)
{
    (void)state;
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULE(LOGIN, NONE, "dele 1"),
                                        RULES_END};
    script_opts o = {.rules = rules};
    script_check(&o, LOGIN_SRV "+OK message 1 deleted\r\n",
                 LOGIN_LOG "> dele 1 = OK\n"
                           "OK cmd=DELE msg=1 'message 1 deleted'\n" SUM_TRANS,
                 LOGIN_SENT "DELE 1\r\n");
}

static void test_abort_from_callback_drops_session_without_quit(void **state)
{
    (void)state;
    /* After a local storage failure the application abandons the session:
     * no QUIT may follow, or the server would commit the DELE already
     * acknowledged. The rest of the input is not consumed. */
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULE(LOGIN, NONE, "dele 1; retr 2"),
                                        RULE(OK, DELE, "abort"), RULES_END};
    script_opts o = {.rules = rules};
    script_check(&o, LOGIN_SRV "+OK message 1 deleted\r\n+OK\r\nbody\r\n.\r\n",
                 LOGIN_LOG "> dele 1 = OK\n> retr 2 = OK\n"
                           "OK cmd=DELE msg=1 'message 1 deleted'\n"
                           "> abort\n"
                           "CLOSED err=ABORTED\n" SUM_CLOSED("ABORTED"),
                 LOGIN_SENT "DELE 1\r\n");
}

static void test_rset_and_noop_report_ok(void **state)
{
    (void)state;
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULE(LOGIN, NONE, "rset"),
                                        RULE(OK, RSET, "noop"), RULES_END};
    script_opts o = {.rules = rules};
    script_check(&o, LOGIN_SRV "+OK maildrop has 2 messages (320 octets)\r\n"
                               "+OK\r\n",
                 LOGIN_LOG "> rset = OK\n"
                           "OK cmd=RSET 'maildrop has 2 messages (320 "
                           "octets)'\n"
                           "> noop = OK\n"
                           "OK cmd=NOOP ''\n" SUM_TRANS,
                 LOGIN_SENT "RSET\r\nNOOP\r\n");
}

static void test_quit_in_transaction_closes_cleanly(void **state)
{
    (void)state;
    /* The +OK ends the session: CLOSED with POP3_ERR_CLOSED, the transport
     * closed exactly once, and every later call returns the sticky CLOSED. */
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULE(LOGIN, NONE, "quit"), RULES_END};
    script_opts o = {.rules = rules, .after = "stat; quit"};
    script_check(&o,
                 LOGIN_SRV "+OK dewey POP3 server signing off (maildrop "
                           "empty)\r\n",
                 LOGIN_LOG "> quit = OK\n"
                           "OK cmd=QUIT 'dewey POP3 server signing off "
                           "(maildrop empty)'\n"
                           "CLOSED err=CLOSED\n"
                           "> stat = CLOSED\n"
                           "> quit = CLOSED\n" SUM_CLOSED("CLOSED"),
                 LOGIN_SENT "QUIT\r\n");
}

static void test_quit_in_authorization_closes_cleanly(void **state)
{
    (void)state;
    static const script_rule rules[] = {RULE(GREETING, NONE, "quit"),
                                        RULES_END};
    script_opts o = {.rules = rules};
    script_check(&o, GREET "+OK dewey POP3 server signing off\r\n",
                 GREET_LOG "> quit = OK\n"
                           "OK cmd=QUIT 'dewey POP3 server signing off'\n"
                           "CLOSED err=CLOSED\n" SUM_CLOSED("CLOSED"),
                 "QUIT\r\n");
}

static void test_full_session_in_one_transcript(void **state)
{
    (void)state;
    /* RFC 1939 sec. 10's example session, with CAPA in front. */
    static const script_rule rules[] = {
        RULE(GREETING, NONE, "capa; apop"),
        RULE(LOGIN, NONE, "list"),
        RULE(END, LIST, "retr 1"),
        RULE(MSG_END, NONE, "dele 1"),
        RULE(OK, DELE, "retr 2"),
        RULE(MSG_END, NONE, "dele 2"),
        RULE(OK, DELE, "quit"),
        RULES_END};
    script_opts o = {.rules = rules};
    script_check(
        &o,
        GREET "+OK Capability list follows\r\nTOP\r\nUSER\r\nUIDL\r\n.\r\n"
              "+OK mrose's maildrop has 2 messages (320 octets)\r\n"
              "+OK 2 messages (320 octets)\r\n1 120\r\n2 200\r\n.\r\n"
              "+OK 120 octets\r\nfirst\r\n.\r\n"
              "+OK message 1 deleted\r\n"
              "+OK 200 octets\r\nsecond\r\n.\r\n"
              "+OK message 2 deleted\r\n"
              "+OK dewey POP3 server signing off (maildrop empty)\r\n",
        GREET_LOG "> capa = OK\n"
                  "> apop = OK\n"
                  "CAPA_LINE 'TOP'\n"
                  "CAPA_LINE 'USER'\n"
                  "CAPA_LINE 'UIDL'\n"
                  "END cmd=CAPA\n"
                  "LOGIN cmd=APOP\n"
                  "> list = OK\n"
                  "LIST msg=1 size=120\n"
                  "LIST msg=2 size=200\n"
                  "END cmd=LIST\n"
                  "> retr 1 = OK\n"
                  "MSG_BEGIN cmd=RETR msg=1 '120 octets'\n"
                  "MSG_DATA msg=1 'first\\r\\n'\n"
                  "MSG_END msg=1\n"
                  "> dele 1 = OK\n"
                  "OK cmd=DELE msg=1 'message 1 deleted'\n"
                  "> retr 2 = OK\n"
                  "MSG_BEGIN cmd=RETR msg=2 '200 octets'\n"
                  "MSG_DATA msg=2 'second\\r\\n'\n"
                  "MSG_END msg=2\n"
                  "> dele 2 = OK\n"
                  "OK cmd=DELE msg=2 'message 2 deleted'\n"
                  "> quit = OK\n"
                  "OK cmd=QUIT 'dewey POP3 server signing off (maildrop "
                  "empty)'\n"
                  "CLOSED err=CLOSED\n" SUM_CLOSED("CLOSED"),
        "CAPA\r\nAPOP mrose " APOP_DIGEST "\r\nLIST\r\nRETR 1\r\n"
        "DELE 1\r\nRETR 2\r\nDELE 2\r\nQUIT\r\n");
}

/* --- server errors -------------------------------------------------------- */

static void test_err_reply_carries_server_text(void **state)
{
    (void)state;
    /* A -ERR is an event, not a library error: the session goes on. */
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULE(LOGIN, NONE, "retr 5"),
                                        RULE(SERVER_ERR, RETR, "noop"),
                                        RULES_END};
    script_opts o = {.rules = rules};
    script_check(&o, LOGIN_SRV "-ERR no such message\r\n+OK\r\n",
                 LOGIN_LOG "> retr 5 = OK\n"
                           "ERR cmd=RETR msg=5 'no such message'\n"
                           "> noop = OK\n"
                           "OK cmd=NOOP ''\n" SUM_TRANS,
                 LOGIN_SENT "RETR 5\r\nNOOP\r\n");
}

static void test_err_without_text(void **state)
{
    (void)state;
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULE(LOGIN, NONE, "dele 3"),
                                        RULES_END};
    script_opts o = {.rules = rules};
    script_check(&o, LOGIN_SRV "-ERR\r\n",
                 LOGIN_LOG "> dele 3 = OK\n"
                           "ERR cmd=DELE msg=3 ''\n" SUM_TRANS,
                 NULL);
}

static void test_err_response_codes_are_surfaced(void **state)
{
    (void)state;
    /* RFC 2449 sec. 8 and RFC 3206: the code is parsed off the text. */
    static const struct {
        const char *line;
        const char *log;
    } cases[] = {
        {"-ERR [IN-USE] Do you have another POP session running?\r\n",
         "ERR cmd=PASS code=IN-USE 'Do you have another POP session "
         "running?'\n"},
        {"-ERR [LOGIN-DELAY] wait 15 minutes\r\n",
         "ERR cmd=PASS code=LOGIN-DELAY 'wait 15 minutes'\n"},
        {"-ERR [SYS/TEMP] disk full, try later\r\n",
         "ERR cmd=PASS code=SYS/TEMP 'disk full, try later'\n"},
        {"-ERR [SYS/PERM] mailbox corrupt\r\n",
         "ERR cmd=PASS code=SYS/PERM 'mailbox corrupt'\n"},
        {"-ERR [AUTH] invalid password\r\n",
         "ERR cmd=PASS code=AUTH 'invalid password'\n"},
        {"-ERR [XYZZY] nothing happens\r\n",
         "ERR cmd=PASS code=OTHER 'nothing happens'\n"},
        {"-ERR [IN-USE]\r\n", "ERR cmd=PASS code=IN-USE ''\n"},
        {"-ERR plain failure\r\n", "ERR cmd=PASS 'plain failure'\n"},
    };
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULES_END};
    script_opts o = {.rules = rules};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char srv[256], log[512];
        snprintf(srv, sizeof srv, "%s+OK\r\n%s", GREET, cases[i].line);
        snprintf(log, sizeof log, "%s%s%s%s", GREET_LOG "> login = OK\n",
                 "OK cmd=USER ''\n", cases[i].log, SUM_AUTH);
        script_check(&o, srv, log, LOGIN_SENT);
    }
}

/* --- pipelining ----------------------------------------------------------- */

static void test_without_pipelining_one_command_on_the_wire(void **state)
{
    (void)state;
    /* RFC 1939 does not allow a client to send before the previous reply
     * unless the server said PIPELINING (RFC 2449 sec. 6.6). */
    static const script_rule rules[] = {RULE(GREETING, NONE, "capa; login"),
                                        RULE(LOGIN, NONE, "noop; list; uidl"),
                                        RULES_END};
    script_opts o = {.rules = rules};
    script *s = script_new(&o);
    script_feed_str(s, GREET);
    assert_string_equal(script_take_sent(s), "CAPA\r\n");
    script_feed_str(s, "+OK\r\nUSER\r\nUIDL\r\nTOP\r\n.\r\n");
    assert_false(pop3_client_pipelining(&s->c));
    assert_string_equal(script_take_sent(s), "USER mrose\r\n");
    script_feed_str(s, "+OK\r\n");
    assert_string_equal(script_take_sent(s), "PASS tanstaaf\r\n");
    script_feed_str(s, "+OK\r\n");
    assert_string_equal(script_take_sent(s), "NOOP\r\n");
    assert_int_equal(pop3_client_pending(&s->c), 3);
    script_feed_str(s, "+OK\r\n");
    assert_string_equal(script_take_sent(s), "LIST\r\n");
    script_feed_str(s, "+OK\r\n1 120\r\n");
    assert_string_equal(script_take_sent(s), "");
    script_feed_str(s, "2 200\r\n.\r\n");
    assert_string_equal(script_take_sent(s), "UIDL\r\n");
    script_feed_str(s, "+OK\r\n1 a\r\n2 b\r\n.\r\n");
    assert_string_equal(script_take_sent(s), "");
    assert_int_equal(pop3_client_pending(&s->c), 0);
    assert_string_equal(script_log(s, false),
                        GREET_LOG "> capa = OK\n"
                                  "> login = OK\n"
                                  "CAPA_LINE 'USER'\n"
                                  "CAPA_LINE 'UIDL'\n"
                                  "CAPA_LINE 'TOP'\n"
                                  "END cmd=CAPA\n"
                                  "OK cmd=USER ''\n"
                                  "LOGIN cmd=PASS\n"
                                  "> noop = OK\n"
                                  "> list = OK\n"
                                  "> uidl = OK\n"
                                  "OK cmd=NOOP ''\n"
                                  "LIST msg=1 size=120\n"
                                  "LIST msg=2 size=200\n"
                                  "END cmd=LIST\n"
                                  "UIDL msg=1 'a'\n"
                                  "UIDL msg=2 'b'\n"
                                  "END cmd=UIDL\n");
    script_free(s);
}

#define PIPE_CAPA "+OK\r\nUSER\r\nPIPELINING\r\n.\r\n"

static void test_with_pipelining_queued_retrs_sent_together(void **state)
{
    (void)state;
    static const script_rule rules[] = {
        RULE(GREETING, NONE, "capa; login"),
        RULE(LOGIN, NONE, "retr 1; retr 2; retr 3"), RULES_END};
    script_opts o = {.rules = rules};
    script *s = script_new(&o);
    script_feed_str(s, GREET PIPE_CAPA "+OK\r\n");
    assert_true(pop3_client_pipelining(&s->c));
    script_take_sent(s);
    script_feed_str(s, "+OK\r\n");
    /* All three are on the wire before any reply came back. */
    assert_string_equal(script_take_sent(s), "RETR 1\r\nRETR 2\r\nRETR 3\r\n");
    assert_int_equal(pop3_client_pending(&s->c), 3);
    script_free(s);
}

static void test_pipelined_retrs_in_one_buffer_get_their_own_data(void **state)
{
    (void)state;
    static const script_rule rules[] = {
        RULE(GREETING, NONE, "capa; login"),
        RULE(LOGIN, NONE, "retr 1; retr 2; dele 1"), RULES_END};
    script_opts o = {.rules = rules, .quiet = SCRIPT_BIT(POP3_EV_CAPA_LINE)};
    script_check(&o,
                 GREET PIPE_CAPA "+OK\r\n+OK\r\n"
                                 "+OK\r\none\r\n.\r\n"
                                 "+OK\r\n..two\r\n.\r\n"
                                 "+OK deleted\r\n",
                 GREET_LOG "> capa = OK\n"
                           "> login = OK\n"
                           "END cmd=CAPA\n"
                           "OK cmd=USER ''\n"
                           "LOGIN cmd=PASS\n"
                           "> retr 1 = OK\n"
                           "> retr 2 = OK\n"
                           "> dele 1 = OK\n"
                           "MSG_BEGIN cmd=RETR msg=1 ''\n"
                           "MSG_DATA msg=1 'one\\r\\n'\n"
                           "MSG_END msg=1\n"
                           "MSG_BEGIN cmd=RETR msg=2 ''\n"
                           "MSG_DATA msg=2 '.two\\r\\n'\n"
                           "MSG_END msg=2\n"
                           "OK cmd=DELE msg=1 'deleted'\n" SUM_TRANS,
                 "CAPA\r\n" LOGIN_SENT "RETR 1\r\nRETR 2\r\nDELE 1\r\n");
}

static void test_queue_full_is_busy(void **state)
{
    (void)state;
    static const script_rule rules[] = {
        RULE(GREETING, NONE, "login"),
        RULE(LOGIN, NONE, "retr 1; retr 2; retr 3"), RULES_END};
    script_opts o = {.rules = rules, .queue_len = 2};
    script *s = script_check_keep(&o, LOGIN_SRV, strlen(LOGIN_SRV),
                                  LOGIN_LOG "> retr 1 = OK\n"
                                            "> retr 2 = OK\n"
                                            "> retr 3 = BUSY\n" SUM_TRANS,
                                  LOGIN_SENT "RETR 1\r\n");
    assert_int_equal(pop3_client_pending(&s->c), 2);
    script_free(s);
}

/* A queue much longer than the command buffer: whatever calls succeed
 * must all be sent, in order, and their replies matched in order. */
typedef struct many_state {
    unsigned queued;
} many_state;

static void queue_many(script *s, const pop3_event *ev)
{
    many_state *m = s->o.app_data;
    if (ev->type != POP3_EV_LOGIN)
        return;
    for (uint32_t n = 1; n <= 60; n++) {
        pop3_err rc = pop3_client_noop(&s->c);
        if (rc == POP3_OK)
            m->queued++;
        else
            assert_int_equal(rc, POP3_ERR_BUSY);
    }
}

static void test_pipelining_beyond_command_buffer(void **state)
{
    (void)state;
    static const script_rule rules[] = {RULE(GREETING, NONE, "capa; login"),
                                        RULES_END};
    many_state m = {0};
    script_opts o = {.rules = rules, .app = queue_many, .app_data = &m,
                     .queue_len = 64};
    script *s = script_new(&o);
    script_feed_str(s, GREET PIPE_CAPA "+OK\r\n+OK\r\n");
    assert_true(m.queued >= 1);
    for (unsigned i = 0; i < m.queued; i++)
        script_feed_str(s, "+OK\r\n");
    const char *sent = script_sent(s);
    size_t noops = 0;
    for (const char *p = sent; (p = strstr(p, "NOOP\r\n")) != NULL; p += 6)
        noops++;
    assert_int_equal(noops, m.queued);
    assert_int_equal(pop3_client_pending(&s->c), 0);
    assert_int_equal(pop3_client_state(&s->c), POP3_STATE_TRANSACTION);
    script_free(s);
}

static void test_err_to_user_with_pipelining_answers_pass_too(void **state)
{
    (void)state;
    /* With PIPELINING, PASS goes out right behind USER (RFC 2449 sec. 6.6),
     * so a server that refuses the user name answers PASS as well: both
     * replies are read and reported, and the session stays in step. */
    static const script_rule rules[] = {RULE(GREETING, NONE, "capa"),
                                        RULE(END, CAPA, "login; stat"), RULES_END};
    script_opts o = {.rules = rules, .quiet = SCRIPT_BIT(POP3_EV_CAPA_LINE)};
    script *s = script_new(&o);
    script_feed_str(s, GREET PIPE_CAPA);
    assert_true(pop3_client_pipelining(&s->c));
    assert_string_equal(script_take_sent(s), "CAPA\r\n" LOGIN_SENT "STAT\r\n");
    script_feed_str(s, "-ERR [AUTH] unknown user\r\n");
    /* The login is not over until PASS is answered. */
    assert_int_equal(pop3_client_login(&s->c, "x", "y", POP3_AUTH_USER), POP3_ERR_STATE);
    script_feed_str(s, "-ERR no USER\r\n-ERR not logged in\r\n");
    assert_string_equal(script_take_sent(s), "");
    assert_int_equal(pop3_client_pending(&s->c), 0);
    assert_string_equal(script_log(s, true),
                        GREET_LOG "> capa = OK\n"
                                  "END cmd=CAPA\n"
                                  "> login = OK\n"
                                  "> stat = OK\n"
                                  "ERR cmd=USER code=AUTH 'unknown user'\n"
                                  "ERR cmd=PASS 'no USER'\n"
                                  "ERR cmd=STAT 'not logged in'\n"
                                  SUM_AUTH);
    script_free(s);
}

static void test_err_to_user_without_pipelining_never_sends_pass(void **state)
{
    (void)state;
    /* Without PIPELINING the password waits for +OK to USER, so a server
     * that refused the user name never receives it. A STAT queued behind
     * the login never reaches the wire either (the server is still in
     * AUTHORIZATION): it completes locally, err=STATE. A server line that
     * follows answers nothing that was sent. */
    static const script_rule rules[] = {RULE(GREETING, NONE, "login; stat"),
                                        RULES_END};
    script_opts o = {.rules = rules};
    script_check(&o, GREET "-ERR [AUTH] unknown user\r\n",
                 GREET_LOG "> login = OK\n"
                           "> stat = OK\n"
                           "ERR cmd=USER code=AUTH 'unknown user'\n"
                           "ERR cmd=STAT err=STATE ''\n" SUM_AUTH,
                 "USER mrose\r\n");
    script_check(&o, GREET "-ERR [AUTH] unknown user\r\n-ERR not logged in\r\n",
                 GREET_LOG "> login = OK\n"
                           "> stat = OK\n"
                           "ERR cmd=USER code=AUTH 'unknown user'\n"
                           "ERR cmd=STAT err=STATE ''\n"
                           "CLOSED err=UNEXPECTED\n" SUM_CLOSED("UNEXPECTED"),
                 "USER mrose\r\n");
}

static void test_commands_behind_a_refused_password_never_leave(void **state)
{
    (void)state;
    /* RFC 1939 sec. 4: after -ERR to PASS the server is still in the
     * AUTHORIZATION state. RETR and DELE queued behind the login complete
     * locally in order (err=STATE); QUIT, allowed in AUTHORIZATION, still
     * goes out and ends the session normally. */
    static const script_rule rules[] = {
        RULE(GREETING, NONE, "login; retr 1; dele 1; quit"), RULES_END};
    script_opts o = {.rules = rules, .queue_len = 6};
    script_check(&o, GREET "+OK\r\n-ERR [AUTH] Login failure\r\n+OK bye\r\n",
                 GREET_LOG "> login = OK\n"
                           "> retr 1 = OK\n"
                           "> dele 1 = OK\n"
                           "> quit = OK\n"
                           "OK cmd=USER ''\n"
                           "ERR cmd=PASS code=AUTH 'Login failure'\n"
                           "ERR cmd=RETR msg=1 err=STATE ''\n"
                           "ERR cmd=DELE msg=1 err=STATE ''\n"
                           "OK cmd=QUIT 'bye'\n"
                           "CLOSED err=CLOSED\n" SUM_CLOSED("CLOSED"),
                 LOGIN_SENT "QUIT\r\n");
}

static void test_pipelined_login_carries_the_first_transaction_command(void **state)
{
    (void)state;
    /* The whole login and the STAT that follows cost one round trip after
     * CAPA: USER, PASS and STAT leave together, and the replies are
     * matched in order. */
    static const script_rule rules[] = {RULE(GREETING, NONE, "capa"),
                                        RULE(END, CAPA, "login; stat"),
                                        RULE(STAT, NONE, "retr 1; quit"), RULES_END};
    script_opts o = {.rules = rules, .quiet = SCRIPT_BIT(POP3_EV_CAPA_LINE)};
    script *s = script_new(&o);
    script_feed_str(s, GREET PIPE_CAPA);
    assert_string_equal(script_take_sent(s), "CAPA\r\n" LOGIN_SENT "STAT\r\n");
    script_feed_str(s, "+OK\r\n+OK\r\n");
    assert_int_equal(pop3_client_state(&s->c), POP3_STATE_TRANSACTION);
    assert_string_equal(script_take_sent(s), "");
    script_feed_str(s, "+OK 1 5\r\n");
    assert_string_equal(script_take_sent(s), "RETR 1\r\nQUIT\r\n");
    script_free(s);
    script_check(&o, GREET PIPE_CAPA "+OK\r\n+OK\r\n+OK 1 5\r\n+OK\r\nhi\r\n.\r\n+OK bye\r\n",
                 GREET_LOG "> capa = OK\n"
                           "END cmd=CAPA\n"
                           "> login = OK\n"
                           "> stat = OK\n"
                           "OK cmd=USER ''\n"
                           "LOGIN cmd=PASS\n"
                           "STAT count=1 size=5\n"
                           "> retr 1 = OK\n"
                           "> quit = OK\n"
                           "MSG_BEGIN cmd=RETR msg=1 ''\n"
                           "MSG_DATA msg=1 'hi\\r\\n'\n"
                           "MSG_END msg=1\n"
                           "OK cmd=QUIT 'bye'\n"
                           "CLOSED err=CLOSED\n"
                           "= state=CLOSED err=CLOSED close=1\n",
                 "CAPA\r\n" LOGIN_SENT "STAT\r\nRETR 1\r\nQUIT\r\n");
}

static void test_pipelined_error_does_not_disturb_later_replies(void **state)
{
    (void)state;
    static const script_rule rules[] = {
        RULE(GREETING, NONE, "capa; login"),
        RULE(LOGIN, NONE, "retr 9; retr 2; uidl 9; list"), RULES_END};
    script_opts o = {.rules = rules, .quiet = SCRIPT_BIT(POP3_EV_CAPA_LINE)};
    script_check(&o,
                 GREET PIPE_CAPA "+OK\r\n+OK\r\n"
                                 "-ERR no such message\r\n"
                                 "+OK\r\nbody\r\n.\r\n"
                                 "-ERR no such message\r\n"
                                 "+OK\r\n2 10\r\n.\r\n",
                 GREET_LOG "> capa = OK\n"
                           "> login = OK\n"
                           "END cmd=CAPA\n"
                           "OK cmd=USER ''\n"
                           "LOGIN cmd=PASS\n"
                           "> retr 9 = OK\n"
                           "> retr 2 = OK\n"
                           "> uidl 9 = OK\n"
                           "> list = OK\n"
                           "ERR cmd=RETR msg=9 'no such message'\n"
                           "MSG_BEGIN cmd=RETR msg=2 ''\n"
                           "MSG_DATA msg=2 'body\\r\\n'\n"
                           "MSG_END msg=2\n"
                           "ERR cmd=UIDL msg=9 'no such message'\n"
                           "LIST msg=2 size=10\n"
                           "END cmd=LIST\n" SUM_TRANS,
                 "CAPA\r\n" LOGIN_SENT "RETR 9\r\nRETR 2\r\nUIDL 9\r\n"
                 "LIST\r\n");
}

/* Keeps the queue topped up: after each reply, queue one more NOOP until
 * `left` runs out, so the ring of slots wraps around several times. */
typedef struct refill_state {
    unsigned left;
} refill_state;

static void refill(script *s, const pop3_event *ev)
{
    refill_state *r = s->o.app_data;
    if (ev->type != POP3_EV_OK && ev->type != POP3_EV_LOGIN)
        return;
    while (r->left > 0 && pop3_client_noop(&s->c) == POP3_OK)
        r->left--;
}

static void test_queue_ring_wraps_around(void **state)
{
    (void)state;
    for (int pipelined = 0; pipelined < 2; pipelined++) {
        refill_state r = {20};
        static const script_rule rules[] = {
            RULE(GREETING, NONE, "capa; login"), RULES_END};
        script_opts o = {.rules = rules, .app = refill, .app_data = &r,
                         .queue_len = 3,
                         .quiet = SCRIPT_BIT(POP3_EV_CAPA_LINE) |
                                  SCRIPT_BIT(POP3_EV_OK)};
        script *s = script_new(&o);
        script_feed_str(s, GREET);
        script_feed_str(s, pipelined ? PIPE_CAPA : "+OK\r\nUSER\r\n.\r\n");
        script_feed_str(s, "+OK\r\n");
        script_feed_str(s, "+OK\r\n");
        for (int i = 0; i < 20; i++)
            script_feed_str(s, "+OK\r\n");
        assert_int_equal(r.left, 0);
        assert_int_equal(pop3_client_pending(&s->c), 0);
        const char *sent = script_sent(s);
        size_t noops = 0;
        for (const char *p = sent; (p = strstr(p, "NOOP\r\n")) != NULL; p += 6)
            noops++;
        assert_int_equal(noops, 20);
        assert_contains(script_log(s, true), SUM_TRANS);
        script_free(s);
    }
}

/* --- transport misbehaviour ----------------------------------------------- */

static void test_send_one_octet_at_a_time(void **state)
{
    (void)state;
    /* Steps, not one transcript: a reply can't come before its command
     * has left, and here each command leaves one octet per send. */
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULE(LOGIN, NONE, "noop"), RULES_END};
    script_opts o = {.rules = rules, .max_chunk = 1};
    script *s = script_new(&o);
    script_feed_str(s, GREET);
    assert_string_equal(script_sent(s), "USER mrose\r\n");
    script_feed_str(s, "+OK\r\n");
    script_feed_str(s, "+OK\r\n");
    script_feed_str(s, "+OK\r\n");
    assert_string_equal(script_sent(s), LOGIN_SENT "NOOP\r\n");
    assert_int_equal(s->mem.sends, strlen(LOGIN_SENT "NOOP\r\n"));
    assert_false(pop3_client_want_write(&s->c));
    assert_string_equal(script_log(s, true),
                        GREET_LOG "> login = OK\n"
                                  "OK cmd=USER ''\n"
                                  "LOGIN cmd=PASS\n"
                                  "> noop = OK\n"
                                  "OK cmd=NOOP ''\n" SUM_TRANS);
    script_free(s);
}

static void test_send_refused_resumes_on_writable(void **state)
{
    (void)state;
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULES_END};
    script_opts o = {.rules = rules};
    script *s = script_new(&o);
    s->mem.stall = 1;
    script_feed_str(s, GREET);
    assert_string_equal(script_sent(s), "");
    assert_true(pop3_client_want_write(&s->c));
    s->mem.stall = 0;
    pop3_client_writable(&s->c);
    assert_string_equal(script_sent(s), "USER mrose\r\n");
    assert_false(pop3_client_want_write(&s->c));
    script_feed_str(s, "+OK\r\n+OK\r\n");
    assert_string_equal(script_sent(s), LOGIN_SENT);
    assert_int_equal(pop3_client_state(&s->c), POP3_STATE_TRANSACTION);
    script_free(s);
}

static void test_send_refused_midway_keeps_the_rest(void **state)
{
    (void)state;
    /* Three octets of PASS, then "not now": the engine must keep the tail
     * and send it, once, when the transport is writable again. */
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULES_END};
    script_opts o = {.rules = rules};
    script *s = script_new(&o);
    script_feed_str(s, GREET);
    assert_string_equal(script_sent(s), "USER mrose\r\n");
    s->budget = 3;
    script_feed_str(s, "+OK\r\n");
    assert_string_equal(script_sent(s), "USER mrose\r\nPAS");
    assert_true(pop3_client_want_write(&s->c));
    s->budget = -1;
    pop3_client_writable(&s->c);
    assert_string_equal(script_sent(s), LOGIN_SENT);
    assert_false(pop3_client_want_write(&s->c));
    script_feed_str(s, "+OK\r\n");
    assert_string_equal(script_log(s, true),
                        GREET_LOG "> login = OK\n"
                                  "OK cmd=USER ''\n"
                                  "LOGIN cmd=PASS\n" SUM_TRANS);
    script_free(s);
}

static void test_send_failure_closes_with_transport_error(void **state)
{
    (void)state;
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULES_END};
    script_opts o = {.rules = rules};
    script *s = script_new(&o);
    script_feed_str(s, GREET);
    s->mem.broken = 1;
    script_feed_str(s, "+OK\r\n");
    const char *log = script_log(s, true);
    assert_contains(log, "CLOSED err=TRANSPORT\n");
    assert_contains(log, SUM_CLOSED("TRANSPORT"));
    assert_int_equal(pop3_client_stat(&s->c), POP3_ERR_TRANSPORT);
    script_free(s);
}

typedef struct pause_state {
    bool paused_once;
} pause_state;

static void pause_on_first_data(script *s, const pop3_event *ev)
{
    pause_state *p = s->o.app_data;
    if (ev->type == POP3_EV_MSG_DATA && !p->paused_once) {
        p->paused_once = true;
        pop3_client_pause(&s->c);
    }
}

/* --- timeouts ------------------------------------------------------------- */

static void test_connect_timeout(void **state)
{
    (void)state;
    script_opts o = {.no_connect = true, .connect_timeout_ms = 1000};
    script *s = script_new(&o);
    pop3_client_tick(&s->c, 5000);
    pop3_client_tick(&s->c, 5999);
    assert_string_equal(script_log(s, false), "");
    pop3_client_tick(&s->c, 6001);
    assert_string_equal(script_log(s, true),
                        "CLOSED err=TIMEOUT_CONNECT\n"
                        SUM_CLOSED("TIMEOUT_CONNECT"));
    script_free(s);
}

static void test_greeting_timeout(void **state)
{
    (void)state;
    script_opts o = {.no_connect = true, .greeting_timeout_ms = 1000,
                     .connect_timeout_ms = 100000};
    script *s = script_new(&o);
    pop3_client_tick(&s->c, 70000);
    pop3_client_connected(&s->c);
    pop3_client_tick(&s->c, 70999);
    script_feed_str(s, "+OK part of a greet");
    pop3_client_tick(&s->c, 70999);
    assert_string_equal(script_log(s, false), "");
    pop3_client_tick(&s->c, 71001);
    assert_string_equal(script_log(s, true),
                        "CLOSED err=TIMEOUT_GREETING\n"
                        SUM_CLOSED("TIMEOUT_GREETING"));
    script_free(s);
}

static void test_reply_timeout_ignores_a_partial_status_line(void **state)
{
    (void)state;
    /* A status line that trickles in and never ends must not hold the
     * session open: only a complete line restarts the timer. */
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULES_END};
    script_opts o = {.rules = rules, .no_connect = true,
                     .reply_timeout_ms = 1000, .greeting_timeout_ms = 1000,
                     .idle_timeout_ms = 1000};
    script *s = script_new(&o);
    pop3_client_tick(&s->c, 0);
    pop3_client_connected(&s->c);
    script_feed_str(s, GREET);
    pop3_client_tick(&s->c, 999);
    script_feed_str(s, "+O");
    pop3_client_tick(&s->c, 999);
    assert_string_equal(script_log(s, false), GREET_LOG "> login = OK\n");
    pop3_client_tick(&s->c, 1000); /* 1000 ms since the login went out */
    assert_string_equal(script_log(s, true),
                        GREET_LOG "> login = OK\n"
                                  "CLOSED err=TIMEOUT_REPLY\n"
                        SUM_CLOSED("TIMEOUT_REPLY"));
    script_free(s);
}

static void test_reply_timeout_not_hit_while_a_long_line_trickles_in(void **state)
{
    (void)state;
    /* A message with one very long line (base64 without breaks, minified
     * HTML) arriving slowly: octets keep coming, so the reply timer must
     * keep restarting although no line has ended yet. */
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULE(LOGIN, NONE, "retr 1"),
                                        RULES_END};
    script_opts o = {.rules = rules, .reply_timeout_ms = 1000,
                     .quiet = SCRIPT_BIT(POP3_EV_MSG_DATA)};
    script *s = script_new(&o);
    uint32_t now = 0;
    pop3_client_tick(&s->c, now);
    script_feed_str(s, LOGIN_SRV "+OK\r\n");
    char chunk[100];
    memset(chunk, 'A', sizeof chunk);
    for (int i = 0; i < 30; i++) {
        now += 500; /* half the timeout between pieces */
        pop3_client_tick(&s->c, now);
        script_feed(s, chunk, sizeof chunk);
    }
    script_feed_str(s, "\r\n.\r\n");
    assert_string_equal(script_log(s, true),
                        LOGIN_LOG "> retr 1 = OK\n"
                                  "MSG_BEGIN cmd=RETR msg=1 ''\n"
                                  "MSG_END msg=1\n" SUM_TRANS);
    script_free(s);
}

static void test_pause_time_does_not_count_toward_reply_timeout(void **state)
{
    (void)state;
    /* While the application holds delivery back (e.g. a flash write), the
     * server is not late: after resume the reply timer must not fire for
     * time spent paused. */
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULE(LOGIN, NONE, "retr 1"),
                                        RULES_END};
    pause_state p = {false};
    script_opts o = {.rules = rules, .reply_timeout_ms = 1000,
                     .app = pause_on_first_data, .app_data = &p};
    script *s = script_new(&o);
    pop3_client_tick(&s->c, 0);
    script_feed_str(s, LOGIN_SRV);
    static const char body[] = "+OK\r\nline one\r\nline two\r\n.\r\n";
    size_t n = pop3_client_input(&s->c, body, sizeof body - 1);
    assert_true(pop3_client_paused(&s->c));
    assert_true(n < sizeof body - 1);
    pop3_client_tick(&s->c, 3000);
    pop3_client_tick(&s->c, 6000);
    pop3_client_resume(&s->c);
    pop3_client_tick(&s->c, 6001);
    script_feed(s, body + n, sizeof body - 1 - n);
    assert_string_equal(script_log(s, true),
                        LOGIN_LOG "> retr 1 = OK\n"
                                  "MSG_BEGIN cmd=RETR msg=1 ''\n"
                                  "MSG_DATA msg=1 'line one\\r\\nline two\\r\\n'\n"
                                  "MSG_END msg=1\n" SUM_TRANS);
    script_free(s);
}

static void test_idle_timeout_only_when_nothing_outstanding(void **state)
{
    (void)state;
    /* The reply timeout is shorter, but with nothing outstanding only the
     * idle timeout may fire. */
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULES_END};
    script_opts o = {.rules = rules, .reply_timeout_ms = 1000,
                     .idle_timeout_ms = 5000};
    script *s = script_new(&o);
    pop3_client_tick(&s->c, 100);
    script_feed_str(s, LOGIN_SRV);
    pop3_client_tick(&s->c, 2100);
    pop3_client_tick(&s->c, 5099);
    assert_string_equal(script_log(s, false), LOGIN_LOG);
    pop3_client_tick(&s->c, 5101);
    assert_string_equal(script_log(s, true),
                        LOGIN_LOG "CLOSED err=TIMEOUT_IDLE\n"
                        SUM_CLOSED("TIMEOUT_IDLE"));
    script_free(s);
}

static void test_command_restarts_idle_into_reply_wait(void **state)
{
    (void)state;
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULES_END};
    script_opts o = {.rules = rules, .reply_timeout_ms = 1000,
                     .idle_timeout_ms = 5000};
    script *s = script_new(&o);
    pop3_client_tick(&s->c, 0);
    script_feed_str(s, LOGIN_SRV);
    pop3_client_tick(&s->c, 4000);
    assert_int_equal(pop3_client_noop(&s->c), POP3_OK);
    pop3_client_tick(&s->c, 4999);
    script_feed_str(s, "+OK\r\n");
    pop3_client_tick(&s->c, 9998);
    assert_string_equal(script_log(s, false), LOGIN_LOG "OK cmd=NOOP ''\n");
    pop3_client_tick(&s->c, 10000);
    assert_contains(script_log(s, true), "CLOSED err=TIMEOUT_IDLE\n");
    script_free(s);
}

static void test_timeouts_survive_counter_wrap(void **state)
{
    (void)state;
    /* now_ms comes from a free-running 32-bit counter: deadlines must be
     * compared by unsigned subtraction, not by absolute value. */
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULES_END};
    const uint32_t base = 0xFFFFFFFFu - 300u;
    script_opts o = {.rules = rules, .no_connect = true,
                     .connect_timeout_ms = 1000, .greeting_timeout_ms = 1000,
                     .reply_timeout_ms = 1000, .idle_timeout_ms = 1000};
    script *s = script_new(&o);
    pop3_client_tick(&s->c, base);
    pop3_client_connected(&s->c);
    script_feed_str(s, GREET);
    pop3_client_tick(&s->c, base + 200u);
    pop3_client_tick(&s->c, base + 400u);
    pop3_client_tick(&s->c, base + 999u);
    assert_string_equal(script_log(s, false), GREET_LOG "> login = OK\n");
    pop3_client_tick(&s->c, base + 1001u);
    assert_contains(script_log(s, true), "CLOSED err=TIMEOUT_REPLY\n");
    script_free(s);
}

static void test_first_tick_only_sets_the_clock(void **state)
{
    (void)state;
    /* A port may start ticking late, from a counter far from 0. */
    script_opts o = {.greeting_timeout_ms = 1000};
    script *s = script_new(&o);
    pop3_client_tick(&s->c, 0x80000000u);
    pop3_client_tick(&s->c, 0x80000000u + 999u);
    assert_string_equal(script_log(s, false), "");
    pop3_client_tick(&s->c, 0x80000000u + 1001u);
    assert_contains(script_log(s, false), "CLOSED err=TIMEOUT_GREETING\n");
    script_free(s);
}

static void test_zero_timeouts_never_fire(void **state)
{
    (void)state;
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULES_END};
    script_opts o = {.rules = rules, .no_connect = true};
    script *s = script_new(&o);
    for (uint32_t t = 0; t < 10; t++)
        pop3_client_tick(&s->c, t * 0x40000000u);
    pop3_client_connected(&s->c);
    for (uint32_t t = 0; t < 10; t++)
        pop3_client_tick(&s->c, t * 0x40000000u);
    script_feed_str(s, GREET);
    for (uint32_t t = 0; t < 10; t++)
        pop3_client_tick(&s->c, t * 0x40000000u);
    assert_string_equal(script_log(s, true),
                        GREET_LOG "> login = OK\n" SUM_AUTH);
    script_free(s);
}

/* --- end of stream, failure, stray data ----------------------------------- */

static void test_eof_inside_body_is_truncated(void **state)
{
    (void)state;
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULE(LOGIN, NONE, "retr 1"),
                                        RULES_END};
    script_opts o = {.rules = rules, .eof = true};
    script_check(&o, LOGIN_SRV "+OK\r\nline one\r\npart",
                 LOGIN_LOG "> retr 1 = OK\n"
                           "MSG_BEGIN cmd=RETR msg=1 ''\n"
                           "MSG_DATA msg=1 'line one\\r\\npart'\n"
                           "CLOSED err=TRUNCATED\n" SUM_CLOSED("TRUNCATED"),
                 NULL);
}

static void test_eof_inside_listing_is_truncated(void **state)
{
    (void)state;
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULE(LOGIN, NONE, "uidl"), RULES_END};
    script_opts o = {.rules = rules, .eof = true};
    script_check(&o, LOGIN_SRV "+OK\r\n1 abc\r\n",
                 LOGIN_LOG "> uidl = OK\n"
                           "UIDL msg=1 'abc'\n"
                           "CLOSED err=TRUNCATED\n" SUM_CLOSED("TRUNCATED"),
                 NULL);
}

static void test_eof_between_replies_is_eof(void **state)
{
    (void)state;
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULES_END};
    script_opts o = {.rules = rules, .eof = true};
    script_check(&o, LOGIN_SRV,
                 LOGIN_LOG "CLOSED err=EOF\n" SUM_CLOSED("EOF"), NULL);
}

static void test_eof_after_quit_reply_keeps_clean_close(void **state)
{
    (void)state;
    static const script_rule rules[] = {RULE(GREETING, NONE, "quit"),
                                        RULES_END};
    script_opts o = {.rules = rules, .eof = true};
    script_check(&o, GREET "+OK bye\r\n",
                 GREET_LOG "> quit = OK\n"
                           "OK cmd=QUIT 'bye'\n"
                           "CLOSED err=CLOSED\n" SUM_CLOSED("CLOSED"),
                 "QUIT\r\n");
}

static void test_fail_ends_session_without_close(void **state)
{
    (void)state;
    /* pop3_transport.h: close is never called after pop3_client_fail(). */
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULES_END};
    script_opts o = {.rules = rules};
    script *s = script_new(&o);
    script_feed_str(s, GREET);
    pop3_client_fail(&s->c, POP3_ERR_RESET);
    assert_string_equal(script_log(s, true),
                        GREET_LOG "> login = OK\n"
                                  "CLOSED err=RESET\n"
                                  "= state=CLOSED err=RESET close=0\n");
    assert_int_equal(pop3_client_login(&s->c, "a", "b", POP3_AUTH_USER),
                     POP3_ERR_RESET);
    script_free(s);
}

static void test_reply_without_command_is_unexpected(void **state)
{
    (void)state;
    script_opts o = {0};
    script_check(&o, GREET "+OK surprise\r\n",
                 GREET_LOG "CLOSED err=UNEXPECTED\n" SUM_CLOSED("UNEXPECTED"),
                 "");
}

static void test_extra_reply_after_login_is_unexpected(void **state)
{
    (void)state;
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULES_END};
    script_opts o = {.rules = rules};
    script_check(&o, LOGIN_SRV "-ERR out of the blue\r\n",
                 LOGIN_LOG "CLOSED err=UNEXPECTED\n" SUM_CLOSED("UNEXPECTED"),
                 LOGIN_SENT);
}

static void test_input_after_close_is_not_consumed(void **state)
{
    (void)state;
    static const script_rule rules[] = {RULE(GREETING, NONE, "quit"),
                                        RULES_END};
    script_opts o = {.rules = rules};
    script *s = script_new(&o);
    script_feed_str(s, GREET);
    /* Octets after the reply that ended the session are not the engine's. */
    static const char tail[] = "+OK bye\r\nJUNK";
    size_t n = pop3_client_input(&s->c, tail, sizeof tail - 1);
    assert_int_equal(n, 9);
    assert_int_equal(pop3_client_input(&s->c, "+OK\r\n", 5) < 5, true);
    pop3_client_eof(&s->c);
    assert_string_equal(script_log(s, true),
                        GREET_LOG "> quit = OK\n"
                                  "OK cmd=QUIT 'bye'\n"
                                  "CLOSED err=CLOSED\n" SUM_CLOSED("CLOSED"));
    script_free(s);
}

static void test_commands_after_fatal_error_return_it(void **state)
{
    (void)state;
    /* Sticky errors: after one, every call returns the same code. */
    script_opts o = {.after = "capa; login; apop; stat; list; uidl; retr 1; "
                              "top 1 1; dele 1; rset; noop; quit"};
    script_check(&o, "+OKAY\r\n",
                 "CLOSED err=PROTOCOL\n"
                 "> capa = PROTOCOL\n"
                 "> login = PROTOCOL\n"
                 "> apop = PROTOCOL\n"
                 "> stat = PROTOCOL\n"
                 "> list = PROTOCOL\n"
                 "> uidl = PROTOCOL\n"
                 "> retr 1 = PROTOCOL\n"
                 "> top 1 1 = PROTOCOL\n"
                 "> dele 1 = PROTOCOL\n"
                 "> rset = PROTOCOL\n"
                 "> noop = PROTOCOL\n"
                 "> quit = PROTOCOL\n" SUM_CLOSED("PROTOCOL"),
                 "");
}

static void test_eof_before_greeting_is_eof(void **state)
{
    (void)state;
    script_opts o = {.eof = true};
    script_check(&o, "+OK POP3 ser", "CLOSED err=EOF\n" SUM_CLOSED("EOF"), "");
}

static void test_fail_while_connecting_reports_the_reason(void **state)
{
    (void)state;
    script_opts o = {.no_connect = true};
    script *s = script_new(&o);
    pop3_client_fail(&s->c, POP3_ERR_RESOLVE);
    pop3_client_fail(&s->c, POP3_ERR_CONNECT);
    pop3_client_eof(&s->c);
    pop3_client_tick(&s->c, 1);
    assert_string_equal(script_log(s, true),
                        "CLOSED err=RESOLVE\n"
                        "= state=CLOSED err=RESOLVE close=0\n");
    script_free(s);
}

static void test_empty_input_and_idle_calls_do_nothing(void **state)
{
    (void)state;
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULES_END};
    script_opts o = {.rules = rules};
    script *s = script_new(&o);
    assert_int_equal(pop3_client_input(&s->c, "", 0), 0);
    pop3_client_connected(&s->c); /* a second time: no effect */
    pop3_client_writable(&s->c);  /* nothing to write */
    script_feed_str(s, GREET);
    assert_int_equal(pop3_client_input(&s->c, "+OK\r\n", 0), 0);
    pop3_client_writable(&s->c);
    script_feed_str(s, "+OK\r\n+OK\r\n");
    assert_string_equal(script_sent(s), LOGIN_SENT);
    assert_string_equal(script_log(s, true),
                        GREET_LOG "> login = OK\n"
                                  "OK cmd=USER ''\n"
                                  "LOGIN cmd=PASS\n" SUM_TRANS);
    script_free(s);
}

static void test_calls_from_closed_callback_get_the_sticky_error(void **state)
{
    (void)state;
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULE(CLOSED, NONE, "noop; quit"),
                                        RULES_END};
    script_opts o = {.rules = rules};
    script_check(&o, LOGIN_SRV "+OKAY\r\n",
                 LOGIN_LOG "CLOSED err=UNEXPECTED\n"
                           "> noop = UNEXPECTED\n"
                           "> quit = UNEXPECTED\n" SUM_CLOSED("UNEXPECTED"),
                 LOGIN_SENT);
}

/* --- back-pressure -------------------------------------------------------- */

#define BODY_SRV "+OK\r\nfirst line\r\nsecond line\r\n.\r\n+OK fine\r\n"
#define BODY_LOG                                                               \
    "> retr 1 = OK\n"                                                          \
    "> noop = OK\n"                                                            \
    "MSG_BEGIN cmd=RETR msg=1 ''\n"                                            \
    "MSG_DATA msg=1 'first line\\r\\nsecond line\\r\\n'\n"                     \
    "MSG_END msg=1\n"                                                          \
    "OK cmd=NOOP 'fine'\n"

static void test_pause_in_msg_data_makes_input_return_early(void **state)
{
    (void)state;
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULE(LOGIN, NONE, "retr 1; noop"),
                                        RULES_END};
    pause_state p = {false};
    script_opts o = {.rules = rules, .app = pause_on_first_data,
                     .app_data = &p};
    script *s = script_new(&o);
    script_feed_str(s, LOGIN_SRV);
    static const char body[] = BODY_SRV;
    size_t n = pop3_client_input(&s->c, body, sizeof body - 1);
    assert_true(p.paused_once);
    assert_true(pop3_client_paused(&s->c));
    assert_true(n < sizeof body - 1);
    /* Nothing after the pausing event was delivered. */
    assert_not_contains(script_log(s, false), "MSG_END");
    pop3_client_resume(&s->c);
    assert_false(pop3_client_paused(&s->c));
    script_feed(s, body + n, sizeof body - 1 - n);
    assert_string_equal(script_log(s, true), LOGIN_LOG BODY_LOG SUM_TRANS);
    script_free(s);
}

static void test_pause_after_every_event_changes_nothing(void **state)
{
    (void)state;
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULE(LOGIN, NONE, "retr 1; noop"),
                                        RULES_END};
    script_opts o = {.rules = rules, .pause_on = 0xFFFFu};
    script *s = script_check_keep(&o, LOGIN_SRV BODY_SRV,
                                  strlen(LOGIN_SRV BODY_SRV),
                                  LOGIN_LOG BODY_LOG SUM_TRANS, NULL);
    assert_true(s->resumes > 0);
    script_free(s);
}

/* --- credentials ---------------------------------------------------------- */

static bool buf_has(const void *buf, size_t size, const char *needle)
{
    size_t n = strlen(needle);
    const char *b = buf;
    for (size_t i = 0; i + n <= size; i++)
        if (memcmp(b + i, needle, n) == 0)
            return true;
    return false;
}

static void check_pass_wiped(size_t max_chunk)
{
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULES_END};
    script_opts o = {.rules = rules, .max_chunk = max_chunk,
                     .pass = "s3cr3t-Pa55"};
    script *s = script_new(&o);
    /* Two steps: USER must have left before its reply can arrive. */
    script_feed_str(s, GREET);
    script_feed_str(s, "+OK\r\n");
    /* Without this, the wipe check below could pass trivially. */
    assert_string_equal(script_sent(s), "USER mrose\r\nPASS s3cr3t-Pa55\r\n");
    assert_false(pop3_client_want_write(&s->c));
    assert_false(buf_has(s->cmd_buf, s->cfg.cmd_size, "s3cr3t"));
    assert_false(buf_has(&s->c, sizeof s->c, "s3cr3t"));
    script_free(s);
}

static void test_pass_is_wiped_after_send(void **state)
{
    (void)state;
    check_pass_wiped(0);
}

static void test_pass_is_wiped_after_send_one_octet_at_a_time(void **state)
{
    (void)state;
    check_pass_wiped(1);
}

static void test_apop_digest_is_wiped_after_send(void **state)
{
    (void)state;
    static const script_rule rules[] = {RULE(GREETING, NONE, "apop"),
                                        RULES_END};
    script_opts o = {.rules = rules};
    script *s = script_new(&o);
    script_feed_str(s, GREET);
    assert_string_equal(script_sent(s), "APOP mrose " APOP_DIGEST "\r\n");
    assert_false(buf_has(s->cmd_buf, s->cfg.cmd_size, APOP_DIGEST));
    assert_false(buf_has(s->cmd_buf, s->cfg.cmd_size, "tanstaaf"));
    assert_false(buf_has(&s->c, sizeof s->c, "tanstaaf"));
    script_free(s);
}

static void test_free_wipes_an_unsent_password(void **state)
{
    (void)state;
    /* PASS stuck behind a stalled transport, then the application gives
     * up: pop3_client_free() must not leave the secret behind. */
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULES_END};
    script_opts o = {.rules = rules, .pass = "s3cr3t-Pa55"};
    script *s = script_new(&o);
    script_feed_str(s, GREET);
    s->mem.stall = 1;
    script_feed_str(s, "+OK\r\n");
    assert_string_equal(script_sent(s), "USER mrose\r\n");
    assert_true(pop3_client_want_write(&s->c));
    pop3_client_fail(&s->c, POP3_ERR_RESET);
    pop3_client_free(&s->c);
    assert_false(buf_has(s->cmd_buf, s->cfg.cmd_size, "s3cr3t"));
    script_free(s);
}

/* --- lifecycle ------------------------------------------------------------ */

static void test_config_defaults_use_the_configured_timeouts(void **state)
{
    (void)state;
    pop3_client_config cfg;
    memset(&cfg, 0xa5, sizeof cfg);
    pop3_client_config_defaults(&cfg);
    assert_null(cfg.transport);
    assert_null(cfg.cb);
    assert_null(cfg.line_buf);
    assert_null(cfg.cmd_buf);
    assert_null(cfg.queue);
    assert_int_equal(cfg.connect_timeout_ms, POP3_CONNECT_TIMEOUT_MS);
    assert_int_equal(cfg.greeting_timeout_ms, POP3_GREETING_TIMEOUT_MS);
    assert_int_equal(cfg.reply_timeout_ms, POP3_REPLY_TIMEOUT_MS);
    assert_int_equal(cfg.idle_timeout_ms, POP3_IDLE_TIMEOUT_MS);
}

static void noop_cb(pop3_client *c, const pop3_event *ev, void *user)
{
    (void)c;
    (void)ev;
    (void)user;
}

static void test_init_rejects_missing_or_small_storage(void **state)
{
    (void)state;
    static char line[POP3_LINE_MIN];
    static uint8_t cmd[POP3_CMD_MAX], sent[64];
    static pop3_slot queue[256];
    pop3_transport tr;
    pop3_transport_mem mem;
    pop3_transport_mem_init(&tr, &mem, sent, sizeof sent);
    pop3_client_config good;
    pop3_client_config_defaults(&good);
    good.transport = &tr;
    good.cb = noop_cb;
    good.line_buf = line;
    good.line_size = sizeof line;
    good.cmd_buf = cmd;
    good.cmd_size = sizeof cmd;
    good.queue = queue;
    good.queue_len = 4;

    static const pop3_transport no_send = {NULL, NULL, NULL};
    pop3_client c;
    assert_int_equal(pop3_client_init(&c, &good), POP3_OK);
    assert_int_equal(pop3_client_state(&c), POP3_STATE_CONNECTING);
    assert_int_equal(pop3_client_error(&c), POP3_OK);
    pop3_client_free(&c);

    for (int k = 0; k < 9; k++) {
        pop3_client_config bad = good;
        switch (k) {
        case 0: bad.transport = NULL; break;
        case 1: bad.transport = &no_send; break;
        case 2: bad.line_buf = NULL; break;
        case 3: bad.line_size = POP3_LINE_MIN - 1; break;
        case 4: bad.cmd_buf = NULL; break;
        case 5: bad.cmd_size = POP3_CMD_MAX - 1; break;
        case 6: bad.queue = NULL; break;
        case 7: bad.queue_len = 0; break;
        default: bad.queue_len = 1; break; /* pop3.h: 2..255 */
        }
        memset(&c, 0xa5, sizeof c);
        assert_int_equal(pop3_client_init(&c, &bad), POP3_ERR_ARG);
        /* pop3.h: a failed init leaves the client closed, so later calls
         * refuse instead of touching storage that was never given. */
        assert_int_equal(pop3_client_state(&c), POP3_STATE_CLOSED);
        assert_int_not_equal(pop3_client_stat(&c), POP3_OK);
        assert_int_not_equal(pop3_client_capa(&c), POP3_OK);
        pop3_client_free(&c);
    }
    assert_int_equal(mem.len, 0);
    assert_int_equal(mem.closed, 0);
}

static void test_init_accepts_a_queue_of_two(void **state)
{
    (void)state;
    /* pop3.h documents queue_len 2..255: USER and PASS take a slot each,
     * so two is the smallest queue that can log in. */
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULE(LOGIN, NONE, "dele 1; dele 2"),
                                        RULE(OK, DELE, "noop"), RULES_END};
    script_opts o = {.rules = rules, .queue_len = 2};
    script_check(&o, LOGIN_SRV "+OK\r\n+OK\r\n+OK\r\n",
                 LOGIN_LOG "> dele 1 = OK\n"
                           "> dele 2 = OK\n"
                           "OK cmd=DELE msg=1 ''\n"
                           "> noop = OK\n"
                           "OK cmd=DELE msg=2 ''\n"
                           "OK cmd=NOOP ''\n" SUM_TRANS,
                 LOGIN_SENT "DELE 1\r\nDELE 2\r\nNOOP\r\n");
}

static void test_free_zeroizes_and_accepts_null(void **state)
{
    (void)state;
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULES_END};
    script_opts o = {.rules = rules};
    script *s = script_new(&o);
    script_feed_str(s, GREET);
    pop3_client_free(&s->c);
    static const pop3_client zero;
    assert_memory_equal(&s->c, &zero, sizeof zero);
    /* pop3.h: free does not close the transport. */
    assert_int_equal(s->mem.closed, 0);
    pop3_client_free(NULL);
    script_free(s);
}

static void test_state_follows_the_session(void **state)
{
    (void)state;
    script_opts o = {.no_connect = true};
    script *s = script_new(&o);
    assert_int_equal(pop3_client_state(&s->c), POP3_STATE_CONNECTING);
    pop3_client_connected(&s->c);
    assert_int_equal(pop3_client_state(&s->c), POP3_STATE_GREETING);
    script_feed_str(s, GREET);
    assert_int_equal(pop3_client_state(&s->c), POP3_STATE_AUTHORIZATION);
    assert_int_equal(pop3_client_login(&s->c, "mrose", "tanstaaf",
                                       POP3_AUTH_USER),
                     POP3_OK);
    script_feed_str(s, "+OK\r\n");
    assert_int_equal(pop3_client_state(&s->c), POP3_STATE_AUTHORIZATION);
    script_feed_str(s, "+OK\r\n");
    assert_int_equal(pop3_client_state(&s->c), POP3_STATE_TRANSACTION);
    assert_int_equal(pop3_client_error(&s->c), POP3_OK);
    assert_int_equal(pop3_client_capa_flags(&s->c), 0);
    assert_int_equal(pop3_client_sasl_mechs(&s->c), 0);
    assert_false(pop3_client_pipelining(&s->c));
    assert_int_equal(pop3_client_quit(&s->c), POP3_OK);
    script_feed_str(s, "+OK\r\n");
    assert_int_equal(pop3_client_state(&s->c), POP3_STATE_CLOSED);
    assert_int_equal(pop3_client_error(&s->c), POP3_ERR_CLOSED);
    script_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_user_pass_login_sends_user_then_pass),
        cmocka_unit_test(test_apop_login_sends_rfc1939_digest),
        cmocka_unit_test(test_apop_without_timestamp_is_unavailable),
        cmocka_unit_test(test_apop_after_greeting_callback_is_unavailable),
        cmocka_unit_test(test_greeting_with_bare_ok),
        cmocka_unit_test(test_err_greeting_refuses_the_session),
        cmocka_unit_test(test_greeting_text_is_delivered_whole),
        cmocka_unit_test(test_err_to_apop_allows_fallback_to_user_pass),
        cmocka_unit_test(test_err_to_user_means_pass_is_never_sent),
        cmocka_unit_test(test_err_to_pass_stays_in_authorization),
        cmocka_unit_test(test_stat_reports_count_and_size),
        cmocka_unit_test(test_list_all_reports_each_message_then_end),
        cmocka_unit_test(test_list_one_is_single_line),
        cmocka_unit_test(test_uidl_all_reports_each_id_then_end),
        cmocka_unit_test(test_uidl_one_is_single_line),
        cmocka_unit_test(test_retr_streams_body_between_begin_and_end),
        cmocka_unit_test(test_top_sends_message_and_line_count),
        cmocka_unit_test(test_empty_body_gives_begin_and_end_only),
        cmocka_unit_test(test_dele_reports_ok_with_message_number),
        cmocka_unit_test(test_rset_and_noop_report_ok),
        cmocka_unit_test(test_quit_in_transaction_closes_cleanly),
        cmocka_unit_test(test_quit_in_authorization_closes_cleanly),
        cmocka_unit_test(test_full_session_in_one_transcript),
        cmocka_unit_test(test_err_reply_carries_server_text),
        cmocka_unit_test(test_err_without_text),
        cmocka_unit_test(test_err_response_codes_are_surfaced),
        cmocka_unit_test(test_without_pipelining_one_command_on_the_wire),
        cmocka_unit_test(test_with_pipelining_queued_retrs_sent_together),
        cmocka_unit_test(test_pipelined_retrs_in_one_buffer_get_their_own_data),
        cmocka_unit_test(test_queue_full_is_busy),
        cmocka_unit_test(test_pipelining_beyond_command_buffer),
        cmocka_unit_test(test_err_to_user_with_pipelining_answers_pass_too),
        cmocka_unit_test(test_err_to_user_without_pipelining_never_sends_pass),
        cmocka_unit_test(test_commands_behind_a_refused_password_never_leave),
        cmocka_unit_test(test_pipelined_login_carries_the_first_transaction_command),
        cmocka_unit_test(test_pipelined_error_does_not_disturb_later_replies),
        cmocka_unit_test(test_queue_ring_wraps_around),
        cmocka_unit_test(test_send_one_octet_at_a_time),
        cmocka_unit_test(test_send_refused_resumes_on_writable),
        cmocka_unit_test(test_send_refused_midway_keeps_the_rest),
        cmocka_unit_test(test_send_failure_closes_with_transport_error),
        cmocka_unit_test(test_abort_from_callback_drops_session_without_quit),
        cmocka_unit_test(test_connect_timeout),
        cmocka_unit_test(test_greeting_timeout),
        cmocka_unit_test(test_reply_timeout_ignores_a_partial_status_line),
        cmocka_unit_test(test_reply_timeout_not_hit_while_a_long_line_trickles_in),
        cmocka_unit_test(test_pause_time_does_not_count_toward_reply_timeout),
        cmocka_unit_test(test_idle_timeout_only_when_nothing_outstanding),
        cmocka_unit_test(test_command_restarts_idle_into_reply_wait),
        cmocka_unit_test(test_timeouts_survive_counter_wrap),
        cmocka_unit_test(test_first_tick_only_sets_the_clock),
        cmocka_unit_test(test_zero_timeouts_never_fire),
        cmocka_unit_test(test_eof_inside_body_is_truncated),
        cmocka_unit_test(test_eof_inside_listing_is_truncated),
        cmocka_unit_test(test_eof_between_replies_is_eof),
        cmocka_unit_test(test_eof_after_quit_reply_keeps_clean_close),
        cmocka_unit_test(test_fail_ends_session_without_close),
        cmocka_unit_test(test_reply_without_command_is_unexpected),
        cmocka_unit_test(test_extra_reply_after_login_is_unexpected),
        cmocka_unit_test(test_input_after_close_is_not_consumed),
        cmocka_unit_test(test_commands_after_fatal_error_return_it),
        cmocka_unit_test(test_eof_before_greeting_is_eof),
        cmocka_unit_test(test_fail_while_connecting_reports_the_reason),
        cmocka_unit_test(test_empty_input_and_idle_calls_do_nothing),
        cmocka_unit_test(test_calls_from_closed_callback_get_the_sticky_error),
        cmocka_unit_test(test_pause_in_msg_data_makes_input_return_early),
        cmocka_unit_test(test_pause_after_every_event_changes_nothing),
        cmocka_unit_test(test_pass_is_wiped_after_send),
        cmocka_unit_test(test_pass_is_wiped_after_send_one_octet_at_a_time),
        cmocka_unit_test(test_apop_digest_is_wiped_after_send),
        cmocka_unit_test(test_free_wipes_an_unsent_password),
        cmocka_unit_test(test_config_defaults_use_the_configured_timeouts),
        cmocka_unit_test(test_init_rejects_missing_or_small_storage),
        cmocka_unit_test(test_init_accepts_a_queue_of_two),
        cmocka_unit_test(test_free_zeroizes_and_accepts_null),
        cmocka_unit_test(test_state_follows_the_session),
    };
    return cmocka_run_group_tests(tests, NULL, script_teardown);
}
