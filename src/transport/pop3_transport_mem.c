/* SPDX-License-Identifier: MIT */
/* pop3_transport_mem.c - in-memory transport: records what the engine sends.
 * Used by the unit tests, the fuzz targets and the engine benchmark. */
#include "pop3_transport.h"

#include <string.h>

static long mem_send(void *ctx, const uint8_t *data, size_t len)
{
    pop3_transport_mem *m = (pop3_transport_mem *)ctx;
    size_t n = len;

    if (m->broken)
        return -1;
    if (m->stall)
        return 0;
    if (m->max_chunk != 0 && n > m->max_chunk)
        n = m->max_chunk;
    if (n > m->cap - m->len)
        return -1; /* the recorder is full: a test sized it too small */
    memcpy(m->buf + m->len, data, n);
    m->len += n;
    m->sends++;
    return (long)n;
}

static void mem_close(void *ctx)
{
    pop3_transport_mem *m = (pop3_transport_mem *)ctx;

    m->closed++;
}

void pop3_transport_mem_init(pop3_transport *t, pop3_transport_mem *m,
                             uint8_t *buf, size_t cap)
{
    memset(m, 0, sizeof(*m));
    m->buf = buf;
    m->cap = cap;
    t->send = mem_send;
    t->close = mem_close;
    t->ctx = m;
}
