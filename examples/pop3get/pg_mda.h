/* SPDX-License-Identifier: MIT */
/* pg_mda.h - delivery through a mail delivery agent: one process per
 * message (sh -c CMD), the message on its stdin. The message counts as
 * delivered only when the command exits 0 and took all of it (no broken
 * pipe); exit 75 (EX_TEMPFAIL) means "try later", as fetchmail reads it.
 * Either way a message that was not delivered stays on the server. A message cut short is never handed over
 * whole: the command runs in a process group of its own, and the whole
 * group is stopped (SIGTERM) before its stdin closes. The caller ignores
 * SIGPIPE (a command that stops reading makes the message fail); the
 * command gets SIGPIPE, SIGINT and SIGTERM back at their defaults. */
#ifndef PG_MDA_H
#define PG_MDA_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

struct pg_mda {
    const char *cmd;
    pid_t pid;
    FILE *in;               /* the command's stdin */
    int broken;             /* it stopped reading (EPIPE) */
    int status;             /* exit status of the last command, -1: signal */
    int sig;                /* the signal that ended it (status -1), or 0 */
};

void pg_mda_init(struct pg_mda *m, const char *cmd);
/* 0 or an errno value (the command could not be started). */
int pg_mda_begin(struct pg_mda *m);
int pg_mda_write(struct pg_mda *m, const char *data, size_t len);
/* 0 when delivered; 1 when the command failed (m->status says how: 75
 * temporary); an errno value for a local failure. */
int pg_mda_end(struct pg_mda *m);
void pg_mda_discard(struct pg_mda *m);

#endif
