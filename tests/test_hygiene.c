/* SPDX-License-Identifier: MIT */
/* test_hygiene.c - credentials leave no trace in engine memory.
 *
 * After a login ends - accepted, refused, or cut off - neither the line
 * buffer, the command buffer nor the pop3_client struct may hold the
 * password, anything encoded from it (base64, the APOP/CRAM-MD5 digests),
 * or a pointer to the application's copy. Each case runs over every
 * login method (USER/PASS, APOP, AUTH PLAIN/LOGIN/CRAM-MD5) and with a
 * transport that takes all at once or one octet per send. The -v trace
 * and error texts of pop3get are checked by tests/integration/run.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/fixtures.h"

#define SECRET "Zq9-s3cr3t-pw"
/* base64 of SECRET (AUTH LOGIN) and of "\0mrose\0" SECRET (AUTH PLAIN). */
#define SECRET_B64 "WnE5LXMzY3IzdC1wdw=="
#define PLAIN_B64 "AG1yb3NlAFpxOS1zM2NyM3QtcHc="

static char *dup_str(const char *t)
{
    char *p = malloc(strlen(t) + 1);
    assert_non_null(p);
    return strcpy(p, t);
}

static bool mem_has(const void *buf, size_t n, const void *needle, size_t k)
{
    const uint8_t *b = buf;
    for (size_t i = 0; i + k <= n; i++)
        if (memcmp(b + i, needle, k) == 0)
            return true;
    return false;
}

/* Fails the test if any engine storage still holds a trace of SECRET. */
static void assert_no_trace(script *s, const char *pass, const char *extra)
{
    static const char *const traces[] = {SECRET, SECRET_B64, PLAIN_B64};
    const void *areas[] = {s->line_buf, s->cmd_buf, &s->c};
    const size_t sizes[] = {s->cfg.line_size, s->cfg.cmd_size, sizeof s->c};

    for (size_t a = 0; a < 3; a++) {
        for (size_t t = 0; t < 3; t++) {
            if (mem_has(areas[a], sizes[a], traces[t], strlen(traces[t]))) {
                print_error("area %zu holds '%s'\n", a, traces[t]);
                fail();
            }
        }
        if (extra != NULL && mem_has(areas[a], sizes[a], extra, strlen(extra))) {
            print_error("area %zu holds '%s'\n", a, extra);
            fail();
        }
    }
    /* Not even a pointer to the application's copy. */
    assert_false(mem_has(&s->c, sizeof s->c, &pass, sizeof pass));
}

struct login_case {
    const char *name;
    const char *action;
    const char *ok_srv;  /* server octets after the greeting: login accepted */
    const char *err_srv; /* ... refused at the secret */
    const char *cut_srv; /* ... cut off after the secret went out */
    const char *sent;    /* must appear in what was sent (the secret went) */
};

/* CRAM-MD5 challenge from RFC 2195 sec. 2 (base64). */
#define CRAM_CH "+ PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n"

static const struct login_case cases[] = {
    {"user/pass", "login", "+OK\r\n+OK\r\n", "+OK\r\n-ERR [AUTH] no\r\n", "+OK\r\n",
     "PASS " SECRET "\r\n"},
    {"apop", "apop", "+OK\r\n", "-ERR [AUTH] no\r\n", "", "APOP mrose "},
    {"auth plain", "auth_plain", "+OK\r\n", "-ERR [AUTH] no\r\n", "", PLAIN_B64},
    {"auth login", "auth_login", "+ VXNlcm5hbWU6\r\n+ UGFzc3dvcmQ6\r\n+OK\r\n",
     "+ VXNlcm5hbWU6\r\n+ UGFzc3dvcmQ6\r\n-ERR [AUTH] no\r\n",
     "+ VXNlcm5hbWU6\r\n+ UGFzc3dvcmQ6\r\n", SECRET_B64},
    {"auth cram-md5", "auth_cram-md5", CRAM_CH "+OK\r\n", CRAM_CH "-ERR no\r\n",
     CRAM_CH, "bXJvc2Ug"},
};

enum ending { END_OK, END_ERR, END_CUT };

static void run_case(const struct login_case *k, enum ending how, size_t chunk)
{
    /* The secret lives in a heap copy the test owns, like an application's. */
    char *pass = dup_str(SECRET);
    script_rule rules[] = {{POP3_EV_GREETING, POP3_CMD_NONE, k->action}, RULES_END};
    script_opts o = {.rules = rules, .pass = pass, .max_chunk = chunk};
    script *s = script_new(&o);
    const char *srv = how == END_OK ? k->ok_srv : how == END_ERR ? k->err_srv : k->cut_srv;
    char digest_hex[64] = "";

    script_feed_str(s, GREET);
    /* Feed line by line, so each reply answers a command already sent. */
    for (const char *p = srv; *p != '\0';) {
        const char *e = strstr(p, "\r\n");
        size_t n = e != NULL ? (size_t)(e - p) + 2 : strlen(p);
        script_feed(s, p, n);
        p += n;
    }
    if (how == END_CUT)
        pop3_client_eof(&s->c);
    script_drain(s);
    /* Without this the checks below could pass trivially. */
    assert_contains(script_sent(s), k->sent);
    if (strncmp(k->sent, "APOP", 4) == 0) {
        const char *d = strstr(script_sent(s), "APOP mrose ") + 11;
        memcpy(digest_hex, d, 32);
        digest_hex[32] = '\0';
    } else if (strcmp(k->action, "auth_cram-md5") == 0) {
        const char *d = strstr(script_sent(s), "\r\n") + 2;
        size_t n = strcspn(d, "\r");
        assert_true(n < sizeof digest_hex);
        memcpy(digest_hex, d, n);
        digest_hex[n] = '\0';
    }
    if (how == END_OK)
        assert_int_equal(pop3_client_state(&s->c), POP3_STATE_TRANSACTION);
    else if (how == END_CUT)
        assert_int_equal(pop3_client_state(&s->c), POP3_STATE_CLOSED);
    assert_no_trace(s, pass, digest_hex[0] ? digest_hex : NULL);
    script_free(s);
    free(pass);
}

static void test_no_trace_after_accepted_login(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run_case(&cases[i], END_OK, 0);
        run_case(&cases[i], END_OK, 1);
    }
}

static void test_no_trace_after_refused_login(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run_case(&cases[i], END_ERR, 0);
        run_case(&cases[i], END_ERR, 3);
    }
}

static void test_no_trace_after_connection_cut_during_login(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        run_case(&cases[i], END_CUT, 0);
        run_case(&cases[i], END_CUT, 1);
    }
}

static void test_no_trace_when_login_never_sent(void **state)
{
    (void)state;
    /* PASS queued behind USER; the server closes before answering USER.
     * The password was never formatted, and the engine must also drop
     * its pointer to it. */
    char *pass = dup_str(SECRET);
    static const script_rule rules[] = {RULE(GREETING, NONE, "login"), RULES_END};
    script_opts o = {.rules = rules, .pass = pass};
    script *s = script_new(&o);
    script_feed_str(s, GREET);
    assert_string_equal(script_sent(s), "USER mrose\r\n");
    assert_true(mem_has(&s->c, sizeof s->c, &pass, sizeof pass)); /* held until now */
    pop3_client_eof(&s->c);
    assert_no_trace(s, pass, NULL);
    script_free(s);
    free(pass);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_trace_after_accepted_login),
        cmocka_unit_test(test_no_trace_after_refused_login),
        cmocka_unit_test(test_no_trace_after_connection_cut_during_login),
        cmocka_unit_test(test_no_trace_when_login_never_sent),
    };
    return cmocka_run_group_tests(tests, NULL, script_teardown);
}
