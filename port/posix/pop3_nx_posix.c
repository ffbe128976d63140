/* SPDX-License-Identifier: MIT */
/* pop3_nx_posix.c - the NetX POP3 shim's wait hook (pop3_nx_port.h) over
 * POSIX non-blocking sockets and poll().
 */
#if !defined(_POSIX_C_SOURCE) || _POSIX_C_SOURCE < 200809L
#undef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE /* MSG_NOSIGNAL on glibc */
#endif
#ifndef _DARWIN_C_SOURCE
#define _DARWIN_C_SOURCE
#endif

#include "pop3_nx_posix.h"
#include "pop3_posix.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0
#endif

/* conn->i[0] holds fd + 1, so the zeroed conn means "no socket". */
static int conn_fd(const pop3_nx_conn *conn)
{
    return conn->i[0] - 1;
}

static void nxp_close(void *ctx, pop3_nx_conn *conn)
{
    int fd = conn_fd(conn);

    (void)ctx;
    if (fd >= 0)
        close(fd);
    conn->i[0] = 0;
}

static int poll_one(int fd, short events, uint32_t ms)
{
    struct pollfd pfd;
    int n;

    pfd.fd = fd;
    pfd.events = events;
    pfd.revents = 0;
    do {
        n = poll(&pfd, 1, ms > 0x7FFFFFFFu ? 0x7FFFFFFF : (int)ms);
    } while (n < 0 && errno == EINTR);
    return n > 0 ? pfd.revents : 0;
}

static UINT nxp_connect(void *ctx, pop3_nx_conn *conn, const NXD_ADDRESS *addr,
                        ULONG port, uint32_t timeout_ms)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    int fd, soerr = 0, flags;
    socklen_t el = sizeof soerr;
    uint32_t start = pop3_posix_now_ms();

    memset(&ss, 0, sizeof ss);
    memset(conn, 0, sizeof(*conn));
    if (addr->nxd_ip_version == NX_IP_VERSION_V4) {
        struct sockaddr_in *sin = (struct sockaddr_in *)(void *)&ss;

        sin->sin_family = AF_INET;
        sin->sin_port = htons((uint16_t)port);
        sin->sin_addr.s_addr = htonl((uint32_t)addr->nxd_ip_address.v4);
        sl = sizeof(*sin);
    } else if (addr->nxd_ip_version == NX_IP_VERSION_V6) {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)(void *)&ss;
        int i;

        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons((uint16_t)port);
        for (i = 0; i < 4; i++) {
            uint32_t w = (uint32_t)addr->nxd_ip_address.v6[i];

            sin6->sin6_addr.s6_addr[i * 4] = (uint8_t)(w >> 24);
            sin6->sin6_addr.s6_addr[i * 4 + 1] = (uint8_t)(w >> 16);
            sin6->sin6_addr.s6_addr[i * 4 + 2] = (uint8_t)(w >> 8);
            sin6->sin6_addr.s6_addr[i * 4 + 3] = (uint8_t)w;
        }
        sl = sizeof(*sin6);
    } else {
        return NX_IP_ADDRESS_ERROR;
    }
    fd = socket(ss.ss_family, SOCK_STREAM, 0);
    if (fd < 0)
        return NX_IP_ADDRESS_ERROR;
    flags = fcntl(fd, F_GETFL, 0);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 ||
        fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
        close(fd);
        return NX_NOT_CONNECTED;
    }
#ifdef SO_NOSIGPIPE
    {
        int one = 1;
        (void)setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
    }
#endif
    if (connect(fd, (struct sockaddr *)&ss, sl) != 0) {
        if (errno != EINPROGRESS) {
            close(fd);
            return NX_NOT_CONNECTED;
        }
        for (;;) {
            uint32_t spent = pop3_posix_now_ms() - start;
            int rev;

            if (timeout_ms != 0 && spent >= timeout_ms) {
                close(fd);
                return NX_NOT_CONNECTED;
            }
            rev = poll_one(fd, POLLOUT, timeout_ms != 0 ? timeout_ms - spent : 1000u);
            if (rev != 0)
                break;
        }
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &el) < 0 || soerr != 0) {
            close(fd);
            return NX_NOT_CONNECTED;
        }
    }
    (void)ctx;
    conn->i[0] = fd + 1;
    return NX_SUCCESS;
}

static long nxp_send(void *ctx, pop3_nx_conn *conn, const uint8_t *data, size_t len)
{
    int fd = conn_fd(conn);
    ssize_t n;

    (void)ctx;
    if (fd < 0)
        return -1;
    do {
        n = send(fd, data, len, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n >= 0)
        return (long)n;
    return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
}

static long nxp_recv(void *ctx, pop3_nx_conn *conn, uint8_t *buf, size_t cap)
{
    int fd = conn_fd(conn);
    ssize_t n;

    (void)ctx;
    if (fd < 0)
        return POP3_NX_PORT_ERROR;
    do {
        n = recv(fd, buf, cap, 0);
    } while (n < 0 && errno == EINTR);
    if (n > 0)
        return (long)n;
    if (n == 0)
        return POP3_NX_PORT_EOF;
    return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : POP3_NX_PORT_ERROR;
}

static void nxp_wait(void *ctx, pop3_nx_conn *conn, int want_write, uint32_t max_ms)
{
    int fd = conn_fd(conn);

    (void)ctx;
    if (fd < 0)
        return;
    (void)poll_one(fd, (short)(POLLIN | (want_write ? POLLOUT : 0)), max_ms);
}

static uint32_t nxp_now(void *ctx)
{
    (void)ctx;
    return pop3_posix_now_ms();
}

static const pop3_nx_port nx_posix_port = {
    nxp_connect, nxp_send, nxp_recv, nxp_wait, nxp_now, nxp_close
};

UINT pop3_nx_posix_ip_create(NX_IP *ip_ptr)
{
    if (ip_ptr == NX_NULL)
        return NX_PTR_ERROR;
    pop3_nx_ip_bind(ip_ptr, &nx_posix_port, NX_NULL);
    return NX_SUCCESS;
}
