/* SPDX-License-Identifier: MIT */
/* pg_report.c - see pg_report.h. */
#define _POSIX_C_SOURCE 200809L

#include "pg_report.h"
#include "pg_util.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define PROGRESS_MS 200

static void clear_line(struct pg_report *r)
{
    if (r->line_open) {
        fputs("\r\033[K", stderr);
        r->line_open = 0;
    }
}

void pg_fail(struct pg_report *r, int code, const char *what,
             const char *text, size_t len)
{
    if (r->exit_code != 0)
        return;
    r->exit_code = code;
    clear_line(r);
    fprintf(stderr, "%s: %s: ", PG_PROG, what);
    pg_put_safe(stderr, text, len);
    fputc('\n', stderr);
}

void pg_fail_str(struct pg_report *r, int code, const char *what, const char *text)
{
    pg_fail(r, code, what, text, strlen(text));
}

static void fmt_bytes(char *buf, size_t n, uint64_t v)
{
    if (v < 1024)
        snprintf(buf, n, "%" PRIu64 " B", v);
    else if (v < 1048576)
        snprintf(buf, n, "%.1f KiB", (double)v / 1024);
    else
        snprintf(buf, n, "%.1f MiB", (double)v / 1048576);
}

void pg_progress(struct pg_report *r, uint32_t now_ms, int force, uint32_t stored,
                 uint32_t count, uint64_t done, uint64_t total)
{
    char d[32], t[32];

    if (!r->progress || r->quiet || r->exit_code != 0 || count == 0)
        return;
    if (!force && r->line_open && now_ms - r->shown_at < PROGRESS_MS)
        return;
    r->shown_at = now_ms;
    fmt_bytes(d, sizeof d, done);
    fmt_bytes(t, sizeof t, total);
    fprintf(stderr, "\r%s: %" PRIu32 "/%" PRIu32 " messages, %s/%s\033[K", PG_PROG,
            stored, count, d, t);
    r->line_open = 1;
}

void pg_progress_end(struct pg_report *r)
{
    if (r->line_open) {
        fputc('\n', stderr);
        r->line_open = 0;
    }
}
