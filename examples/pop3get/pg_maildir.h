/* SPDX-License-Identifier: MIT */
/* pg_maildir.h - Maildir delivery: each message is written into tmp/, its
 * data fsync'd (in the background, aio_fsync, several at once), renamed
 * into new/, and new/ fsync'd. A message counts as stored (the callback
 * fires) once it is in new/; it is durable, and may be deleted on the
 * server, only after the next pg_maildir_sync().
 *
 * Every function returns 0 or an errno value; on failure pg_maildir_errpath()
 * names the file or directory concerned. */
#ifndef PG_MAILDIR_H
#define PG_MAILDIR_H

#include <aio.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PG_SYNC_MAX 32 /* messages whose fsync may run at once */

typedef void (*pg_stored_fn)(void *ctx, uint32_t msg);

struct pg_maildir {
    char dir[PATH_MAX];    /* without trailing slashes */
    int newfd;             /* DIR/new */
    int dir_dirty;         /* renamed into new/ since the last fsync of it */
    long pid;
    struct pg_syncing {
        struct aiocb cb;
        FILE *f;
        char tmp[PATH_MAX];
        char dst[PATH_MAX];
        uint32_t msg;
    } sy[PG_SYNC_MAX];
    unsigned sy_head, sy_n;
    FILE *f;               /* message being written into tmp/ */
    char tmp[PATH_MAX];
    char dst[PATH_MAX];
    unsigned long seq;
    char host[64];
    char err_path[PATH_MAX];
    pg_stored_fn stored;
    void *stored_ctx;
    /* Optional: called for each message about to be renamed into new/
     * (its file name there), then intent_sync() once for the batch, before
     * any of the renames; a non-zero errno stops the batch. */
    int (*intent)(void *ctx, uint32_t msg, const char *name);
    int (*intent_sync)(void *ctx);
};

/* Create DIR, DIR/tmp, DIR/new, DIR/cur as needed (each new directory made
 * durable). stored(ctx, msg) is called for each message renamed into new/. */
int pg_maildir_open(struct pg_maildir *m, const char *dir, pg_stored_fn stored, void *ctx);
/* Start a message: a new file in tmp/ with a unique name. */
int pg_maildir_begin(struct pg_maildir *m);
int pg_maildir_write(struct pg_maildir *m, const void *data, size_t len);
/* The message begun last is complete: queue its fsync. */
int pg_maildir_end(struct pg_maildir *m, uint32_t msg);
/* Drop the message being written (its tmp/ file is removed). */
void pg_maildir_discard(struct pg_maildir *m);
/* Rename the messages whose fsync has finished (all of them when wait). */
int pg_maildir_reap(struct pg_maildir *m, int wait);
/* Make every rename so far durable (one fsync of new/). */
int pg_maildir_sync(struct pg_maildir *m);
/* Something stored is not durable yet. */
int pg_maildir_pending(const struct pg_maildir *m);
/* Discard the message being written, finish every fsync and rename, sync
 * new/ and close. The first error is returned; the rest still runs. */
int pg_maildir_close(struct pg_maildir *m);
const char *pg_maildir_errpath(const struct pg_maildir *m);

#endif
