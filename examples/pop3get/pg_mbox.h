/* SPDX-License-Identifier: MIT */
/* pg_mbox.h - mbox delivery (mboxrd: the caller quotes "From " lines with
 * pg_filter). The file is locked for the whole run as mail tools do: a
 * dotlock FILE.lock and an fcntl write lock; each message is appended as
 * "From MAILER-DAEMON DATE", the message, a blank line, through a buffer
 * of our own (a write(2) per 64 KiB, not per message). A message cut short
 * is cut off the file again (ftruncate). pg_mbox_sync() is the durability
 * point (one fsync for every message since the last); after a failed write
 * or sync the file is cut back to its size at the last durability point,
 * so no message that was not made durable stays in it.
 * Functions return 0 or an errno value; pg_mbox_errpath() names the file. */
#ifndef PG_MBOX_H
#define PG_MBOX_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pg_util.h"

struct pg_mbox {
    char path[PATH_MAX];
    char lock[PATH_MAX + 8];
    int fd;
    int dotlocked;
    off_t start;            /* file size before the message being written */
    off_t size;             /* file size with what out holds */
    off_t synced;           /* file size at the last durability point */
    int in_msg;
    char last;              /* last octet of the message so far */
    int dirty;              /* appended since the last fsync */
    unsigned unsynced;      /* messages ended since the last fsync */
    /* Optional: called before each fsync of the file (pg_mbox_sync), to
     * make durable first what says where its messages are (the UID
     * journal); an errno value stops the sync. */
    int (*before_sync)(void *ctx);
    void *ctx;
    struct pg_wbuf out;     /* in front of fd */
    char err_path[PATH_MAX + 8];
};

/* Open (create, 0600) and lock; EWOULDBLOCK when another program holds
 * the lock for more than wait_s seconds. */
int pg_mbox_open(struct pg_mbox *m, const char *path, unsigned wait_s);
int pg_mbox_begin(struct pg_mbox *m);
int pg_mbox_write(struct pg_mbox *m, const char *data, size_t len);
int pg_mbox_end(struct pg_mbox *m);
void pg_mbox_discard(struct pg_mbox *m);
int pg_mbox_sync(struct pg_mbox *m);
int pg_mbox_close(struct pg_mbox *m);
/* Does a message start at offset off (a "From " line there) with marker
 * among its first lines (within 1 KiB)? What is in the file only. */
int pg_mbox_holds(const struct pg_mbox *m, off_t off, const char *marker);
const char *pg_mbox_errpath(const struct pg_mbox *m);

#endif
