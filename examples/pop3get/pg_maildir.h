/* SPDX-License-Identifier: MIT */
/* pg_maildir.h - Maildir delivery in batches. Each message is written into
 * tmp/ and closed by the caller's thread. The messages written since the
 * last batch left are then made durable together by a syncing thread: one
 * syncfs() of the file system (Linux 5.8 and later, where syncfs reports
 * write-back errors), or an fsync of each file where there is no such
 * syncfs, together with the
 * journal of the renames to come (intent), and then renamed into new/ in
 * order by the same thread. The caller's thread calls stored() for each
 * renamed message when it reaps the batch; pg_maildir_sync() then fsyncs
 * new/ once for every rename so far. A batch leaves as soon as the one
 * before it is done, so it holds whatever arrived during the previous sync
 * (at most PG_BATCH_MAX messages): one durability point per batch,
 * however fast the messages come, and nothing is renamed before its data
 * is durable. A message may be deleted on the server only after the
 * pg_maildir_sync() that follows its stored() call.
 *
 * Without a thread (pthread_create failed) each batch is made durable at
 * once, in the caller's thread. A syncfs() that fails with ENOSYS turns to
 * fsync of each file for the rest of the run.
 *
 * Every function returns 0 or an errno value; on failure pg_maildir_errpath()
 * names the file or directory concerned. A message whose file cannot be
 * written is dropped at once; when a batch cannot be made durable, every
 * message of it is removed from tmp/. Neither is reported stored. */
#ifndef PG_MAILDIR_H
#define PG_MAILDIR_H

#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pg_util.h"

#define PG_BATCH_MAX 256  /* messages made durable together, at most */
#define PG_NAME_MAX 160   /* a Maildir file name of ours, with its NUL */

typedef void (*pg_stored_fn)(void *ctx, uint32_t msg);

struct pg_batch {
    unsigned n;
    int err;                  /* making it durable failed: an errno value */
    unsigned err_at;          /* the file concerned; n: the file system;
                               * n + 1: the journal (intent) */
    int jfd;                  /* journal to make durable with it, or -1 */
    unsigned char moved[PG_BATCH_MAX];  /* renamed into new/ */
    uint32_t msg[PG_BATCH_MAX];
    char name[PG_BATCH_MAX][PG_NAME_MAX];
};

struct pg_maildir {
    char dir[PATH_MAX];    /* without trailing slashes */
    int newfd;             /* DIR/new */
    int dir_dirty;         /* renamed into new/ since the last fsync of it */
    int per_file;          /* fsync each file, not syncfs (set at open) */
    long pid;
    struct pg_batch b[2];  /* b[fill] collects; the other is away when busy */
    unsigned fill;
    int busy;
    int thread;            /* 0 not started, 1 running, -1 none: sync inline */
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct pg_batch *job;  /* for the thread (under mu) */
    int done, quit;        /* under mu */
    struct pg_wbuf out;    /* out.fd: the file of the message being written */
    char name[PG_NAME_MAX];
    unsigned long seq;
    char host[64];
    char err_path[PATH_MAX];
    pg_stored_fn stored;
    void *stored_ctx;
    /* Optional journal of the renames to come: intent() is called for each
     * message of a batch (its file name in new/) when the batch leaves,
     * then intent_flush() once, which hands the written records to the
     * kernel and gives the descriptor of the journal: it is made durable
     * together with the batch (by the same syncfs when it is on the same
     * file system, else by an fsync of it), before any rename. A non-zero
     * errno from either stops the batch. */
    int (*intent)(void *ctx, uint32_t msg, const char *name);
    int (*intent_flush)(void *ctx, int *fd);
};

/* Create DIR, DIR/tmp, DIR/new, DIR/cur as needed (each new directory made
 * durable). stored(ctx, msg) is called for each message renamed into new/. */
int pg_maildir_open(struct pg_maildir *m, const char *dir, pg_stored_fn stored, void *ctx);
/* Start a message: a new file in tmp/ with a unique name. */
int pg_maildir_begin(struct pg_maildir *m);
int pg_maildir_write(struct pg_maildir *m, const void *data, size_t len);
/* The message begun last is complete: it joins the next batch. When
 * PG_BATCH_MAX messages wait already, this waits for the batch away. */
int pg_maildir_end(struct pg_maildir *m, uint32_t msg);
/* Drop the message being written (its tmp/ file is removed). */
void pg_maildir_discard(struct pg_maildir *m);
/* Rename the batch made durable, if it is done, and send the next one;
 * with wait, until every message ended so far is in new/. */
int pg_maildir_reap(struct pg_maildir *m, int wait);
/* Make every rename so far durable (one fsync of new/). */
int pg_maildir_sync(struct pg_maildir *m);
/* Something ended is not durable yet. */
int pg_maildir_pending(const struct pg_maildir *m);
/* Every message reported stored is durable (new/ is in step). */
int pg_maildir_durable(const struct pg_maildir *m);
/* Discard the message being written, finish every batch, sync new/, stop
 * the thread and close. The first error is returned; the rest still runs. */
int pg_maildir_close(struct pg_maildir *m);
const char *pg_maildir_errpath(const struct pg_maildir *m);

#endif
