/* SPDX-License-Identifier: MIT */
/* engine - cost of the reply reader and engine alone.
 *
 *   engine engine|baseline PIECE plain|dotted MB [RUNS]
 *
 * Builds a synthetic RETR stream of about MB megabytes: messages of 1 MiB
 * body, ordinary mail lines of 76 characters, each reply "+OK" .. body ..
 * ".". "dotted" makes every body line start with a dot, dot-stuffed on the
 * wire (the worst case for the unstuffer). The stream is pushed through
 * pop3_client_input() in PIECE-octet pieces (1460: one TCP segment; 65536:
 * a large recv) by a client logged in over the in-memory transport, which
 * queues the next RETR at each message end. "baseline" instead runs memchr
 * for every LF and memcpy of every piece over the same bytes: what any
 * line-framed copy costs at least.
 *
 * Prints: "MODE PIECE KIND body_octets=N mbps=X" where X is the median over
 * RUNS (default 5) timed passes after one untimed pass. Under callgrind use
 * --toggle-collect=bench_feed and RUNS=1: the counted instructions are the
 * feed loop (engine or baseline) over one pass.
 */
#define _POSIX_C_SOURCE 200809L

#include "pop3.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BODY_SIZE (1024u * 1024u)

static uint64_t body_octets, expect_octets;
static pop3_transport_mem mem;
static uint32_t next_msg;
static int failed;
static uint8_t sink[65536];

static void on_event(pop3_client *c, const pop3_event *ev, void *user)
{
    (void)user;
    switch (ev->type) {
    case POP3_EV_GREETING:
        if (pop3_client_login(c, "bench", "bench", POP3_AUTH_USER) != POP3_OK)
            failed = 1;
        break;
    case POP3_EV_LOGIN:
    case POP3_EV_MSG_END:
        mem.len = 0; /* the RETR lines sent are not needed */
        if (pop3_client_retr(c, ++next_msg) != POP3_OK)
            failed = 1;
        break;
    case POP3_EV_MSG_DATA:
        body_octets += ev->len;
        break;
    case POP3_EV_CLOSED:
    case POP3_EV_SERVER_ERR:
        failed = 1;
        break;
    default:
        break;
    }
}

/* One message: "+OK" line, body of BODY_SIZE octets, terminator. */
static size_t make_message(uint8_t *p, int dotted, unsigned seed)
{
    static const char alpha[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 ,;";
    size_t n = 0, body = 0;

    n += (size_t)sprintf((char *)p, "+OK %u octets\r\n", BODY_SIZE);
    while (body < BODY_SIZE) {
        size_t i;

        if (dotted) {
            p[n++] = '.';
            p[n++] = '.'; /* stuffed */
        }
        for (i = dotted ? 1 : 0; i < 76; i++) {
            seed = seed * 1103515245u + 12345u;
            p[n++] = (uint8_t)alpha[(seed >> 16) % (sizeof alpha - 1)];
        }
        p[n++] = '\r';
        p[n++] = '\n';
        body += 78;
    }
    expect_octets += body;
    memcpy(p + n, ".\r\n", 3);
    return n + 3;
}

/* The measured loops. noinline so callgrind can toggle on them. */
__attribute__((noinline)) size_t bench_feed(pop3_client *c, const uint8_t *s,
                                            size_t len, size_t piece)
{
    size_t off = 0;

    while (off < len) {
        size_t n = len - off < piece ? len - off : piece;
        if (pop3_client_input(c, s + off, n) != n)
            return off;
        off += n;
    }
    return off;
}

__attribute__((noinline)) size_t bench_feed_baseline(const uint8_t *s, size_t len,
                                                     size_t piece)
{
    size_t off = 0, lines = 0;

    while (off < len) {
        size_t n = len - off < piece ? len - off : piece;
        const uint8_t *p = s + off, *end = s + off + n, *nl;

        while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
            lines++;
            p = nl + 1;
        }
        memcpy(sink, s + off, n);
        off += n;
    }
    return lines;
}

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* One pass over the stream; returns seconds. */
static double pass(int baseline, const uint8_t *s, size_t len, size_t piece)
{
    static char line[POP3_LINE_MIN];
    static uint8_t cmd[POP3_CMD_MAX];
    static uint8_t sent[4096];
    static pop3_slot queue[4];
    pop3_transport tr;
    pop3_client c;
    pop3_client_config cfg;
    double t0, t1;

    if (baseline) {
        volatile size_t lines;
        t0 = now_s();
        lines = bench_feed_baseline(s, len, piece);
        t1 = now_s();
        (void)lines;
        return t1 - t0;
    }
    pop3_transport_mem_init(&tr, &mem, sent, sizeof sent);
    mem.max_chunk = 0;
    pop3_client_config_defaults(&cfg);
    cfg.transport = &tr;
    cfg.cb = on_event;
    cfg.line_buf = line;
    cfg.line_size = sizeof line;
    cfg.cmd_buf = cmd;
    cfg.cmd_size = sizeof cmd;
    cfg.queue = queue;
    cfg.queue_len = 4;
    if (pop3_client_init(&c, &cfg) != POP3_OK)
        exit(2);
    pop3_client_connected(&c);
    next_msg = 0;
    body_octets = 0;
    failed = 0;
    {
        static const char login[] = "+OK ready\r\n+OK\r\n+OK logged in\r\n";
        size_t i;
        /* Line by line: each reply only after its command went out. */
        for (i = 0; i < sizeof login - 1; ) {
            const char *nl = strchr(login + i, '\n');
            size_t n = (size_t)(nl - (login + i)) + 1;
            pop3_client_input(&c, login + i, n);
            i += n;
        }
    }
    t0 = now_s();
    size_t done = bench_feed(&c, s, len, piece);
    t1 = now_s();
    if (failed || done != len) {
        fprintf(stderr, "engine: the engine stopped at octet %zu: %s\n", done,
                pop3_strerror(pop3_client_error(&c)));
        exit(1);
    }
    return t1 - t0;
}

int main(int argc, char **argv)
{
    int baseline, dotted, runs, i;
    size_t piece, mb, len = 0, msg_len, nmsg;
    uint8_t *stream;
    double t[64];

    if (argc < 5) {
        fprintf(stderr, "usage: engine engine|baseline PIECE plain|dotted MB [RUNS]\n");
        return 64;
    }
    baseline = strcmp(argv[1], "baseline") == 0;
    piece = strtoul(argv[2], NULL, 10);
    dotted = strcmp(argv[3], "dotted") == 0;
    mb = strtoul(argv[4], NULL, 10);
    runs = argc > 5 ? atoi(argv[5]) : 5;
    if (piece == 0 || mb == 0 || runs < 1 || runs > 64)
        return 64;
    nmsg = mb;
    stream = malloc(nmsg * (BODY_SIZE * 2 + 64));
    if (stream == NULL)
        return 1;
    for (i = 0; (size_t)i < nmsg; i++) {
        msg_len = make_message(stream + len, dotted, (unsigned)i);
        len += msg_len;
    }
    if (runs > 1)
        (void)pass(baseline, stream, len, piece); /* warm-up */
    for (i = 0; i < runs; i++)
        t[i] = pass(baseline, stream, len, piece);
    qsort(t, (size_t)runs, sizeof t[0], cmp_double);
    {
        uint64_t octets = baseline ? expect_octets : body_octets;
        if (!baseline && octets != expect_octets) {
            fprintf(stderr, "engine: delivered %llu body octets, expected %llu\n",
                    (unsigned long long)octets, (unsigned long long)expect_octets);
            return 1;
        }
        printf("%s %zu %s body_octets=%llu wire_octets=%zu mbps=%.1f\n",
               baseline ? "baseline" : "engine", piece, dotted ? "dotted" : "plain",
               (unsigned long long)octets, len, (double)octets / 1e6 / t[runs / 2]);
    }
    free(stream);
    return 0;
}
