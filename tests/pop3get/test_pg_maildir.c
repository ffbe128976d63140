/* SPDX-License-Identifier: MIT */
/* test_pg_maildir.c - Maildir delivery: layout, tmp/ -> new/ only after
 * the fsync, the stored callback in order, discard leaves nothing. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pg_maildir.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static uint32_t seen[64];
static unsigned nseen;

static void on_stored(void *ctx, uint32_t msg)
{
    (void)ctx;
    seen[nseen++] = msg;
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
