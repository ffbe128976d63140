/* SPDX-License-Identifier: MIT */
/* test_pg_util.c - pop3get's helpers: arguments made safe to show,
 * numbers, percent decoding, secret files. */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pg_util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_parse_u32(void **state)
{
    uint32_t v = 7;

    (void)state;
    assert_int_equal(pg_parse_u32("0", 0, &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(pg_parse_u32("4294967295", 1, &v), 0);
    assert_int_equal(v, 4294967295u);
    assert_int_equal(pg_parse_u32("4294967296", 1, &v), -1);
    assert_int_equal(pg_parse_u32("0", 1, &v), -1);
    assert_int_equal(pg_parse_u32("", 0, &v), -1);
    assert_int_equal(pg_parse_u32("+1", 0, &v), -1);
    assert_int_equal(pg_parse_u32("1 ", 0, &v), -1);
    assert_int_equal(pg_parse_u32("99999999999999999999", 0, &v), -1);
}

static void test_pct_decode(void **state)
{
    char out[8];

    (void)state;
    assert_int_equal(pg_pct_decode("a%40b", 5, out, sizeof out), 0);
    assert_string_equal(out, "a@b");
    assert_int_equal(pg_pct_decode("%4", 2, out, sizeof out), -1);
    assert_int_equal(pg_pct_decode("%zz", 3, out, sizeof out), -1);
    /* Control characters, encoded or not, cannot reach a command. */
    assert_int_equal(pg_pct_decode("a%0d%0a", 7, out, sizeof out), -1);
    assert_int_equal(pg_pct_decode("a%00", 4, out, sizeof out), -1);
    assert_int_equal(pg_pct_decode("a\tb", 3, out, sizeof out), -1);
    assert_int_equal(pg_pct_decode("%7F", 3, out, sizeof out), -1);
    /* Too long for out: refused, not truncated. */
    assert_int_equal(pg_pct_decode("12345678", 8, out, sizeof out), -1);
    assert_int_equal(pg_pct_decode("1234567", 7, out, sizeof out), 0);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_first_line(void **state)
{
    char path[] = "/tmp/test_pg_util.XXXXXX", buf[8];
    int fd = mkstemp(path);

    (void)state;
    assert_true(fd >= 0);
    close(fd);
    write_file(path, "secret\r\nsecond\n");
    assert_int_equal(pg_read_first_line(path, buf, sizeof buf), 0);
    assert_string_equal(buf, "secret");
    write_file(path, "1234567");          /* exactly fits, no newline */
    assert_int_equal(pg_read_first_line(path, buf, sizeof buf), 0);
    assert_string_equal(buf, "1234567");
    write_file(path, "12345678\n");      /* one too many */
    assert_int_equal(pg_read_first_line(path, buf, sizeof buf), -2);
    assert_int_equal(buf[0], 0);          /* wiped */
    write_file(path, "123456\n");
    assert_int_equal(pg_read_first_line(path, buf, sizeof buf), 0);
    assert_string_equal(buf, "123456");
    write_file(path, "");
    assert_int_equal(pg_read_first_line(path, buf, sizeof buf), 0);
    assert_string_equal(buf, "");
    unlink(path);
    errno = 0;
    assert_int_equal(pg_read_first_line(path, buf, sizeof buf), -1);
    assert_int_equal(errno, ENOENT);
}

/* The write buffer: what goes in comes out in order, in writes of the
 * buffer's size, whatever the pieces; a failed write says why and leaves
 * the buffer empty. */
static void test_wbuf(void **state)
{
    static struct pg_wbuf w;
    static char in[200000], out[sizeof in];
    char name[] = "/tmp/test_pg_wbuf.XXXXXX";
    size_t i, n;
    FILE *f;
    int fd;

    (void)state;
    for (i = 0; i < sizeof in; i++)
        in[i] = (char)('a' + i % 23);
    fd = mkstemp(name);
    assert_true(fd >= 0);
    w.fd = fd;
    w.len = 0;
    for (i = 0; i < sizeof in; i += n) {
        n = i % 7 == 0 ? 70000 : 1 + i % 500;
        n = n < sizeof in - i ? n : sizeof in - i;
        assert_int_equal(pg_wbuf_put(&w, in + i, n), 0);
        assert_true(w.len <= sizeof w.buf);
    }
    assert_int_equal(pg_wbuf_drain(&w), 0);
    assert_int_equal(w.len, 0);
    close(fd);
    f = fopen(name, "rb");
    assert_non_null(f);
    assert_int_equal(fread(out, 1, sizeof out, f), sizeof out);
    fclose(f);
    unlink(name);
    assert_memory_equal(in, out, sizeof in);
    w.fd = -1; /* writes fail */
    assert_int_equal(pg_wbuf_put(&w, in, 10), 0);
    assert_int_equal(pg_wbuf_drain(&w), EBADF);
    assert_int_equal(w.len, 0);
    assert_int_equal(pg_write_all(-1, in, 1), EBADF);
    assert_int_equal(pg_write_all(-1, in, 0), 0);
}

/* Arguments in messages: control characters as '?', cut with "..." past
 * PG_SHOWN_MAX - 1 octets; n octets need no NUL. */
static void test_shown(void **state)
{
    char buf[PG_SHOWN_MAX], in[PG_SHOWN_MAX + 8];

    (void)state;
    assert_string_equal(pg_shown(buf, "a\tb\033[0m\x7f\xc3\xa9"), "a?b?[0m?\xc3\xa9");
    assert_string_equal(pg_shown(buf, ""), "");
    memset(in, 'x', sizeof in);
    in[PG_SHOWN_MAX - 1] = '\0';             /* the longest shown whole */
    assert_int_equal(strlen(pg_shown(buf, in)), PG_SHOWN_MAX - 1);
    assert_memory_equal(buf, in, PG_SHOWN_MAX);
    in[PG_SHOWN_MAX - 1] = 'y';              /* one more: cut */
    in[PG_SHOWN_MAX] = '\0';
    assert_int_equal(strlen(pg_shown(buf, in)), PG_SHOWN_MAX - 1);
    assert_memory_equal(buf, in, PG_SHOWN_MAX - 4);
    assert_string_equal(buf + PG_SHOWN_MAX - 4, "...");
    assert_string_equal(pg_shown_n(buf, "host:port", 4), "host");
    assert_string_equal(pg_shown_n(buf, "a\0b", 3), "a?b");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shown),
        cmocka_unit_test(test_parse_u32),
        cmocka_unit_test(test_pct_decode),
        cmocka_unit_test(test_first_line),
        cmocka_unit_test(test_wbuf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
