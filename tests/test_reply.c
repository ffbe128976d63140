/* SPDX-License-Identifier: MIT */
/* test_reply.c - framing of server replies as the application sees it:
 * strict status lines, multi-line bodies and their dot-unstuffing, listing
 * and CAPA lines, numbers, and the bounded line buffer. Every transcript
 * runs whole, byte by byte and split at every offset (script_check).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/fixtures.h"

static const script_rule login_retr1[] = {RULE(GREETING, NONE, "login"),
                                          RULE(LOGIN, NONE, "retr 1"),
                                          RULES_END};
#define RETR_LOG LOGIN_LOG "> retr 1 = OK\n"

/* --- status lines --------------------------------------------------------- */

static void test_status_must_be_exactly_ok_or_err(void **state)
{
    (void)state;
    /* RFC 1939 sec. 3: "+OK" or "-ERR" in upper case, then a space or the
     * end of the line. Anything else is a broken server: the session ends
     * without a QUIT (nothing the server says can be trusted any more). */
    static const char *const greetings[] = {
        "+OKAY POP3 ready\r\n", "+ok POP3 ready\r\n", "OK POP3 ready\r\n",
        "+OK\tPOP3 ready\r\n",  "-ERRor\r\n",         "+0K ready\r\n",
        "\r\n",                 "+\r\n",              "* OK IMAP4 ready\r\n",
    };
    script_opts o = {0};
    for (size_t i = 0; i < sizeof greetings / sizeof greetings[0]; i++)
        script_check(&o, greetings[i],
                     "CLOSED err=PROTOCOL\n" SUM_CLOSED("PROTOCOL"), "");
}

static void test_malformed_status_mid_session_closes_without_quit(void **state)
{
    (void)state;
    static const char *const replies[] = {"+OKAY\r\n", "+ok\r\n", "OK\r\n",
                                          "-err no\r\n", "-ERR:no\r\n"};
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULE(LOGIN, NONE, "noop"), RULES_END};
    script_opts o = {.rules = rules};
    for (size_t i = 0; i < sizeof replies / sizeof replies[0]; i++) {
        char srv[256];
        snprintf(srv, sizeof srv, "%s%s", LOGIN_SRV, replies[i]);
        script_check(&o, srv,
                     LOGIN_LOG "> noop = OK\n"
                               "CLOSED err=PROTOCOL\n" SUM_CLOSED("PROTOCOL"),
                     LOGIN_SENT "NOOP\r\n");
    }
}

static void test_status_followed_by_crlf_is_accepted(void **state)
{
    (void)state;
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULE(LOGIN, NONE, "noop; noop"),
                                        RULES_END};
    script_opts o = {.rules = rules};
    script_check(&o, "+OK\r\n+OK\r\n+OK\r\n+OK\r\n-ERR\r\n",
                 "GREETING count=0 ''\n"
                 "> login = OK\n"
                 "OK cmd=USER ''\n"
                 "LOGIN cmd=PASS\n"
                 "> noop = OK\n"
                 "> noop = OK\n"
                 "OK cmd=NOOP ''\n"
                 "ERR cmd=NOOP ''\n" SUM_TRANS,
                 LOGIN_SENT "NOOP\r\nNOOP\r\n");
}

/* --- message bodies ------------------------------------------------------- */

static void test_body_is_dot_unstuffed(void **state)
{
    (void)state;
    /* RFC 1939 sec. 3: a line starting with "." had one prepended; a lone
     * ".." is a line holding ".", and a line that starts with "." but is
     * not the terminator loses its first octet. */
    script_opts o = {.rules = login_retr1};
    script_check(&o,
                 LOGIN_SRV "+OK\r\n..foo\r\n..\r\n...\r\nbar.\r\n.x\r\n"
                           "a.\r\n.\r\n",
                 RETR_LOG "MSG_BEGIN cmd=RETR msg=1 ''\n"
                          "MSG_DATA msg=1 '.foo\\r\\n.\\r\\n..\\r\\nbar.\\r\\n"
                          "x\\r\\na.\\r\\n'\n"
                          "MSG_END msg=1\n" SUM_TRANS,
                 NULL);
}

static void test_body_dot_then_cr_without_lf_is_data(void **state)
{
    (void)state;
    /* ".\rX" is not the terminator: the line is "\rX" after unstuffing.
     * The CR may arrive in a different read than what follows it. */
    script_opts o = {.rules = login_retr1};
    script_check(&o, LOGIN_SRV "+OK\r\na\r\n.\rX\r\n.\r\n",
                 RETR_LOG "MSG_BEGIN cmd=RETR msg=1 ''\n"
                          "MSG_DATA msg=1 'a\\r\\n\\rX\\r\\n'\n"
                          "MSG_END msg=1\n" SUM_TRANS,
                 NULL);
}

static void test_body_blank_lines_and_bare_cr_pass_through(void **state)
{
    (void)state;
    script_opts o = {.rules = login_retr1};
    script_check(&o, LOGIN_SRV "+OK\r\n\r\n\r\na\rb\r\n\r\n.\r\n",
                 RETR_LOG "MSG_BEGIN cmd=RETR msg=1 ''\n"
                          "MSG_DATA msg=1 '\\r\\n\\r\\na\\rb\\r\\n\\r\\n'\n"
                          "MSG_END msg=1\n" SUM_TRANS,
                 NULL);
}

static void test_body_bare_lf_dot_lf_is_content_not_the_end(void **state)
{
    (void)state;
    /* RFC 1939 sec. 3: lines end in CRLF. A bare LF inside a message is
     * content, and the server stuffs only lines that start after CRLF, so
     * "\n.\n" and "\n.x" are message octets: taking them as the end (or
     * as a stuffed dot) would let a sender end the message early and
     * append a forged reply. The forged "+OK" here stays in the body. */
    script_opts o = {.rules = login_retr1};
    script_check(&o,
                 LOGIN_SRV "+OK\r\na\n.\n+OK 5 octets\r\nb\n.x\r\n..y\r\n.\r\n",
                 RETR_LOG "MSG_BEGIN cmd=RETR msg=1 ''\n"
                          "MSG_DATA msg=1 'a\\n.\\n+OK 5 octets\\r\\nb\\n.x\\r\\n.y\\r\\n'\n"
                          "MSG_END msg=1\n" SUM_TRANS,
                 NULL);
}

static void test_body_with_lf_line_ends_never_ends(void **state)
{
    (void)state;
    /* A server that sends LF-only bodies never sends CRLF "." CRLF: the
     * reply does not end (the reply timeout ends the session), and end of
     * stream inside it is a truncation, never a guessed end. */
    script_opts o = {.rules = login_retr1, .eof = true};
    script_check(&o, LOGIN_SRV "+OK\r\nline one\nline two\n.\n",
                 RETR_LOG "MSG_BEGIN cmd=RETR msg=1 ''\n"
                          "MSG_DATA msg=1 'line one\\nline two\\n.\\n'\n"
                          "CLOSED err=TRUNCATED\n" SUM_CLOSED("TRUNCATED"),
                 NULL);
}

static void test_body_cr_before_lf_split_anywhere_still_ends_line(void **state)
{
    (void)state;
    /* The CR of a CRLF and its LF may come in different reads; the dot
     * after them is still at a line start. */
    script_opts o = {.rules = login_retr1};
    script_check(&o, LOGIN_SRV "+OK\r\nab\r\n..c\r\nd\r\r\n.\r\n",
                 RETR_LOG "MSG_BEGIN cmd=RETR msg=1 ''\n"
                          "MSG_DATA msg=1 'ab\\r\\n.c\\r\\nd\\r\\r\\n'\n"
                          "MSG_END msg=1\n" SUM_TRANS,
                 NULL);
}

static void test_body_starting_with_a_status_line_is_a_shifted_reply(void **state)
{
    (void)state;
    /* A message starts with header fields. A body whose first line is
     * "+OK ..." or "-ERR ..." is another command's reply: an unsolicited
     * line earlier shifted the session by one. Nothing of it may be
     * stored; the session ends without QUIT. */
    static const char *const firsts[] = {"+OK 120 octets\r\n", "+OK\r\n",
                                         "-ERR no such message\r\n", "-ERR\n"};
    script_opts o = {.rules = login_retr1};
    for (size_t i = 0; i < sizeof firsts / sizeof firsts[0]; i++) {
        char srv[512];
        snprintf(srv, sizeof srv, "%s+OK\r\n%sSubject: x\r\n\r\nbody\r\n.\r\n",
                 LOGIN_SRV, firsts[i]);
        script_check(&o, srv,
                     RETR_LOG "MSG_BEGIN cmd=RETR msg=1 ''\n"
                              "CLOSED err=UNEXPECTED\n" SUM_CLOSED("UNEXPECTED"),
                     NULL);
    }
}

static void test_body_starting_like_a_status_line_is_data(void **state)
{
    (void)state;
    /* Only a whole "+OK"/"-ERR" token is a status line; "+OKAY", "-E" and
     * a lone "+" are message octets, handed out unchanged. */
    script_opts o = {.rules = login_retr1};
    script_check(&o, LOGIN_SRV "+OK\r\n+OKAY\r\n-E\r\n.\r\n",
                 RETR_LOG "MSG_BEGIN cmd=RETR msg=1 ''\n"
                          "MSG_DATA msg=1 '+OKAY\\r\\n-E\\r\\n'\n"
                          "MSG_END msg=1\n" SUM_TRANS,
                 NULL);
    script_check(&o, LOGIN_SRV "+OK\r\n+\r\n.\r\n",
                 RETR_LOG "MSG_BEGIN cmd=RETR msg=1 ''\n"
                          "MSG_DATA msg=1 '+\\r\\n'\n"
                          "MSG_END msg=1\n" SUM_TRANS,
                 NULL);
    script_check(&o, LOGIN_SRV "+OK\r\n-ER.\r\n.\r\n",
                 RETR_LOG "MSG_BEGIN cmd=RETR msg=1 ''\n"
                          "MSG_DATA msg=1 '-ER.\\r\\n'\n"
                          "MSG_END msg=1\n" SUM_TRANS,
                 NULL);
}

static void test_body_last_line_crlf_is_delivered(void **state)
{
    (void)state;
    /* The CRLF before "." belongs to the last line (RFC 1939 sec. 3). */
    script_opts o = {.rules = login_retr1};
    script_check(&o, LOGIN_SRV "+OK\r\nhello\r\n.\r\n",
                 RETR_LOG "MSG_BEGIN cmd=RETR msg=1 ''\n"
                          "MSG_DATA msg=1 'hello\\r\\n'\n"
                          "MSG_END msg=1\n" SUM_TRANS,
                 NULL);
}

static void test_body_terminator_found_wherever_split(void **state)
{
    (void)state;
    /* Two bodies whose terminators sit next to look-alikes; the checker
     * cuts between every pair of the five terminator octets. */
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULE(LOGIN, NONE, "retr 1"),
                                        RULE(MSG_END, NONE, "retr 2"),
                                        RULES_END};
    script_opts o = {.rules = rules};
    script_check(&o,
                 "+OK\r\n+OK\r\n+OK\r\n"
                 "+OK\r\n.\r.\r\n..\r\n.\r\n"
                 "+OK\r\n\r\n.\r\n",
                 "GREETING count=0 ''\n"
                 "> login = OK\n"
                 "OK cmd=USER ''\n"
                 "LOGIN cmd=PASS\n"
                 "> retr 1 = OK\n"
                 "MSG_BEGIN cmd=RETR msg=1 ''\n"
                 "MSG_DATA msg=1 '\\r.\\r\\n.\\r\\n'\n"
                 "MSG_END msg=1\n"
                 "> retr 2 = OK\n"
                 "MSG_BEGIN cmd=RETR msg=2 ''\n"
                 "MSG_DATA msg=2 '\\r\\n'\n"
                 "MSG_END msg=2\n" SUM_TRANS,
                 LOGIN_SENT "RETR 1\r\nRETR 2\r\n");
}

static void test_body_line_longer_than_line_buffer(void **state)
{
    (void)state;
    /* Bodies stream: only status and listing lines are bounded. */
    enum { LONG = 5000 };
    char *srv = malloc(sizeof LOGIN_SRV + 32 + LONG);
    char *want = malloc(sizeof RETR_LOG + 256 + LONG);
    assert_non_null(srv);
    assert_non_null(want);
    int n = sprintf(srv, "%s+OK %d octets\r\n", LOGIN_SRV, LONG + 2);
    memset(srv + n, 'a', LONG);
    strcpy(srv + n + LONG, "\r\n.\r\n");
    n = sprintf(want, "%sMSG_BEGIN cmd=RETR msg=1 '%d octets'\n"
                      "MSG_DATA msg=1 '",
                RETR_LOG, LONG + 2);
    memset(want + n, 'a', LONG);
    strcpy(want + n + LONG, "\\r\\n'\nMSG_END msg=1\n" SUM_TRANS);
    script_opts o = {.rules = login_retr1};
    script_check(&o, srv, want, NULL);
    free(srv);
    free(want);
}

static void test_body_framing_ignores_announced_sizes(void **state)
{
    (void)state;
    /* LIST and the RETR status line say 5 octets; only the terminator
     * ends the body (sizes may count LF line ends, RFC 1939 sec. 11). */
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULE(LOGIN, NONE, "list"),
                                        RULE(END, LIST, "retr 1"), RULES_END};
    script_opts o = {.rules = rules};
    script_check(&o,
                 LOGIN_SRV "+OK\r\n1 5\r\n.\r\n"
                           "+OK 5 octets\r\nmuch more than five octets\r\n"
                           "and a second line\r\n.\r\n",
                 LOGIN_LOG "> list = OK\n"
                           "LIST msg=1 size=5\n"
                           "END cmd=LIST\n"
                           "> retr 1 = OK\n"
                           "MSG_BEGIN cmd=RETR msg=1 '5 octets'\n"
                           "MSG_DATA msg=1 'much more than five octets\\r\\n"
                           "and a second line\\r\\n'\n"
                           "MSG_END msg=1\n" SUM_TRANS,
                 NULL);
}

static void test_body_8bit_and_nul_octets_pass_through(void **state)
{
    (void)state;
    static const char srv[] = LOGIN_SRV "+OK\r\ncaf\xc3\xa9 \x00\xff\x80\x7f"
                                        "\r\n\x00\r\n.\r\n";
    script_opts o = {.rules = login_retr1};
    script *s = script_check_keep(
        &o, srv, sizeof srv - 1,
        RETR_LOG "MSG_BEGIN cmd=RETR msg=1 ''\n"
                 "MSG_DATA msg=1 'caf\\xc3\\xa9 \\x00\\xff\\x80\\x7f\\r\\n"
                 "\\x00\\r\\n'\n"
                 "MSG_END msg=1\n" SUM_TRANS,
        NULL);
    script_free(s);
}

static void test_top_body_is_framed_like_retr(void **state)
{
    (void)state;
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULE(LOGIN, NONE, "top 1 1"),
                                        RULE(MSG_END, NONE, "noop"),
                                        RULES_END};
    script_opts o = {.rules = rules};
    script_check(&o,
                 LOGIN_SRV "+OK top of message follows\r\nSubject: a\r\n\r\n"
                           "..first\r\n.\r\n+OK\r\n",
                 LOGIN_LOG "> top 1 1 = OK\n"
                           "MSG_BEGIN cmd=TOP msg=1 'top of message follows'\n"
                           "MSG_DATA msg=1 'Subject: a\\r\\n\\r\\n.first\\r\\n'\n"
                           "MSG_END msg=1\n"
                           "> noop = OK\n"
                           "OK cmd=NOOP ''\n" SUM_TRANS,
                 LOGIN_SENT "TOP 1 1\r\nNOOP\r\n");
}

/* --- listings ------------------------------------------------------------- */

static void test_empty_listing(void **state)
{
    (void)state;
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULE(LOGIN, NONE, "list"),
                                        RULE(END, LIST, "uidl"), RULES_END};
    script_opts o = {.rules = rules};
    script_check(&o, LOGIN_SRV "+OK\r\n.\r\n+OK\r\n.\r\n",
                 LOGIN_LOG "> list = OK\n"
                           "END cmd=LIST\n"
                           "> uidl = OK\n"
                           "END cmd=UIDL\n" SUM_TRANS,
                 NULL);
}

static void test_listing_fields_separated_by_several_spaces(void **state)
{
    (void)state;
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULE(LOGIN, NONE, "list"),
                                        RULE(END, LIST, "uidl"), RULES_END};
    script_opts o = {.rules = rules};
    script_check(&o,
                 LOGIN_SRV "+OK\r\n1   120\r\n2  200\r\n.\r\n"
                           "+OK\r\n1    whqtswO00WBw418f9t5JxYwZ\r\n"
                           "2  QhdPYR:00WBw1Ph7x7\r\n.\r\n",
                 LOGIN_LOG "> list = OK\n"
                           "LIST msg=1 size=120\n"
                           "LIST msg=2 size=200\n"
                           "END cmd=LIST\n"
                           "> uidl = OK\n"
                           "UIDL msg=1 'whqtswO00WBw418f9t5JxYwZ'\n"
                           "UIDL msg=2 'QhdPYR:00WBw1Ph7x7'\n"
                           "END cmd=UIDL\n" SUM_TRANS,
                 NULL);
}

static void test_scan_listing_may_carry_more_after_size(void **state)
{
    (void)state;
    /* RFC 1939 sec. 5: no requirement on what follows the size. */
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULE(LOGIN, NONE, "list"), RULES_END};
    script_opts o = {.rules = rules};
    script_check(&o, LOGIN_SRV "+OK\r\n1 120 seen\r\n2 200 x y z\r\n.\r\n",
                 LOGIN_LOG "> list = OK\n"
                           "LIST msg=1 size=120\n"
                           "LIST msg=2 size=200\n"
                           "END cmd=LIST\n" SUM_TRANS,
                 NULL);
}

static void test_listing_numbers_at_their_limits(void **state)
{
    (void)state;
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULE(LOGIN, NONE, "list"), RULES_END};
    script_opts o = {.rules = rules};
    script_check(&o,
                 LOGIN_SRV "+OK\r\n4294967295 18446744073709551615\r\n"
                           "007 0\r\n.\r\n",
                 LOGIN_LOG "> list = OK\n"
                           "LIST msg=4294967295 size=18446744073709551615\n"
                           "LIST msg=7 size=0\n"
                           "END cmd=LIST\n" SUM_TRANS,
                 NULL);
}

static void test_bad_numbers_end_the_session(void **state)
{
    (void)state;
    static const struct {
        const char *cmd;
        const char *reply;
    } cases[] = {
        {"stat", "+OK 99999999999999999999999 5\r\n"},
        {"stat", "+OK 4294967296 5\r\n"},
        {"stat", "+OK 2 18446744073709551616\r\n"},
        {"stat", "+OK two 320\r\n"},
        {"stat", "+OK 2\r\n"},
        {"stat", "+OK\r\n"},
        {"stat", "+OK -2 320\r\n"},
        {"list", "+OK\r\n1 99999999999999999999999\r\n.\r\n"},
        {"list", "+OK\r\n4294967296 1\r\n.\r\n"},
        {"list", "+OK\r\n1\r\n.\r\n"},
        {"list", "+OK\r\nx 1\r\n.\r\n"},
        {"list", "+OK\r\n1 x\r\n.\r\n"},
        {"list 1", "+OK 1\r\n"},
        {"list 1", "+OK one 120\r\n"},
        {"uidl", "+OK\r\nx abc\r\n.\r\n"},
        {"uidl 1", "+OK 99999999999 abc\r\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        script_rule rules[] = {RULE(GREETING, NONE, "login"),
                               RULE(LOGIN, NONE, cases[i].cmd), RULES_END};
        script_opts o = {.rules = rules,
                         .quiet = SCRIPT_BIT(POP3_EV_LIST) |
                                  SCRIPT_BIT(POP3_EV_UIDL)};
        char srv[256], log[512];
        snprintf(srv, sizeof srv, "%s%s", LOGIN_SRV, cases[i].reply);
        snprintf(log, sizeof log, "%s> %s = OK\nCLOSED err=NUMBER\n%s",
                 LOGIN_LOG, cases[i].cmd, SUM_CLOSED("NUMBER"));
        print_message("  %s -> %s", cases[i].cmd,
                      script_escape(cases[i].reply, strlen(cases[i].reply)));
        print_message("\n");
        script_check(&o, srv, log, NULL);
    }
}

/* --- CAPA ----------------------------------------------------------------- */

static void test_capa_sets_flags_and_sasl_mechanisms(void **state)
{
    (void)state;
    static const script_rule rules[] = {RULE(GREETING, NONE, "capa"),
                                        RULES_END};
    script_opts o = {.rules = rules};
    static const char srv[] =
        GREET "+OK Capability list follows\r\n"
              "TOP\r\n"
              "USER\r\n"
              "SASL PLAIN LOGIN CRAM-MD5 XOAUTH2 OAUTHBEARER\r\n"
              "RESP-CODES\r\n"
              "PIPELINING\r\n"
              "UIDL\r\n"
              "STLS\r\n"
              "EXPIRE 30\r\n"
              "LOGIN-DELAY 900\r\n"
              "IMPLEMENTATION Shlemazle-Plotz-v302\r\n"
              "AUTH-RESP-CODE\r\n"
              "X-UNKNOWN whatever\r\n"
              ".\r\n";
    script *s = script_check_keep(
        &o, srv, sizeof srv - 1,
        GREET_LOG "> capa = OK\n"
                  "CAPA_LINE 'TOP'\n"
                  "CAPA_LINE 'USER'\n"
                  "CAPA_LINE 'SASL PLAIN LOGIN CRAM-MD5 XOAUTH2 OAUTHBEARER'\n"
                  "CAPA_LINE 'RESP-CODES'\n"
                  "CAPA_LINE 'PIPELINING'\n"
                  "CAPA_LINE 'UIDL'\n"
                  "CAPA_LINE 'STLS'\n"
                  "CAPA_LINE 'EXPIRE 30'\n"
                  "CAPA_LINE 'LOGIN-DELAY 900'\n"
                  "CAPA_LINE 'IMPLEMENTATION Shlemazle-Plotz-v302'\n"
                  "CAPA_LINE 'AUTH-RESP-CODE'\n"
                  "CAPA_LINE 'X-UNKNOWN whatever'\n"
                  "END cmd=CAPA\n" SUM_AUTH,
        "CAPA\r\n");
    assert_int_equal(pop3_client_capa_flags(&s->c),
                     POP3_CAPA_TOP | POP3_CAPA_USER | POP3_CAPA_SASL |
                         POP3_CAPA_RESP_CODES | POP3_CAPA_PIPELINING |
                         POP3_CAPA_UIDL | POP3_CAPA_STLS | POP3_CAPA_EXPIRE |
                         POP3_CAPA_LOGIN_DELAY | POP3_CAPA_IMPLEMENTATION |
                         POP3_CAPA_AUTH_RESP_CODE);
    assert_int_equal(pop3_client_sasl_mechs(&s->c),
                     POP3_SASL_PLAIN | POP3_SASL_LOGIN | POP3_SASL_CRAM_MD5 |
                         POP3_SASL_XOAUTH2 | POP3_SASL_OAUTHBEARER);
    assert_true(pop3_client_pipelining(&s->c));
    script_free(s);
}

static void test_capa_expire_and_login_delay_values(void **state)
{
    (void)state;
    /* RFC 2449 sec. 6.6/6.7: the values reach the application, NEVER as
     * POP3_EXPIRE_NEVER, and a later CAPA without them clears them. */
    static const script_rule rules[] = {RULE(GREETING, NONE, "capa"),
                                        RULES_END};
    script_opts o = {.rules = rules, .quiet = SCRIPT_BIT(POP3_EV_CAPA_LINE)};
    static const char srv[] = GREET "+OK\r\nEXPIRE 30\r\nLOGIN-DELAY 900\r\n.\r\n";
    static const char never[] = GREET "+OK\r\nEXPIRE NEVER\r\n.\r\n";
    static const char none[] = GREET "+OK\r\nTOP\r\n.\r\n";
    script *s = script_check_keep(&o, srv, sizeof srv - 1,
                                  GREET_LOG "> capa = OK\nEND cmd=CAPA\n" SUM_AUTH, NULL);
    assert_int_equal(pop3_client_capa_expire(&s->c), 30);
    assert_int_equal(pop3_client_capa_login_delay(&s->c), 900);
    script_free(s);
    s = script_check_keep(&o, never, sizeof never - 1,
                          GREET_LOG "> capa = OK\nEND cmd=CAPA\n" SUM_AUTH, NULL);
    assert_int_equal(pop3_client_capa_expire(&s->c), POP3_EXPIRE_NEVER);
    assert_int_equal(pop3_client_capa_login_delay(&s->c), 0);
    script_free(s);
    s = script_check_keep(&o, none, sizeof none - 1,
                          GREET_LOG "> capa = OK\nEND cmd=CAPA\n" SUM_AUTH, NULL);
    assert_int_equal(pop3_client_capa_expire(&s->c), 0);
    script_free(s);
    /* pop3.h: held in 16 bits, so values beyond saturate (never wrap, and
     * a huge EXPIRE is never taken for NEVER). */
    static const char big[] = GREET "+OK\r\nEXPIRE 4294967294\r\nLOGIN-DELAY 70000\r\n.\r\n";
    s = script_check_keep(&o, big, sizeof big - 1,
                          GREET_LOG "> capa = OK\nEND cmd=CAPA\n" SUM_AUTH, NULL);
    assert_int_equal(pop3_client_capa_expire(&s->c), 65534);
    assert_int_equal(pop3_client_capa_login_delay(&s->c), 65535);
    script_free(s);
}

static void test_capa_unknown_sasl_mechanisms_are_ignored(void **state)
{
    (void)state;
    static const script_rule rules[] = {RULE(GREETING, NONE, "capa"),
                                        RULES_END};
    script_opts o = {.rules = rules, .quiet = SCRIPT_BIT(POP3_EV_CAPA_LINE)};
    static const char srv[] =
        GREET "+OK\r\nSASL GSSAPI PLAIN SCRAM-SHA-1 CRAM-MD5X\r\n.\r\n";
    script *s = script_check_keep(&o, srv, sizeof srv - 1,
                                  GREET_LOG "> capa = OK\n"
                                            "END cmd=CAPA\n" SUM_AUTH,
                                  NULL);
    assert_int_equal(pop3_client_capa_flags(&s->c), POP3_CAPA_SASL);
    assert_int_equal(pop3_client_sasl_mechs(&s->c), POP3_SASL_PLAIN);
    script_free(s);
}

static void test_capa_tolerates_empty_lines(void **state)
{
    (void)state;
    static const script_rule rules[] = {RULE(GREETING, NONE, "capa"),
                                        RULE(END, CAPA, "login"), RULES_END};
    script_opts o = {.rules = rules, .quiet = SCRIPT_BIT(POP3_EV_CAPA_LINE)};
    static const char srv[] =
        GREET "+OK\r\nTOP\r\n\r\nUSER\r\n\r\n\r\nUIDL\r\n.\r\n+OK\r\n+OK\r\n";
    script *s = script_check_keep(&o, srv, sizeof srv - 1,
                                  GREET_LOG "> capa = OK\n"
                                            "END cmd=CAPA\n"
                                            "> login = OK\n"
                                            "OK cmd=USER ''\n"
                                            "LOGIN cmd=PASS\n" SUM_TRANS,
                                  "CAPA\r\n" LOGIN_SENT);
    assert_int_equal(pop3_client_capa_flags(&s->c),
                     POP3_CAPA_TOP | POP3_CAPA_USER | POP3_CAPA_UIDL);
    script_free(s);
}

static void test_capa_flags_come_from_the_last_reply(void **state)
{
    (void)state;
    /* RFC 2449 sec. 5: capabilities may change after login. */
    static const script_rule rules[] = {RULE(GREETING, NONE, "capa; login"),
                                        RULE(LOGIN, NONE, "capa"), RULES_END};
    script_opts o = {.rules = rules, .quiet = SCRIPT_BIT(POP3_EV_CAPA_LINE)};
    static const char srv[] = GREET "+OK\r\nUSER\r\nPIPELINING\r\nSTLS\r\n"
                                    ".\r\n+OK\r\n+OK\r\n+OK\r\nTOP\r\n.\r\n";
    script *s = script_check_keep(&o, srv, sizeof srv - 1, NULL, NULL);
    assert_int_equal(pop3_client_capa_flags(&s->c), POP3_CAPA_TOP);
    assert_false(pop3_client_pipelining(&s->c));
    assert_int_equal(pop3_client_state(&s->c), POP3_STATE_TRANSACTION);
    script_free(s);
}

static void test_capa_refused_is_a_server_error(void **state)
{
    (void)state;
    /* An RFC 1939-only server: -ERR to CAPA, and the session goes on. */
    static const script_rule rules[] = {RULE(GREETING, NONE, "capa; login"),
                                        RULES_END};
    script_opts o = {.rules = rules};
    script *s = script_check_keep(
        &o, GREET "-ERR unknown command\r\n+OK\r\n+OK\r\n",
        strlen(GREET "-ERR unknown command\r\n+OK\r\n+OK\r\n"),
        GREET_LOG "> capa = OK\n"
                  "> login = OK\n"
                  "ERR cmd=CAPA 'unknown command'\n"
                  "OK cmd=USER ''\n"
                  "LOGIN cmd=PASS\n" SUM_TRANS,
        "CAPA\r\n" LOGIN_SENT);
    assert_int_equal(pop3_client_capa_flags(&s->c), 0);
    assert_false(pop3_client_pipelining(&s->c));
    script_free(s);
}

/* --- the line buffer ------------------------------------------------------ */

static char *line_of(const char *prefix, size_t total)
{
    /* prefix, then 'x' up to `total` octets including the CRLF. */
    char *p = malloc(total + 1);
    assert_non_null(p);
    size_t n = strlen(prefix);
    memcpy(p, prefix, n);
    memset(p + n, 'x', total - 2 - n);
    memcpy(p + total - 2, "\r\n", 3);
    return p;
}

static void test_status_line_of_512_octets_fits(void **state)
{
    (void)state;
    /* RFC 1939 sec. 3: responses may be 512 octets including CRLF, and the
     * smallest line buffer accepted is exactly that. */
    char *greet = line_of("+OK ", 512);
    script_opts o = {0};
    script *s = script_check_keep(&o, greet, strlen(greet), NULL, "");
    const char *log = script_log(s, true);
    assert_contains(log, "GREETING count=0 'xxxx");
    assert_contains(log, SUM_AUTH);
    script_free(s);
    free(greet);
}

static void test_status_line_too_long(void **state)
{
    (void)state;
    char *greet = line_of("+OK ", 600);
    script_opts o = {0};
    script_check(&o, greet,
                 "CLOSED err=LINE_TOO_LONG\n" SUM_CLOSED("LINE_TOO_LONG"), "");
    /* A bigger buffer takes the same line. */
    o.line_size = 1024;
    script *s = script_check_keep(&o, greet, strlen(greet), NULL, "");
    assert_contains(script_log(s, true), SUM_AUTH);
    script_free(s);
    free(greet);
}

static void test_listing_line_too_long(void **state)
{
    (void)state;
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULE(LOGIN, NONE, "uidl"), RULES_END};
    script_opts o = {.rules = rules};
    char *line = line_of("1 ", 700);
    char *srv = malloc(strlen(line) + sizeof LOGIN_SRV + 16);
    assert_non_null(srv);
    sprintf(srv, "%s+OK\r\n%s.\r\n", LOGIN_SRV, line);
    script_check(&o, srv,
                 LOGIN_LOG "> uidl = OK\n"
                           "CLOSED err=LINE_TOO_LONG\n"
                           SUM_CLOSED("LINE_TOO_LONG"),
                 LOGIN_SENT "UIDL\r\n");
    free(srv);
    free(line);
}

static void test_capa_line_too_long(void **state)
{
    (void)state;
    static const script_rule rules[] = {RULE(GREETING, NONE, "capa"),
                                        RULES_END};
    script_opts o = {.rules = rules};
    char *line = line_of("IMPLEMENTATION ", 513 + 100);
    char *srv = malloc(strlen(line) + sizeof GREET + 16);
    assert_non_null(srv);
    sprintf(srv, "%s+OK\r\n%s.\r\n", GREET, line);
    script_check(&o, srv,
                 GREET_LOG "> capa = OK\n"
                           "CLOSED err=LINE_TOO_LONG\n"
                           SUM_CLOSED("LINE_TOO_LONG"),
                 "CAPA\r\n");
    free(srv);
    free(line);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_must_be_exactly_ok_or_err),
        cmocka_unit_test(test_malformed_status_mid_session_closes_without_quit),
        cmocka_unit_test(test_status_followed_by_crlf_is_accepted),
        cmocka_unit_test(test_body_is_dot_unstuffed),
        cmocka_unit_test(test_body_dot_then_cr_without_lf_is_data),
        cmocka_unit_test(test_body_blank_lines_and_bare_cr_pass_through),
        cmocka_unit_test(test_body_bare_lf_dot_lf_is_content_not_the_end),
        cmocka_unit_test(test_body_with_lf_line_ends_never_ends),
        cmocka_unit_test(test_body_cr_before_lf_split_anywhere_still_ends_line),
        cmocka_unit_test(test_body_starting_with_a_status_line_is_a_shifted_reply),
        cmocka_unit_test(test_body_starting_like_a_status_line_is_data),
        cmocka_unit_test(test_body_last_line_crlf_is_delivered),
        cmocka_unit_test(test_body_terminator_found_wherever_split),
        cmocka_unit_test(test_body_line_longer_than_line_buffer),
        cmocka_unit_test(test_body_framing_ignores_announced_sizes),
        cmocka_unit_test(test_body_8bit_and_nul_octets_pass_through),
        cmocka_unit_test(test_top_body_is_framed_like_retr),
        cmocka_unit_test(test_empty_listing),
        cmocka_unit_test(test_listing_fields_separated_by_several_spaces),
        cmocka_unit_test(test_scan_listing_may_carry_more_after_size),
        cmocka_unit_test(test_listing_numbers_at_their_limits),
        cmocka_unit_test(test_bad_numbers_end_the_session),
        cmocka_unit_test(test_capa_sets_flags_and_sasl_mechanisms),
        cmocka_unit_test(test_capa_expire_and_login_delay_values),
        cmocka_unit_test(test_capa_unknown_sasl_mechanisms_are_ignored),
        cmocka_unit_test(test_capa_tolerates_empty_lines),
        cmocka_unit_test(test_capa_flags_come_from_the_last_reply),
        cmocka_unit_test(test_capa_refused_is_a_server_error),
        cmocka_unit_test(test_status_line_of_512_octets_fits),
        cmocka_unit_test(test_status_line_too_long),
        cmocka_unit_test(test_listing_line_too_long),
        cmocka_unit_test(test_capa_line_too_long),
    };
    return cmocka_run_group_tests(tests, NULL, script_teardown);
}
