/* SPDX-License-Identifier: MIT */
/* test_pg_options.c - pop3get's command line: URL forms, conflicts,
 * credentials, and the text of each kind of usage error: it names the
 * option or argument and shows the bad value made safe (no control
 * characters, cut when long), never a password. */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pg_options.h"
#include "pop3get/pg_harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

static char errbuf[4096];
static int secret_left;   /* "s3cret" still in argv after the last parse */
static char dir[PATH_MAX], cwd[PATH_MAX];

/* Parse a NULL-terminated list of arguments; stderr is captured in errbuf. */
static int parse(struct pg_options *o, const char *const *args)
{
    struct pg_capture cap;
    char *argv[32];
    int argc = 0, r;

    argv[argc++] = strdup("pop3get");
    for (; *args != NULL; args++)
        argv[argc++] = strdup(*args);
    argv[argc] = NULL;
    memset(o, 0, sizeof *o);
    pg_capture_begin(&cap);
    r = pg_options_parse(o, argc, argv);
    pg_capture_end(&cap, errbuf, sizeof errbuf);
    /* Once parsed, the URL's password is masked in argv. */
    secret_left = 0;
    for (int i = 0; i < argc; i++) {
        if (strstr(argv[i], "s3cret") != NULL)
            secret_left = 1;
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

/* A file holding text in the test's directory (the working directory, so
 * that messages show the same short name on every machine). */
static const char *file_with(const char *name, const char *text)
{
    FILE *f = fopen(name, "w");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return name;
}

#define URL "pop3://b:s3cret@h"
#define X64 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"

/* Each kind of usage error: exit 64, the exact line, then the hint; no
 * password and no control character in what is written. */
static void test_usage_errors_name_the_argument(void **state)
{
    struct {
        const char *args[8];
        const char *line;
    } cases[] = {
        /* a value an option cannot take: shown made safe, cut when long */
        { { "--list", "--timeout", "abc", URL },
          "--timeout: 'abc' is not a number of seconds (1..86400)" },
        { { "--list", "--timeout=0", URL }, "--timeout: '0' is not a number of seconds (1..86400)" },
        { { "--list", "--timeout=a\033[2J\r\nb", URL },
          "--timeout: 'a?[2J??b' is not a number of seconds (1..86400)" },
        { { "--list", "--timeout=" X64 X64, URL },
          "--timeout: '" X64 "...' is not a number of seconds (1..86400)" },
        { { "--list", "--speed-time", "66", URL }, "--speed-time: '66' is not a number of seconds (1..65)" },
        { { "--list", "--speed-limit", "-1", URL }, "--speed-limit: '-1' is not a number of octets (0: off)" },
        { { "--list", "--max-size", "0", URL }, "--max-size: '0' is not a size in octets (1..4294967295)" },
        { { "--msg", "x1", URL }, "--msg: 'x1' is not a message number (1 or more)" },
        { { "--top", "3", URL }, "--top: '3' is not N:LINES (message number, body lines)" },
        { { "--list", "--auth", "FOO", URL },
          "--auth: 'FOO' is not PLAIN, LOGIN, CRAM-MD5, XOAUTH2, OAUTHBEARER or USER" },
        /* options without their value, unknown options */
        { { URL, "--list", "--timeout" }, "--timeout: needs a value" },
        { { URL, "--list", "-u" }, "-u: needs a value" },
        { { "--bogus", URL }, "--bogus: unknown option" },
        { { "--password=s3cret", URL }, "--password: unknown option (value not shown)" },
        /* conflicts name both sides */
        { { "--list", "--uidl", URL }, "--uidl: conflicts with --list (one action at a time)" },
        { { "--mbox", "m", "--mda", "cat", URL }, "--mda: conflicts with --mbox (one delivery)" },
        { { "--msg", "3", URL "/5" }, "URL: /5 but --msg asks for 3 (one message at a time)" },
        { { URL "/5", "--msg", "3" }, "--msg: 3 but /N in the URL asks for 5 (one message at a time)" },
        { { "--delete", "--list", URL }, "--delete: works only with --maildir, --mbox or --mda, not --list" },
        { { "--delete", "--discard", URL }, "--delete: conflicts with --discard" },
        { { "--discard", "--maildir", "d", URL }, "--discard: conflicts with --maildir" },
        { { "--list", "--stls=required", "pop3s://b:s3cret@h" },
          "--stls=required: makes no sense with pop3s:// (implicit TLS)" },
        { { "--list", "--apop", "--auth", "PLAIN", URL },
          "--apop: conflicts with --auth 'PLAIN' (one way to log in)" },
        { { "--list", "--apop", "--stls", URL },
          "--apop: conflicts with --stls: APOP needs the greeting's timestamp, sent before STLS" },
        { { "--list", "--apop", "--cafile", "ca.pem", URL },
          "--cafile: needs TLS (pop3s:// or STLS), but --apop keeps the session in clear" },
        { { "--list", "--stls=no", "--capath", "d", URL },
          "--capath: needs TLS (pop3s:// or STLS), but --stls=no turns STLS off" },
        { { "--list", "--auth", "XOAUTH2", URL }, "--auth: 'XOAUTH2' needs --oauth2-token-file FILE" },
        { { "--list", "--auth", "USER", "--oauth2-token-file", "token", URL },
          "--oauth2-token-file: goes with --auth XOAUTH2 or OAUTHBEARER, not --auth 'USER'" },
        { { "--list", "--pass-file", "p", "--password-command", "true", "pop3://b@h" },
          "--pass-file: conflicts with --password-command (give one)" },
        /* the URL: the host and the port after an '@' shown, never the
         * password, nor the rest of a URL that is not pop3 */
        { { "--list", URL ":99999" }, "URL: host 'h': port '99999' is not 1..65535" },
        { { "--list", "pop3://b:s3cret" },
          "URL: host 'b': what follows ':' is not a port 1..65535 (not shown: with no '@' "
          "before the host it may be a password)" },
        { { "--list", "pop3://b:s3cret@::1" },
          "URL: host '::1': an IPv6 address goes in brackets, as in pop3://[::1]/" },
        { { "--list", "pop3://b:s3cret@[::1" },
          "URL: host '[::1': an IPv6 address goes in brackets, with only :PORT after them" },
        { { "--list", "pop3://b:s3cret@h%20x" }, "URL: host 'h%20x': a blank or one of %@/?#[] in it" },
        { { "--list", "pop3://b:s3cret@" }, "URL: no host" },
        { { "--list", "imap://b:s3cret@h" }, "URL: 'imap://' is not pop3:// or pop3s://" },
        { { "--list", "--", "b:s3cret@h" },
          "URL: it does not start with pop3:// or pop3s:// (not shown: it may hold a password)" },
        { { "--list", "--", "b@s3cret://h" },
          "URL: it does not start with pop3:// or pop3s:// (not shown: it may hold a password)" },
        { { "--list", "--", "s3cret" X64 "://h" },
          "URL: it does not start with pop3:// or pop3s:// (not shown: it may hold a password)" },
        { { "--list", URL, "pop3://c:s3cret@h" },
          "URL: more than one (neither shown: they may hold a password)" },
        { { "--list", "pop3://b%01:s3cret@h" },
          "URL: user name 'b%01': a control character or a bad %XX in it" },
        { { "--list", "pop3://b:s3cret%zz@h" },
          "URL: the password (not shown): a control character, a bad %XX or more than 255 "
          "octets in it" },
        { { URL "/x" }, "URL: '/x' is not /N, a message number (1 or more)" },
        { { "--list" }, "URL: missing (pop3[s]://[USER@]HOST[:PORT][/N])" },
        { { URL }, "URL: nothing to do with it: give --list, --uidl, --top, --msg, /N, "
                   "--maildir DIR, --mbox FILE or --mda CMD (or set MAILDIR)" },
        { { "--list", "pop3://:s3cret@h" }, "URL: no user name (pop3://USER@HOST or -u USER)" },
        { { "--list", "pop3://b@h" }, "URL: no password (--pass-file, --password-command, "
                                      "~/.netrc, POP3_PASSWORD, a terminal to ask on, or the URL)" },
        /* secrets from files: the file named, the secret never shown */
        { { "--list", "--pass-file", "longpass", "pop3://b@h" },
          "--pass-file: 'longpass': the password is longer than 255 octets" },
        { { "--list", "--auth", "XOAUTH2", "--oauth2-token-file", "empty", "pop3://b@h" },
          "--oauth2-token-file: 'empty': its first line is empty" },
    };
    char want[1024];
    struct pg_options o;
    size_t i, k;

    (void)state;
    strcpy(want, "s3cret");     /* a password of 300 octets */
    memset(want + 6, 'x', 293);
    strcpy(want + 299, "\n");
    file_with("longpass", want);
    file_with("token", "t0ken\n");
    file_with("empty", "\n");
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(want, sizeof want, "pop3get: %s\nTry 'pop3get --help'.\n", cases[i].line);
        if (parse(&o, cases[i].args) != EX_USAGE || strcmp(errbuf, want) != 0)
            fail_msg("case %zu (%s ...): exit not 64 or\n%s\nnot\n%s", i, cases[i].args[0],
                     errbuf, want);
        assert_null(strstr(errbuf, "s3cret"));
        if (strstr(cases[i].line, "the password (not shown)") != NULL)
            assert_false(secret_left); /* masked in argv all the same */
        for (k = 0; errbuf[k] != '\0'; k++)
            assert_true(errbuf[k] == '\n' || (errbuf[k] >= 0x20 && errbuf[k] != 0x7f));
        pg_options_free(&o);
    }
    /* From the environment: named, not shown. */
    memset(want, 'p', 300);
    want[300] = '\0';
    setenv("POP3_PASSWORD", want, 1);
    assert_int_equal(parse(&o, (const char *[]){"--list", "pop3://b@h", NULL}), EX_USAGE);
    assert_string_equal(errbuf, "pop3get: POP3_PASSWORD: longer than 255 octets (not shown)\n"
                                "Try 'pop3get --help'.\n");
    pg_options_free(&o);
    unsetenv("POP3_PASSWORD");
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

static int setup(void **state)
{
    (void)state;
    assert_non_null(getcwd(cwd, sizeof cwd));
    pg_tmpdir(dir, sizeof dir, "test_pg_options");
    return chdir(dir);
}

static int teardown(void **state)
{
    (void)state;
    assert_int_equal(chdir(cwd), 0);
    pg_rmtree(dir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_url_forms),
        cmocka_unit_test(test_usage_errors_name_the_argument),
        cmocka_unit_test(test_conflicts),
    };

    /* Nothing of the machine's: no ~/.netrc, no terminal to ask on. */
    setenv("HOME", "/nonexistent", 1);
    unsetenv("POP3_PASSWORD");
    unsetenv("MAILDIR");
    if (freopen("/dev/null", "r", stdin) == NULL)
        return 1;
    return cmocka_run_group_tests(tests, setup, teardown);
}
