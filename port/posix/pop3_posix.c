/* SPDX-License-Identifier: MIT */
/* pop3_posix.c - POSIX sockets port: non-blocking TCP and a poll() driver.
 *
 * The port owns the socket and the clock; the engine owns the protocol and
 * every timeout (connect included). The port only reports what happened:
 * connected, bytes in, writable, end of stream, or failure.
 */
#if !defined(_POSIX_C_SOURCE) || _POSIX_C_SOURCE < 200809L
#undef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE /* MSG_NOSIGNAL and friends on glibc */
#endif
#ifndef _DARWIN_C_SOURCE
#define _DARWIN_C_SOURCE /* SO_NOSIGPIPE on macOS */
#endif

#include "pop3_posix.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

/* pop3_posix_addr must be able to hold any address getaddrinfo returns. */
typedef char pop3_posix_addr_fits_[
    sizeof(struct sockaddr_storage) <= sizeof(((pop3_posix_addr *)0)->raw)
        ? 1 : -1];

/* Poll timeout of pop3_posix_run(): short, so the engine's timeouts fire
 * on time even when the network is silent. */
#define POP3_POSIX_TICK_MS 50

static long posix_send(void *ctx, const uint8_t *data, size_t len);
static void posix_close(void *ctx);

void pop3_posix_init(pop3_posix *p)
{
    memset(p, 0, offsetof(pop3_posix, rx));
    p->fd = -1;
    p->tr.send = posix_send;
    p->tr.close = posix_close;
    p->tr.ctx = p;
}

const pop3_transport *pop3_posix_transport(pop3_posix *p)
{
    return &p->tr;
}

void pop3_posix_set_family(pop3_posix *p, int family)
{
    p->family = (family == 4 || family == 6) ? family : 0;
}

void pop3_posix_set_filter(pop3_posix *p, const pop3_posix_filter *f)
{
    p->filter = f;
}

void pop3_posix_set_input_max(pop3_posix *p, size_t n)
{
    p->input_max = n;
}

/* Through the filter when there is one. */
static size_t to_input(pop3_posix *p, const void *data, size_t len)
{
    if (p->filter != NULL)
        return p->filter->input(p->filter->ctx, data, len);
    return pop3_client_input(p->client, data, len);
}

static void to_writable(pop3_posix *p)
{
    if (p->filter != NULL)
        p->filter->writable(p->filter->ctx);
    else
        pop3_client_writable(p->client);
}

static int filter_wants_write(const pop3_posix *p)
{
    return p->filter != NULL && p->filter->want_write(p->filter->ctx);
}

static int filter_pending(const pop3_posix *p)
{
    return p->filter != NULL && p->filter->pending(p->filter->ctx);
}

int pop3_posix_sys_error(const pop3_posix *p)
{
    return p->sys_err;
}

int pop3_posix_fd(const pop3_posix *p)
{
    return p->fd;
}

uint32_t pop3_posix_now_ms(void)
{
    struct timespec ts;

    /* Monotonic: a wall-clock step must not fire or stall a timeout. */
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return 0;
    return (uint32_t)((uint64_t)ts.tv_sec * 1000u +
                      (uint64_t)ts.tv_nsec / 1000000u);
}

void pop3_posix_close(pop3_posix *p)
{
    if (p->fd >= 0)
        close(p->fd);
    p->fd = -1;
    p->connecting = 0;
    p->rx_off = 0;
    p->rx_len = 0;
}

/* --- transport ----------------------------------------------------------- */

static long posix_send(void *ctx, const uint8_t *data, size_t len)
{
    pop3_posix *p = ctx;
    ssize_t n;
    int flags = 0;

    if (p->fd < 0)
        return -1;
    if (p->connecting || p->in_input)
        return 0; /* the engine resumes on pop3_client_writable() */
#ifdef MSG_NOSIGNAL
    /* A peer that went away must give EPIPE, not kill the process. */
    flags |= MSG_NOSIGNAL;
#endif
    do {
        n = send(p->fd, data, len, flags);
    } while (n < 0 && errno == EINTR);
    if (n >= 0)
        return (long)n;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
        return 0;
    p->sys_err = errno;
    return -1;
}

static void posix_close(void *ctx)
{
    pop3_posix_close(ctx);
}

/* --- connecting ---------------------------------------------------------- */

static int set_nonblocking(int fd)
{
    int fl = fcntl(fd, F_GETFL);

    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        return -1;
    fl = fcntl(fd, F_GETFD);
    if (fl >= 0)
        (void)fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
    return 0;
}

static void set_socket_options(int fd)
{
    int one = 1;

    /* POP3 is request/response with small commands: Nagle would hold a
     * pipelined burst or a lone command back for an ACK. */
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
#if !defined(MSG_NOSIGNAL) && defined(SO_NOSIGPIPE)
    (void)setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#endif
}

/* Start a non-blocking connect to addr[cur], then to the following
 * addresses while they fail at once. Completion (or a late failure) is seen
 * as POLLOUT in pop3_posix_handle(). Returns 0 when an attempt is under
 * way, -1 when every address has been tried. */
static int try_connect(pop3_posix *p)
{
    for (; p->cur < p->naddr; p->cur++) {
        const pop3_posix_addr *a = &p->addr[p->cur];
        const struct sockaddr *sa = (const struct sockaddr *)(const void *)a->raw;
        int fd = socket(sa->sa_family, SOCK_STREAM, 0);

        if (fd < 0)
            continue;
        if (set_nonblocking(fd) < 0) {
            close(fd);
            continue;
        }
        set_socket_options(fd);
        if (connect(fd, sa, (socklen_t)a->len) == 0 || errno == EINPROGRESS ||
            errno == EINTR) {
            /* Even an immediate success is reported through POLLOUT, so
             * pop3_client_connected() is never called from inside connect. */
            p->fd = fd;
            p->connecting = 1;
            return 0;
        }
        p->sys_err = errno;
        close(fd);
    }
    return -1;
}

static pop3_err resolve(pop3_posix *p, const char *host, const char *port)
{
    struct addrinfo hints, *res = NULL, *ai;

    memset(&hints, 0, sizeof hints);
    hints.ai_family = p->family == 4 ? AF_INET
                    : p->family == 6 ? AF_INET6 : AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    if (getaddrinfo(host, port, &hints, &res) != 0 || res == NULL)
        return POP3_ERR_RESOLVE;
    p->naddr = 0;
    for (ai = res; ai != NULL && p->naddr < POP3_POSIX_MAX_ADDRS; ai = ai->ai_next) {
        pop3_posix_addr *a = &p->addr[p->naddr];

        if (ai->ai_addrlen > sizeof a->raw)
            continue;
        memcpy(a->raw, ai->ai_addr, ai->ai_addrlen);
        a->len = (unsigned)ai->ai_addrlen;
        p->naddr++;
    }
    freeaddrinfo(res);
    return p->naddr > 0 ? POP3_OK : POP3_ERR_RESOLVE;
}

pop3_err pop3_posix_connect(pop3_posix *p, pop3_client *c, const char *host,
                            const char *port)
{
    pop3_err err;

    pop3_posix_close(p);
    p->client = c;
    p->sys_err = 0;
    p->naddr = 0;
    p->cur = 0;
    if (host == NULL || port == NULL)
        err = POP3_ERR_RESOLVE;
    else
        err = resolve(p, host, port);
    if (err == POP3_OK && try_connect(p) < 0)
        err = POP3_ERR_CONNECT;
    if (err != POP3_OK)
        pop3_client_fail(c, err);
    else
        pop3_client_tick(c, pop3_posix_now_ms()); /* connect timer starts now */
    return err;
}

/* POLLOUT (or an error) on a connecting socket: done, or try the next
 * address. */
static void finish_connect(pop3_posix *p)
{
    int soerr = 0;
    socklen_t sl = sizeof soerr;

    if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
        soerr = errno;
    if (soerr == EINPROGRESS || soerr == EALREADY)
        return;
    if (soerr == 0) {
        p->connecting = 0;
        pop3_client_connected(p->client);
        return;
    }
    p->sys_err = soerr;
    close(p->fd);
    p->fd = -1;
    p->connecting = 0;
    p->cur++;
    if (try_connect(p) < 0)
        pop3_client_fail(p->client, POP3_ERR_CONNECT);
}

/* --- data ---------------------------------------------------------------- */

static int session_open(const pop3_posix *p)
{
    return p->client != NULL &&
           pop3_client_state(p->client) != POP3_STATE_CLOSED;
}

/* The session ended under the port (reset, refused): the engine does not
 * call transport->close after pop3_client_fail(), so close here. */
static void fail(pop3_posix *p, pop3_err reason)
{
    int soerr = 0;
    socklen_t sl = sizeof soerr;

    if (p->fd >= 0 && getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr != 0)
        p->sys_err = soerr;
    pop3_posix_close(p);
    if (session_open(p))
        pop3_client_fail(p->client, reason);
}

/* Read first, write after: octets that arrived before a command was
 * written cannot answer it, so commands queued while they are handled are
 * held (sends say "not now") and go out together right after. The engine
 * matches a reply only to a command the transport took, so an early
 * reply is caught. */
static size_t input_then_write(pop3_posix *p, const void *data, size_t len)
{
    size_t n;

    p->in_input = 1;
    n = to_input(p, data, len);
    p->in_input = 0;
    if (session_open(p))
        to_writable(p);
    return n;
}

/* Offer the octets held in rx. The engine takes fewer only when the
 * application paused (keep them for later) or the session ended (drop). */
static void push_rx(pop3_posix *p)
{
    size_t n;

    if (!session_open(p) || pop3_client_paused(p->client))
        return;
    if (p->rx_len == 0) {
        if (filter_pending(p)) /* plaintext the filter held back */
            (void)input_then_write(p, NULL, 0);
        return;
    }
    n = p->rx_len;
    if (p->input_max != 0 && n > p->input_max)
        n = p->input_max;
    n = input_then_write(p, p->rx + p->rx_off, n);
    if (n > p->rx_len)
        n = p->rx_len;
    p->rx_off += n;
    p->rx_len -= n;
    if (p->rx_len == 0 || !session_open(p)) {
        p->rx_off = 0;
        p->rx_len = 0;
    }
}

static void read_socket(pop3_posix *p)
{
    ssize_t n;

    do {
        n = recv(p->fd, p->rx, sizeof p->rx, 0);
    } while (n < 0 && errno == EINTR);
    if (n > 0) {
        p->rx_off = 0;
        p->rx_len = (size_t)n;
        push_rx(p);
    } else if (n == 0) {
        /* The engine decides whether this was the end after QUIT, a
         * truncated reply, or a premature close; it closes the transport. */
        if (p->filter != NULL)
            p->filter->eof(p->filter->ctx);
        else
            pop3_client_eof(p->client);
        if (p->fd >= 0 && !session_open(p))
            pop3_posix_close(p);
    } else if (errno != EAGAIN && errno != EWOULDBLOCK) {
        p->sys_err = errno;
        fail(p, POP3_ERR_RESET);
    }
}

short pop3_posix_events(const pop3_posix *p)
{
    short ev = 0;

    if (p->fd < 0)
        return 0;
    if (p->connecting)
        return POLLOUT;
    /* While paused, leave data in the kernel so TCP flow control slows the
     * server down instead of this process buffering without bound. */
    if (session_open(p) && !pop3_client_paused(p->client) && p->rx_len == 0)
        ev |= POLLIN;
    if (session_open(p) && (pop3_client_want_write(p->client) || filter_wants_write(p)))
        ev |= POLLOUT;
    return ev;
}

static void handle_connected(pop3_posix *p, short revents)
{
    if ((revents & POLLOUT) &&
        (pop3_client_want_write(p->client) || filter_wants_write(p)))
        to_writable(p);
    if (p->fd < 0 || !session_open(p))
        return;
    push_rx(p);
    if (p->fd < 0 || !session_open(p) || pop3_client_paused(p->client) ||
        p->rx_len > 0) {
        /* Not reading now. A socket error still ends the session, or
         * poll() would keep reporting it and the caller would spin. */
        if ((revents & POLLERR) && p->fd >= 0 && session_open(p))
            fail(p, POP3_ERR_RESET);
        return;
    }
    if (revents & (POLLIN | POLLHUP | POLLERR))
        read_socket(p);
}

void pop3_posix_handle(pop3_posix *p, short revents)
{
    if (p->client == NULL)
        return;
    if (p->fd >= 0 && session_open(p)) {
        if (p->connecting) {
            if (revents & (POLLOUT | POLLERR | POLLHUP))
                finish_connect(p);
        } else {
            handle_connected(p, revents);
        }
    }
    if (session_open(p))
        pop3_client_tick(p->client, pop3_posix_now_ms());
    /* The engine may have ended the session without closing (e.g. a port
     * failure reported elsewhere); never leave the socket behind. */
    if (!session_open(p) && p->fd >= 0)
        pop3_posix_close(p);
}

pop3_err pop3_posix_step(pop3_posix *p, uint32_t max_ms)
{
    struct pollfd pfd;
    int timeout = max_ms > 0x7FFFFFFFu ? 0x7FFFFFFF : (int)max_ms;
    int n;

    if (p->client == NULL)
        return POP3_ERR_STATE;
    if (!session_open(p))
        return pop3_client_error(p->client);
    if (p->fd < 0) {
        /* Closed under a live session (pop3_posix_close() by hand). */
        pop3_client_fail(p->client, POP3_ERR_RESET);
        return pop3_client_error(p->client);
    }
    pfd.fd = p->fd;
    pfd.events = pop3_posix_events(p);
    pfd.revents = 0;
    if ((p->rx_len > 0 || filter_pending(p)) && !pop3_client_paused(p->client))
        timeout = 0; /* kept-back octets can go in right away */
    if (pfd.events == 0)
        pfd.fd = -1; /* just wait: POLLHUP must not spin while paused */
    n = poll(&pfd, 1, timeout);
    if (n < 0 && errno != EINTR) {
        fail(p, POP3_ERR_RESET);
        return pop3_client_error(p->client);
    }
    pop3_posix_handle(p, n > 0 ? pfd.revents : 0);
    return pop3_client_error(p->client);
}

pop3_err pop3_posix_run(pop3_posix *p)
{
    if (p->client == NULL)
        return POP3_ERR_STATE;
    while (pop3_posix_step(p, POP3_POSIX_TICK_MS) == POP3_OK)
        ;
    return pop3_client_error(p->client);
}
