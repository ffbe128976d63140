/* SPDX-License-Identifier: MIT */
/* test_pg_options.c - pop3get's command line: URL forms, conflicts,
 * credentials, and that each usage error names its argument. */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pg_options.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

static char errbuf[4096];

/* Parse a NULL-terminated list of arguments; stderr is captured in errbuf. */
static int parse(struct pg_options *o, const char *const *args)
{
    char *argv[32];
    int argc = 0, r, saved;
    FILE *tmp = tmpfile();

    assert_non_null(tmp);
    argv[argc++] = strdup("pop3get");
    for (; *args != NULL; args++)
        argv[argc++] = strdup(*args);
    argv[argc] = NULL;
    memset(o, 0, sizeof *o);
    fflush(stderr);
    saved = dup(2);
    dup2(fileno(tmp), 2);
    r = pg_options_parse(o, argc, argv);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    rewind(tmp);
    errbuf[fread(errbuf, 1, sizeof errbuf - 1, tmp)] = '\0';
    fclose(tmp);
    /* Once parsed, the URL's password is masked in argv. */
    for (int i = 0; i < argc; i++) {
        if (r == 0 && strstr(argv[i], "s3cret") != NULL)
            fail_msg("password left in argv: %s", argv[i]);
        free(argv[i]);
    }
    return r;
}

static void test_url_forms(void **state)
{
    struct pg_options o;

    (void)state;
    unsetenv("POP3_PASSWORD");
    unsetenv("MAILDIR");
    assert_int_equal(parse(&o, (const char *[]){"--list", "pop3://bob:s3cret@mail.example", NULL}), 0);
    assert_string_equal(o.host, "mail.example");
    assert_string_equal(o.port, "110");
    assert_string_equal(o.user, "bob");
    assert_string_equal(o.pass, "s3cret");
    assert_int_equal(o.mode, PG_MODE_LIST);
    assert_int_equal(o.stls, 1); /* pop3:// upgrades when it can */
    assert_int_equal(o.plaintext_auth, 0);
    pg_options_free(&o);

    assert_int_equal(parse(&o, (const char *[]){"pop3s://b%40x:s3cret@[::1]:1995/3", NULL}), 0);
    assert_string_equal(o.host, "::1");
    assert_string_equal(o.port, "1995");
    assert_string_equal(o.user, "b@x");
    assert_int_equal(o.pop3s, 1);
    assert_int_equal(o.stls, 0);
    assert_int_equal(o.mode, PG_MODE_MSG);
    assert_int_equal(o.msg, 3);
    pg_options_free(&o);

    assert_int_equal(parse(&o, (const char *[]){"--top", "2:5", "-u", "carol",
                                                "pop3://:s3cret@h", NULL}), 0);
    assert_string_equal(o.user, "carol");
    assert_int_equal(o.msg, 2);
    assert_int_equal(o.top_lines, 5);
    pg_options_free(&o);
}

static void test_usage_errors_name_the_argument(void **state)
{
    struct pg_options o;

    (void)state;
    assert_int_equal(parse(&o, (const char *[]){"--list", "--timeout", "0", "pop3://b:s3cret@h", NULL}),
                     EX_USAGE);
    assert_non_null(strstr(errbuf, "--timeout"));
    assert_non_null(strstr(errbuf, "'0'"));
    pg_options_free(&o);
    assert_int_equal(parse(&o, (const char *[]){"--bogus", "pop3://b:s3cret@h", NULL}), EX_USAGE);
    assert_non_null(strstr(errbuf, "--bogus"));
    pg_options_free(&o);
    assert_int_equal(parse(&o, (const char *[]){"--list", "pop3://b:s3cret@h:99999", NULL}), EX_USAGE);
    assert_non_null(strstr(errbuf, "99999"));
    pg_options_free(&o);
    assert_int_equal(parse(&o, (const char *[]){"--list", "--uidl", "pop3://b:s3cret@h", NULL}), EX_USAGE);
    assert_non_null(strstr(errbuf, "--uidl"));
    pg_options_free(&o);
    /* The URL is never echoed: it may hold a password. */
    assert_int_equal(parse(&o, (const char *[]){"--list", "imap://b:s3cret@h", NULL}), EX_USAGE);
    assert_null(strstr(errbuf, "s3cret"));
    pg_options_free(&o);
    assert_int_equal(parse(&o, (const char *[]){"--list", "pop3://b:s3cret@h",
                                                "pop3://c:s3cret@h", NULL}), EX_USAGE);
    assert_null(strstr(errbuf, "s3cret"));
    pg_options_free(&o);
}

static void test_conflicts(void **state)
{
    struct pg_options o;

    (void)state;
    assert_int_equal(parse(&o, (const char *[]){"--delete", "--list", "pop3://b:s3cret@h", NULL}),
                     EX_USAGE);
    pg_options_free(&o);
    assert_int_equal(parse(&o, (const char *[]){"--stls", "--list", "pop3s://b:s3cret@h", NULL}),
                     EX_USAGE);
    pg_options_free(&o);
    assert_int_equal(parse(&o, (const char *[]){"--list", "pop3://b@h", NULL}), EX_USAGE);
    assert_non_null(strstr(errbuf, "no password"));
    pg_options_free(&o);
    assert_int_equal(parse(&o, (const char *[]){"pop3://b:s3cret@h", NULL}), EX_USAGE);
    assert_non_null(strstr(errbuf, "nothing to do"));
    pg_options_free(&o);
    setenv("POP3_PASSWORD", "fromenv", 1);
    assert_int_equal(parse(&o, (const char *[]){"--uidl", "pop3://b@h", NULL}), 0);
    assert_string_equal(o.pass, "fromenv");
    pg_options_free(&o);
    unsetenv("POP3_PASSWORD");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_url_forms),
        cmocka_unit_test(test_usage_errors_name_the_argument),
        cmocka_unit_test(test_conflicts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
