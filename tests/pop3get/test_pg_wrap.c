/* SPDX-License-Identifier: MIT */
/* test_pg_wrap.c - the -v trace masks every secret the client sends. */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pg_wrap.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static uint8_t wire[4096];

/* Send text through a trace over the memory transport, split into pieces
 * of chunk octets; return what the trace printed on stderr. */
static const char *traced(const char *text, size_t chunk, int auth_done_after_first)
{
    static char out[4096];
    pop3_transport mem;
    pop3_transport_mem m;
    struct pg_trace t;
    const pop3_transport *tr;
    FILE *tmp = tmpfile();
    size_t off = 0, len = strlen(text);
    int saved;

    pop3_transport_mem_init(&mem, &m, wire, sizeof wire);
    tr = pg_trace_wrap(&t, &mem);
    fflush(stderr);
    saved = dup(2);
    dup2(fileno(tmp), 2);
    while (off < len) {
        size_t n = len - off < chunk ? len - off : chunk;
        const char *nl = memchr(text + off, '\n', n);
        long r;

        if (auth_done_after_first && nl != NULL)
            n = (size_t)(nl - (text + off)) + 1; /* the exchange ends here */
        r = tr->send(tr->ctx, (const uint8_t *)text + off, n);
        assert_int_equal(r, (long)n);
        off += n;
        if (auth_done_after_first && memchr(text + off - n, '\n', n) != NULL) {
            pg_trace_auth_done(&t);
            auth_done_after_first = 0;
        }
    }
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    rewind(tmp);
    out[fread(out, 1, sizeof out - 1, tmp)] = '\0';
    fclose(tmp);
    assert_int_equal(m.len, len);
    assert_memory_equal(wire, text, len); /* the wire gets everything */
    return out;
}

static void test_secrets_masked(void **state)
{
    size_t chunk;

    (void)state;
    for (chunk = 1; chunk <= 64; chunk++) {
        const char *o = traced("USER bob\r\nPASS hunter2\r\nSTAT\r\n", chunk, 0);

        assert_string_equal(o, "C: USER bob\nC: PASS ****\nC: STAT\n");
        o = traced("APOP bob c4c9334bac560ecc979e58001b3e22fb\r\n", chunk, 0);
        assert_string_equal(o, "C: APOP bob ****\n");
        o = traced("AUTH PLAIN AGJvYgBodW50ZXIy\r\n", chunk, 0);
        assert_string_equal(o, "C: AUTH PLAIN ****\n");
        /* Every line of an AUTH exchange is a secret until it ends. */
        o = traced("AUTH LOGIN\r\nYm9i\r\naHVudGVyMg==\r\n", chunk, 0);
        assert_string_equal(o, "C: AUTH LOGIN\nC: ****\nC: ****\n");
        o = traced("AUTH LOGIN\r\nSTAT\r\n", chunk, 1);
        assert_string_equal(o, "C: AUTH LOGIN\nC: STAT\n");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_secrets_masked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
