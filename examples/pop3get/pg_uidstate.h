/* SPDX-License-Identifier: MIT */
/* pg_uidstate.h - which messages of an account were stored before, so a
 * run fetches only new mail (UIDL, RFC 1939 sec. 7).
 *
 * One state file per account (server, port, user):
 *   $XDG_STATE_HOME/pop3get/uidl/USER@HOST:PORT   (else ~/.local/state/...)
 * with the name percent-encoded, and a lock file beside it (".lock", held
 * with fcntl while a run uses the account). The file is text:
 *   pop3get-uidl 1           header
 *   U <uid>                  stored in an earlier run
 *   P <uid> <file>           about to be stored as Maildir file <file>
 *   P <uid> @<offset>        about to be stored in the mbox at <offset>
 * A P line is written (and made durable) before its message is renamed into the
 * Maildir, or before the mbox is synced; when the state is read back it
 * counts as stored only if that file exists (in new/, or in cur/ with flags
 * added), or the mbox holds, at that offset, a message whose Received field
 * names that UID. So a crash at any
 * moment neither loses a message nor stores it twice. At the end of a run
 * the file is rewritten compactly (temp file, fsync, rename, directory
 * fsync): U lines for the UIDs still on the server, the others pruned;
 * unless it already holds exactly that and nothing was journaled in the
 * run (nothing new, nothing gone): then it is left as it is. */
#ifndef PG_UIDSTATE_H
#define PG_UIDSTATE_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Was the message with uid delivered as name (a P line's file)? */
typedef int (*pg_exists_fn)(void *ctx, const char *uid, const char *name);

struct pg_uidset {
    char **slot;
    size_t cap, n;
};

struct pg_uidstate {
    char path[PATH_MAX];
    char dir[PATH_MAX];
    int lockfd;
    FILE *journal;          /* appended P lines; NULL until the first */
    struct pg_uidset seen;  /* stored in earlier runs */
    struct pg_uidset now;   /* stored in this run */
    int dirty;              /* P lines not yet fsync'd */
};

/* The state file's path for an account, into buf. 0 or -1 (no
 * $XDG_STATE_HOME nor $HOME, or too long). */
int pg_uidstate_path(char *buf, size_t n, const char *user, const char *host, const char *port);

/* Lock and read the account's state. exists() resolves P lines. Returns 0;
 * EWOULDBLOCK when another run holds the lock; another errno on failure. */
int pg_uidstate_open(struct pg_uidstate *st, const char *path, pg_exists_fn exists, void *ctx);
int pg_uidstate_seen(const struct pg_uidstate *st, const char *uid);
/* Message with uid is about to become file name (a Maildir file, or
 * "@OFFSET" in an mbox): journal it. It counts as stored in this run's
 * state only once pg_uidstate_confirm() says it is; after a crash, the next
 * open asks exists(). */
int pg_uidstate_intent(struct pg_uidstate *st, const char *uid, const char *name);
/* The message journaled with pg_uidstate_intent() is durable where it
 * said: it goes into the state this run commits. */
int pg_uidstate_confirm(struct pg_uidstate *st, const char *uid);
/* Message with uid is durable (mbox, MDA): journal it as stored. */
int pg_uidstate_done(struct pg_uidstate *st, const char *uid);
/* Make the journal durable (one fsync for every intent since the last). */
int pg_uidstate_sync(struct pg_uidstate *st);
/* Hand the journal's records to the kernel and give its descriptor in *fd
 * (-1: nothing journalled); the caller makes it durable (pg_maildir does,
 * with the batch the records are about). */
int pg_uidstate_flush(struct pg_uidstate *st, int *fd);
/* Rewrite the state: the UIDs in on_server (n of them, NULL entries
 * ignored) that were seen before or stored now. */
int pg_uidstate_commit(struct pg_uidstate *st, char *const *on_server, size_t n);
/* Unlock and free. */
void pg_uidstate_close(struct pg_uidstate *st);

/* A set of strings (copies), for the UIDs. */
int pg_uidset_add(struct pg_uidset *s, const char *uid);
int pg_uidset_has(const struct pg_uidset *s, const char *uid);
void pg_uidset_free(struct pg_uidset *s);

#endif
