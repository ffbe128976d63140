/* SPDX-License-Identifier: MIT */
/* pg_fetch.h - the fetch scheduler of pop3get's store mode: after STAT it
 * keeps the engine's queue full with RETRs (a window, so DELEs always find
 * a slot), and with --delete sends DELE for a message only once the store
 * has made it durable (pg_fetch_durable()), then asks for QUIT when every
 * message is answered and every DELE is queued.
 *
 * The store is reached through two callbacks: want(ctx, msg) decides
 * whether message msg is fetched (PG_WANT_FETCH), left alone
 * (PG_WANT_SKIP) or, stored in an earlier run, only deleted with --delete
 * (PG_WANT_DELETE); NULL fetches every message. And
 * flush(ctx) makes everything stored so far durable (calling
 * pg_fetch_durable()) before the last DELEs and QUIT; it returns 0, or -1
 * after a local failure it has reported itself. */
#ifndef PG_FETCH_H
#define PG_FETCH_H

#include "pop3.h"

#include <stdint.h>

/* Engine queue length the scheduler is built for (pop3get's config). */
#define PG_QUEUE_LEN 4096
/* At most this many RETRs outstanding, so DELEs for stored messages always
 * find a free slot and never wait behind the whole mailbox. */
#define PG_RETR_WINDOW (PG_QUEUE_LEN - 256)

enum pg_want { PG_WANT_SKIP, PG_WANT_FETCH, PG_WANT_DELETE };

enum pg_fetch_step {
    PG_FETCH_WAIT,    /* more replies to come */
    PG_FETCH_QUIT,    /* all done: time for QUIT */
    PG_FETCH_FAILED,  /* a command could not be queued: err, err_cmd */
    PG_FETCH_STOPPED  /* flush() failed */
};

struct pg_fetch {
    pop3_client *c;
    int del;                     /* --delete */
    enum pg_want (*want)(void *ctx, uint32_t msg);
    int hold;                    /* set: nothing is queued (UIDL awaited) */
    int (*flush)(void *ctx);
    void *ctx;

    int have_stat;
    uint32_t count, retr_out, skipped, old_deleted;
    uint64_t next_retr;          /* next message to consider, 1..count+1 */
    uint32_t stored, deleted;
    uint64_t total_bytes, done_bytes;
    uint32_t dele_q[PG_QUEUE_LEN]; /* durable: DELE when there is room */
    unsigned dele_head, dele_n;
    uint32_t pend[PG_QUEUE_LEN];   /* stored, not yet durable */
    unsigned pend_head, pend_n;
    pop3_err err;
    const char *err_cmd;
};

void pg_fetch_init(struct pg_fetch *f, pop3_client *c, int del);
/* The STAT reply: count messages, size octets in all. */
void pg_fetch_stat(struct pg_fetch *f, uint32_t count, uint64_t size);
/* A RETR was answered: its message ended, or -ERR. */
void pg_fetch_answered(struct pg_fetch *f);
/* Message msg is stored (not yet durable). */
void pg_fetch_stored(struct pg_fetch *f, uint32_t msg);
/* Everything stored so far is durable: its DELEs may go. */
void pg_fetch_durable(struct pg_fetch *f);
/* Stored messages wait for pg_fetch_durable(). */
int pg_fetch_waiting(const struct pg_fetch *f);
/* Queue what can be queued now. */
enum pg_fetch_step pg_fetch_pump(struct pg_fetch *f);

#endif
