/* SPDX-License-Identifier: MIT */
/* test_posix.c - port/posix over real loopback sockets: address fallback,
 * connect timeout, pause and back-pressure, short and refused sends, end of
 * stream, and the pop3_posix_run() loop.
 *
 * Name resolution is injected: this file defines getaddrinfo() and
 * freeaddrinfo(), which the port (linked from the static library) calls
 * instead of the C library's, so no test ever asks a real resolver. The
 * peer is a child process serving one scripted connection on 127.0.0.1.
 */
#define _DEFAULT_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pop3.h"
#include "pop3_posix.h"
#include "support/client_cfg.h"
#include "support/loopback.h"

/* ---- the injected resolver ------------------------------------------------ */

#define FAKE_MAX 4
static struct {
    const char *name;                     /* NULL: no such host */
    int nport;                            /* addresses: ports on 127.0.0.1 */
    int ports[FAKE_MAX];
    int bad_family[FAKE_MAX];             /* socket() will refuse this one */
} fake;
static int fake_calls, fake_family_seen;

int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                struct addrinfo **res)
{
    struct addrinfo *head = NULL, **tail = &head;

    (void)service;
    fake_calls++;
    fake_family_seen = hints != NULL ? hints->ai_family : -1;
    if (node == NULL || fake.name == NULL || strcmp(node, fake.name) != 0)
        return EAI_NONAME;
    for (int i = 0; i < fake.nport; i++) {
        struct addrinfo *ai = calloc(1, sizeof *ai + sizeof(struct sockaddr_in));
        struct sockaddr_in *sin = (struct sockaddr_in *)(void *)(ai + 1);

        assert_non_null(ai);
        sin->sin_family = fake.bad_family[i] ? 0xfe : AF_INET;
        sin->sin_port = htons((uint16_t)fake.ports[i]);
        sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ai->ai_family = AF_INET;
        ai->ai_socktype = SOCK_STREAM;
        ai->ai_addr = (struct sockaddr *)sin;
        ai->ai_addrlen = sizeof *sin;
        *tail = ai;
        tail = &ai->ai_next;
    }
    *res = head;
    return head != NULL ? 0 : EAI_NONAME;
}

void freeaddrinfo(struct addrinfo *ai)
{
    while (ai != NULL) {
        struct addrinfo *next = ai->ai_next;
        free(ai);
        ai = next;
    }
}

/* ---- sockets and the scripted peer ---------------------------------------- */

/* A port nothing listens on (bound, never listening: refused). */
static int closed_port(int *holder)
{
    struct sockaddr_in a;
    socklen_t al = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &al), 0);
    *holder = fd;
    return ntohs(a.sin_port);
}

enum peer_kind {
    PEER_SESSION,   /* greeting, answers USER/PASS/RETR 1 (BODY_LINES lines)/QUIT */
    PEER_SILENT,    /* greeting, then reads nothing for a while */
    PEER_CLOSE,     /* greeting, then closes (what comes later gets a RST) */
    PEER_FIN        /* greeting, then ends its side and reads until the client closes */
};
#define BODY_LINE "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuv\r\n"
#define BODY_LINES 4096

static void peer_write(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w <= 0)
            _exit(3);
        s += w;
        n -= (size_t)w;
    }
}

static void peer_puts(int fd, const char *s)
{
    peer_write(fd, s, strlen(s));
}

static void peer_session(int fd)
{
    char line[512];
    size_t n = 0;
    char ch;

    peer_puts(fd, "+OK test peer ready\r\n");
    while (read(fd, &ch, 1) == 1) {
        if (n + 1 < sizeof line)
            line[n++] = ch;
        if (ch != '\n')
            continue;
        line[n] = '\0';
        n = 0;
        if (strncmp(line, "RETR 1", 6) == 0) {
            static char body[sizeof BODY_LINE * 64];
            size_t bl = strlen(BODY_LINE);
            for (int i = 0; i < 64; i++)
                memcpy(body + (size_t)i * bl, BODY_LINE, bl);
            peer_puts(fd, "+OK message follows\r\n");
            for (int i = 0; i < BODY_LINES / 64; i++)
                peer_write(fd, body, bl * 64);
            peer_puts(fd, ".\r\n");
        } else if (strncmp(line, "QUIT", 4) == 0) {
            peer_puts(fd, "+OK bye\r\n");
            return;
        } else if (strncmp(line, "CAPA", 4) == 0) {
            peer_puts(fd, "-ERR no CAPA here\r\n");
        } else {
            peer_puts(fd, "+OK\r\n");
        }
    }
}

/* Serve one connection on lfd in a child; returns the child's pid. */
static pid_t peer_start(int lfd, enum peer_kind kind)
{
    pid_t pid = fork();

    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0)
            _exit(2);
        switch (kind) {
        case PEER_SESSION:
            peer_session(fd);
            break;
        case PEER_SILENT:
            peer_puts(fd, "+OK silent peer\r\n");
            sleep(3);
            break;
        case PEER_CLOSE:
            peer_puts(fd, "+OK closing at once\r\n");
            break;
        case PEER_FIN: {
            char buf[256];
            peer_puts(fd, "+OK closing my side\r\n");
            shutdown(fd, SHUT_WR);
            while (read(fd, buf, sizeof buf) > 0)
                ;
            break;
        }
        }
        close(fd);
        _exit(0);
    }
    return pid;
}

static void peer_wait(pid_t pid)
{
    int st;

    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

static void peer_end(pid_t pid)
{
    int st;

    kill(pid, SIGTERM);
    assert_int_equal(waitpid(pid, &st, 0), pid);
}

/* ---- the client under test --------------------------------------------------- */

typedef struct harness {
    pop3_posix p;
    pop3_client c;
    char line[512];
    uint8_t cmd[512];
    pop3_slot q[8];
    int greeted, pause_data, paused_events;
    size_t body;
    pop3_err closed;
    int got_closed;
} harness;

static void on_event(pop3_client *c, const pop3_event *ev, void *user)
{
    harness *h = user;

    switch (ev->type) {
    case POP3_EV_GREETING:
        h->greeted = 1;
        assert_int_equal(pop3_client_login(c, "u", "pw", POP3_AUTH_USER), POP3_OK);
        break;
    case POP3_EV_LOGIN:
        assert_int_equal(pop3_client_retr(c, 1), POP3_OK);
        break;
    case POP3_EV_MSG_DATA:
        h->body += ev->len;
        if (h->pause_data) {
            pop3_client_pause(c);
            h->paused_events++;
        }
        break;
    case POP3_EV_MSG_END:
        assert_int_equal(pop3_client_quit(c), POP3_OK);
        break;
    case POP3_EV_CLOSED:
        h->got_closed = 1;
        h->closed = ev->err;
        break;
    default:
        break;
    }
}

static harness *harness_new(uint32_t connect_timeout_ms)
{
    harness *h = calloc(1, sizeof *h);
    pop3_client_config cfg;

    assert_non_null(h);
    pop3_posix_init(&h->p);
    client_cfg(&cfg, pop3_posix_transport(&h->p), on_event, h, h->line, sizeof h->line,
               h->cmd, sizeof h->cmd, h->q, 8);
    cfg.connect_timeout_ms = connect_timeout_ms;
    cfg.greeting_timeout_ms = 5000;
    cfg.reply_timeout_ms = 5000;
    assert_int_equal(pop3_client_init(&h->c, &cfg), POP3_OK);
    return h;
}

static void harness_free(harness *h)
{
    pop3_posix_close(&h->p);
    pop3_client_free(&h->c);
    free(h);
}

/* One poll round of the caller's own loop. */
static void step(harness *h, int timeout_ms)
{
    struct pollfd pfd = { pop3_posix_fd(&h->p), pop3_posix_events(&h->p), 0 };
    int n;

    if (pfd.events == 0)
        pfd.fd = -1;
    n = poll(&pfd, 1, timeout_ms);
    assert_true(n >= 0);
    pop3_posix_handle(&h->p, n > 0 ? pfd.revents : 0);
}

static void run_until(harness *h, int *flag, int max_rounds)
{
    for (int i = 0; i < max_rounds && !*flag && !h->got_closed; i++)
        step(h, 50);
}

/* A peer of `kind` in a child, on a listener on 127.0.0.1 (*lfd) that is
 * the one address the injected resolver gives for `name`; the harness's
 * client starts connecting to `name`. Returns the child's pid. */
static pid_t connect_to_peer(harness *h, const char *name, enum peer_kind kind, int *lfd)
{
    int port;
    pid_t pid;

    *lfd = loopback_listener(4, &port);
    memset(&fake, 0, sizeof fake);
    fake.name = name;
    fake.nport = 1;
    fake.ports[0] = port;
    pid = peer_start(*lfd, kind);
    assert_int_equal(pop3_posix_connect(&h->p, &h->c, name, "110"), POP3_OK);
    return pid;
}

/* ---- tests -------------------------------------------------------------------- */

static void test_falls_back_to_the_next_address(void **state)
{
    int holder, port, lfd;
    harness *h = harness_new(5000);
    pid_t pid;

    (void)state;
    lfd = loopback_listener(4, &port);
    memset(&fake, 0, sizeof fake);
    fake.name = "multi.test";
    fake.nport = 3;
    fake.bad_family[0] = 1;                 /* socket() fails at once */
    fake.ports[1] = closed_port(&holder);   /* refused, seen on POLLOUT */
    fake.ports[2] = port;
    pid = peer_start(lfd, PEER_SESSION);
    assert_int_equal(pop3_posix_connect(&h->p, &h->c, "multi.test", "110"), POP3_OK);
    assert_int_equal(pop3_posix_events(&h->p), POLLOUT); /* connecting */
    run_until(h, &h->greeted, 200);
    assert_true(h->greeted);
    assert_int_equal(h->p.cur, 2);
    assert_int_equal(fake_family_seen, AF_UNSPEC);
    peer_end(pid);
    close(holder);
    close(lfd);
    harness_free(h);
}

static void test_every_address_refused_is_connect_error(void **state)
{
    int h1, h2;
    harness *h = harness_new(5000);

    (void)state;
    memset(&fake, 0, sizeof fake);
    fake.name = "refused.test";
    fake.nport = 2;
    fake.ports[0] = closed_port(&h1);
    fake.ports[1] = closed_port(&h2);
    assert_int_equal(pop3_posix_connect(&h->p, &h->c, "refused.test", "110"), POP3_OK);
    run_until(h, &h->greeted, 200);
    assert_true(h->got_closed);
    assert_int_equal(h->closed, POP3_ERR_CONNECT);
    assert_int_equal(pop3_posix_fd(&h->p), -1);
    close(h1);
    close(h2);
    harness_free(h);
}

static void test_unknown_host_and_family(void **state)
{
    harness *h = harness_new(5000);

    (void)state;
    memset(&fake, 0, sizeof fake);
    fake.name = "known.test";
    pop3_posix_set_family(&h->p, 6);
    assert_int_equal(pop3_posix_connect(&h->p, &h->c, "unknown.test", "110"), POP3_ERR_RESOLVE);
    assert_int_equal(fake_family_seen, AF_INET6);
    assert_int_equal(pop3_client_error(&h->c), POP3_ERR_RESOLVE);
    harness_free(h);

    h = harness_new(5000);
    pop3_posix_set_family(&h->p, 4);
    assert_int_equal(pop3_posix_connect(&h->p, &h->c, "known.test", "110"), POP3_ERR_RESOLVE);
    assert_int_equal(fake_family_seen, AF_INET); /* no addresses: RESOLVE */
    harness_free(h);

    h = harness_new(5000);
    pop3_posix_set_family(&h->p, 5);          /* anything else: any */
    fake_calls = 0;
    assert_int_equal(pop3_posix_connect(&h->p, &h->c, NULL, "110"), POP3_ERR_RESOLVE);
    assert_int_equal(fake_calls, 0);
    assert_int_equal(pop3_posix_run(&h->p), POP3_ERR_RESOLVE);
    harness_free(h);

    /* Every address with a family the system refuses: CONNECT. */
    h = harness_new(5000);
    fake.nport = 1;
    fake.bad_family[0] = 1;
    pop3_posix_set_family(&h->p, 0);
    assert_int_equal(pop3_posix_connect(&h->p, &h->c, "known.test", "110"), POP3_ERR_CONNECT);
    assert_int_equal(fake_family_seen, AF_UNSPEC);
    harness_free(h);
}

static void test_connect_timeout(void **state)
{
    int port, lfd, fill[8], nfill = 0;
    harness *h = harness_new(300);
    uint32_t t0;

    (void)state;
    /* A listener that never accepts, its queue full: a further SYN is
     * dropped, so the connect stays in progress. */
    lfd = loopback_listener(0, &port);
    for (int i = 0; i < 8; i++) {
        struct sockaddr_in a;
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        memset(&a, 0, sizeof a);
        a.sin_family = AF_INET;
        a.sin_port = htons((uint16_t)port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        (void)connect(fd, (struct sockaddr *)&a, sizeof a);
        fill[nfill++] = fd;
    }
    usleep(100 * 1000);
    memset(&fake, 0, sizeof fake);
    fake.name = "slow.test";
    fake.nport = 1;
    fake.ports[0] = port;
    t0 = pop3_posix_now_ms();
    assert_int_equal(pop3_posix_connect(&h->p, &h->c, "slow.test", "110"), POP3_OK);
    assert_int_equal(pop3_posix_run(&h->p), POP3_ERR_TIMEOUT_CONNECT);
    assert_true(pop3_posix_now_ms() - t0 >= 300);
    assert_true(pop3_posix_now_ms() - t0 < 3000);
    assert_int_equal(pop3_posix_fd(&h->p), -1);
    for (int i = 0; i < nfill; i++)
        close(fill[i]);
    close(lfd);
    harness_free(h);
}

static void test_pause_leaves_data_in_the_kernel(void **state)
{
    int lfd, rounds_paused = 0, rounds_held = 0;
    harness *h = harness_new(5000);
    size_t want = strlen(BODY_LINE) * BODY_LINES;
    pid_t pid;

    (void)state;
    h->pause_data = 1;
    pid = connect_to_peer(h, "pause.test", PEER_SESSION, &lfd);
    for (int i = 0; i < 100000 && !h->got_closed; i++) {
        if (pop3_client_paused(&h->c)) {
            size_t held = h->p.rx_len, body = h->body;
            rounds_paused++;
            rounds_held += held > 0;
            /* Paused: no POLLIN, and even a POLLIN handled reads nothing. */
            assert_int_equal(pop3_posix_events(&h->p) & POLLIN, 0);
            pop3_posix_handle(&h->p, POLLIN);
            assert_int_equal(h->p.rx_len, held);
            assert_int_equal(h->body, body);
            pop3_client_resume(&h->c);
            pop3_posix_handle(&h->p, 0); /* the kept octets go in */
            continue;
        }
        step(h, 50);
    }
    assert_true(h->got_closed);
    assert_int_equal(h->closed, POP3_ERR_CLOSED);
    assert_int_equal(h->body, want);
    assert_true(rounds_paused >= 3);
    assert_true(rounds_held >= 1); /* octets kept in the port, not lost */
    assert_int_equal(h->paused_events, rounds_paused);
    peer_end(pid);
    close(lfd);
    harness_free(h);
}

static void test_full_socket_send_is_not_now(void **state)
{
    int lfd;
    harness *h = harness_new(5000);
    const pop3_transport *tr = pop3_posix_transport(&h->p);
    static uint8_t big[65536];
    long r, total = 0;
    pid_t pid;

    (void)state;
    /* Before any connect: no socket, an error. */
    assert_int_equal(tr->send(tr->ctx, big, 10), -1);
    pid = connect_to_peer(h, "full.test", PEER_SILENT, &lfd);
    /* While connecting: not now. */
    assert_int_equal(tr->send(tr->ctx, big, 10), 0);
    run_until(h, &h->greeted, 200);
    assert_true(h->greeted);
    /* The peer reads nothing: the socket fills, then send says "not now"
     * (EAGAIN), never an error and never a block. */
    for (int i = 0; i < 10000; i++) {
        r = tr->send(tr->ctx, big, sizeof big);
        assert_true(r >= 0);
        if (r == 0)
            break;
        total += r;
    }
    assert_int_equal(r, 0);
    assert_true(total > 0);
    peer_end(pid);
    close(lfd);
    harness_free(h);
}

static void test_send_to_a_closed_peer_is_an_error_not_sigpipe(void **state)
{
    int lfd;
    harness *h = harness_new(5000);
    const pop3_transport *tr = pop3_posix_transport(&h->p);
    static const uint8_t x[4096];
    long r = 1;
    pid_t pid;

    (void)state;
    pid = connect_to_peer(h, "gone.test", PEER_CLOSE, &lfd);
    run_until(h, &h->greeted, 200);           /* connected, greeted */
    assert_true(h->greeted);
    peer_wait(pid);                           /* the peer closed and left */
    /* The first send may still be taken; after the RST it is EPIPE, an
     * error (-1), and no SIGPIPE kills the process. */
    for (int i = 0; i < 50 && r > 0; i++) {
        r = tr->send(tr->ctx, x, sizeof x);
        if (r > 0)
            usleep(20 * 1000);
    }
    assert_int_equal(r, -1);
    /* Once more, now surely EPIPE: still -1, still alive. */
    assert_int_equal(tr->send(tr->ctx, x, sizeof x), -1);
    assert_int_equal(tr->send(tr->ctx, x, sizeof x), -1);
    close(lfd);
    harness_free(h);
}

static void test_server_close_is_eof(void **state)
{
    int lfd;
    harness *h = harness_new(5000);
    pid_t pid;

    (void)state;
    pid = connect_to_peer(h, "eof.test", PEER_FIN, &lfd);
    assert_int_equal(pop3_posix_run(&h->p), POP3_ERR_EOF);
    assert_true(h->greeted);
    assert_int_equal(pop3_posix_fd(&h->p), -1);
    peer_wait(pid); /* it saw the client close */
    close(lfd);
    harness_free(h);
}

static void test_run_whole_session(void **state)
{
    int lfd;
    harness *h = harness_new(5000);
    pid_t pid;

    (void)state;
    assert_int_equal(pop3_posix_run(&h->p), POP3_ERR_STATE); /* never connected */
    pid = connect_to_peer(h, "run.test", PEER_SESSION, &lfd);
    assert_int_equal(pop3_posix_run(&h->p), POP3_ERR_CLOSED);
    assert_int_equal(h->body, strlen(BODY_LINE) * BODY_LINES);
    assert_int_equal(pop3_posix_fd(&h->p), -1);
    peer_end(pid);
    close(lfd);
    harness_free(h);
}

static void test_closed_by_hand_under_a_live_session_is_reset(void **state)
{
    int lfd;
    harness *h = harness_new(5000);
    pid_t pid;

    (void)state;
    pid = connect_to_peer(h, "hand.test", PEER_SILENT, &lfd);
    run_until(h, &h->greeted, 200);
    assert_true(h->greeted);
    pop3_posix_close(&h->p);
    assert_int_equal(pop3_posix_events(&h->p), 0);
    assert_int_equal(pop3_posix_run(&h->p), POP3_ERR_RESET);
    peer_end(pid);
    close(lfd);
    harness_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_falls_back_to_the_next_address),
        cmocka_unit_test(test_every_address_refused_is_connect_error),
        cmocka_unit_test(test_unknown_host_and_family),
        cmocka_unit_test(test_connect_timeout),
        cmocka_unit_test(test_pause_leaves_data_in_the_kernel),
        cmocka_unit_test(test_full_socket_send_is_not_now),
        cmocka_unit_test(test_send_to_a_closed_peer_is_an_error_not_sigpipe),
        cmocka_unit_test(test_server_close_is_eof),
        cmocka_unit_test(test_run_whole_session),
        cmocka_unit_test(test_closed_by_hand_under_a_live_session_is_reset),
    };
    signal(SIGPIPE, SIG_DFL); /* a SIGPIPE would kill the test: must not happen */
    return cmocka_run_group_tests(tests, NULL, NULL);
}
