/* SPDX-License-Identifier: MIT */
/* test_pg_mbox.c - mbox delivery: the layout of what is appended, a
 * message cut short taken off again (in the buffer or already in the
 * file), a failed write cutting the file back to its last durability
 * point, the lock, and a stale dotlock. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pg_mbox.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[64], path[128];
static char *text;   /* the file's content after read_back() */
static size_t text_len;

static int setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/test_pg_mbox.XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/mbox", dir);
    return 0;
}

static int teardown(void **state)
{
    char cmd[128];

    (void)state;
    free(text);
    text = NULL;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd);
}

static void read_back(void)
{
    struct stat st;
    FILE *f;

    free(text);
    assert_int_equal(stat(path, &st), 0);
    text_len = (size_t)st.st_size;
    text = malloc(text_len + 1);
    assert_non_null(text);
    f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fread(text, 1, text_len, f), text_len);
    fclose(f);
    text[text_len] = '\0';
}

/* "From " lines at line starts. */
static unsigned froms(void)
{
    unsigned n = 0;
    size_t i;

    for (i = 0; i + 5 <= text_len; i++)
        if ((i == 0 || text[i - 1] == '\n') && memcmp(text + i, "From ", 5) == 0)
            n++;
    return n;
}

static void message(struct pg_mbox *m, const char *body)
{
    assert_int_equal(pg_mbox_begin(m), 0);
    assert_int_equal(pg_mbox_write(m, body, strlen(body)), 0);
    assert_int_equal(pg_mbox_end(m), 0);
}

static void test_layout(void **state)
{
    static struct pg_mbox m;
    const char *second;

    (void)state;
    assert_int_equal(pg_mbox_open(&m, path, 0), 0);
    message(&m, "Subject: one\n\nbody one\n");
    message(&m, "Subject: two\n\nno line end");
    assert_true(m.dirty);
    assert_int_equal(m.unsynced, 2);
    assert_int_equal(pg_mbox_sync(&m), 0);
    assert_false(m.dirty);
    assert_int_equal(m.unsynced, 0);
    assert_int_equal(pg_mbox_close(&m), 0);
    read_back();
    assert_int_equal(froms(), 2);
    assert_memory_equal(text, "From MAILER-DAEMON ", 19);
    assert_non_null(strstr(text, "\nSubject: one\n\nbody one\n\nFrom MAILER-DAEMON "));
    second = strstr(text, "Subject: two");
    assert_non_null(second);
    assert_string_equal(second, "Subject: two\n\nno line end\n\n");
    /* Opened again: appended after what is there. */
    assert_int_equal(pg_mbox_open(&m, path, 0), 0);
    message(&m, "Subject: three\n\n3\n");
    assert_int_equal(pg_mbox_close(&m), 0);
    read_back();
    assert_int_equal(froms(), 3);
    assert_non_null(strstr(text, "no line end\n\nFrom MAILER-DAEMON "));
}

/* Cut short while still in the buffer, and once more than the buffer was
 * written to the file: neither leaves a trace, the next message follows
 * the last complete one. */
static void test_discard(void **state)
{
    static struct pg_mbox m;
    static char big[200000];
    size_t i;

    (void)state;
    memset(big, 'x', sizeof big);
    for (i = 99; i < sizeof big; i += 100)
        big[i] = '\n';
    assert_int_equal(pg_mbox_open(&m, path, 0), 0);
    message(&m, "Subject: kept\n\nkept\n");
    assert_int_equal(pg_mbox_begin(&m), 0);
    assert_int_equal(pg_mbox_write(&m, "Subject: small\n\npart", 20), 0);
    pg_mbox_discard(&m);
    message(&m, "Subject: after\n\nafter\n");
    assert_int_equal(pg_mbox_close(&m), 0);
    read_back();
    assert_int_equal(froms(), 2);
    assert_null(strstr(text, "small"));
    assert_non_null(strstr(text, "kept\n\nFrom MAILER-DAEMON "));
    assert_int_equal(pg_mbox_open(&m, path, 0), 0);
    message(&m, "Subject: before\n\nbefore\n");
    assert_int_equal(pg_mbox_begin(&m), 0);
    assert_int_equal(pg_mbox_write(&m, big, sizeof big), 0);
    pg_mbox_discard(&m);
    message(&m, "Subject: last\n\nlast\n");
    assert_int_equal(pg_mbox_close(&m), 0);
    read_back();
    assert_int_equal(froms(), 4);
    assert_null(strchr(text, 'x'));
    assert_non_null(strstr(text, "before\n\nFrom MAILER-DAEMON "));
    assert_non_null(strstr(text, "Subject: last\n\nlast\n\n"));
}

/* A write that fails (file size limit: EFBIG) after a durable message:
 * the file is cut back to that message, what came after is gone. */
static void test_failed_write_cuts_back(void **state)
{
    static struct pg_mbox m;
    static char big[100000];
    struct rlimit old, lim;
    struct stat st;
    int e;

    (void)state;
    memset(big, 'y', sizeof big);
    assert_int_equal(pg_mbox_open(&m, path, 0), 0);
    message(&m, "Subject: durable\n\ndurable\n");
    assert_int_equal(pg_mbox_sync(&m), 0);
    message(&m, "Subject: not yet\n\nnot yet\n");
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = (rlim_t)st.st_size + 1000;
    signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    assert_int_equal(pg_mbox_begin(&m), 0);
    e = pg_mbox_write(&m, big, sizeof big);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, SIG_DFL);
    assert_int_equal(e, EFBIG);
    assert_string_equal(pg_mbox_errpath(&m), path);
    assert_int_equal(pg_mbox_close(&m), 0);
    read_back();
    assert_int_equal(froms(), 1);
    assert_null(strstr(text, "not yet"));
    assert_null(strchr(text, 'y'));
}

static void test_lock(void **state)
{
    static struct pg_mbox a, b;
    char lock[160];

    (void)state;
    assert_int_equal(pg_mbox_open(&a, path, 0), 0);
    snprintf(lock, sizeof lock, "%s.lock", path);
    assert_int_equal(access(lock, F_OK), 0);
    assert_int_equal(pg_mbox_open(&b, path, 0), EWOULDBLOCK);
    (void)pg_mbox_close(&b);
    assert_int_equal(access(lock, F_OK), 0); /* still a's */
    assert_int_equal(pg_mbox_close(&a), 0);
    assert_int_equal(access(lock, F_OK), -1);
    assert_int_equal(pg_mbox_open(&b, path, 0), 0);
    assert_int_equal(pg_mbox_close(&b), 0);
}

static void write_lock(const char *lock, const char *text)
{
    FILE *f = fopen(lock, "w");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* A dotlock left by a process that is gone is removed; one held by a live
 * process, or without a PID, is respected. */
static void test_stale_lock(void **state)
{
    static struct pg_mbox m;
    char lock[160], text[32];
    pid_t child;
    int status;

    (void)state;
    snprintf(lock, sizeof lock, "%s.lock", path);
    child = fork();
    assert_true(child >= 0);
    if (child == 0)
        _exit(0);
    assert_int_equal(waitpid(child, &status, 0), child);
    snprintf(text, sizeof text, "%ld\n", (long)child);
    write_lock(lock, text);                       /* its process is gone */
    assert_int_equal(pg_mbox_open(&m, path, 0), 0);
    assert_int_equal(pg_mbox_close(&m), 0);
    assert_int_equal(access(lock, F_OK), -1);
    snprintf(text, sizeof text, "%ld\n", (long)getpid());
    write_lock(lock, text);                       /* alive */
    assert_int_equal(pg_mbox_open(&m, path, 0), EWOULDBLOCK);
    (void)pg_mbox_close(&m);
    write_lock(lock, "");                         /* no PID */
    assert_int_equal(pg_mbox_open(&m, path, 0), EWOULDBLOCK);
    (void)pg_mbox_close(&m);
    assert_int_equal(access(lock, F_OK), 0);
    unlink(lock);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_layout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_discard, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_write_cuts_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stale_lock, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
