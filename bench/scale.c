/* SPDX-License-Identifier: MIT */
/* scale - K concurrent POP3 sessions in one thread over port/posix.
 *
 *   scale HOST PORT PREFIX PASS K
 *
 * Session i (1..K) logs in as PREFIX<i> (4 digits, e.g. s0001), runs STAT,
 * retrieves every message (pipelined when the server says PIPELINING) and
 * discards the bytes, then QUITs. All K sessions share one poll() loop.
 * Prints one line:
 *
 *   sessions=K ok=N msgs=M octets=B seconds=T client_state=S lib_bytes=L
 *   port_bytes=P rss_kb_before=R0 rss_kb_after=R1
 *
 * lib_bytes is what the library needs per session: sizeof(pop3_client), the
 * line buffer (POP3_LINE_MIN), the command buffer (POP3_CMD_MAX) and the
 * queue (QUEUE slots). port_bytes is sizeof(pop3_posix) as this program
 * builds it (POP3_POSIX_RX_SIZE, set on the compiler command line). RSS is
 * the process's peak resident set before the sessions are set up and at
 * the end. Exits 0 when every session fetched every message and got +OK to
 * QUIT.
 */
#define _POSIX_C_SOURCE 200809L

#include "pop3_posix.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define QUEUE 8

struct session {
    pop3_client c;
    pop3_posix p;
    char line[POP3_LINE_MIN];
    uint8_t cmd[POP3_CMD_MAX];
    pop3_slot q[QUEUE];
    char user[16];
    const char *pass;
    uint32_t count, next, got;
    uint64_t octets;
    int done;
};

static void pump(struct session *s)
{
    while (s->next <= s->count) {
        pop3_err r = pop3_client_retr(&s->c, s->next);
        if (r == POP3_ERR_BUSY)
            return;
        if (r != POP3_OK)
            break;
        s->next++;
    }
    if (s->got == s->count)
        (void)pop3_client_quit(&s->c);
}

static void on_event(pop3_client *c, const pop3_event *ev, void *user)
{
    struct session *s = user;

    switch (ev->type) {
    case POP3_EV_GREETING:
        (void)pop3_client_capa(c);
        (void)pop3_client_login(c, s->user, s->pass, POP3_AUTH_USER);
        break;
    case POP3_EV_LOGIN:
        (void)pop3_client_stat(c);
        break;
    case POP3_EV_STAT:
        s->count = ev->count;
        s->next = 1;
        pump(s);
        break;
    case POP3_EV_MSG_DATA:
        s->octets += ev->len;
        break;
    case POP3_EV_MSG_END:
        s->got++;
        pump(s);
        break;
    case POP3_EV_SERVER_ERR:
        if (ev->cmd != POP3_CMD_CAPA) {
            fprintf(stderr, "scale: %s: -ERR %.*s\n", s->user, (int)ev->len, ev->text);
            (void)pop3_client_quit(c);
        }
        break;
    case POP3_EV_CLOSED:
        s->done = ev->err == POP3_ERR_CLOSED && s->got == s->count && s->count > 0;
        if (ev->err != POP3_ERR_CLOSED)
            fprintf(stderr, "scale: %s: %s\n", s->user, pop3_strerror(ev->err));
        break;
    default:
        break;
    }
}

static long max_rss_kb(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    struct session *ss;
    struct pollfd *pfd;
    struct rlimit rl;
    long rss0, rss1;
    double t0, t1;
    int k, i, open_n, ok = 0;
    uint64_t msgs = 0, octets = 0;

    if (argc != 6) {
        fprintf(stderr, "usage: scale HOST PORT PREFIX PASS K\n");
        return 64;
    }
    k = atoi(argv[5]);
    if (k < 1 || k > 100000)
        return 64;
    /* One descriptor per session, plus a few. */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)k + 64) {
        rl.rlim_cur = rl.rlim_max < (rlim_t)k + 64 ? rl.rlim_max : (rlim_t)k + 64;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    rss0 = max_rss_kb();
    ss = calloc((size_t)k, sizeof *ss);
    pfd = calloc((size_t)k, sizeof *pfd);
    if (ss == NULL || pfd == NULL)
        return 1;
    t0 = now_s();
    for (i = 0; i < k; i++) {
        struct session *s = &ss[i];
        pop3_client_config cfg;

        snprintf(s->user, sizeof s->user, "%s%04d", argv[3], i + 1);
        s->pass = argv[4];
        pop3_posix_init(&s->p);
        pop3_client_config_defaults(&cfg);
        cfg.transport = pop3_posix_transport(&s->p);
        cfg.cb = on_event;
        cfg.user = s;
        cfg.line_buf = s->line;
        cfg.line_size = sizeof s->line;
        cfg.cmd_buf = s->cmd;
        cfg.cmd_size = sizeof s->cmd;
        cfg.queue = s->q;
        cfg.queue_len = QUEUE;
        if (pop3_client_init(&s->c, &cfg) != POP3_OK)
            return 1;
        if (pop3_posix_connect(&s->p, &s->c, argv[1], argv[2]) != POP3_OK)
            fprintf(stderr, "scale: %s: connect failed\n", s->user);
    }
    for (;;) {
        open_n = 0;
        for (i = 0; i < k; i++) {
            pfd[i].fd = -1;
            pfd[i].events = 0;
            pfd[i].revents = 0;
            if (pop3_client_state(&ss[i].c) == POP3_STATE_CLOSED)
                continue;
            open_n++;
            pfd[i].events = pop3_posix_events(&ss[i].p);
            if (pfd[i].events != 0)
                pfd[i].fd = pop3_posix_fd(&ss[i].p);
        }
        if (open_n == 0)
            break;
        if (poll(pfd, (nfds_t)k, 100) < 0)
            continue;
        for (i = 0; i < k; i++)
            if (pop3_client_state(&ss[i].c) != POP3_STATE_CLOSED)
                pop3_posix_handle(&ss[i].p, pfd[i].fd >= 0 ? pfd[i].revents : 0);
    }
    t1 = now_s();
    rss1 = max_rss_kb();
    for (i = 0; i < k; i++) {
        ok += ss[i].done;
        msgs += ss[i].got;
        octets += ss[i].octets;
        pop3_posix_close(&ss[i].p);
        pop3_client_free(&ss[i].c);
    }
    printf("sessions=%d ok=%d msgs=%llu octets=%llu seconds=%.3f client_state=%zu "
           "lib_bytes=%zu port_bytes=%zu rss_kb_before=%ld rss_kb_after=%ld\n",
           k, ok, (unsigned long long)msgs, (unsigned long long)octets, t1 - t0,
           sizeof(pop3_client),
           sizeof(pop3_client) + (size_t)POP3_LINE_MIN + (size_t)POP3_CMD_MAX +
               QUEUE * sizeof(pop3_slot),
           sizeof(pop3_posix), rss0, rss1);
    free(ss);
    free(pfd);
    return ok == k ? 0 : 1;
}
