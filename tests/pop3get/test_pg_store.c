/* SPDX-License-Identifier: MIT */
/* test_pg_store.c - the three deliveries through one interface: the
 * Received header first, then the message with LF line ends (CRLF with
 * --keep-crlf) and mboxrd quoting in an mbox; stored() only for a message
 * delivered, durable and pending as each kind defines them; a message cut
 * short leaves nothing; an MDA that exits non-zero refuses (its status
 * kept); open and write failures name the file. */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pg_store.h"
#include "pop3get/pg_harness.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[PATH_MAX], target[PATH_MAX + 16];
static uint32_t seen[16];
static unsigned nseen;

static void on_stored(void *ctx, uint32_t msg)
{
    assert_ptr_equal(ctx, &nseen);
    assert_true(nseen < sizeof seen / sizeof seen[0]);
    seen[nseen++] = msg;
}

static int setup(void **state)
{
    (void)state;
    nseen = 0;
    pg_tmpdir(dir, sizeof dir, "test_pg_store");
    return setenv("PG_TEST_DIR", dir, 1);
}

static int teardown(void **state)
{
    (void)state;
    pg_rmtree(dir);
    return 0;
}

/* Options naming DIR/name as the delivery of the kind. */
static void options(struct pg_options *o, enum pg_store_kind kind, const char *name, int crlf)
{
    memset(o, 0, sizeof *o);
    o->mode = PG_MODE_MAILDIR;
    o->keep_crlf = crlf;
    if (kind == PG_STORE_MDA) {
        o->mda = name;
        return;
    }
    assert_true((size_t)snprintf(target, sizeof target, "%s/%s", dir, name) < sizeof target);
    if (kind == PG_STORE_MAILDIR)
        o->maildir = target;
    else
        o->mbox = target;
}

/* One message: head, then text in slices of 3 octets (a CRLF split
 * anywhere); pg_store_end()'s answer. */
static int message(struct pg_store *s, const char *head, const char *text, uint32_t msg)
{
    size_t i, n = strlen(text);

    assert_int_equal(pg_store_begin(s, head, strlen(head)), 0);
    for (i = 0; i < n; i += 3)
        assert_int_equal(pg_store_write(s, text + i, n - i < 3 ? n - i : 3), 0);
    return pg_store_end(s, msg);
}

/* The only file in DIR/sub, read whole (NULL when there is none). */
static char *only_file(const char *sub)
{
    char path[PATH_MAX + 300], *text = NULL;
    struct dirent *e;
    DIR *d;
    int n = 0;

    snprintf(path, sizeof path, "%s/%s", target, sub);
    d = opendir(path);
    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        n++;
        snprintf(path, sizeof path, "%s/%s/%s", target, sub, e->d_name);
    }
    closedir(d);
    assert_true(n <= 1);
    if (n == 1)
        text = pg_slurp(path, NULL);
    return text;
}

static const char wire[] = "Subject: one\r\nFrom: a@b\r\n\r\nFrom here\r\n.line\r\nend";

static void test_maildir(void **state)
{
    static struct pg_store s;
    struct pg_options o;
    char *text, *big;

    (void)state;
    options(&o, PG_STORE_MAILDIR, "md", 0);
    assert_int_equal(pg_store_open(&s, &o, on_stored, &nseen), 0);
    assert_int_equal(s.kind, PG_STORE_MAILDIR);
    assert_true(pg_store_durable(&s));
    assert_false(pg_store_pending(&s));
    assert_int_equal(message(&s, "Received: x\n", wire, 7), 0);
    assert_true(pg_store_pending(&s));
    /* Its batch made durable and renamed: stored(), but new/ is not
     * synced yet; the durability point does that. */
    assert_int_equal(pg_store_reap(&s, 1), 0);
    assert_int_equal(nseen, 1);
    assert_int_equal(seen[0], 7);
    assert_false(pg_store_durable(&s));
    assert_true(pg_store_pending(&s));
    assert_int_equal(pg_store_sync(&s, 0), 0);
    assert_true(pg_store_durable(&s));
    assert_false(pg_store_pending(&s));
    text = only_file("new");
    assert_non_null(text);
    assert_string_equal(text, "Received: x\nSubject: one\nFrom: a@b\n\nFrom here\n.line\nend");
    free(text);
    assert_null(only_file("tmp"));
    /* Cut short, small and big (more than the write buffer): nothing
     * left, nothing stored. */
    assert_int_equal(pg_store_begin(&s, "Received: y\n", 12), 0);
    assert_int_equal(pg_store_write(&s, "Subject: half\r\n", 15), 0);
    pg_store_discard(&s);
    assert_int_equal(pg_store_begin(&s, "Received: y\n", 12), 0);
    big = calloc(1, 3 * sizeof s.md.out.buf);
    assert_non_null(big);
    assert_int_equal(pg_store_write(&s, big, 3 * sizeof s.md.out.buf), 0);
    free(big);
    pg_store_discard(&s);
    assert_null(only_file("tmp"));
    assert_int_equal(pg_store_sync(&s, 1), 0);
    assert_int_equal(pg_store_close(&s), 0);
    assert_int_equal(pg_store_close(&s), 0); /* once only */
    assert_int_equal(nseen, 1);
    assert_null(only_file("tmp"));
    text = only_file("new");
    assert_non_null(text);
    free(text);
}

static void test_maildir_keep_crlf(void **state)
{
    static struct pg_store s;
    struct pg_options o;
    char *text;

    (void)state;
    options(&o, PG_STORE_MAILDIR, "md", 1);
    assert_int_equal(pg_store_open(&s, &o, on_stored, &nseen), 0);
    assert_int_equal(message(&s, "Received: x\r\n", wire, 1), 0);
    /* The durability point with wait: renamed, stored(), new/ synced. */
    assert_int_equal(pg_store_sync(&s, 1), 0);
    assert_int_equal(nseen, 1);
    assert_true(pg_store_durable(&s));
    assert_false(pg_store_pending(&s));
    assert_int_equal(pg_store_close(&s), 0);
    text = only_file("new");
    assert_non_null(text);
    assert_string_equal(text, "Received: x\r\nSubject: one\r\nFrom: a@b\r\n\r\nFrom here\r\n"
                              ".line\r\nend");
    free(text);
}

static void test_mbox(void **state)
{
    static struct pg_store s;
    struct pg_options o;
    char *text;
    const char *second;
    struct stat st;

    (void)state;
    options(&o, PG_STORE_MBOX, "mbox", 0);
    assert_int_equal(pg_store_open(&s, &o, on_stored, &nseen), 0);
    assert_int_equal(s.kind, PG_STORE_MBOX);
    assert_false(pg_store_pending(&s));
    assert_int_equal(message(&s, "Received: 1\n", wire, 1), 0);
    assert_int_equal(message(&s, "Received: 2\n", "Subject: two\r\n\r\n>From x\r\n", 2), 0);
    /* Appended and reported, not yet durable. */
    assert_int_equal(nseen, 2);
    assert_int_equal(seen[0], 1);
    assert_int_equal(seen[1], 2);
    assert_true(pg_store_pending(&s));
    assert_false(pg_store_durable(&s));
    /* Without wait the fsync waits for PG_BATCH_MAX messages. */
    assert_int_equal(pg_store_sync(&s, 0), 0);
    assert_false(pg_store_durable(&s));
    assert_int_equal(pg_store_sync(&s, 1), 0);
    assert_true(pg_store_durable(&s));
    assert_false(pg_store_pending(&s));
    /* Cut short: the file is as before. */
    assert_int_equal(stat(target, &st), 0);
    assert_int_equal(pg_store_begin(&s, "Received: 3\n", 12), 0);
    assert_int_equal(pg_store_write(&s, "Subject: half\r\n", 15), 0);
    pg_store_discard(&s);
    assert_int_equal(message(&s, "Received: 4\n", "Subject: 4\r\n", 4), 0);
    assert_int_equal(pg_store_close(&s), 0);
    assert_int_equal(nseen, 3);
    text = pg_slurp(target, NULL);
    assert_null(strstr(text, "half"));
    assert_memory_equal(text + st.st_size, "From MAILER-DAEMON ", 19);
    text[st.st_size] = '\0';
    assert_memory_equal(text, "From MAILER-DAEMON ", 19);
    assert_non_null(strstr(text, "\nReceived: 1\nSubject: one\nFrom: a@b\n\n>From here\n.line\nend\n\n"
                                 "From MAILER-DAEMON "));
    second = strstr(text, "Received: 2");
    assert_non_null(second);
    assert_string_equal(second, "Received: 2\nSubject: two\n\n>>From x\n\n");
    free(text);
}

/* Delivered: stored() at once, durable, nothing pending. */
static void test_mda(void **state)
{
    static struct pg_store s;
    struct pg_options o;
    char *text;

    (void)state;
    options(&o, PG_STORE_MDA, "cat >> \"$PG_TEST_DIR/out\"", 0);
    assert_int_equal(pg_store_open(&s, &o, on_stored, &nseen), 0);
    assert_int_equal(s.kind, PG_STORE_MDA);
    assert_int_equal(message(&s, "Received: 1\n", wire, 4), 0);
    assert_int_equal(nseen, 1);
    assert_int_equal(seen[0], 4);
    assert_true(pg_store_durable(&s));
    assert_false(pg_store_pending(&s));
    assert_int_equal(pg_store_sync(&s, 1), 0);
    /* Cut short: the command is gone before its input ends. */
    assert_int_equal(pg_store_begin(&s, "Received: half\n", 15), 0);
    assert_int_equal(pg_store_write(&s, "Subject: half\r\n", 15), 0);
    pg_store_discard(&s);
    assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
    assert_int_equal(errno, ECHILD);
    assert_int_equal(message(&s, "Received: 2\n", "Subject: 2\r\n\r\nFrom 2\r\n", 5), 0);
    assert_int_equal(pg_store_close(&s), 0);
    assert_int_equal(nseen, 2);
    assert_true((size_t)snprintf(target, sizeof target, "%s/out", dir) < sizeof target);
    text = pg_slurp(target, NULL);
    /* No mboxrd quoting for an MDA. */
    assert_string_equal(text, "Received: 1\nSubject: one\nFrom: a@b\n\nFrom here\n.line\nend"
                              "Received: 2\nSubject: 2\n\nFrom 2\n");
    free(text);
}

/* Exit 75 and any other failure: refused, not stored, the status kept
 * for the caller; the command named by pg_store_errpath(). */
static void test_mda_refused(void **state)
{
    static const struct { const char *cmd; int status; } cases[] = {
        { "cat >/dev/null; exit 75", 75 },
        { "cat >/dev/null; exit 1", 1 },
        { "cat >/dev/null; kill -KILL $$", -1 },
    };
    static struct pg_store s;
    struct pg_options o;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        options(&o, PG_STORE_MDA, cases[i].cmd, 0);
        assert_int_equal(pg_store_open(&s, &o, on_stored, &nseen), 0);
        assert_int_equal(message(&s, "Received: 1\n", wire, 9), PG_STORE_REFUSED);
        assert_int_equal(s.mda.status, cases[i].status);
        assert_string_equal(pg_store_errpath(&s), cases[i].cmd);
        assert_int_equal(pg_store_close(&s), 0);
        assert_int_equal(nseen, 0);
    }
}

/* Where the delivery cannot open, the error and the path; the store is
 * then closed, and its other calls harmless. */
static void test_open_errors(void **state)
{
    static struct pg_store s;
    struct pg_options o;
    char file[PATH_MAX + 16];
    FILE *f;

    (void)state;
    options(&o, PG_STORE_MBOX, "missing/mbox", 0);
    assert_int_equal(pg_store_open(&s, &o, on_stored, &nseen), ENOENT);
    assert_false(s.open);
    assert_non_null(strstr(pg_store_errpath(&s), "missing/mbox"));
    assert_int_equal(pg_store_sync(&s, 1), 0);
    assert_true(pg_store_durable(&s));
    assert_false(pg_store_pending(&s));
    pg_store_discard(&s);
    assert_int_equal(pg_store_close(&s), 0);

    snprintf(file, sizeof file, "%s/plain", dir);
    f = fopen(file, "w");
    assert_non_null(f);
    fclose(f);
    options(&o, PG_STORE_MAILDIR, "plain/md", 0);
    assert_int_equal(pg_store_open(&s, &o, on_stored, &nseen), ENOTDIR);
    assert_false(s.open);
    assert_non_null(strstr(pg_store_errpath(&s), "plain"));
    assert_int_equal(pg_store_close(&s), 0);
    assert_int_equal(nseen, 0);
}

/* A file size limit (RLIMIT_FSIZE, as a full disk would): EFBIG, the file
 * named, nothing stored and nothing left behind. */
static void write_fails(enum pg_store_kind kind, const char *name)
{
    static struct pg_store s;
    static char big[1 << 18];
    struct rlimit saved, low;
    struct pg_options o;
    int e = 0, k;

    memset(big, 'x', sizeof big);
    options(&o, kind, name, 0);
    assert_int_equal(pg_store_open(&s, &o, on_stored, &nseen), 0);
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved), 0);
    low = saved;
    low.rlim_cur = 4096;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &low), 0);
    assert_int_equal(pg_store_begin(&s, "Received: 1\n", 12), 0);
    for (k = 0; k < 4 && e == 0; k++)
        e = pg_store_write(&s, big, sizeof big);
    if (e == 0)
        e = pg_store_end(&s, 1);
    if (e == 0)
        e = pg_store_sync(&s, 1);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved), 0);
    assert_int_equal(e, EFBIG);
    assert_non_null(strstr(pg_store_errpath(&s), name));
    pg_store_discard(&s);
    (void)pg_store_close(&s);
    assert_int_equal(nseen, 0);
}

/* The mbox's buffer full to the last octet when the message ends: the
 * blank line after it is what fails to go out. */
static void end_fails(void)
{
    static struct pg_store s;
    static char fill[sizeof s.mb.out.buf];
    struct rlimit saved, low;
    struct pg_options o;
    size_t n;
    int e;

    options(&o, PG_STORE_MBOX, "mbox", 0);
    assert_int_equal(pg_store_open(&s, &o, on_stored, &nseen), 0);
    assert_int_equal(pg_store_begin(&s, "Received: 1\n", 12), 0);
    n = sizeof s.mb.out.buf - s.mb.out.len;
    memset(fill, 'x', n - 1);
    fill[n - 1] = '\n';
    assert_int_equal(pg_store_write(&s, fill, n), 0);
    assert_int_equal(s.mb.out.len, sizeof s.mb.out.buf);
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved), 0);
    low = saved;
    low.rlim_cur = 4096;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &low), 0);
    e = pg_store_end(&s, 1);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved), 0);
    assert_int_equal(e, EFBIG);
    pg_store_discard(&s);
    assert_int_equal(pg_store_close(&s), 0);
    assert_int_equal(nseen, 0);
}

static void test_write_errors(void **state)
{
    struct stat st;
    char *left;

    (void)state;
    write_fails(PG_STORE_MBOX, "mbox");
    assert_int_equal(stat(target, &st), 0);
    assert_int_equal(st.st_size, 0);
    end_fails();
    assert_int_equal(stat(target, &st), 0);
    assert_int_equal(st.st_size, 0);
    write_fails(PG_STORE_MAILDIR, "md");
    left = only_file("tmp");
    assert_null(left);
    left = only_file("new");
    assert_null(left);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_maildir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_maildir_keep_crlf, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mbox, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mda, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mda_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_errors, setup, teardown),
    };

    signal(SIGPIPE, SIG_IGN); /* as pop3get does */
    signal(SIGXFSZ, SIG_IGN);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
