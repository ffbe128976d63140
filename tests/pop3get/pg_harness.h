/* SPDX-License-Identifier: MIT */
/* pg_harness.h - a pop3_client over the memory transport for pop3get's
 * module tests: feed server text, read what the client sent. */
#ifndef PG_HARNESS_H
#define PG_HARNESS_H

#include "pop3.h"
#include "pop3_transport.h"

#include <string.h>

struct pg_harness {
    pop3_client c;
    pop3_transport tr;
    pop3_transport_mem mem;
    uint8_t wire[16384];
    size_t seen;               /* octets of wire already returned */
    char line[1024];
    uint8_t cmd[1024];
    pop3_slot q[64];
    char sent[16384];
};

static inline void pg_harness_init(struct pg_harness *h, pop3_event_cb cb, void *user)
{
    pop3_client_config cfg;

    memset(h, 0, sizeof *h);
    pop3_transport_mem_init(&h->tr, &h->mem, h->wire, sizeof h->wire);
    pop3_client_config_defaults(&cfg);
    cfg.transport = &h->tr;
    cfg.cb = cb;
    cfg.user = user;
    cfg.line_buf = h->line;
    cfg.line_size = sizeof h->line;
    cfg.cmd_buf = h->cmd;
    cfg.cmd_size = sizeof h->cmd;
    cfg.queue = h->q;
    cfg.queue_len = sizeof h->q / sizeof h->q[0];
    (void)pop3_client_init(&h->c, &cfg);
    pop3_client_connected(&h->c);
}

static inline void pg_harness_feed(struct pg_harness *h, const char *text)
{
    (void)pop3_client_input(&h->c, text, strlen(text));
    pop3_client_writable(&h->c);
}

/* What the client sent since the last call, NUL-terminated. */
static inline const char *pg_harness_sent(struct pg_harness *h)
{
    size_t n;

    pop3_client_writable(&h->c);
    n = h->mem.len - h->seen;
    memcpy(h->sent, h->wire + h->seen, n);
    h->sent[n] = '\0';
    h->seen = h->mem.len;
    return h->sent;
}

#endif
