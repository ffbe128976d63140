/* SPDX-License-Identifier: MIT */
/* test_pg_session.c - session policy: exit statuses, the choice of login,
 * and what follows CAPA (STLS, refusing to log in without TLS). */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pg_session.h"
#include "pop3get/pg_harness.h"

#include <stdio.h>
#include <sysexits.h>
#include <unistd.h>

static struct pg_harness h;
static struct pg_session s;
static struct pg_options o;
static struct pg_report rep;

static void on_event(pop3_client *c, const pop3_event *ev, void *user)
{
    (void)user;
    switch (ev->type) {
    case POP3_EV_GREETING: pg_session_greeting(&s); break;
    case POP3_EV_END:
        if (ev->cmd == POP3_CMD_CAPA && pop3_client_state(c) == POP3_STATE_AUTHORIZATION)
            pg_session_capa_done(&s);
        break;
    case POP3_EV_SERVER_ERR: (void)pg_session_server_err(&s, ev); break;
    case POP3_EV_CLOSED: pg_session_closed(&s, ev); break;
    default: break;
    }
    if (s.want_quit)
        pg_session_quit(&s);
}

static void start(void)
{
    static char user[] = "bob", host[] = "h";

    memset(&o, 0, sizeof o);
    memset(&rep, 0, sizeof rep);
    memset(&s, 0, sizeof s);
    o.mode = PG_MODE_LIST;
    o.user = user;
    o.host = host;
    strcpy(o.pass, "pw");
    strcpy(o.port, "110");
    pg_harness_init(&h, on_event, NULL);
    s.c = &h.c;
    s.o = &o;
    s.rep = &rep;
}

/* stderr of the block silenced: errors are expected. */
#define QUIETLY(stmt)                                                          \
    do {                                                                       \
        int saved_ = dup(2);                                                   \
        FILE *null_ = fopen("/dev/null", "w");                                 \
        fflush(stderr);                                                        \
        dup2(fileno(null_), 2);                                                \
        stmt;                                                                  \
        fflush(stderr);                                                        \
        dup2(saved_, 2);                                                       \
        close(saved_);                                                         \
        fclose(null_);                                                         \
    } while (0)

static void test_user_pass(void **state)
{
    (void)state;
    start();
    o.plaintext_auth = 1;
    pg_harness_feed(&h, "+OK ready\r\n");
    assert_string_equal(pg_harness_sent(&h), "CAPA\r\n");
    pg_harness_feed(&h, "+OK\r\nUSER\r\n.\r\n");
    assert_string_equal(pg_harness_sent(&h), "USER bob\r\n");
    assert_int_equal(rep.exit_code, 0);
}

static void test_stls_used_when_asked(void **state)
{
    (void)state;
    start();
    o.stls = 1;
    pg_harness_feed(&h, "+OK ready\r\n");
    pg_harness_feed(&h, "+OK\r\nSTLS\r\nUSER\r\n.\r\n");
    assert_string_equal(pg_harness_sent(&h), "CAPA\r\nSTLS\r\n");
}

static void test_stls_required_not_offered(void **state)
{
    (void)state;
    start();
    o.stls = 2;
    pg_harness_feed(&h, "+OK ready\r\n");
    QUIETLY(pg_harness_feed(&h, "+OK\r\nUSER\r\n.\r\n"));
    /* No credentials leave; the session ends with QUIT. */
    assert_string_equal(pg_harness_sent(&h), "CAPA\r\nQUIT\r\n");
    assert_int_equal(rep.exit_code, EX_UNAVAILABLE);
}

static void test_apop_without_timestamp(void **state)
{
    (void)state;
    start();
    o.apop = 1;
    QUIETLY(pg_harness_feed(&h, "+OK ready\r\n"));
    assert_int_equal(rep.exit_code, EX_NOPERM);
    assert_null(strstr(pg_harness_sent(&h), "APOP"));
}

static void test_clear_text_refused(void **state)
{
    (void)state;
    start();
    QUIETLY(pg_harness_feed(&h, "+OK ready\r\n"));
    QUIETLY(pg_harness_feed(&h, "+OK\r\nUSER\r\nSASL PLAIN LOGIN\r\n.\r\n"));
    /* No password leaves without TLS: QUIT instead. */
    assert_string_equal(pg_harness_sent(&h), "CAPA\r\nQUIT\r\n");
    assert_int_equal(rep.exit_code, EX_UNAVAILABLE);
}

static void test_cram_md5_in_clear(void **state)
{
    (void)state;
    start();
    pg_harness_feed(&h, "+OK ready\r\n");
    pg_harness_feed(&h, "+OK\r\nSASL PLAIN CRAM-MD5\r\n.\r\n");
    assert_string_equal(pg_harness_sent(&h), "CAPA\r\nAUTH CRAM-MD5\r\n");
    assert_int_equal(rep.exit_code, 0);
}

static void test_login_refused(void **state)
{
    (void)state;
    start();
    o.plaintext_auth = 1;
    pg_harness_feed(&h, "+OK ready\r\n");
    pg_harness_feed(&h, "+OK\r\n.\r\n");
    QUIETLY(pg_harness_feed(&h, "-ERR no such user\r\n"));
    assert_int_equal(rep.exit_code, EX_NOPERM);
}

static void test_exit_statuses(void **state)
{
    (void)state;
    assert_int_equal(pg_exit_for_close(POP3_ERR_CLOSED, 1), 0);
    assert_int_equal(pg_exit_for_close(POP3_ERR_RESOLVE, 0), EX_NOHOST);
    assert_int_equal(pg_exit_for_close(POP3_ERR_TIMEOUT_REPLY, 1), EX_TEMPFAIL);
    assert_int_equal(pg_exit_for_close(POP3_ERR_EOF, 0), EX_UNAVAILABLE);
    assert_int_equal(pg_exit_for_close(POP3_ERR_CONNECT, 0), EX_TEMPFAIL);
    assert_int_equal(pg_exit_for_close(POP3_ERR_RESET, 1), EX_TEMPFAIL);
    assert_int_equal(pg_exit_for_close(POP3_ERR_EOF, 1), EX_PROTOCOL);
    assert_int_equal(pg_exit_for_close(POP3_ERR_UNEXPECTED, 1), EX_PROTOCOL);
    assert_int_equal(pg_exit_for_close(POP3_ERR_TLS_VERIFY, 1), PG_EXIT_TLS_VERIFY);
    assert_int_equal(pg_exit_for_err(POP3_CMD_PASS, POP3_RESP_NONE), EX_NOPERM);
    assert_int_equal(pg_exit_for_err(POP3_CMD_PASS, POP3_RESP_IN_USE), EX_TEMPFAIL);
    assert_int_equal(pg_exit_for_err(POP3_CMD_NONE, POP3_RESP_SYS_TEMP), EX_TEMPFAIL);
    assert_int_equal(pg_exit_for_err(POP3_CMD_RETR, POP3_RESP_NONE), EX_UNAVAILABLE);
    assert_int_equal(pg_exit_for_err(POP3_CMD_QUIT, POP3_RESP_NONE), EX_TEMPFAIL);
    assert_int_equal(pg_exit_for_err(POP3_CMD_STAT, POP3_RESP_AUTH), EX_NOPERM);
}

static void test_pick_login(void **state)
{
    struct pg_options opt;
    char token[] = "tok";

    (void)state;
    memset(&opt, 0, sizeof opt);
    /* PLAIN only over TLS unless named; CRAM-MD5 in clear is fine. */
    assert_int_equal(pg_pick_login(&opt, POP3_SASL_PLAIN, 0), 0);
    assert_int_equal(pg_pick_login(&opt, POP3_SASL_PLAIN, 1), POP3_SASL_PLAIN);
    assert_int_equal(pg_pick_login(&opt, POP3_SASL_PLAIN | POP3_SASL_CRAM_MD5, 0),
                     POP3_SASL_CRAM_MD5);
    opt.auth_name = "USER";
    assert_int_equal(pg_pick_login(&opt, POP3_SASL_CRAM_MD5, 1), 0);
    opt.auth_name = NULL;
    opt.token = token;
    assert_int_equal(pg_pick_login(&opt, POP3_SASL_PLAIN, 1), -1);
    assert_int_equal(pg_pick_login(&opt, POP3_SASL_PLAIN | POP3_SASL_XOAUTH2, 1),
                     POP3_SASL_XOAUTH2);
    assert_true(pg_secret_in_clear(0));
    assert_true(pg_secret_in_clear(POP3_SASL_PLAIN));
    assert_true(pg_secret_in_clear(POP3_SASL_XOAUTH2));
    assert_false(pg_secret_in_clear(POP3_SASL_CRAM_MD5));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_user_pass),
        cmocka_unit_test(test_stls_used_when_asked),
        cmocka_unit_test(test_stls_required_not_offered),
        cmocka_unit_test(test_apop_without_timestamp),
        cmocka_unit_test(test_login_refused),
        cmocka_unit_test(test_clear_text_refused),
        cmocka_unit_test(test_cram_md5_in_clear),
        cmocka_unit_test(test_exit_statuses),
        cmocka_unit_test(test_pick_login),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
