/* SPDX-License-Identifier: MIT */
/* pg_util.c - see pg_util.h. */
#define _POSIX_C_SOURCE 200809L

#include "pg_util.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

void pg_wipe(void *p, size_t n)
{
    volatile unsigned char *v = p;

    while (n--)
        *v++ = 0;
}

void pg_put_safe(FILE *f, const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        fputc(ch < 0x20 || ch == 0x7f ? '?' : ch, f);
    }
}

const char *pg_shown_n(char buf[PG_SHOWN_MAX], const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n && i < PG_SHOWN_MAX - 1; i++) {
        unsigned char ch = (unsigned char)s[i];

        buf[i] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
    }
    if (i < n) /* longer: cut, and say so */
        memcpy(buf + PG_SHOWN_MAX - 4, "...", 4);
    else
        buf[i] = '\0';
    return buf;
}

const char *pg_shown(char buf[PG_SHOWN_MAX], const char *s)
{
    return pg_shown_n(buf, s, strlen(s));
}

int pg_parse_u32(const char *s, uint32_t min, uint32_t *out)
{
    uint64_t v = 0;

    if (*s == '\0')
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (uint64_t)(*s - '0');
        if (v > UINT32_MAX)
            return -1;
    }
    if (v < min)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

static int hexval(int ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

int pg_pct_decode(const char *s, size_t n, char *out, size_t outsz)
{
    size_t i, o = 0;

    if (outsz == 0)
        return -1;
    for (i = 0; i < n; i++) {
        int ch = (unsigned char)s[i];

        if (ch == '%') {
            int hi = i + 2 < n ? hexval(s[i + 1]) : -1;
            int lo = i + 2 < n ? hexval(s[i + 2]) : -1;

            if (hi < 0 || lo < 0)
                return -1;
            ch = hi * 16 + lo;
            i += 2;
        }
        if (ch < 0x20 || ch == 0x7f || o + 1 >= outsz)
            return -1;
        out[o++] = (char)ch;
    }
    out[o] = '\0';
    return 0;
}

int pg_read_first_line(const char *path, char *buf, size_t n)
{
    FILE *f = fopen(path, "r");
    size_t len;
    int next = EOF;

    if (f == NULL)
        return -1;
    if (fgets(buf, (int)n, f) == NULL)
        buf[0] = '\0';
    len = strlen(buf);
    if (len == n - 1 && buf[len - 1] != '\n')
        next = fgetc(f); /* the line may end right here */
    fclose(f);
    if (next != EOF && !(next == '\n' && buf[len - 1] == '\r')) {
        pg_wipe(buf, n);
        return -2;
    }
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
        buf[--len] = '\0';
    return 0;
}

int pg_write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    ssize_t k;

    while (len > 0) {
        k = write(fd, p, len);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return k < 0 ? errno : EIO;
        p += k;
        len -= (size_t)k;
    }
    return 0;
}

int pg_wbuf_drain(struct pg_wbuf *w)
{
    int e = pg_write_all(w->fd, w->buf, w->len);

    w->len = 0;
    return e;
}

int pg_wbuf_put(struct pg_wbuf *w, const void *data, size_t len)
{
    const char *p = data;
    size_t k;
    int e;

    while (len > 0) {
        if (w->len == sizeof w->buf && (e = pg_wbuf_drain(w)) != 0)
            return e;
        k = sizeof w->buf - w->len;
        k = k < len ? k : len;
        memcpy(w->buf + w->len, p, k);
        w->len += k;
        p += k;
        len -= k;
    }
    return 0;
}
