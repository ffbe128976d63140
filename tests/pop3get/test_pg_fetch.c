/* SPDX-License-Identifier: MIT */
/* test_pg_fetch.c - the fetch scheduler against a real engine over the
 * memory transport: RETRs for wanted messages only, DELE only after the
 * store says durable, QUIT only when everything is answered. */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pg_fetch.h"

#include <stdio.h>
#include "pop3get/pg_harness.h"

static struct pg_harness h;
static struct pg_fetch f;
static int flushes;

static void on_event(pop3_client *c, const pop3_event *ev, void *user)
{
    (void)c;
    (void)user;
    if (ev->type == POP3_EV_STAT)
        pg_fetch_stat(&f, ev->count, ev->size);
    if (ev->type == POP3_EV_MSG_END) {
        pg_fetch_answered(&f);
        pg_fetch_stored(&f, ev->msg);
    }
}

static enum pg_want want_odd(void *ctx, uint32_t msg)
{
    (void)ctx;
    return msg % 2 == 1 ? PG_WANT_FETCH : PG_WANT_SKIP;
}

/* Even messages were stored by an earlier run. */
static enum pg_want want_odd_old_even(void *ctx, uint32_t msg)
{
    (void)ctx;
    return msg % 2 == 1 ? PG_WANT_FETCH : PG_WANT_DELETE;
}

static int flush(void *ctx)
{
    (void)ctx;
    flushes++;
    pg_fetch_durable(&f);
    return 0;
}

/* Logged in, STAT answered with count messages. */
static void start(int del, uint32_t count)
{
    char stat[64];

    pg_harness_init(&h, on_event, NULL);
    pg_fetch_init(&f, &h.c, del);
    f.flush = flush;
    flushes = 0;
    pg_harness_feed(&h, "+OK hi\r\n");
    assert_int_equal(pop3_client_capa(&h.c), POP3_OK);
    pg_harness_feed(&h, "+OK\r\nPIPELINING\r\n.\r\n");
    assert_int_equal(pop3_client_login(&h.c, "u", "p", POP3_AUTH_USER), POP3_OK);
    assert_int_equal(pop3_client_stat(&h.c), POP3_OK);
    snprintf(stat, sizeof stat, "+OK\r\n+OK\r\n+OK %u 100\r\n", (unsigned)count);
    pg_harness_feed(&h, stat);
    assert_string_equal(pg_harness_sent(&h), "CAPA\r\nUSER u\r\nPASS p\r\nSTAT\r\n");
    assert_int_equal(f.count, count);
}

static void test_keep(void **state)
{
    (void)state;
    start(0, 3);
    /* Without --delete QUIT may follow the last RETR at once. */
    assert_int_equal(pg_fetch_pump(&f), PG_FETCH_QUIT);
    assert_string_equal(pg_harness_sent(&h), "RETR 1\r\nRETR 2\r\nRETR 3\r\n");
    assert_int_equal(f.retr_out, 3);
}

static void test_only_wanted(void **state)
{
    (void)state;
    start(0, 5);
    f.want = want_odd;
    assert_int_equal(pg_fetch_pump(&f), PG_FETCH_QUIT);
    assert_string_equal(pg_harness_sent(&h), "RETR 1\r\nRETR 3\r\nRETR 5\r\n");
    assert_int_equal(f.skipped, 2);
}

static void test_hold_then_old_deleted(void **state)
{
    (void)state;
    start(1, 3);
    f.want = want_odd_old_even;
    f.hold = 1; /* UIDL not answered yet */
    assert_int_equal(pg_fetch_pump(&f), PG_FETCH_WAIT);
    assert_string_equal(pg_harness_sent(&h), "");
    f.hold = 0;
    assert_int_equal(pg_fetch_pump(&f), PG_FETCH_WAIT);
    /* Stored before: deleted without fetching it again. */
    assert_string_equal(pg_harness_sent(&h), "RETR 1\r\nDELE 2\r\nRETR 3\r\n");
    assert_int_equal(f.old_deleted, 1);
}

static void test_old_kept_without_delete(void **state)
{
    (void)state;
    start(0, 3);
    f.want = want_odd_old_even;
    assert_int_equal(pg_fetch_pump(&f), PG_FETCH_QUIT);
    assert_string_equal(pg_harness_sent(&h), "RETR 1\r\nRETR 3\r\n");
}

static void test_empty(void **state)
{
    (void)state;
    start(1, 0);
    assert_int_equal(pg_fetch_pump(&f), PG_FETCH_QUIT);
    assert_string_equal(pg_harness_sent(&h), "");
}

static void test_delete_after_durable(void **state)
{
    (void)state;
    start(1, 2);
    assert_int_equal(pg_fetch_pump(&f), PG_FETCH_WAIT);
    assert_string_equal(pg_harness_sent(&h), "RETR 1\r\nRETR 2\r\n");
    pg_harness_feed(&h, "+OK\r\nm1\r\n.\r\n");
    /* Stored, not durable: no DELE yet. */
    assert_int_equal(pg_fetch_pump(&f), PG_FETCH_WAIT);
    assert_string_equal(pg_harness_sent(&h), "");
    assert_int_equal(flushes, 0);
    pg_fetch_durable(&f);
    assert_int_equal(pg_fetch_pump(&f), PG_FETCH_WAIT);
    assert_string_equal(pg_harness_sent(&h), "DELE 1\r\n");
    pg_harness_feed(&h, "+OK\r\nm2\r\n.\r\n");
    /* Every message answered: flushed once, then the last DELE; QUIT. */
    assert_int_equal(pg_fetch_pump(&f), PG_FETCH_QUIT);
    assert_int_equal(flushes, 1);
    assert_string_equal(pg_harness_sent(&h), "DELE 2\r\n");
    assert_int_equal(f.stored, 2);
}

static void test_retr_refused(void **state)
{
    (void)state;
    start(1, 1);
    assert_int_equal(pg_fetch_pump(&f), PG_FETCH_WAIT);
    assert_string_equal(pg_harness_sent(&h), "RETR 1\r\n");
    pg_harness_feed(&h, "-ERR gone\r\n");
    pg_fetch_answered(&f);
    /* Not stored, so never deleted. */
    assert_int_equal(pg_fetch_pump(&f), PG_FETCH_QUIT);
    assert_string_equal(pg_harness_sent(&h), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keep),
        cmocka_unit_test(test_only_wanted),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_hold_then_old_deleted),
        cmocka_unit_test(test_old_kept_without_delete),
        cmocka_unit_test(test_delete_after_durable),
        cmocka_unit_test(test_retr_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
