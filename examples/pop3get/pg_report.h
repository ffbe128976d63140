/* SPDX-License-Identifier: MIT */
/* pg_report.h - what pop3get tells the user on stderr: the one error line
 * of the first failure (which also decides the exit status), and the
 * progress line on a terminal. */
#ifndef PG_REPORT_H
#define PG_REPORT_H

#include <stddef.h>
#include <stdint.h>

struct pg_report {
    int exit_code;          /* first failure wins; 0 while all is well */
    int progress;           /* show the progress line */
    int quiet;              /* -q: no progress, no summary */
    int line_open;          /* a progress line is on the screen */
    uint32_t shown_at;      /* when it was last redrawn, ms */
};

/* Record exit status code and print "pop3get: WHAT: TEXT" (TEXT made
 * terminal-safe), unless a failure was already recorded: later ones are
 * usually consequences of the first. */
void pg_fail(struct pg_report *r, int code, const char *what,
             const char *text, size_t len);
void pg_fail_str(struct pg_report *r, int code, const char *what, const char *text);

/* Redraw "N/COUNT messages, DONE/TOTAL" at most every 200 ms unless
 * force; nothing after a failure or for an empty mailbox. */
void pg_progress(struct pg_report *r, uint32_t now_ms, int force, uint32_t stored,
                 uint32_t count, uint64_t done, uint64_t total);

/* End the progress line (newline), if one is shown. */
void pg_progress_end(struct pg_report *r);

#endif
