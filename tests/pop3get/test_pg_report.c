/* SPDX-License-Identifier: MIT */
/* test_pg_report.c - what pop3get says on stderr: the one error line
 * (terminal-safe), the first failure's exit status winning, the progress
 * line (sizes, at most every 200 ms, wrap of the clock, silent when off,
 * quiet, failed or empty) and its end. */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pg_report.h"
#include "pop3get/pg_harness.h"

#include <string.h>
#include <sysexits.h>

static char text[4096];
static struct pg_capture cap;

#define CAPTURE(stmt) do { pg_capture_begin(&cap); stmt; pg_capture_end(&cap, text, sizeof text); } while (0)

static void test_error_line(void **state)
{
    struct pg_report r;

    (void)state;
    memset(&r, 0, sizeof r);
    /* Server text with a NUL, an escape sequence, CR and DEL: each a '?'. */
    CAPTURE(pg_fail(&r, EX_PROTOCOL, "RETR 3", "-ERR \0\033[2Jgone\r\x7f", 16));
    assert_int_equal(r.exit_code, EX_PROTOCOL);
    assert_string_equal(text, "pop3get: RETR 3: -ERR ??[2Jgone??\n");
    /* Only len octets. */
    memset(&r, 0, sizeof r);
    CAPTURE(pg_fail(&r, EX_IOERR, "maildir", "full disk", 4));
    assert_string_equal(text, "pop3get: maildir: full\n");
    memset(&r, 0, sizeof r);
    CAPTURE(pg_fail_str(&r, EX_NOHOST, "example.invalid", "unknown host"));
    assert_int_equal(r.exit_code, EX_NOHOST);
    assert_string_equal(text, "pop3get: example.invalid: unknown host\n");
}

/* The first failure decides the exit status and is the only line: later
 * ones are consequences. */
static void test_first_failure_wins(void **state)
{
    struct pg_report r;

    (void)state;
    memset(&r, 0, sizeof r);
    CAPTURE(pg_fail_str(&r, EX_TEMPFAIL, "connect", "Connection refused");
            pg_fail_str(&r, EX_PROTOCOL, "QUIT", "no reply");
            pg_fail_str(&r, EX_IOERR, "maildir", "gone"));
    assert_int_equal(r.exit_code, EX_TEMPFAIL);
    assert_string_equal(text, "pop3get: connect: Connection refused\n");
}

static void test_progress_line(void **state)
{
    struct pg_report r;

    (void)state;
    memset(&r, 0, sizeof r);
    r.progress = 1;
    CAPTURE(pg_progress(&r, 1000, 0, 2, 5, 1023, 1024));
    assert_string_equal(text, "\rpop3get: 2/5 messages, 1023 B/1.0 KiB\033[K");
    assert_true(r.line_open);
    /* Within 200 ms: not redrawn, unless forced. */
    CAPTURE(pg_progress(&r, 1199, 0, 3, 5, 1536, 1048576));
    assert_string_equal(text, "");
    CAPTURE(pg_progress(&r, 1199, 1, 3, 5, 1536, 1048576));
    assert_string_equal(text, "\rpop3get: 3/5 messages, 1.5 KiB/1.0 MiB\033[K");
    CAPTURE(pg_progress(&r, 1398, 0, 4, 5, 1048575, 3u << 20));
    assert_string_equal(text, "");
    CAPTURE(pg_progress(&r, 1399, 0, 4, 5, 1048575, 3u << 20));
    assert_string_equal(text, "\rpop3get: 4/5 messages, 1024.0 KiB/3.0 MiB\033[K");
    /* The millisecond clock wraps: 150 ms later is still within 200 ms. */
    r.shown_at = UINT32_MAX - 49;
    CAPTURE(pg_progress(&r, 100, 0, 5, 5, 10, 10));
    assert_string_equal(text, "");
    CAPTURE(pg_progress(&r, 150, 0, 5, 5, (uint64_t)5 << 40, (uint64_t)5 << 40));
    assert_string_equal(text, "\rpop3get: 5/5 messages, 5242880.0 MiB/5242880.0 MiB\033[K");
    /* Its end: one newline, once. */
    CAPTURE(pg_progress_end(&r));
    assert_string_equal(text, "\n");
    assert_false(r.line_open);
    CAPTURE(pg_progress_end(&r));
    assert_string_equal(text, "");
    /* The first redraw after the end comes at once. */
    CAPTURE(pg_progress(&r, 160, 0, 1, 1, 0, 0));
    assert_string_equal(text, "\rpop3get: 1/1 messages, 0 B/0 B\033[K");
}

/* No progress line when not asked for, with -q, for an empty mailbox, or
 * after a failure; a failure clears a line on the screen first. */
static void test_progress_silent(void **state)
{
    struct pg_report r;

    (void)state;
    memset(&r, 0, sizeof r);
    CAPTURE(pg_progress(&r, 0, 1, 1, 2, 3, 4));
    assert_string_equal(text, "");
    r.progress = 1;
    r.quiet = 1;
    CAPTURE(pg_progress(&r, 0, 1, 1, 2, 3, 4));
    assert_string_equal(text, "");
    r.quiet = 0;
    CAPTURE(pg_progress(&r, 0, 1, 0, 0, 0, 0));
    assert_string_equal(text, "");
    assert_false(r.line_open);
    CAPTURE(pg_progress(&r, 0, 1, 1, 2, 3, 4);
            pg_fail_str(&r, EX_IOERR, "mbox", "No space left on device"));
    assert_string_equal(text, "\rpop3get: 1/2 messages, 3 B/4 B\033[K"
                              "\r\033[Kpop3get: mbox: No space left on device\n");
    assert_false(r.line_open);
    CAPTURE(pg_progress(&r, 1000, 1, 2, 2, 4, 4); pg_progress_end(&r));
    assert_string_equal(text, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error_line),
        cmocka_unit_test(test_first_failure_wins),
        cmocka_unit_test(test_progress_line),
        cmocka_unit_test(test_progress_silent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
