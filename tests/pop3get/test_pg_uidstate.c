/* SPDX-License-Identifier: MIT */
/* test_pg_uidstate.c - the only-new-mail state: file name, lock, journal
 * lines resolved against the Maildir after a crash, compact rewrite. */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pg_uidstate.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[] = "/tmp/test_pg_uidstate.XXXXXX";

static int exists_b(void *ctx, const char *uid, const char *name)
{
    (void)ctx;
    (void)uid;
    return strcmp(name, "file-b") == 0;
}

static void test_path(void **state)
{
    char p[512];

    (void)state;
    setenv("XDG_STATE_HOME", "/x/state", 1);
    assert_int_equal(pg_uidstate_path(p, sizeof p, "a/b@c", "h", "110"), 0);
    assert_string_equal(p, "/x/state/pop3get/uidl/a%2Fb%40c@h:110");
    setenv("XDG_STATE_HOME", "relative", 1); /* not absolute: ignored */
    setenv("HOME", "/home/u", 1);
    assert_int_equal(pg_uidstate_path(p, sizeof p, "u", "h", "995"), 0);
    assert_string_equal(p, "/home/u/.local/state/pop3get/uidl/u@h:995");
    unsetenv("HOME");
    assert_int_equal(pg_uidstate_path(p, sizeof p, "u", "h", "995"), -1);
    assert_int_equal(pg_uidstate_path(p, 20, "u", "h", "995"), -1);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_journal_and_commit(void **state)
{
    char path[256], text[512];
    struct pg_uidstate st, st2;
    char *server[] = { "uid-a", "uid-b", "uid-c", NULL, "uid-e" };
    FILE *f;
    size_t n;

    (void)state;
    snprintf(path, sizeof path, "%s/sub/dir/acct", dir);
    /* A crashed run: a is known, b and c were about to be stored; only
     * b's file arrived; the last line was cut. */
    assert_int_equal(pg_uidstate_open(&st, path, exists_b, NULL), 0); /* makes the dirs */
    pg_uidstate_close(&st);
    write_file(path, "pop3get-uidl 1\nU uid-a\nU old-gone\nP uid-b file-b\nP uid-c file-c\nU uid-e");
    assert_int_equal(pg_uidstate_open(&st, path, exists_b, NULL), 0);
    assert_true(pg_uidstate_seen(&st, "uid-a"));
    assert_true(pg_uidstate_seen(&st, "uid-b"));
    assert_false(pg_uidstate_seen(&st, "uid-c"));
    assert_false(pg_uidstate_seen(&st, "uid-e")); /* cut line */
    /* The lock: a second open fails while the first holds it. (fcntl
     * locks are per process, so the child tries.) */
    if (fork() == 0)
        _exit(pg_uidstate_open(&st2, path, NULL, NULL) == EWOULDBLOCK ? 0 : 1);
    {
        int status;

        wait(&status);
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    assert_int_equal(pg_uidstate_intent(&st, "uid-c", "file-c2"), 0);
    assert_int_equal(pg_uidstate_intent(&st, "bad uid", "x"), 0); /* not kept */
    assert_int_equal(pg_uidstate_intent(&st, "uid-e", "file-e"), 0);
    assert_int_equal(pg_uidstate_sync(&st), 0);
    /* Journaled, not yet confirmed: not part of this run's state. */
    assert_false(pg_uidstate_seen(&st, "uid-c"));
    assert_int_equal(pg_uidstate_confirm(&st, "uid-c"), 0);
    assert_int_equal(pg_uidstate_confirm(&st, "bad uid"), 0);
    assert_true(pg_uidstate_seen(&st, "uid-c"));
    /* uid-e's delivery failed: never confirmed, so not recorded. */
    assert_int_equal(pg_uidstate_commit(&st, server, 5), 0);
    pg_uidstate_close(&st);
    f = fopen(path, "r");
    assert_non_null(f);
    n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    /* old-gone pruned (not on the server); uid-e never stored. */
    assert_string_equal(text, "pop3get-uidl 1\nU uid-a\nU uid-b\nU uid-c\n");
}

static ino_t inode_of(const char *path)
{
    struct stat sb;

    assert_int_equal(stat(path, &sb), 0);
    return sb.st_ino;
}

static void read_text(const char *path, char *text, size_t size)
{
    FILE *f = fopen(path, "r");
    size_t n;

    assert_non_null(f);
    n = fread(text, 1, size - 1, f);
    text[n] = '\0';
    fclose(f);
}

/* A run that stores nothing and prunes nothing leaves the file alone (no
 * rewrite, no fsync); one that journals or prunes rewrites it. */
static void test_commit_unchanged(void **state)
{
    char path[256], text[256];
    struct pg_uidstate st;
    char *server[] = { "uid-a", "uid-b" };
    ino_t ino;

    (void)state;
    snprintf(path, sizeof path, "%s/unchanged", dir);
    assert_int_equal(pg_uidstate_open(&st, path, NULL, NULL), 0);
    assert_int_equal(pg_uidstate_done(&st, "uid-a"), 0);
    assert_int_equal(pg_uidstate_done(&st, "uid-b"), 0);
    assert_int_equal(pg_uidstate_commit(&st, server, 2), 0);
    pg_uidstate_close(&st);
    ino = inode_of(path);

    /* Nothing new: the same file, the same text. */
    assert_int_equal(pg_uidstate_open(&st, path, NULL, NULL), 0);
    assert_int_equal(pg_uidstate_commit(&st, server, 2), 0);
    pg_uidstate_close(&st);
    assert_true(inode_of(path) == ino);
    read_text(path, text, sizeof text);
    assert_string_equal(text, "pop3get-uidl 1\nU uid-a\nU uid-b\n");

    /* Journaled in this run (even a UID known before, its line still in
     * the journal's buffer): rewritten compact. */
    assert_int_equal(pg_uidstate_open(&st, path, NULL, NULL), 0);
    assert_int_equal(pg_uidstate_done(&st, "uid-a"), 0);
    assert_int_equal(pg_uidstate_commit(&st, server, 2), 0);
    pg_uidstate_close(&st);
    assert_true(inode_of(path) != ino);
    ino = inode_of(path);
    read_text(path, text, sizeof text);
    assert_string_equal(text, "pop3get-uidl 1\nU uid-a\nU uid-b\n");

    /* uid-a gone from the server: pruned, so rewritten. */
    assert_int_equal(pg_uidstate_open(&st, path, NULL, NULL), 0);
    assert_int_equal(pg_uidstate_commit(&st, server + 1, 1), 0);
    pg_uidstate_close(&st);
    assert_true(inode_of(path) != ino);
    read_text(path, text, sizeof text);
    assert_string_equal(text, "pop3get-uidl 1\nU uid-b\n");
}

static void test_damaged(void **state)
{
    char path[256];
    struct pg_uidstate st;

    (void)state;
    snprintf(path, sizeof path, "%s/damaged", dir);
    write_file(path, "something else\nU x\n");
    assert_int_equal(pg_uidstate_open(&st, path, NULL, NULL), EINVAL);
    pg_uidstate_close(&st);
}

static void test_set(void **state)
{
    struct pg_uidset s;
    char buf[32];
    int i;

    (void)state;
    memset(&s, 0, sizeof s);
    for (i = 0; i < 5000; i++) {
        snprintf(buf, sizeof buf, "u%d", i);
        assert_int_equal(pg_uidset_add(&s, buf), 0);
        assert_int_equal(pg_uidset_add(&s, buf), 0);
    }
    assert_int_equal(s.n, 5000);
    assert_true(pg_uidset_has(&s, "u4999"));
    assert_false(pg_uidset_has(&s, "u5000"));
    pg_uidset_free(&s);
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    char cmd[128];

    (void)state;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_path),
        cmocka_unit_test(test_journal_and_commit),
        cmocka_unit_test(test_commit_unchanged),
        cmocka_unit_test(test_damaged),
        cmocka_unit_test(test_set),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
