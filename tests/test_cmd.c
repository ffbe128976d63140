/* SPDX-License-Identifier: MIT */
/* test_cmd.c - what the command functions accept, refuse and put on the
 * wire: protocol-state rules (RFC 1939 secs. 4-6), argument checks (no CR,
 * LF or NUL, RFC 2449 sec. 4 line length, message numbers >= 1) and the
 * exact command lines. A refused command must send nothing and leave the
 * queue as it was.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/fixtures.h"

#define ALL_TRANSACTION                                                        \
    "stat; list; list 1; uidl; uidl 1; retr 1; top 1 1; dele 1; rset; noop"

/* --- state rules ---------------------------------------------------------- */

static void test_commands_before_greeting_are_refused(void **state)
{
    (void)state;
    /* CONNECTING (before pop3_client_connected) and GREETING: nothing may
     * be sent before the server spoke. */
    static const char every[] = "capa; login; apop; quit; " ALL_TRANSACTION;
    static const char want[] = "> capa = STATE\n"
                               "> login = STATE\n"
                               "> apop = STATE\n"
                               "> quit = STATE\n"
                               "> stat = STATE\n"
                               "> list = STATE\n"
                               "> list 1 = STATE\n"
                               "> uidl = STATE\n"
                               "> uidl 1 = STATE\n"
                               "> retr 1 = STATE\n"
                               "> top 1 1 = STATE\n"
                               "> dele 1 = STATE\n"
                               "> rset = STATE\n"
                               "> noop = STATE\n";
    script_opts o = {.pre = every, .post = every};
    script *s = script_new(&o);
    char expect[2 * sizeof want + 64];
    snprintf(expect, sizeof expect, "%s%s= state=GREETING err=OK close=0\n",
             want, want);
    assert_string_equal(script_log(s, true), expect);
    assert_string_equal(script_sent(s), "");
    assert_int_equal(pop3_client_pending(&s->c), 0);
    script_free(s);
}

static void test_transaction_commands_before_login_are_refused(void **state)
{
    (void)state;
    /* In AUTHORIZATION with no login queued they are refused; once a login
     * is queued they may follow it (sent after it, never before). */
    static const script_rule rules[] = {
        RULE(GREETING, NONE, ALL_TRANSACTION "; login; " ALL_TRANSACTION),
        RULES_END};
    script_opts o = {.rules = rules, .queue_len = 16};
    script_check(&o, GREET,
                 GREET_LOG "> stat = STATE\n"
                           "> list = STATE\n"
                           "> list 1 = STATE\n"
                           "> uidl = STATE\n"
                           "> uidl 1 = STATE\n"
                           "> retr 1 = STATE\n"
                           "> top 1 1 = STATE\n"
                           "> dele 1 = STATE\n"
                           "> rset = STATE\n"
                           "> noop = STATE\n"
                           "> login = OK\n"
                           "> stat = OK\n"
                           "> list = OK\n"
                           "> list 1 = OK\n"
                           "> uidl = OK\n"
                           "> uidl 1 = OK\n"
                           "> retr 1 = OK\n"
                           "> top 1 1 = OK\n"
                           "> dele 1 = OK\n"
                           "> rset = OK\n"
                           "> noop = OK\n" SUM_AUTH,
                 "USER mrose\r\n");
}

static void test_commands_queued_behind_login_wait_for_it(void **state)
{
    (void)state;
    /* Without PIPELINING each waits for the reply before it, and message
     * number 0 is still refused. */
    static const script_rule rules[] = {
        RULE(GREETING, NONE, "login; retr 0; stat; dele 2"), RULES_END};
    script_opts o = {.rules = rules};
    script_check(&o, GREET "+OK\r\n+OK\r\n+OK 2 20\r\n+OK\r\n",
                 GREET_LOG "> login = OK\n"
                           "> retr 0 = ARG\n"
                           "> stat = OK\n"
                           "> dele 2 = OK\n"
                           "OK cmd=USER ''\n"
                           "LOGIN cmd=PASS\n"
                           "STAT count=2 size=20\n"
                           "OK cmd=DELE msg=2 ''\n" SUM_TRANS,
                 LOGIN_SENT "STAT\r\nDELE 2\r\n");
}

static void test_login_after_login_is_refused(void **state)
{
    (void)state;
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULE(LOGIN, NONE, "login; apop"),
                                        RULES_END};
    script_opts o = {.rules = rules};
    script_check(&o, LOGIN_SRV,
                 LOGIN_LOG "> login = STATE\n"
                           "> apop = STATE\n" SUM_TRANS,
                 LOGIN_SENT);
}

static void test_login_behind_quit_is_refused_and_forgotten(void **state)
{
    (void)state;
    /* QUIT in AUTHORIZATION ends the session: a login queued behind it
     * could never be answered, and its APOP digest must not stay behind. */
    static const script_rule rules[] = {
        RULE(GREETING, NONE, "quit; apop; login; auth_plain"), RULES_END};
    script_opts o = {.rules = rules};
    script *s = script_check_keep(&o, GREET, strlen(GREET),
                                  GREET_LOG "> quit = OK\n"
                                            "> apop = STATE\n"
                                            "> login = STATE\n"
                                            "> auth_plain = STATE\n" SUM_AUTH,
                                  "QUIT\r\n");
    static const uint8_t zero[sizeof(s->c.apop)];
    assert_memory_equal(s->c.apop, zero, sizeof(zero));
    assert_null(s->c.auth_pass);
    script_free(s);
}

static void test_capa_allowed_in_authorization_and_transaction(void **state)
{
    (void)state;
    static const script_rule rules[] = {RULE(GREETING, NONE, "capa"),
                                        RULE(END, CAPA, "login"),
                                        RULE(LOGIN, NONE, "capa"), RULES_END};
    script_opts o = {.rules = rules, .quiet = SCRIPT_BIT(POP3_EV_CAPA_LINE)};
    script_check(&o,
                 GREET "+OK\r\nUSER\r\n.\r\n+OK\r\n+OK\r\n+OK\r\nTOP\r\n.\r\n",
                 GREET_LOG "> capa = OK\n"
                           "END cmd=CAPA\n"
                           "> login = OK\n"
                           "OK cmd=USER ''\n"
                           "LOGIN cmd=PASS\n"
                           "> capa = OK\n"
                           "END cmd=CAPA\n" SUM_TRANS,
                 "CAPA\r\n" LOGIN_SENT "CAPA\r\n");
}

/* --- argument checks ------------------------------------------------------ */

typedef struct bad_login {
    const char *user;
    const char *pass;
} bad_login;

static const bad_login bad_logins[] = {
    {"mro\rse", "tanstaaf"},  {"mro\nse", "tanstaaf"},
    {"mrose\r\n", "tanstaaf"}, {"mrose", "tans\rtaaf"},
    {"mrose", "tans\ntaaf"},  {"mrose", "tanstaaf\r\nDELE 1"},
    {"mrose\r\nDELE 1", "x"}, {NULL, "tanstaaf"},
    {"mrose", NULL},
};

static void try_bad_logins(script *s, const pop3_event *ev)
{
    if (ev->type != POP3_EV_GREETING)
        return;
    for (size_t i = 0; i < sizeof bad_logins / sizeof bad_logins[0]; i++) {
        for (int m = 0; m < 2; m++) {
            pop3_auth method = m ? POP3_AUTH_APOP : POP3_AUTH_USER;
            pop3_err rc = pop3_client_login(&s->c, bad_logins[i].user,
                                            bad_logins[i].pass, method);
            if (rc != POP3_ERR_ARG) {
                print_error("login #%zu method %d gave %d, want ARG\n", i, m,
                            (int)rc);
                fail();
            }
        }
    }
    assert_int_equal(pop3_client_pending(&s->c), 0);
    /* The session is intact: a good login still goes through. */
    assert_int_equal(pop3_client_login(&s->c, "mrose", "tanstaaf",
                                       POP3_AUTH_USER),
                     POP3_OK);
}

static void test_login_refuses_cr_lf_and_null(void **state)
{
    (void)state;
    /* A CR or LF would let a credential inject a second command (e.g.
     * "DELE 1"); NUL can't appear inside a C string, so NULL stands in for
     * the missing argument. */
    script_opts o = {.app = try_bad_logins};
    script_check(&o, GREET "+OK\r\n+OK\r\n",
                 GREET_LOG "OK cmd=USER ''\n"
                           "LOGIN cmd=PASS\n" SUM_TRANS,
                 LOGIN_SENT);
}

static char *repeat(char ch, size_t n)
{
    char *p = malloc(n + 1);
    assert_non_null(p);
    memset(p, ch, n);
    p[n] = '\0';
    return p;
}

typedef struct length_case {
    size_t user, pass;
    pop3_auth method;
    pop3_err want;
    pop3_err got;
} length_case;

static void login_in_greeting(script *s, const pop3_event *ev)
{
    /* From the greeting callback, where APOP can still see the timestamp. */
    length_case *lc = s->o.app_data;
    if (ev->type != POP3_EV_GREETING)
        return;
    char *user = repeat('u', lc->user);
    char *pass = repeat('p', lc->pass);
    lc->got = pop3_client_login(&s->c, user, pass, lc->method);
    if (lc->got != POP3_OK) {
        free(user);
        free(pass);
        return;
    }
    /* The engine keeps the pointers until the login ends; park them. */
    s->o.user = user;
    s->o.pass = pass;
}

static void test_login_line_length_limits(void **state)
{
    (void)state;
    /* RFC 2449 sec. 4: a command line is at most 255 octets with CRLF.
     * "USER " + name + CRLF leaves 248 octets for the name, the same for
     * PASS; "APOP " + name + " " + 32 hex digits + CRLF leaves 215. */
    static const length_case cases[] = {
        {248, 8, POP3_AUTH_USER, POP3_OK, POP3_OK},
        {249, 8, POP3_AUTH_USER, POP3_ERR_ARG, POP3_OK},
        {5, 248, POP3_AUTH_USER, POP3_OK, POP3_OK},
        {5, 249, POP3_AUTH_USER, POP3_ERR_ARG, POP3_OK},
        {215, 8, POP3_AUTH_APOP, POP3_OK, POP3_OK},
        {216, 8, POP3_AUTH_APOP, POP3_ERR_ARG, POP3_OK},
        {1000, 8, POP3_AUTH_USER, POP3_ERR_ARG, POP3_OK},
        {5, 1000, POP3_AUTH_USER, POP3_ERR_ARG, POP3_OK},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        length_case lc = cases[i];
        script_opts o = {.app = login_in_greeting, .app_data = &lc};
        script *s = script_new(&o);
        script_feed_str(s, GREET);
        print_message("  user %zu pass %zu %s -> %d\n", lc.user, lc.pass,
                      lc.method == POP3_AUTH_APOP ? "APOP" : "USER",
                      (int)lc.got);
        assert_int_equal(lc.got, lc.want);
        if (lc.got != POP3_OK) {
            /* Refused as a whole: not even USER left. */
            assert_string_equal(script_sent(s), "");
            assert_int_equal(pop3_client_pending(&s->c), 0);
        } else {
            script_feed_str(s, "+OK\r\n");
            const char *sent = script_sent(s);
            /* The longest accepted line is exactly 255 octets. */
            const char *eol = strstr(sent, "\r\n");
            assert_non_null(eol);
            if (lc.user > 200)
                assert_int_equal(eol - sent + 2, 255);
            if (lc.pass == 248) {
                assert_int_equal(strlen(sent), 12 + 255);
                assert_int_equal(memcmp(sent + 12, "PASS ppp", 8), 0);
            }
            char *user = (char *)s->o.user, *pass = (char *)s->o.pass;
            script_free(s);
            free(user);
            free(pass);
            continue;
        }
        script_free(s);
    }
}

static void test_zero_message_number_is_refused(void **state)
{
    (void)state;
    /* Messages are numbered from 1 (RFC 1939 sec. 5); for LIST and UIDL
     * 0 means "all messages". */
    static const script_rule rules[] = {
        RULE(GREETING, NONE, "login"),
        RULE(LOGIN, NONE, "retr 0; top 0 5; dele 0; list 0"), RULES_END};
    script_opts o = {.rules = rules};
    script_check(&o, LOGIN_SRV "+OK\r\n.\r\n",
                 LOGIN_LOG "> retr 0 = ARG\n"
                           "> top 0 5 = ARG\n"
                           "> dele 0 = ARG\n"
                           "> list 0 = OK\n"
                           "END cmd=LIST\n" SUM_TRANS,
                 LOGIN_SENT "LIST\r\n");
}

static void test_refused_command_leaves_queue_untouched(void **state)
{
    (void)state;
    static const script_rule rules[] = {
        RULE(GREETING, NONE, "login"),
        RULE(LOGIN, NONE, "noop; retr 0; dele 0; noop"), RULES_END};
    script_opts o = {.rules = rules};
    script *s = script_new(&o);
    script_feed_str(s, LOGIN_SRV);
    assert_int_equal(pop3_client_pending(&s->c), 2);
    script_feed_str(s, "+OK\r\n+OK\r\n");
    assert_int_equal(pop3_client_pending(&s->c), 0);
    assert_string_equal(script_sent(s), LOGIN_SENT "NOOP\r\nNOOP\r\n");
    script_free(s);
}

/* --- command lines -------------------------------------------------------- */

static void test_command_lines_are_formatted_exactly(void **state)
{
    (void)state;
    /* With PIPELINING every queued command is on the wire at once, so the
     * formatting of each can be read off without replies. */
    static const script_rule rules[] = {
        RULE(GREETING, NONE, "capa; login"),
        RULE(LOGIN, NONE,
             "stat; list; list 7; uidl; uidl 7; retr 4294967295; "
             "top 3 4294967295; top 1 0; dele 12; rset; noop; quit"),
        RULES_END};
    script_opts o = {.rules = rules, .queue_len = 16,
                     .quiet = SCRIPT_BIT(POP3_EV_CAPA_LINE)};
    script *s = script_new(&o);
    script_feed_str(s, GREET "+OK\r\nPIPELINING\r\n.\r\n+OK\r\n+OK\r\n");
    assert_string_equal(script_sent(s),
                        "CAPA\r\n" LOGIN_SENT
                        "STAT\r\nLIST\r\nLIST 7\r\nUIDL\r\nUIDL 7\r\n"
                        "RETR 4294967295\r\nTOP 3 4294967295\r\nTOP 1 0\r\n"
                        "DELE 12\r\nRSET\r\nNOOP\r\n");
    /* QUIT behind a DELE commits it: it waits for every earlier reply. */
    assert_int_equal(pop3_client_pending(&s->c), 12);
    script_free(s);
}

static void test_commands_after_quit_is_queued_are_refused(void **state)
{
    (void)state;
    /* Nothing can follow QUIT (RFC 1939 sec. 6: the server closes), so a
     * command queued behind it could never get the reply that POP3_OK
     * promises (pop3.h: "its reply arrives as an event"). */
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"),
                                        RULE(LOGIN, NONE, "quit; noop; quit"),
                                        RULES_END};
    script_opts o = {.rules = rules};
    script *s = script_new(&o);
    script_feed_str(s, LOGIN_SRV);
    const char *log = script_log(s, false);
    assert_contains(log, "> quit = OK\n");
    assert_not_contains(log, "> noop = OK\n");
    script_feed_str(s, "+OK bye\r\n");
    assert_string_equal(script_sent(s), LOGIN_SENT "QUIT\r\n");
    assert_int_equal(pop3_client_error(&s->c), POP3_ERR_CLOSED);
    script_free(s);
}

static void test_nothing_follows_quit_on_the_wire(void **state)
{
    (void)state;
    /* With PIPELINING the engine writes queued commands together: QUIT
     * must still be the last one written. */
    static const script_rule rules[] = {RULE(GREETING, NONE, "capa; login"),
                                        RULE(LOGIN, NONE, "quit; noop"),
                                        RULES_END};
    script_opts o = {.rules = rules, .quiet = SCRIPT_BIT(POP3_EV_CAPA_LINE)};
    script *s = script_new(&o);
    script_feed_str(s, GREET "+OK\r\nPIPELINING\r\n.\r\n+OK\r\n+OK\r\n");
    const char *sent = script_sent(s);
    size_t n = strlen(sent);
    assert_true(n >= 6);
    assert_string_equal(sent + n - 6, "QUIT\r\n");
    script_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_commands_before_greeting_are_refused),
        cmocka_unit_test(test_transaction_commands_before_login_are_refused),
        cmocka_unit_test(test_commands_queued_behind_login_wait_for_it),
        cmocka_unit_test(test_login_after_login_is_refused),
        cmocka_unit_test(test_login_behind_quit_is_refused_and_forgotten),
        cmocka_unit_test(test_capa_allowed_in_authorization_and_transaction),
        cmocka_unit_test(test_login_refuses_cr_lf_and_null),
        cmocka_unit_test(test_login_line_length_limits),
        cmocka_unit_test(test_zero_message_number_is_refused),
        cmocka_unit_test(test_refused_command_leaves_queue_untouched),
        cmocka_unit_test(test_command_lines_are_formatted_exactly),
        cmocka_unit_test(test_commands_after_quit_is_queued_are_refused),
        cmocka_unit_test(test_nothing_follows_quit_on_the_wire),
    };
    return cmocka_run_group_tests(tests, NULL, script_teardown);
}
