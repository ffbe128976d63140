/* SPDX-License-Identifier: MIT */
/* pop3_reply.c - incremental reader of POP3 replies.
 *
 * RFC 1939 sec. 3: a multi-line reply ends with a line holding a single "."
 * (CRLF "." CRLF on the wire); any other line that starts with "." had a dot
 * prepended by the server, which the client strips. Each of those five
 * octets may arrive in a different read, so the body reader keeps a small
 * sub-state at every line start instead of looking ahead.
 */
#include "pop3_reply.h"

#include <string.h>

/* Body sub-states. */
enum {
    B_SOL = 0, /* at the start of a line (after CRLF, or the status line) */
    B_MID,     /* inside a line: scan for LF */
    B_CR,      /* inside a line, the last octet was CR */
    B_DOT,     /* a "." at line start was consumed */
    B_DOTCR,   /* "." CR consumed at the end of the previous input */
    B_FIRST    /* first octets of a body, held while they read "+OK"/"-ERR" */
};

/* A CR held back after ".": it turned out to be data. */
static const uint8_t held_cr[1] = { '\r' };

void pop3_reply_expect(pop3_reply *r, pop3_rd_mode mode)
{
    r->mode = (uint8_t)mode;
    r->bst = mode == POP3_RD_BODY ? B_FIRST : B_SOL;
    r->len = 0;
}

static size_t tok_error(pop3_tok *t, pop3_err err, size_t used)
{
    t->kind = POP3_TOK_ERROR;
    t->err = err;
    return used;
}

/* The "." line of a multi-line reply: back to reading a status line. */
static size_t multi_end(pop3_reply *r, pop3_tok *t, size_t used)
{
    pop3_reply_expect(r, POP3_RD_STATUS);
    t->kind = POP3_TOK_END;
    return used;
}

static size_t read_line(pop3_reply *r, char *line, size_t size,
                        const uint8_t *in, size_t n, pop3_tok *t)
{
    const uint8_t *lf = (const uint8_t *)memchr(in, '\n', n);
    size_t copy = lf != NULL ? (size_t)(lf - in) : n;
    size_t take = copy + (lf != NULL); /* the LF too */
    size_t len;

    /* Keep one octet for the terminating NUL. */
    if (copy > size - 1 - r->len)
        return tok_error(t, POP3_ERR_LINE_TOO_LONG, take);
    memcpy(line + r->len, in, copy);
    r->len = (uint16_t)(r->len + copy);
    if (lf == NULL)
        return take;

    len = r->len;
    r->len = 0;
    if (len > 0 && line[len - 1] == '\r')
        len--;
    line[len] = '\0';
    /* Lines are handed to the application as text: an embedded NUL would
     * silently cut them short. */
    if (memchr(line, '\0', len) != NULL)
        return tok_error(t, POP3_ERR_PROTOCOL, take);

    t->data = (const uint8_t *)line;
    if (r->mode == POP3_RD_LINES && len > 0 && line[0] == '.') {
        if (len == 1)
            return multi_end(r, t, take);
        t->data++; /* the stuffed dot; the line stays NUL-terminated */
        len--;
    }
    t->kind = POP3_TOK_LINE;
    t->len = len;
    return take;
}

static size_t body_data(pop3_tok *t, const uint8_t *from, size_t len, size_t used)
{
    if (len > 0) {
        t->kind = POP3_TOK_DATA;
        t->data = from;
        t->len = len;
    }
    return used;
}

/* A message starts with header fields, never with a status line. A body
 * whose first line reads "+OK" or "-ERR" is a reply that belongs to
 * another command: the session has shifted by one reply (an unsolicited
 * line earlier). Its first octets are held in the line buffer, which is
 * free while a body is read, until they decide; at most "-ERR". */
static size_t read_first(pop3_reply *r, char *line, size_t size,
                         const uint8_t *in, size_t n, pop3_tok *t)
{
    static const char pat[2][5] = { "+OK", "-ERR" };
    size_t i;

    for (i = 0; i < n; i++) {
        const char *p = pat[(r->len > 0 ? (uint8_t)line[0] : in[i]) == '-'];
        uint8_t o = in[i];

        if (p[r->len] == '\0') { /* the whole token: what follows it? */
            if (o == ' ' || o == '\r' || o == '\n')
                return tok_error(t, POP3_ERR_UNEXPECTED, i + 1);
            break;
        }
        if (o != (uint8_t)p[r->len] || (size_t)r->len + 1 >= size)
            break; /* (a tiny line buffer: no check) */
        line[r->len++] = (char)o;
    }
    if (i == n)
        return n;
    /* Decided: ordinary data, no CR, LF or dot among the held octets.
     * Those held from earlier inputs come from the line buffer, with
     * nothing consumed now; the rest are read again as body octets. */
    if (r->len == 0) {
        r->bst = B_SOL;
        return 0;
    }
    r->bst = B_MID;
    t->kind = POP3_TOK_DATA;
    if (r->len > i) {
        t->data = (const uint8_t *)line;
        t->len = r->len - i;
        i = 0;
    } else {
        t->data = in;
        t->len = i;
    }
    r->len = 0;
    return i;
}

/* Body octets pass through untouched except for the stuffed dots, so a
 * slice normally runs from one stuffed dot (or the input's start) to the
 * next one (or the input's end); memchr finds the line ends. RFC 1939 sec.
 * 3: lines end in CRLF, so only CRLF "." CRLF ends the body and only a dot
 * right after CRLF is stuffed; a bare LF inside a message is content. */
static size_t read_body(pop3_reply *r, char *line, size_t size,
                        const uint8_t *in, size_t n, pop3_tok *t)
{
    size_t i = 0, start = 0;
    const uint8_t *lf;

    if (r->bst == B_FIRST) {
        i = read_first(r, line, size, in, n, t);
        if (t->kind != POP3_TOK_NONE || r->bst == B_FIRST)
            return i;
        start = i;
    }
    if (r->bst == B_DOTCR) {
        if (in[0] == '\n')
            return multi_end(r, t, 1);
        r->bst = B_MID;
        return body_data(t, held_cr, 1, 0);
    }
    while (i < n) {
        switch (r->bst) {
        case B_SOL:
            if (in[i] == '.') {
                if (i > start) /* hand out what precedes the dot first */
                    return body_data(t, in + start, i - start, i);
                i++;
                start = i;
                r->bst = B_DOT;
                break;
            }
            r->bst = B_MID;
            /* fallthrough */
        case B_MID:
        case B_CR:
            lf = (const uint8_t *)memchr(in + i, '\n', n - i);
            if (lf == NULL) {
                r->bst = in[n - 1] == '\r' ? B_CR : B_MID;
                return body_data(t, in + start, n - start, n);
            }
            /* CR LF ends a line; a bare LF is part of it. */
            r->bst = (lf > in + i ? lf[-1] == '\r' : r->bst == B_CR) ? B_SOL : B_MID;
            i = (size_t)(lf - in) + 1;
            break;
        default: /* B_DOT: the dot is gone; decide what it was */
            if (in[i] == '\r') {
                if (i + 1 == n) {
                    r->bst = B_DOTCR;
                    return n;
                }
                if (in[i + 1] == '\n')
                    return multi_end(r, t, i + 2);
            }
            r->bst = B_MID; /* a stuffed dot: data starts here */
            break;
        }
    }
    return body_data(t, in + start, n - start, n);
}

size_t pop3_reply_next(pop3_reply *r, char *line, size_t size,
                       const uint8_t *in, size_t n, pop3_tok *t)
{
    t->kind = POP3_TOK_NONE;
    t->err = POP3_OK;
    t->data = NULL;
    t->len = 0;
    if (n == 0)
        return 0;
    if (r->mode == POP3_RD_BODY)
        return read_body(r, line, size, in, n, t);
    return read_line(r, line, size, in, n, t);
}

int pop3_reply_in_multiline(const pop3_reply *r)
{
    return r->mode != POP3_RD_STATUS;
}
