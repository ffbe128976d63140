/* SPDX-License-Identifier: MIT */
/* pg_util.h - small helpers shared by pop3get's modules: secret wiping,
 * terminal-safe output of server text and of arguments in messages, strict
 * number and percent decoding, reading the first line of a secret file,
 * buffered writing to a file. */
#ifndef PG_UTIL_H
#define PG_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PG_PROG "pop3get"

/* Overwrite n octets at p in a way the compiler keeps. */
void pg_wipe(void *p, size_t n);

/* Write n octets of server text with control characters shown as '?', so
 * a hostile server cannot send terminal escape sequences. */
void pg_put_safe(FILE *f, const char *s, size_t n);

/* A user's argument or setting made fit to show in a message: control
 * characters as '?'; one longer than PG_SHOWN_MAX - 1 octets is cut to
 * PG_SHOWN_MAX - 4 and "..." follows. Returns buf. Never pass a secret. */
#define PG_SHOWN_MAX 68
const char *pg_shown(char buf[PG_SHOWN_MAX], const char *s);
/* The same for n octets at s (NUL or not). */
const char *pg_shown_n(char buf[PG_SHOWN_MAX], const char *s, size_t n);

/* Decimal without sign or blanks, >= min, <= UINT32_MAX. 0 or -1. */
int pg_parse_u32(const char *s, uint32_t min, uint32_t *out);

/* RFC 3986 percent-decoding of n octets of s into out (size outsz, NUL
 * terminated). Control characters, decoded or not, are refused: they
 * cannot appear in a POP3 argument. 0 or -1. */
int pg_pct_decode(const char *s, size_t n, char *out, size_t outsz);

/* First line of the file at path into buf (size n), CR/LF stripped.
 * 0; -1 with errno when the file cannot be read; -2 when the line does
 * not fit (buf is wiped). */
int pg_read_first_line(const char *path, char *buf, size_t n);

/* Write all len octets (EINTR retried): 0 or an errno value. */
int pg_write_all(int fd, const void *data, size_t len);

/* A write buffer in front of a descriptor: pg_wbuf_put() copies into buf
 * and writes buf out when it is full, pg_wbuf_drain() writes out what it
 * holds. 0 or an errno value; after a failure buf is empty. */
struct pg_wbuf {
    int fd;
    size_t len;
    char buf[65536];
};

int pg_wbuf_put(struct pg_wbuf *w, const void *data, size_t len);
int pg_wbuf_drain(struct pg_wbuf *w);

#endif
