/* SPDX-License-Identifier: MIT */
/* pop3_reply.h - incremental reader of POP3 replies (internal).
 *
 * Pure: no client, no transport, no clock. The caller says what it expects
 * (a status line, listing lines, or a message body) and pulls one token at a
 * time from whatever input it has; every token is the same whatever way the
 * input was split. Lines are copied into the caller's line buffer and
 * NUL-terminated; body octets are handed out as slices of the input.
 */
#ifndef POP3_REPLY_H
#define POP3_REPLY_H

#include <stddef.h>
#include <stdint.h>

#include "pop3.h"

typedef enum pop3_rd_mode {
    POP3_RD_STATUS = 0, /* one line: +OK / -ERR ... (the zero state) */
    POP3_RD_LINES,      /* multi-line, buffered lines (CAPA, LIST, UIDL) */
    POP3_RD_BODY        /* multi-line, streamed octets (RETR, TOP) */
} pop3_rd_mode;

typedef enum pop3_tok_kind {
    POP3_TOK_NONE = 0, /* all input consumed, token not complete yet */
    POP3_TOK_LINE,     /* line[0..len) complete, CR LF stripped, dot-unstuffed */
    POP3_TOK_DATA,     /* data[0..len) body octets, dot-unstuffed */
    POP3_TOK_END,      /* the "." line of a multi-line reply */
    POP3_TOK_ERROR     /* err says why; the reader must not be fed again */
} pop3_tok_kind;

typedef struct pop3_tok {
    pop3_tok_kind kind;
    pop3_err err;
    const uint8_t *data;
    size_t len;
} pop3_tok;

/* pop3_reply (the state: mode, body sub-state, octets buffered) is declared
 * in pop3.h because the client embeds it. */

/* Start reading a reply of the given kind. Body and lines start at the
 * beginning of a line (right after the status line). */
void pop3_reply_expect(pop3_reply *r, pop3_rd_mode mode);

/* Consume input up to and including the next token. Returns the octets
 * consumed (possibly 0 when a held CR is handed out as DATA); *t is the token,
 * POP3_TOK_NONE when more input is needed (then all of it was consumed).
 * line/size: the line buffer; lines longer than size - 1 octets give
 * POP3_ERR_LINE_TOO_LONG, a NUL inside a line POP3_ERR_PROTOCOL. */
size_t pop3_reply_next(pop3_reply *r, char *line, size_t size,
                       const uint8_t *in, size_t n, pop3_tok *t);

/* True while inside a multi-line reply (EOF there means truncation). */
int pop3_reply_in_multiline(const pop3_reply *r);

#endif /* POP3_REPLY_H */
