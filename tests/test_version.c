/* SPDX-License-Identifier: MIT */
/* test_version.c - the version macros of pop3.h and pop3_version() agree:
 * the string is MAJOR.MINOR.PATCH, and the library linked in reports the
 * same version as the headers it was built with.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "pop3.h"

static void test_string_is_major_minor_patch(void **state)
{
    char want[32];
    (void)state;
    snprintf(want, sizeof want, "%d.%d.%d", POP3_VERSION_MAJOR, POP3_VERSION_MINOR,
             POP3_VERSION_PATCH);
    assert_string_equal(POP3_VERSION_STRING, want);
}

static void test_library_reports_the_header_version(void **state)
{
    (void)state;
    assert_non_null(pop3_version());
    assert_string_equal(pop3_version(), POP3_VERSION_STRING);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_string_is_major_minor_patch),
        cmocka_unit_test(test_library_reports_the_header_version),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
