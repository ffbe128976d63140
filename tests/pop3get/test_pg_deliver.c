/* SPDX-License-Identifier: MIT */
/* test_pg_deliver.c - line ends and mboxrd quoting, at every split. */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pg_deliver.h"

#include <string.h>

static char out[4096];
static size_t olen;

static int sink(void *ctx, const char *d, size_t n)
{
    (void)ctx;
    assert_true(olen + n < sizeof out);
    memcpy(out + olen, d, n);
    olen += n;
    return 0;
}

/* The filter's output for in, fed whole and split at every pair of points. */
static void check(int keep, int mboxrd, const char *in, const char *want)
{
    size_t len = strlen(in), a, b;

    for (a = 0; a <= len; a++) {
        for (b = a; b <= len; b++) {
            struct pg_filter f;

            memset(&f, 0, sizeof f);
            f.keep_crlf = keep;
            f.mboxrd = mboxrd;
            f.sink = sink;
            olen = 0;
            pg_filter_begin(&f);
            assert_int_equal(pg_filter_write(&f, in, a), 0);
            assert_int_equal(pg_filter_write(&f, in + a, b - a), 0);
            assert_int_equal(pg_filter_write(&f, in + b, len - b), 0);
            assert_int_equal(pg_filter_end(&f), 0);
            out[olen] = '\0';
            if (strcmp(out, want) != 0)
                fail_msg("split %zu/%zu of '%s': got '%s', want '%s'", a, b, in, out, want);
        }
    }
}

static void test_line_ends(void **state)
{
    (void)state;
    check(0, 0, "a\r\nb\r\n", "a\nb\n");
    check(0, 0, "bare\rcr\r\n\r\n", "bare\rcr\n\n");
    check(0, 0, "ends in cr\r", "ends in cr\r");
    check(1, 0, "a\r\nb\r\n", "a\r\nb\r\n");
}

static void test_mboxrd(void **state)
{
    (void)state;
    check(0, 1, "From me\r\n>From x\r\nnot From\r\nFrom\r\n>>From y\r\nFro\r\n",
          ">From me\n>>From x\nnot From\nFrom\n>>>From y\nFro\n");
    check(0, 1, ">>Fr", ">>Fr");
    check(0, 1, "x\r\n>", "x\n>");
}

static void test_received(void **state)
{
    char buf[512];
    size_t n;

    (void)state;
    n = pg_received(buf, sizeof buf, "mail.example", "bob", "uid-1", 0);
    assert_true(n > 0);
    assert_int_equal(strncmp(buf, "Received: from mail.example by ", 31), 0);
    assert_non_null(strstr(buf, "with POP3 (pop3get "));
    assert_non_null(strstr(buf, "\n\tid uid-1 for <bob>; "));
    assert_int_equal(buf[n - 1], '\n');
    assert_true(buf[n - 2] != '\r');
    n = pg_received(buf, sizeof buf, "mail.example", "bob", "uid-1", 1);
    assert_int_equal(buf[n - 2], '\r');
    assert_int_equal(pg_received(buf, 20, "mail.example", "bob", "uid-1", 1), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_line_ends),
        cmocka_unit_test(test_mboxrd),
        cmocka_unit_test(test_received),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
