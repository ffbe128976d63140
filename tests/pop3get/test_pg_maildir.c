/* SPDX-License-Identifier: MIT */
/* test_pg_maildir.c - Maildir delivery: layout, tmp/ -> new/ only after
 * the batch is durable, the stored callback in order, batches of at most
 * PG_BATCH_MAX, the journal written before the renames, the fsync-per-file
 * and no-thread ways, a failed batch leaves nothing, discard leaves
 * nothing. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pg_maildir.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MANY (2 * PG_BATCH_MAX + 37)

static uint32_t seen[MANY + 8];
static unsigned nseen;
/* The journal's view (test_journal): intents, and renames seen by stored. */
static unsigned nintent, nflush, intent_before_stored_ok = 1;
static char intent_name[MANY + 8][PG_NAME_MAX];
static int journal_fd = -1;

static void on_stored(void *ctx, uint32_t msg)
{
    (void)ctx;
    assert_true(nseen < sizeof seen / sizeof seen[0]);
    /* Its intent came first, under the name it now has in new/. */
    if (journal_fd >= 0 && msg > nintent)
        intent_before_stored_ok = 0;
    seen[nseen++] = msg;
}

static int on_intent(void *ctx, uint32_t msg, const char *name)
{
    (void)ctx;
    assert_true(nintent < sizeof intent_name / sizeof intent_name[0]);
    assert_int_equal(msg, nintent + 1); /* in order, each once */
    snprintf(intent_name[nintent++], PG_NAME_MAX, "%s", name);
    return 0;
}

static int on_intent_flush(void *ctx, int *fd)
{
    (void)ctx;
    nflush++;
    *fd = journal_fd;
    return 0;
}

static int count(const char *dir, const char *sub)
{
    char path[PATH_MAX];
    DIR *d;
    struct dirent *e;
    int n = 0;

    snprintf(path, sizeof path, "%s/%s", dir, sub);
    d = opendir(path);
    assert_non_null(d);
    while ((e = readdir(d)) != NULL)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static void test_store(void **state)
{
    char dir[] = "/tmp/test_pg_maildir.XXXXXX", sub[PATH_MAX], cmd[PATH_MAX + 16];
    static struct pg_maildir m;
    uint32_t i;

    (void)state;
    nseen = 0;
    assert_non_null(mkdtemp(dir));
    snprintf(sub, sizeof sub, "%s/box///", dir);
    assert_int_equal(pg_maildir_open(&m, sub, on_stored, NULL), 0);
    for (i = 1; i <= 40; i++) {
        assert_int_equal(pg_maildir_begin(&m), 0);
        assert_int_equal(pg_maildir_write(&m, "Subject: x\r\n\r\nbody\r\n", 20), 0);
        assert_int_equal(pg_maildir_end(&m, i), 0);
    }
    assert_int_equal(pg_maildir_begin(&m), 0);     /* a message cut short */
    assert_int_equal(pg_maildir_write(&m, "Subj", 4), 0);
    pg_maildir_discard(&m);
    assert_int_equal(pg_maildir_reap(&m, 1), 0);
    assert_true(pg_maildir_pending(&m));
    assert_int_equal(pg_maildir_sync(&m), 0);
    assert_false(pg_maildir_pending(&m));
    assert_int_equal(nseen, 40);
    for (i = 0; i < 40; i++)
        assert_int_equal(seen[i], i + 1);        /* in order */
    assert_int_equal(pg_maildir_close(&m), 0);
    snprintf(sub, sizeof sub, "%s/box", dir);
    assert_int_equal(count(sub, "new"), 40);
    assert_int_equal(count(sub, "tmp"), 0);
    assert_int_equal(count(sub, "cur"), 0);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_close_finishes_started(void **state)
{
    char dir[] = "/tmp/test_pg_maildir.XXXXXX", cmd[PATH_MAX + 16];
    static struct pg_maildir m;

    (void)state;
    nseen = 0;
    assert_non_null(mkdtemp(dir));
    assert_int_equal(pg_maildir_open(&m, dir, on_stored, NULL), 0);
    assert_int_equal(pg_maildir_begin(&m), 0);
    assert_int_equal(pg_maildir_write(&m, "a\r\n", 3), 0);
    assert_int_equal(pg_maildir_end(&m, 7), 0);
    assert_int_equal(pg_maildir_begin(&m), 0);    /* unfinished at close */
    assert_int_equal(pg_maildir_close(&m), 0);
    assert_int_equal(nseen, 1);
    assert_int_equal(count(dir, "new"), 1);
    assert_int_equal(count(dir, "tmp"), 0);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static void rm_rf(const char *dir)
{
    char cmd[PATH_MAX + 16];

    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* n messages, each "Subject: <i>" and a body naming i. */
static void deliver(struct pg_maildir *m, uint32_t from, uint32_t n)
{
    char text[64];
    uint32_t i;
    int k;

    for (i = from; i < from + n; i++) {
        k = snprintf(text, sizeof text, "Subject: %u\r\n\r\nbody %u\r\n", (unsigned)i,
                     (unsigned)i);
        assert_int_equal(pg_maildir_begin(m), 0);
        assert_int_equal(pg_maildir_write(m, text, (size_t)k), 0);
        assert_int_equal(pg_maildir_end(m, i), 0);
    }
}

/* More than two batches' worth, with a big message among them (more than
 * the write buffer): every message in new/ once, with its own text, the
 * stored callback in order. */
static void many(int per_file, int thread)
{
    char dir[] = "/tmp/test_pg_maildir.XXXXXX", path[PATH_MAX];
    static struct pg_maildir m;
    static char big[200000];
    static unsigned char found[MANY + 1];
    struct dirent *e;
    DIR *d;
    uint32_t i;

    nseen = 0;
    memset(found, 0, sizeof found);
    assert_non_null(mkdtemp(dir));
    assert_int_equal(pg_maildir_open(&m, dir, on_stored, NULL), 0);
    if (per_file)
        m.per_file = 1;
    if (!thread)
        m.thread = -1;
    deliver(&m, 1, 10);
    memset(big, 'x', sizeof big);
    memcpy(big, "Subject: 11\r\n\r\nbody 11\r\n", 25);
    assert_int_equal(pg_maildir_begin(&m), 0);
    for (i = 0; i < sizeof big; i += 7000)
        assert_int_equal(pg_maildir_write(&m, big + i,
                                          sizeof big - i < 7000 ? sizeof big - i : 7000), 0);
    assert_int_equal(pg_maildir_end(&m, 11), 0);
    /* Larger than the write buffer, three times over. */
    assert_int_equal(pg_maildir_begin(&m), 0);
    assert_int_equal(pg_maildir_write(&m, "Subject: 12\r\n\r\n", 15), 0);
    for (i = 0; i < 3; i++)
        assert_int_equal(pg_maildir_write(&m, big, sizeof big), 0);
    assert_int_equal(pg_maildir_end(&m, 12), 0);
    deliver(&m, 13, MANY - 12);
    assert_int_equal(pg_maildir_reap(&m, 1), 0);
    assert_false(pg_maildir_durable(&m));
    assert_int_equal(pg_maildir_sync(&m), 0);
    assert_true(pg_maildir_durable(&m));
    assert_false(pg_maildir_pending(&m));
    assert_int_equal(nseen, MANY);
    for (i = 0; i < MANY; i++)
        assert_int_equal(seen[i], i + 1);
    assert_int_equal(pg_maildir_close(&m), 0);
    assert_int_equal(count(dir, "tmp"), 0);
    snprintf(path, sizeof path, "%s/new", dir);
    d = opendir(path);
    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        char file[PATH_MAX + 300], head[32];
        unsigned n = 0;
        struct stat st;
        FILE *f;

        if (e->d_name[0] == '.')
            continue;
        snprintf(file, sizeof file, "%s/%s", path, e->d_name);
        f = fopen(file, "rb");
        assert_non_null(f);
        assert_non_null(fgets(head, sizeof head, f));
        fclose(f);
        assert_int_equal(sscanf(head, "Subject: %u", &n), 1);
        assert_true(n >= 1 && n <= MANY);
        assert_false(found[n]);
        found[n] = 1;
        assert_int_equal(stat(file, &st), 0);
        if (n == 11)
            assert_int_equal(st.st_size, sizeof big);
        if (n == 12)
            assert_int_equal(st.st_size, 15 + 3 * sizeof big);
    }
    closedir(d);
    for (i = 1; i <= MANY; i++)
        assert_true(found[i]);
    rm_rf(dir);
}

/* A batch leaves while a message is half received (reap between two
 * reads): the message goes into the next batch whole. */
static void test_batch_leaves_mid_message(void **state)
{
    char dir[] = "/tmp/test_pg_maildir.XXXXXX", path[PATH_MAX + 200];
    static struct pg_maildir m;
    char got[64];
    FILE *f;
    size_t n;

    (void)state;
    nseen = 0;
    assert_non_null(mkdtemp(dir));
    assert_int_equal(pg_maildir_open(&m, dir, on_stored, NULL), 0);
    m.thread = -1; /* batches made durable at once: the order below is fixed */
    deliver(&m, 1, 2);  /* 1 leaves at once; 2 waits for 1 to be reaped */
    assert_int_equal(m.b[m.fill].n, 1);
    assert_int_equal(pg_maildir_begin(&m), 0);
    assert_int_equal(pg_maildir_write(&m, "Subject: 3\r\n\r\nfirst ", 20), 0);
    assert_int_equal(pg_maildir_reap(&m, 0), 0); /* 1 reaped, 2 leaves */
    assert_int_equal(nseen, 1);
    assert_int_equal(m.b[m.fill].n, 0);
    assert_int_equal(pg_maildir_write(&m, "second\r\n", 8), 0);
    assert_int_equal(pg_maildir_end(&m, 3), 0);
    assert_int_equal(pg_maildir_close(&m), 0);
    assert_int_equal(nseen, 3);
    assert_int_equal(seen[2], 3);
    assert_int_equal(count(dir, "new"), 3);
    snprintf(path, sizeof path, "%s/new/%s", dir, m.name);
    f = fopen(path, "rb");
    assert_non_null(f);
    n = fread(got, 1, sizeof got, f);
    fclose(f);
    assert_int_equal(n, 28);
    assert_memory_equal(got, "Subject: 3\r\n\r\nfirst second\r\n", 28);
    rm_rf(dir);
}

static void test_batches_syncfs(void **state)
{
    (void)state;
    many(0, 1);
}

static void test_batches_per_file(void **state)
{
    (void)state;
    many(1, 1);
}

static void test_batches_no_thread(void **state)
{
    (void)state;
    many(0, 0);
    many(1, 0);
}

/* Every message's intent is journalled, and the journal handed over,
 * before the message is renamed; the names match new/. */
static void test_journal(void **state)
{
    char dir[] = "/tmp/test_pg_maildir.XXXXXX", path[PATH_MAX + 200];
    static struct pg_maildir m;
    unsigned i;

    (void)state;
    nseen = nintent = nflush = 0;
    intent_before_stored_ok = 1;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/journal", dir);
    journal_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(journal_fd >= 0);
    assert_int_equal(pg_maildir_open(&m, dir, on_stored, NULL), 0);
    m.intent = on_intent;
    m.intent_flush = on_intent_flush;
    deliver(&m, 1, PG_BATCH_MAX + 5);
    assert_int_equal(pg_maildir_close(&m), 0);
    assert_true(intent_before_stored_ok);
    assert_int_equal(nintent, PG_BATCH_MAX + 5);
    assert_int_equal(nseen, PG_BATCH_MAX + 5);
    assert_true(nflush >= 2 && nflush <= nintent); /* once per batch */
    for (i = 0; i < nintent; i++) {
        snprintf(path, sizeof path, "%s/new/%s", dir, intent_name[i]);
        assert_int_equal(access(path, F_OK), 0);
    }
    close(journal_fd);
    journal_fd = -1;
    rm_rf(dir);
}

/* A batch that cannot be made durable: none of its messages is reported
 * stored or left in tmp/ or new/, the error names the file concerned, and
 * later batches still work. Here the journal cannot be made durable (a
 * pipe: fsync fails with EINVAL), with a thread and without, syncfs and
 * fsync per file; then a message's file is gone before its fsync. */
static void failed_batch(int per_file, int thread)
{
    char dir[] = "/tmp/test_pg_maildir.XXXXXX", gone[PATH_MAX + 200];
    static struct pg_maildir m;
    int p[2];

    nseen = nintent = nflush = 0;
    assert_non_null(mkdtemp(dir));
    assert_int_equal(pipe(p), 0);
    journal_fd = p[1];
    assert_int_equal(pg_maildir_open(&m, dir, on_stored, NULL), 0);
    m.per_file = per_file;
    if (!thread)
        m.thread = -1;
    m.intent = on_intent;
    m.intent_flush = on_intent_flush;
    deliver(&m, 1, 1);
    assert_int_equal(pg_maildir_reap(&m, 1), EINVAL);
    assert_string_equal(pg_maildir_errpath(&m), "the UID state file");
    assert_int_equal(nseen, 0);
    assert_int_equal(count(dir, "new"), 0);
    assert_int_equal(count(dir, "tmp"), 0);
    m.intent = NULL; /* no journal from here on */
    journal_fd = -1;
    close(p[0]);
    close(p[1]);
    if (per_file) {
        assert_int_equal(pg_maildir_begin(&m), 0);
        assert_int_equal(pg_maildir_write(&m, "a\r\n", 3), 0);
        snprintf(gone, sizeof gone, "%s/tmp/%s", dir, m.name);
        assert_int_equal(unlink(gone), 0);
        assert_int_equal(pg_maildir_end(&m, 2), 0);
        assert_int_equal(pg_maildir_reap(&m, 1), ENOENT);
        assert_string_equal(pg_maildir_errpath(&m), gone);
        assert_int_equal(nseen, 0);
    }
    deliver(&m, 3, 3);
    assert_int_equal(pg_maildir_close(&m), 0);
    assert_int_equal(nseen, 3);
    assert_int_equal(seen[0], 3);
    assert_int_equal(count(dir, "new"), 3);
    assert_int_equal(count(dir, "tmp"), 0);
    rm_rf(dir);
}

/* A message that cannot be written (larger than the file size limit): it
 * alone is dropped, with the file named; the others are stored. */
static void test_one_message_cannot_be_written(void **state)
{
    char dir[] = "/tmp/test_pg_maildir.XXXXXX", name[PATH_MAX + 200];
    static struct pg_maildir m;
    static char big[300000];
    struct rlimit old, lim;
    size_t i;
    int e = 0;

    (void)state;
    nseen = 0;
    memset(big, 'z', sizeof big);
    assert_non_null(mkdtemp(dir));
    assert_int_equal(pg_maildir_open(&m, dir, on_stored, NULL), 0);
    deliver(&m, 1, 2);
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = 100000;
    signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    assert_int_equal(pg_maildir_begin(&m), 0);
    snprintf(name, sizeof name, "%s/tmp/%s", dir, m.name);
    for (i = 0; i < sizeof big && e == 0; i += 10000)
        e = pg_maildir_write(&m, big + i, 10000);
    if (e == 0)
        e = pg_maildir_end(&m, 3);
    else
        pg_maildir_discard(&m);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, SIG_DFL);
    assert_int_equal(e, EFBIG);
    assert_string_equal(pg_maildir_errpath(&m), name);
    deliver(&m, 4, 1);
    assert_int_equal(pg_maildir_close(&m), 0);
    assert_int_equal(nseen, 3);
    assert_int_equal(seen[0], 1);
    assert_int_equal(seen[1], 2);
    assert_int_equal(seen[2], 4);
    assert_int_equal(count(dir, "new"), 3);
    assert_int_equal(count(dir, "tmp"), 0);
    rm_rf(dir);
}

static void test_failed_batch(void **state)
{
    (void)state;
    failed_batch(0, 1);
    failed_batch(1, 1);
    failed_batch(0, 0);
    failed_batch(1, 0);
}

static void test_open_errors(void **state)
{
    char dir[] = "/tmp/test_pg_maildir.XXXXXX", path[PATH_MAX], cmd[PATH_MAX + 16];
    static struct pg_maildir m;
    FILE *f;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/file", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(pg_maildir_open(&m, path, on_stored, NULL), ENOTDIR);
    assert_string_equal(pg_maildir_errpath(&m), path);
    snprintf(path, sizeof path, "%s/no/such", dir);
    assert_int_equal(pg_maildir_open(&m, path, on_stored, NULL), ENOENT);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store),
        cmocka_unit_test(test_close_finishes_started),
        cmocka_unit_test(test_open_errors),
        cmocka_unit_test(test_batch_leaves_mid_message),
        cmocka_unit_test(test_batches_syncfs),
        cmocka_unit_test(test_batches_per_file),
        cmocka_unit_test(test_batches_no_thread),
        cmocka_unit_test(test_journal),
        cmocka_unit_test(test_failed_batch),
        cmocka_unit_test(test_one_message_cannot_be_written),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
