/* SPDX-License-Identifier: MIT */
/* test_transport_mem.c - the in-memory transport's contract
 * (pop3_transport.h): the other tests trust it to record exactly what the
 * engine sent and to misbehave only when told to.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pop3_transport.h"

static void test_init_resets_everything(void **state)
{
    (void)state;
    uint8_t buf[16];
    pop3_transport t;
    pop3_transport_mem m;
    memset(&m, 0x5a, sizeof m);
    pop3_transport_mem_init(&t, &m, buf, sizeof buf);
    assert_ptr_equal(t.ctx, &m);
    assert_non_null(t.send);
    assert_non_null(t.close);
    assert_ptr_equal(m.buf, buf);
    assert_int_equal(m.cap, sizeof buf);
    assert_int_equal(m.len, 0);
    assert_int_equal(m.max_chunk, 0);
    assert_int_equal(m.stall, 0);
    assert_int_equal(m.broken, 0);
    assert_int_equal(m.closed, 0);
    assert_int_equal(m.sends, 0);
}

static void test_send_records_in_order(void **state)
{
    (void)state;
    uint8_t buf[16];
    pop3_transport t;
    pop3_transport_mem m;
    pop3_transport_mem_init(&t, &m, buf, sizeof buf);
    assert_int_equal(t.send(t.ctx, (const uint8_t *)"STAT\r\n", 6), 6);
    assert_int_equal(t.send(t.ctx, (const uint8_t *)"NOOP\r\n", 6), 6);
    assert_int_equal(m.len, 12);
    assert_int_equal(m.sends, 2);
    assert_memory_equal(buf, "STAT\r\nNOOP\r\n", 12);
}

static void test_max_chunk_limits_each_send(void **state)
{
    (void)state;
    uint8_t buf[16];
    pop3_transport t;
    pop3_transport_mem m;
    pop3_transport_mem_init(&t, &m, buf, sizeof buf);
    m.max_chunk = 4;
    assert_int_equal(t.send(t.ctx, (const uint8_t *)"QUIT\r\n", 6), 4);
    assert_int_equal(t.send(t.ctx, (const uint8_t *)"\r\n", 2), 2);
    assert_int_equal(m.len, 6);
    assert_memory_equal(buf, "QUIT\r\n", 6);
}

static void test_stall_takes_nothing_and_broken_fails(void **state)
{
    (void)state;
    uint8_t buf[16];
    pop3_transport t;
    pop3_transport_mem m;
    pop3_transport_mem_init(&t, &m, buf, sizeof buf);
    m.stall = 1;
    assert_int_equal(t.send(t.ctx, (const uint8_t *)"RSET\r\n", 6), 0);
    assert_int_equal(m.len, 0);
    assert_int_equal(m.sends, 0);
    m.stall = 0;
    m.broken = 1;
    assert_true(t.send(t.ctx, (const uint8_t *)"RSET\r\n", 6) < 0);
    assert_int_equal(m.len, 0);
}

static void test_never_writes_past_cap(void **state)
{
    (void)state;
    /* Exact-size heap buffer: a write past cap is an ASan error. */
    uint8_t *buf = malloc(8);
    assert_non_null(buf);
    pop3_transport t;
    pop3_transport_mem m;
    pop3_transport_mem_init(&t, &m, buf, 8);
    assert_int_equal(t.send(t.ctx, (const uint8_t *)"NOOP\r\n", 6), 6);
    long n = t.send(t.ctx, (const uint8_t *)"NOOP\r\n", 6);
    assert_true(n < 0 || n <= 2);
    assert_true(m.len <= 8);
    if (m.len == 8)
        assert_true(t.send(t.ctx, (const uint8_t *)"X", 1) < 0);
    free(buf);
}

static void test_close_is_counted(void **state)
{
    (void)state;
    uint8_t buf[4];
    pop3_transport t;
    pop3_transport_mem m;
    pop3_transport_mem_init(&t, &m, buf, sizeof buf);
    t.close(t.ctx);
    assert_int_equal(m.closed, 1);
    t.close(t.ctx);
    assert_int_equal(m.closed, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_resets_everything),
        cmocka_unit_test(test_send_records_in_order),
        cmocka_unit_test(test_max_chunk_limits_each_send),
        cmocka_unit_test(test_stall_takes_nothing_and_broken_fails),
        cmocka_unit_test(test_never_writes_past_cap),
        cmocka_unit_test(test_close_is_counted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
