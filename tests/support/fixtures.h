/* SPDX-License-Identifier: MIT */
/* fixtures.h - server transcripts and expected logs shared by the tests.
 *
 * The greeting, user and secret are RFC 1939's examples (sec. 7), so the
 * APOP digest is the one printed there.
 */
#ifndef TESTS_FIXTURES_H
#define TESTS_FIXTURES_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "support/script.h"

#define TS "<1896.697170952@dbc.mtview.ca.us>"
#define GREET "+OK POP3 server ready " TS "\r\n"
#define GREET_LOG "GREETING count=1 'POP3 server ready " TS "'\n"
#define APOP_DIGEST "c4c9334bac560ecc979e58001b3e22fb"

/* USER/PASS login answered with +OK twice. */
#define LOGIN_SRV                                                              \
    GREET "+OK mrose is a real hoopy frood\r\n"                                \
          "+OK mrose's maildrop has 2 messages (320 octets)\r\n"
#define LOGIN_LOG                                                              \
    GREET_LOG "> login = OK\n"                                                 \
              "OK cmd=USER 'mrose is a real hoopy frood'\n"                    \
              "LOGIN cmd=PASS\n"
#define LOGIN_SENT "USER mrose\r\nPASS tanstaaf\r\n"

#define RULE(ev, cmd, actions) {POP3_EV_##ev, POP3_CMD_##cmd, actions}
#define RULES_END {POP3_EV_GREETING, POP3_CMD_NONE, NULL}

/* Summary lines written by script_log(s, true). */
#define SUM_TRANS "= state=TRANSACTION err=OK close=0\n"
#define SUM_AUTH "= state=AUTHORIZATION err=OK close=0\n"
#define SUM_CLOSED(err) "= state=CLOSED err=" err " close=1\n"

/* Fail unless `needle` occurs in the NUL-terminated `hay`. */
#define assert_contains(hay, needle)                                           \
    do {                                                                       \
        const char *h_ = (hay);                                                \
        const char *n_ = (needle);                                             \
        if (strstr(h_, n_) == NULL) {                                          \
            print_error("expected to find:\n%s\nin:\n%s\n", n_, h_);           \
            fail();                                                            \
        }                                                                      \
    } while (0)

#define assert_not_contains(hay, needle)                                       \
    do {                                                                       \
        const char *h_ = (hay);                                                \
        const char *n_ = (needle);                                             \
        if (strstr(h_, n_) != NULL) {                                          \
            print_error("did not expect:\n%s\nin:\n%s\n", n_, h_);             \
            fail();                                                            \
        }                                                                      \
    } while (0)

#endif /* TESTS_FIXTURES_H */
