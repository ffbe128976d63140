/* SPDX-License-Identifier: MIT */
/* test_pg_mda.c - delivery through a command: one process per message
 * with the message on its stdin; delivered only when it read the whole
 * message and exited 0 (75 and any other status, a signal, a command that
 * stops reading: not delivered, the status kept); a message of many MiB
 * through the pipe; sh -c with the caller's environment and signals reset;
 * a message cut short never reaches any process of the command whole. */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pg_mda.h"
#include "pop3get/pg_harness.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

static char dir[PATH_MAX], out[PATH_MAX + 8];

/* Commands find the directory in $PG_TEST_DIR (any name works quoted). */
static int setup(void **state)
{
    (void)state;
    pg_tmpdir(dir, sizeof dir, "test_pg_mda");
    snprintf(out, sizeof out, "%s/out", dir);
    return setenv("PG_TEST_DIR", dir, 1);
}

static int teardown(void **state)
{
    (void)state;
    pg_rmtree(dir);
    return 0;
}

/* n octets of numbered lines. */
static char *message(size_t n)
{
    char *m = malloc(n);
    size_t i;

    assert_non_null(m);
    for (i = 0; i < n; i++)
        m[i] = i % 64 == 63 ? '\n' : (char)('a' + (i / 64 + i) % 26);
    return m;
}

/* Hand msg (n octets) to cmd in slices of step octets; pg_mda_end()'s
 * answer. */
static int deliver(struct pg_mda *m, const char *cmd, const char *msg, size_t n, size_t step)
{
    size_t i;

    pg_mda_init(m, cmd);
    assert_int_equal(pg_mda_begin(m), 0);
    assert_true(m->pid > 0);
    for (i = 0; i < n; i += step)
        assert_int_equal(pg_mda_write(m, msg + i, n - i < step ? n - i : step), 0);
    return pg_mda_end(m);
}

static void test_delivered(void **state)
{
    static const char msg[] = "Subject: hi\n\nline one\nline two\n";
    struct pg_mda m;
    char *got;
    size_t len;

    (void)state;
    assert_int_equal(deliver(&m, "cat > \"$PG_TEST_DIR/out\"", msg, sizeof msg - 1, 5), 0);
    assert_int_equal(m.status, 0);
    assert_int_equal(m.pid, -1); /* reaped */
    assert_null(m.in);
    got = pg_slurp(out, &len);
    assert_int_equal(len, sizeof msg - 1);
    assert_memory_equal(got, msg, len);
    free(got);
    /* One process per message: the next one starts afresh. */
    assert_int_equal(deliver(&m, "cat >> \"$PG_TEST_DIR/out\"", "x\n", 2, 2), 0);
    got = pg_slurp(out, &len);
    assert_int_equal(len, sizeof msg + 1);
    free(got);
}

/* 75 is "try later", anything else a failure; either way not delivered and
 * the status is there to tell them apart. */
static void test_exit_status(void **state)
{
    static const struct { const char *cmd; int status; } cases[] = {
        { "cat >/dev/null; exit 75", 75 },
        { "cat >/dev/null; exit 1", 1 },
        { "cat >/dev/null; exit 255", 255 },
        { "exec 2>/dev/null; \"$PG_TEST_DIR/no such command\"", 127 },
        { "cat >/dev/null; kill -KILL $$", -1 },  /* a signal */
        { "cat >/dev/null; kill -TERM $$", -1 },
    };
    struct pg_mda m;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(deliver(&m, cases[i].cmd, "Subject: x\n\nbody\n", 17, 17), 1);
        assert_int_equal(m.status, cases[i].status);
        assert_int_equal(m.pid, -1);
    }
}

/* A command that exits 0 without reading the whole message did not
 * deliver it: the pipe breaks (EPIPE, not SIGPIPE for the caller). */
static void test_stops_reading(void **state)
{
    size_t n = 1u << 20; /* beyond any pipe buffer */
    char *msg = message(n), *got;
    struct pg_mda m;
    size_t len;

    (void)state;
    assert_int_equal(deliver(&m, "exit 0", msg, n, 4096), 1);
    assert_int_equal(m.status, 0);
    assert_true(m.broken);
    assert_int_equal(deliver(&m, "head -c 100 > \"$PG_TEST_DIR/out\"", msg, n, 65536), 1);
    assert_int_equal(m.status, 0);
    got = pg_slurp(out, &len);
    assert_int_equal(len, 100);
    free(got);
    /* The next message is not affected. */
    assert_int_equal(deliver(&m, "cat > \"$PG_TEST_DIR/out\"", msg, 1000, 1000), 0);
    assert_false(m.broken);
    free(msg);
}

/* Many MiB in slices of odd sizes arrive intact. */
static void test_big(void **state)
{
    size_t n = 8u << 20, len;
    char *msg = message(n), *got;
    struct pg_mda m;

    (void)state;
    assert_int_equal(deliver(&m, "cat > \"$PG_TEST_DIR/out\"", msg, n, 65537), 0);
    got = pg_slurp(out, &len);
    assert_int_equal(len, n);
    assert_memory_equal(got, msg, n);
    free(got);
    free(msg);
}

/* sh -c CMD: shell syntax, no arguments, the caller's environment, and the
 * stdin of the message only. */
static void test_shell_and_environment(void **state)
{
    struct pg_mda m;
    char *got;

    (void)state;
    assert_int_equal(setenv("PG_TEST_VAR", "a b'c", 1), 0);
    assert_int_equal(deliver(&m, "read -r first; printf '%s|%s|%s|%s' \"$0\" \"$#\" "
                                 "\"$PG_TEST_VAR\" \"$first\" > \"$PG_TEST_DIR/out\"",
                             "From: x\nrest\n", 14, 14), 0);
    got = pg_slurp(out, NULL);
    assert_string_equal(got, "sh|0|a b'c|From: x");
    free(got);
    unsetenv("PG_TEST_VAR");
}

/* Signals the caller ignores (pop3get ignores SIGPIPE; a shell ignores
 * SIGINT for a background job) are the default again in the command, or
 * it could not be stopped and could not see a broken pipe. */
static void test_signals_reset(void **state)
{
    static const char *const cmds[] = {
        "cat >/dev/null; kill -PIPE $$; exit 0",
        "cat >/dev/null; kill -INT $$; exit 0",
        "cat >/dev/null; kill -TERM $$; exit 0",
    };
    int r[3], status[3];
    struct pg_mda m;
    size_t i;

    (void)state;
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    for (i = 0; i < 3; i++) {
        r[i] = deliver(&m, cmds[i], "x\n", 2, 2);
        status[i] = m.status;
    }
    signal(SIGINT, SIG_DFL); /* before any assertion can end the test */
    signal(SIGTERM, SIG_DFL);
    for (i = 0; i < 3; i++) {
        assert_int_equal(r[i], 1);
        assert_int_equal(status[i], -1);
    }
}

/* DIR/name (a static buffer). */
static const char *in_dir(const char *name)
{
    static char p[PATH_MAX + 16];

    snprintf(p, sizeof p, "%s/%s", dir, name);
    return p;
}

static off_t size_of(const char *name)
{
    struct stat st;

    return stat(in_dir(name), &st) == 0 ? st.st_size : -1;
}

static void pause_ms(long ms)
{
    struct timespec ts = { 0, ms * 1000000L };

    nanosleep(&ts, NULL);
}

/* A message cut short: the command is stopped before its stdin closes,
 * and so is every process it started. Here an inner shell would move the
 * message into place once its cat saw the end of input. */
static void test_discard_stops_every_process(void **state)
{
    struct pg_mda m;
    char *pidtext;
    long inner;
    int i;

    (void)state;
    pg_mda_init(&m, "sh -c 'echo $$ > \"$PG_TEST_DIR/inner\"; "
                    "cat > \"$PG_TEST_DIR/part\" && mv \"$PG_TEST_DIR/part\" \"$PG_TEST_DIR/msg\"'; "
                    "exit 0");
    assert_int_equal(pg_mda_begin(&m), 0);
    assert_int_equal(pg_mda_write(&m, "Subject: half\n", 14), 0);
    assert_int_equal(fflush(m.in), 0);
    for (i = 0; i < 200 && size_of("part") != 14; i++) /* the inner cat has it */
        pause_ms(10);
    assert_int_equal(size_of("part"), 14);
    pidtext = pg_slurp(in_dir("inner"), NULL);
    inner = strtol(pidtext, NULL, 10);
    free(pidtext);
    assert_true(inner > 1);
    pg_mda_discard(&m);
    assert_int_equal(m.pid, -1);
    assert_null(m.in);
    /* Every process of the command ends one way or the other (orphans come
     * to this process, a subreaper); then look. */
#ifdef __linux__
    while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
        ;
    assert_int_equal(errno, ECHILD);
#else
    pause_ms(500);
#endif
    assert_int_equal(kill((pid_t)inner, 0), -1);
    assert_int_equal(size_of("msg"), -1);
}

/* The command cannot start (no descriptor left for the pipe): the errno
 * value, no process, and pg_mda_end() says not delivered. */
static void test_cannot_start(void **state)
{
    struct rlimit saved, low;
    struct pg_mda m;
    int fd = dup(0);

    (void)state;
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &saved), 0);
    low = saved;
    low.rlim_cur = (rlim_t)fd + 1; /* one descriptor left: a pipe needs two */
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
    pg_mda_init(&m, "cat > \"$PG_TEST_DIR/out\"");
    assert_int_equal(pg_mda_begin(&m), EMFILE);
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
    assert_true(m.pid <= 0);
    assert_null(m.in);
    assert_int_equal(pg_mda_write(&m, "x", 1), 0);
    assert_int_equal(pg_mda_end(&m), 1);
    pg_mda_discard(&m);
    assert_int_equal(waitpid(-1, NULL, WNOHANG), -1); /* no child was left */
    assert_int_equal(errno, ECHILD);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_delivered),
        cmocka_unit_test(test_exit_status),
        cmocka_unit_test(test_stops_reading),
        cmocka_unit_test(test_big),
        cmocka_unit_test(test_shell_and_environment),
        cmocka_unit_test(test_signals_reset),
        cmocka_unit_test(test_discard_stops_every_process),
        cmocka_unit_test(test_cannot_start),
    };

    signal(SIGPIPE, SIG_IGN); /* as pop3get does */
#ifdef __linux__
    (void)prctl(PR_SET_CHILD_SUBREAPER, 1); /* see test_discard_stops_every_process */
#endif
    return cmocka_run_group_tests(tests, setup, teardown);
}
