/* SPDX-License-Identifier: MIT */
/* test_err.c - pop3_strerror() and pop3_err_name(): one string per code,
 * never NULL, generated from the same list as the enum (pop3.h
 * POP3_ERR_LIST), so a log line or a bug report names the right error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pop3.h"

#define NAME_(name, text) #name,
#define TEXT_(name, text) text,
static const char *const want_names[] = {POP3_ERR_LIST(NAME_)};
static const char *const want_texts[] = {POP3_ERR_LIST(TEXT_)};
#undef NAME_
#undef TEXT_

static void test_every_code_has_a_distinct_text(void **state)
{
    (void)state;
    for (int i = 0; i < POP3_ERR_COUNT_; i++) {
        const char *a = pop3_strerror((pop3_err)i);
        assert_non_null(a);
        assert_true(a[0] != '\0');
        for (int j = 0; j < i; j++)
            assert_string_not_equal(a, pop3_strerror((pop3_err)j));
    }
}

static void test_every_code_has_a_distinct_name(void **state)
{
    (void)state;
    for (int i = 0; i < POP3_ERR_COUNT_; i++) {
        const char *a = pop3_err_name((pop3_err)i);
        assert_non_null(a);
        assert_true(a[0] != '\0');
        for (int j = 0; j < i; j++)
            assert_string_not_equal(a, pop3_err_name((pop3_err)j));
    }
}

static void test_strings_follow_the_error_list(void **state)
{
    (void)state;
    /* The table and the enum come from one list; check they line up. */
    assert_int_equal(sizeof want_names / sizeof want_names[0],
                     POP3_ERR_COUNT_);
    for (int i = 0; i < POP3_ERR_COUNT_; i++) {
        assert_string_equal(pop3_err_name((pop3_err)i), want_names[i]);
        assert_string_equal(pop3_strerror((pop3_err)i), want_texts[i]);
    }
    assert_int_equal(POP3_OK, 0);
    assert_string_equal(pop3_err_name(POP3_OK), "OK");
    assert_string_equal(pop3_err_name(POP3_ERR_TIMEOUT_REPLY),
                        "TIMEOUT_REPLY");
    assert_string_equal(pop3_err_name(POP3_ERR_LINE_TOO_LONG),
                        "LINE_TOO_LONG");
}

static void test_out_of_range_codes_still_give_a_string(void **state)
{
    (void)state;
    /* "never NULL": a corrupted or future code must not crash a logger. */
    const pop3_err odd[] = {POP3_ERR_COUNT_, (pop3_err)(POP3_ERR_COUNT_ + 7),
                            (pop3_err)255, (pop3_err)-1};
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
        assert_non_null(pop3_strerror(odd[i]));
        assert_non_null(pop3_err_name(odd[i]));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_code_has_a_distinct_text),
        cmocka_unit_test(test_every_code_has_a_distinct_name),
        cmocka_unit_test(test_strings_follow_the_error_list),
        cmocka_unit_test(test_out_of_range_codes_still_give_a_string),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
