/* SPDX-License-Identifier: MIT */
/* pg_store.c - see pg_store.h. */
#define _POSIX_C_SOURCE 200809L

#include "pg_store.h"

#include <string.h>

/* The filter's output. */
static int sink(void *ctx, const char *data, size_t len)
{
    struct pg_store *s = ctx;

    switch (s->kind) {
    case PG_STORE_MAILDIR: return pg_maildir_write(&s->md, data, len);
    case PG_STORE_MBOX:    return pg_mbox_write(&s->mb, data, len);
    default:               return pg_mda_write(&s->mda, data, len);
    }
}

int pg_store_open(struct pg_store *s, const struct pg_options *o, pg_stored_fn stored, void *ctx)
{
    int e = 0;

    memset(s, 0, sizeof *s);
    s->md.newfd = -1;
    s->md.out.fd = -1;
    s->mb.fd = -1;
    s->stored = stored;
    s->ctx = ctx;
    s->flt.keep_crlf = o->keep_crlf;
    s->flt.sink = sink;
    s->flt.ctx = s;
    if (o->mbox != NULL) {
        s->kind = PG_STORE_MBOX;
        s->flt.mboxrd = 1;
        e = pg_mbox_open(&s->mb, o->mbox, 10);
        if (e != 0)
            (void)pg_mbox_close(&s->mb);
    } else if (o->mda != NULL) {
        s->kind = PG_STORE_MDA;
        pg_mda_init(&s->mda, o->mda);
    } else {
        s->kind = PG_STORE_MAILDIR;
        e = pg_maildir_open(&s->md, o->maildir, stored, ctx);
        if (e != 0 && s->md.newfd >= 0)
            (void)pg_maildir_close(&s->md);
    }
    s->open = e == 0;
    return e;
}

int pg_store_begin(struct pg_store *s, const char *head, size_t head_len)
{
    int e;

    switch (s->kind) {
    case PG_STORE_MAILDIR: e = pg_maildir_begin(&s->md); break;
    case PG_STORE_MBOX:    e = pg_mbox_begin(&s->mb); break;
    default:               e = pg_mda_begin(&s->mda); break;
    }
    pg_filter_begin(&s->flt);
    return e != 0 ? e : sink(s, head, head_len);
}

int pg_store_write(struct pg_store *s, const char *data, size_t len)
{
    return pg_filter_write(&s->flt, data, len);
}

int pg_store_end(struct pg_store *s, uint32_t msg)
{
    int e = pg_filter_end(&s->flt);

    if (e != 0)
        return e;
    switch (s->kind) {
    case PG_STORE_MAILDIR:
        return pg_maildir_end(&s->md, msg); /* stored() once renamed */
    case PG_STORE_MBOX:
        if ((e = pg_mbox_end(&s->mb)) != 0)
            return e;
        break;
    default:
        if (pg_mda_end(&s->mda) != 0)
            return PG_STORE_REFUSED;
        break;
    }
    if (s->stored != NULL)
        s->stored(s->ctx, msg);
    return 0;
}

void pg_store_discard(struct pg_store *s)
{
    if (!s->open)
        return;
    switch (s->kind) {
    case PG_STORE_MAILDIR: pg_maildir_discard(&s->md); break;
    case PG_STORE_MBOX:    pg_mbox_discard(&s->mb); break;
    default:               pg_mda_discard(&s->mda); break;
    }
}

int pg_store_reap(struct pg_store *s, int wait)
{
    return s->open && s->kind == PG_STORE_MAILDIR ? pg_maildir_reap(&s->md, wait) : 0;
}

int pg_store_sync(struct pg_store *s, int wait)
{
    int e;

    if (!s->open)
        return 0;
    switch (s->kind) {
    case PG_STORE_MAILDIR:
        if ((e = pg_maildir_reap(&s->md, wait)) != 0)
            return e;
        return pg_maildir_sync(&s->md);
    case PG_STORE_MBOX:
        return wait || s->mb.unsynced >= PG_BATCH_MAX ? pg_mbox_sync(&s->mb) : 0;
    default:
        return 0;
    }
}

int pg_store_durable(const struct pg_store *s)
{
    if (!s->open)
        return 1;
    switch (s->kind) {
    case PG_STORE_MAILDIR: return pg_maildir_durable(&s->md);
    case PG_STORE_MBOX:    return !s->mb.dirty;
    default:               return 1;
    }
}

int pg_store_pending(const struct pg_store *s)
{
    if (!s->open)
        return 0;
    if (s->kind == PG_STORE_MAILDIR)
        return pg_maildir_pending(&s->md);
    return s->kind == PG_STORE_MBOX && s->mb.dirty;
}

int pg_store_close(struct pg_store *s)
{
    int e = 0;

    if (!s->open)
        return 0;
    s->open = 0;
    switch (s->kind) {
    case PG_STORE_MAILDIR: e = pg_maildir_close(&s->md); break;
    case PG_STORE_MBOX:    e = pg_mbox_close(&s->mb); break;
    default:               pg_mda_discard(&s->mda); break;
    }
    return e;
}

const char *pg_store_errpath(const struct pg_store *s)
{
    switch (s->kind) {
    case PG_STORE_MAILDIR: return pg_maildir_errpath(&s->md);
    case PG_STORE_MBOX:    return pg_mbox_errpath(&s->mb);
    default:               return s->mda.cmd;
    }
}
