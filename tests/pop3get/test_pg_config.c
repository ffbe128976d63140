/* SPDX-License-Identifier: MIT */
/* test_pg_config.c - the configuration file: accounts become command
 * lines; defaults, errors with file and line and their text, the
 * permission rule. */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pg_config.h"
#include "pop3get/pg_harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#define X64 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"

static char path[] = "/tmp/test_pg_config.XXXXXX";

static void write_cfg(const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    chmod(path, mode);
}

static void joined(const struct pg_account *a, char *buf, size_t n)
{
    int i;

    buf[0] = '\0';
    for (i = 0; i < a->argc; i++) {
        strncat(buf, a->argv[i], n - strlen(buf) - 2);
        strcat(buf, " ");
    }
}

static void test_accounts(void **state)
{
    struct pg_config c;
    char buf[1024];

    (void)state;
    setenv("HOME", "/home/u", 1);
    write_cfg("# x\ndefaults\n  tls required\n  keep off\n"
              "account a\n host h.example\n user me@x\n password s3\n delivery maildir ~/Mail\n"
              "account b\n  host ::1\n port 1110\n user u\n tls pop3s\n auth apop\n keep on\n"
              "  delivery mda procmail -d u\n  max_size 100\n", 0600);
    assert_int_equal(pg_config_load(&c, path), 0);
    assert_int_equal(c.n, 2);
    joined(pg_config_find(&c, "a"), buf, sizeof buf);
    assert_string_equal(buf, "--stls=required --maildir /home/u/Mail --delete pop3://me%40x@h.example ");
    assert_string_equal(pg_config_find(&c, "a")->password, "s3");
    joined(pg_config_find(&c, "b"), buf, sizeof buf);
    assert_string_equal(buf, "--apop --max-size 100 --mda procmail -d u pop3s://u@[::1]:1110 ");
    assert_null(pg_config_find(&c, "c"));
    pg_config_free(&c);
}

static void test_errors(void **state)
{
    struct pg_config c;

    (void)state;
    write_cfg("account a\n host h\n user u\n password p\n", 0644);
    assert_int_equal(pg_config_load(&c, path), EX_CONFIG); /* readable by others */
    write_cfg("account a\n host h\n user u\n passwordeval echo p\n", 0644);
    assert_int_equal(pg_config_load(&c, path), 0);          /* no password in it */
    pg_config_free(&c);
    write_cfg("account a\n host h\n colour blue\n", 0600);
    assert_int_equal(pg_config_load(&c, path), EX_CONFIG);
    write_cfg("account a\n user u\n", 0600);
    assert_int_equal(pg_config_load(&c, path), EX_CONFIG);  /* no host */
    write_cfg("account a\n host h\n user u\naccount a\n host h\n user u\n", 0600);
    assert_int_equal(pg_config_load(&c, path), EX_CONFIG);  /* twice */
    write_cfg("account a\n host h\n user u\n delivery pigeon x\n", 0600);
    assert_int_equal(pg_config_load(&c, path), EX_CONFIG);
}

/* Each kind of error in the file: the exact line, with file and line
 * number, the setting or account named and its value made safe; never a
 * password, even under a misspelt key or in an over-long line. */
static void test_error_texts(void **state)
{
    static char longline[3100];
    const struct { const char *text; int line; const char *msg; } cases[] = {
        { "account a\n host h\n colour blue\n", 3, "unknown setting 'colour'" },
        { "account a\n host h\n pasword s3cret\n", 3, "unknown setting 'pasword'" },
        { "account a\n user u\n", 1, "account 'a': no host line (in it or in defaults)" },
        { "defaults\n host h\naccount a\n", 3, "account 'a': no user line (in it or in defaults)" },
        { "account a\bb\n host h\n user u\naccount a\bb\n", 4, "account 'a?b': name already taken" },
        { "account\n", 1, "account: needs a name" },
        { "account " X64 "\n", 1, "account '" X64 "': name longer than 63 octets" },
        { "account a\033]0;b\n host h\n", 1, "account 'a?]0;b': no user line (in it or in defaults)" },
        { "account a\n delivery pigeon x\n", 2,
          "delivery: 'pigeon x' is not maildir DIR, mbox FILE or mda CMD" },
        { "account a\n delivery maildir\n", 2,
          "delivery: 'maildir' is not maildir DIR, mbox FILE or mda CMD" },
        { longline, 2, "line longer than 2046 octets" },
    };
    char err[4096], want[4096];
    struct pg_capture cap;
    struct pg_config c;
    size_t i;

    (void)state;
    strcpy(longline, "account a\n password s3cret");
    memset(longline + strlen(longline), 'x', 3000);
    strcat(longline, "\n");
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        write_cfg(cases[i].text, 0600);
        pg_capture_begin(&cap);
        assert_int_equal(pg_config_load(&c, path), EX_CONFIG);
        pg_capture_end(&cap, err, sizeof err);
        snprintf(want, sizeof want, "pop3get: %s:%d: %s\n", path, cases[i].line, cases[i].msg);
        assert_string_equal(err, want);
    }
    write_cfg("account a\n host h\n user u\n password s3cret\n", 0640);
    pg_capture_begin(&cap);
    assert_int_equal(pg_config_load(&c, path), EX_CONFIG);
    pg_capture_end(&cap, err, sizeof err);
    snprintf(want, sizeof want, "pop3get: %s: holds a password but others may read it; "
             "chmod 600 it\n", path);
    assert_string_equal(err, want);
}

static int setup(void **state)
{
    int fd = mkstemp(path);

    (void)state;
    if (fd < 0)
        return -1;
    close(fd);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accounts),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_error_texts),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
