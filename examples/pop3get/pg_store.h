/* SPDX-License-Identifier: MIT */
/* pg_store.h - one interface over the three deliveries (pg_maildir,
 * pg_mbox, pg_mda) and the filter every message goes through on the way
 * (pg_deliver: LF line ends unless --keep-crlf, mboxrd quoting for mbox).
 *
 * stored(ctx, msg) says a message was delivered; it is durable only once
 * pg_store_durable() says so after a pg_store_sync() (Maildir: its batch
 * made durable and renamed, new/ not yet fsync'd; mbox: appended, not yet
 * fsync'd; MDA: durable once the command exited 0, as far as pop3get can
 * know). Functions return 0 or an errno value, and
 * pg_store_errpath() names the file concerned. */
#ifndef PG_STORE_H
#define PG_STORE_H

#include "pg_deliver.h"
#include "pg_maildir.h"
#include "pg_mbox.h"
#include "pg_mda.h"
#include "pg_options.h"

enum pg_store_kind { PG_STORE_MAILDIR, PG_STORE_MBOX, PG_STORE_MDA };

/* pg_store_end(): the MDA did not take the message (store->mda.status). */
#define PG_STORE_REFUSED (-1)

struct pg_store {
    enum pg_store_kind kind;
    int open;
    struct pg_filter flt;
    struct pg_maildir md;
    struct pg_mbox mb;
    struct pg_mda mda;
    pg_stored_fn stored;
    void *ctx;
};

int pg_store_open(struct pg_store *s, const struct pg_options *o, pg_stored_fn stored, void *ctx);
/* Start a message; head (the Received header, already in the store's
 * line-end form) goes first. */
int pg_store_begin(struct pg_store *s, const char *head, size_t head_len);
int pg_store_write(struct pg_store *s, const char *data, size_t len);
/* The message ended: 0, PG_STORE_REFUSED, or an errno value. */
int pg_store_end(struct pg_store *s, uint32_t msg);
void pg_store_discard(struct pg_store *s);
/* Finished background work (a Maildir batch made durable: renamed into
 * new/, stored() called), all of it when wait. */
int pg_store_reap(struct pg_store *s, int wait);
/* The durability point. With wait, everything delivered so far is durable
 * after it. Without, it does what is due and cheap: new/ fsync'd after
 * renames (Maildir), the mbox fsync'd once PG_BATCH_MAX messages wait;
 * pg_store_durable() then says whether every stored() message is durable. */
int pg_store_sync(struct pg_store *s, int wait);
/* Every message reported through stored() is durable. */
int pg_store_durable(const struct pg_store *s);
/* Delivered but not yet durable, or background work running. */
int pg_store_pending(const struct pg_store *s);
int pg_store_close(struct pg_store *s);
const char *pg_store_errpath(const struct pg_store *s);

#endif
