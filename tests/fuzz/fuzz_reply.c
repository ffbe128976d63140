/* SPDX-License-Identifier: MIT */
/* fuzz_reply.c - libFuzzer target: the reply reader (src/core/pop3_reply.c).
 *
 * Input: byte 0 picks the line buffer size, byte 1 the modes the "client"
 * expects after each complete reply, byte 2 seeds the split points; the rest
 * is server octets. The same octets are read three ways - whole, one octet
 * at a time, and split at pseudo-random points - and the token streams must
 * be identical (body slices are merged, so only the octets count). Every
 * token is checked against the reader's contract (pop3_reply.h): lines fit
 * the buffer, are NUL-terminated and hold no NUL; slices lie inside the
 * input just given; progress is made; nothing is read after an ERROR.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pop3_reply.h"

#define LOG_MAX (1u << 17)

struct log {
    uint8_t buf[LOG_MAX];
    size_t len;
    int data_open; /* last record was DATA: merge the next slice into it */
};

static void put(struct log *l, const void *p, size_t n)
{
    if (n > LOG_MAX - l->len)
        n = LOG_MAX - l->len;
    memcpy(l->buf + l->len, p, n);
    l->len += n;
}

static void record(struct log *l, const pop3_tok *t)
{
    uint8_t k = (uint8_t)t->kind;

    if (t->kind == POP3_TOK_DATA && l->data_open) {
        put(l, t->data, t->len);
        return;
    }
    l->data_open = t->kind == POP3_TOK_DATA;
    put(l, "\n#", 2);
    put(l, &k, 1);
    if (t->kind == POP3_TOK_ERROR) {
        uint8_t e = (uint8_t)t->err;
        put(l, &e, 1);
    } else if (t->kind == POP3_TOK_LINE || t->kind == POP3_TOK_DATA) {
        put(l, t->data, t->len);
    }
}

/* After a status line the client knows what comes next; byte 1 of the
 * input plays that part: two bits per reply, cycling. */
static void next_mode(pop3_reply *r, uint8_t modes, unsigned *nth)
{
    unsigned m = (modes >> ((*nth % 4u) * 2u)) & 3u;

    (*nth)++;
    pop3_reply_expect(r, m == 1 ? POP3_RD_LINES : m == 2 ? POP3_RD_BODY : POP3_RD_STATUS);
}

struct run {
    pop3_reply r;
    char *line;
    size_t size;
    uint8_t modes;
    unsigned nth;
    int dead;
    struct log log;
};

static void run_init(struct run *x, char *line, size_t size, uint8_t modes)
{
    memset(&x->r, 0, sizeof(x->r));
    x->line = line;
    x->size = size;
    x->modes = modes;
    x->nth = 0;
    x->dead = 0;
    x->log.len = 0;
    x->log.data_open = 0;
}

/* Each piece is copied to the end of a heap block as large as the whole
 * input, so ASan sees any read past the end of the piece (one allocation
 * per input, not per piece: ASan's quarantine would grow large). */
static uint8_t *tail;
static size_t tail_size;

static void feed(struct run *x, const uint8_t *data, size_t n)
{
    uint8_t *in = tail + tail_size - n;
    size_t off = 0, used;
    pop3_tok t;

    memcpy(in, data, n);
    while (off < n && !x->dead) {
        int was_status = x->r.mode == POP3_RD_STATUS;

        used = pop3_reply_next(&x->r, x->line, x->size, in + off, n - off, &t);
        if (used > n - off)
            abort(); /* consumed more than it was given */
        if (used == 0 && t.kind != POP3_TOK_DATA)
            abort(); /* no progress: a caller would spin */
        switch (t.kind) {
        case POP3_TOK_NONE:
            if (used != n - off)
                abort(); /* NONE means everything was taken */
            break;
        case POP3_TOK_LINE:
            /* The line starts in the buffer, one octet in when a stuffed
             * dot was skipped, and stays NUL-terminated there. */
            if ((t.data != (const uint8_t *)x->line &&
                 t.data != (const uint8_t *)x->line + 1) ||
                t.data + t.len > (const uint8_t *)x->line + x->size - 1 ||
                t.data[t.len] != '\0' || memchr(t.data, '\0', t.len) != NULL)
                abort();
            break;
        case POP3_TOK_DATA:
            if (t.len == 0)
                abort();
            if (used > 0 && (t.data < in + off || t.data + t.len > in + off + used))
                abort(); /* a slice must come from the octets consumed */
            break;
        case POP3_TOK_END:
            if (x->r.mode != POP3_RD_STATUS)
                abort();
            break;
        case POP3_TOK_ERROR:
            if (t.err == POP3_OK)
                abort();
            x->dead = 1;
            break;
        }
        if (t.kind != POP3_TOK_NONE)
            record(&x->log, &t);
        off += used;
        if (t.kind == POP3_TOK_END || (t.kind == POP3_TOK_LINE && was_status))
            next_mode(&x->r, x->modes, &x->nth);
    }
}

static struct run runs[3];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char lines[3][1024];
    size_t line_size, i, off;
    uint8_t modes;
    uint32_t seed;

    if (size < 3)
        return 0;
    /* Small buffers reach the length checks quickly; 512 is the minimum the
     * engine accepts, 1024 covers lines longer than that. */
    line_size = data[0] < 200 ? 1u + data[0] % 64u : data[0] < 230 ? 512u : 1024u;
    modes = data[1];
    seed = data[2] * 2654435761u + 1u;
    data += 3;
    size -= 3;

    tail_size = size > 0 ? size : 1;
    tail = malloc(tail_size);
    for (i = 0; i < 3; i++)
        run_init(&runs[i], lines[i], line_size, modes);
    feed(&runs[0], data, size);
    for (i = 0; i < size; i++)
        feed(&runs[1], data + i, 1);
    for (off = 0; off < size;) {
        size_t n;

        seed = seed * 1103515245u + 12345u;
        n = 1u + (seed >> 16) % 97u;
        if (n > size - off)
            n = size - off;
        feed(&runs[2], data + off, n);
        off += n;
    }
    for (i = 1; i < 3; i++) {
        if (runs[i].log.len != runs[0].log.len ||
            memcmp(runs[i].log.buf, runs[0].log.buf, runs[0].log.len) != 0)
            abort(); /* the result depends on how the input was split */
        if (runs[i].dead != runs[0].dead)
            abort();
    }
    free(tail);
    return 0;
}
