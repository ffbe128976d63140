/* SPDX-License-Identifier: MIT */
/* wirelimit - the least a POP3 fetch can cost: log in, send every RETR at
 * once, count and discard the octets. The benchmark's reference point.
 *
 *   wirelimit HOST PORT USER PASS
 *
 * Sends USER, PASS and STAT together, then "RETR 1" .. "RETR N" and QUIT in
 * as few writes as the socket takes, while reading. Each line of each reply
 * is found with memchr; the only per-line work is looking at its first
 * three octets (terminator, dot-stuffing). Prints "N messages, B octets"
 * (B: message octets after dot-unstuffing, CRLF included, as pop3get
 * --discard prints) and exits 0, or exits 1 with a message. Not a client:
 * no timeouts, no recovery; it trusts the server it is pointed at.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define RX_SIZE (256u * 1024u)

static unsigned char rx[RX_SIZE];
static size_t rx_len, rx_off;

static void die(const char *what)
{
    fprintf(stderr, "wirelimit: %s\n", what);
    exit(1);
}

/* One status line (login phase only). */
static void read_line(int fd, char *out, size_t cap)
{
    size_t n = 0;

    for (;;) {
        while (rx_off < rx_len) {
            char ch = (char)rx[rx_off++];
            if (n + 1 < cap)
                out[n++] = ch;
            if (ch == '\n') {
                out[n] = '\0';
                return;
            }
        }
        ssize_t r = recv(fd, rx, sizeof rx, 0);
        if (r <= 0)
            die("connection closed during login");
        rx_off = 0;
        rx_len = (size_t)r;
    }
}

static void send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            die("send failed");
        p += w;
        n -= (size_t)w;
    }
}

struct scan {
    unsigned char head[3]; /* first octets of the current line */
    size_t seen;           /* octets of the current line so far */
    int in_body;
    unsigned long msgs, replies;
    uint64_t octets;
};

static void line_done(struct scan *s, size_t len)
{
    if (!s->in_body) {
        if (len < 3 || memcmp(s->head, "+OK", 3) != 0)
            die("RETR or QUIT refused");
        s->replies++;
        s->in_body = 1;
    } else if (len == 3 && memcmp(s->head, ".\r\n", 3) == 0) {
        s->msgs++;
        s->in_body = 0;
    } else {
        s->octets += len - (s->head[0] == '.');
    }
}

static void scan(struct scan *s, const unsigned char *p, size_t n)
{
    while (n > 0) {
        const unsigned char *nl = memchr(p, '\n', n);
        size_t take = nl ? (size_t)(nl - p) + 1 : n;
        size_t i;

        for (i = 0; s->seen + i < 3 && i < take; i++)
            s->head[s->seen + i] = p[i];
        s->seen += take;
        if (nl) {
            line_done(s, s->seen);
            s->seen = 0;
        }
        p += take;
        n -= take;
    }
}

int main(int argc, char **argv)
{
    struct addrinfo hints, *ai;
    char line[1024];
    unsigned long count, i;
    int fd;

    if (argc != 5) {
        fprintf(stderr, "usage: wirelimit HOST PORT USER PASS\n");
        return 64;
    }
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(argv[1], argv[2], &hints, &ai) != 0)
        die("cannot resolve host");
    fd = socket(ai->ai_family, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) < 0)
        die("cannot connect");
    freeaddrinfo(ai);

    read_line(fd, line, sizeof line);
    if (strncmp(line, "+OK", 3) != 0)
        die("no greeting");
    {
        char cmd[1200];
        int n = snprintf(cmd, sizeof cmd, "USER %s\r\nPASS %s\r\nSTAT\r\n", argv[3], argv[4]);
        if (n < 0 || (size_t)n >= sizeof cmd)
            die("user or password too long");
        send_all(fd, cmd, (size_t)n);
    }
    for (i = 0; i < 3; i++) {
        read_line(fd, line, sizeof line);
        if (strncmp(line, "+OK", 3) != 0)
            die(i < 2 ? "login refused" : "STAT refused");
    }
    count = strtoul(line + 3, NULL, 10);

    /* Every RETR and the QUIT, written while the replies stream in. */
    static char out[1 << 20];
    size_t out_len = 0, out_off = 0;
    for (i = 1; i <= count && out_len + 32 < sizeof out; i++)
        out_len += (size_t)sprintf(out + out_len, "RETR %lu\r\n", i);
    if (i <= count)
        die("too many messages");
    out_len += (size_t)sprintf(out + out_len, "QUIT\r\n");

    struct scan s;
    memset(&s, 0, sizeof s);
    scan(&s, rx + rx_off, rx_len - rx_off);
    for (;;) {
        struct pollfd pfd = { fd, POLLIN | (out_off < out_len ? POLLOUT : 0), 0 };
        if (poll(&pfd, 1, -1) < 0) {
            if (errno == EINTR)
                continue;
            die("poll failed");
        }
        if ((pfd.revents & POLLOUT) && out_off < out_len) {
            ssize_t w = send(fd, out + out_off, out_len - out_off, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (w > 0)
                out_off += (size_t)w;
            else if (w < 0 && errno != EAGAIN && errno != EINTR)
                die("send failed");
        }
        if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t r = recv(fd, rx, sizeof rx, MSG_DONTWAIT);
            if (r == 0)
                break;
            if (r < 0) {
                if (errno == EAGAIN || errno == EINTR)
                    continue;
                die("recv failed");
            }
            scan(&s, rx, (size_t)r);
            if (s.replies == count + 1 && s.in_body) /* +OK to QUIT */
                break;
        }
    }
    close(fd);
    if (s.msgs != count)
        die("connection closed before every message arrived");
    printf("%lu messages, %llu octets\n", s.msgs, (unsigned long long)s.octets);
    return 0;
}
