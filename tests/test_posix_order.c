/* SPDX-License-Identifier: MIT */
/* test_posix_order.c - the POSIX port reads before it writes: octets that
 * arrived in one read cannot answer a command queued while they are
 * handled, because that command left after they were sent. A server that
 * answers ahead (or an injector in front of it) is caught even when the
 * application queues the command from the greeting callback. Over a real
 * TCP connection on 127.0.0.1.
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "support/fixtures.h"
#include "support/client_cfg.h"
#include "support/loopback.h"
#include "pop3_posix.h"

struct app {
    int greeted;
};

static void on_event(pop3_client *c, const pop3_event *ev, void *user)
{
    struct app *a = user;

    if (ev->type == POP3_EV_GREETING) {
        a->greeted = 1;
        assert_int_equal(pop3_client_capa(c), POP3_OK);
    }
}

/* Runs one session against a server that writes `script` in one write as
 * soon as it accepts; returns how the session ended and what the server
 * received. */
static pop3_err run(const char *script, char *got, size_t got_size)
{
    int portnum, ls = loopback_listener(1, &portnum), srv = -1;
    char port[8];
    static pop3_posix p;
    pop3_client c;
    pop3_client_config cfg;
    char line[512];
    uint8_t cmd[POP3_CMD_MAX];
    pop3_slot q[4];
    struct app a = {0};
    size_t n = 0;

    snprintf(port, sizeof port, "%d", portnum);

    pop3_posix_init(&p);
    client_cfg(&cfg, pop3_posix_transport(&p), on_event, &a, line, sizeof line, cmd, sizeof cmd,
               q, 4);
    cfg.reply_timeout_ms = 2000;
    assert_int_equal(pop3_client_init(&c, &cfg), POP3_OK);
    assert_int_equal(pop3_posix_connect(&p, &c, "127.0.0.1", port), POP3_OK);
    srv = accept(ls, NULL, NULL);
    assert_true(srv >= 0);
    assert_int_equal(write(srv, script, strlen(script)), (ssize_t)strlen(script));
    /* Let the whole script arrive before the client reads: one read. */
    {
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    (void)pop3_posix_run(&p);
    for (;;) { /* what the client sent, until it closed */
        ssize_t r = read(srv, got + n, got_size - 1 - n);
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    got[n] = '\0';
    close(srv);
    close(ls);
    assert_true(a.greeted);
    return pop3_client_error(&c);
}

static void test_reply_in_the_greetings_read_answers_nothing(void **state)
{
    (void)state;
    char got[256];

    /* CAPA is queued from the greeting callback; the "+OK" came in the
     * same read, before CAPA could have left. Taken as CAPA's answer, the
     * list would never end (reply timeout); it must be UNEXPECTED, and
     * CAPA never sent. */
    assert_int_equal(run("+OK ready\r\n+OK stray\r\nUSER\r\n", got, sizeof got),
                     POP3_ERR_UNEXPECTED);
    assert_string_equal(got, "");
}

static void test_replies_in_later_reads_are_matched(void **state)
{
    (void)state;
    char got[256];

    /* The same greeting alone: CAPA leaves; the server's side then sees
     * it (the session is cut by the reply timeout, nothing answered). */
    assert_int_equal(run("+OK ready\r\n", got, sizeof got), POP3_ERR_TIMEOUT_REPLY);
    assert_string_equal(got, "CAPA\r\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reply_in_the_greetings_read_answers_nothing),
        cmocka_unit_test(test_replies_in_later_reads_are_matched),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
