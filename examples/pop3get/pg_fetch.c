/* SPDX-License-Identifier: MIT */
/* pg_fetch.c - see pg_fetch.h. */
#include "pg_fetch.h"

#include <string.h>

void pg_fetch_init(struct pg_fetch *f, pop3_client *c, int del)
{
    memset(f, 0, sizeof *f);
    f->c = c;
    f->del = del;
}

void pg_fetch_stat(struct pg_fetch *f, uint32_t count, uint64_t size)
{
    f->count = count;
    f->total_bytes = size;
    f->next_retr = 1;
    f->have_stat = 1;
}

void pg_fetch_answered(struct pg_fetch *f)
{
    if (f->retr_out > 0)
        f->retr_out--;
}

void pg_fetch_stored(struct pg_fetch *f, uint32_t msg)
{
    f->stored++;
    /* The RETR window keeps pend below its size; were it full, the message
     * would simply stay on the server. */
    if (f->del && f->pend_n < PG_QUEUE_LEN) {
        f->pend[(f->pend_head + f->pend_n) % PG_QUEUE_LEN] = msg;
        f->pend_n++;
    }
}

void pg_fetch_durable(struct pg_fetch *f)
{
    while (f->pend_n > 0 && f->dele_n < PG_QUEUE_LEN) {
        f->dele_q[(f->dele_head + f->dele_n) % PG_QUEUE_LEN] = f->pend[f->pend_head];
        f->dele_n++;
        f->pend_head = (f->pend_head + 1) % PG_QUEUE_LEN;
        f->pend_n--;
    }
}

int pg_fetch_waiting(const struct pg_fetch *f)
{
    return f->pend_n > 0;
}

static enum pg_fetch_step failed(struct pg_fetch *f, const char *cmd, pop3_err r)
{
    f->err = r;
    f->err_cmd = cmd;
    return PG_FETCH_FAILED;
}

/* DELEs for durable messages first (they make progress permanent), then
 * RETRs up to the window, and QUIT once every message has been answered. */
enum pg_fetch_step pg_fetch_pump(struct pg_fetch *f)
{
    pop3_err r;

    if (!f->have_stat || f->hold)
        return PG_FETCH_WAIT;
    /* Every message answered: the last batch becomes durable before QUIT. */
    if (f->next_retr > f->count && f->retr_out == 0 && f->flush != NULL &&
        f->flush(f->ctx) < 0)
        return PG_FETCH_STOPPED;
    while (f->dele_n > 0) {
        r = pop3_client_dele(f->c, f->dele_q[f->dele_head]);
        if (r == POP3_ERR_BUSY)
            return PG_FETCH_WAIT;
        if (r != POP3_OK)
            return failed(f, "DELE", r);
        f->dele_head = (f->dele_head + 1) % PG_QUEUE_LEN;
        f->dele_n--;
    }
    while (f->next_retr <= f->count && f->retr_out < PG_RETR_WINDOW) {
        uint32_t msg = (uint32_t)f->next_retr;
        enum pg_want w = f->want != NULL ? f->want(f->ctx, msg) : PG_WANT_FETCH;

        if (w != PG_WANT_FETCH) {
            if (w == PG_WANT_DELETE && f->del) {
                r = pop3_client_dele(f->c, msg); /* stored by an earlier run */
                if (r == POP3_ERR_BUSY)
                    break;
                if (r != POP3_OK)
                    return failed(f, "DELE", r);
                f->old_deleted++;
            }
            f->skipped++;
            f->next_retr++;
            continue;
        }
        r = pop3_client_retr(f->c, msg);
        if (r == POP3_ERR_BUSY)
            break;
        if (r != POP3_OK)
            return failed(f, "RETR", r);
        f->retr_out++;
        f->next_retr++;
    }
    /* Without --delete nothing waits for storage: QUIT goes right behind
     * the last RETR instead of a round trip after its reply. With --delete
     * it waits until every stored message's DELE is queued. */
    if (f->next_retr > f->count && (!f->del || (f->retr_out == 0 && f->pend_n == 0)))
        return PG_FETCH_QUIT;
    return PG_FETCH_WAIT;
}
