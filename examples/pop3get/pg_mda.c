/* SPDX-License-Identifier: MIT */
/* pg_mda.c - see pg_mda.h. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE

#include "pg_mda.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

void pg_mda_init(struct pg_mda *m, const char *cmd)
{
    memset(m, 0, sizeof *m);
    m->cmd = cmd;
    m->pid = -1;
}

int pg_mda_begin(struct pg_mda *m)
{
    int p[2];

    if (pipe(p) != 0)
        return errno;
    fflush(NULL);
    m->pid = fork();
    if (m->pid < 0) {
        int e = errno;

        close(p[0]);
        close(p[1]);
        return e;
    }
    if (m->pid == 0) {
        (void)setpgid(0, 0); /* a group of its own: discard stops all of it */
        signal(SIGPIPE, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        if (dup2(p[0], STDIN_FILENO) < 0)
            _exit(127);
        close(p[0]);
        close(p[1]);
        execl("/bin/sh", "sh", "-c", m->cmd, (char *)NULL);
        _exit(127);
    }
    (void)setpgid(m->pid, m->pid); /* also here: whichever runs first */
    close(p[0]);
    (void)fcntl(p[1], F_SETFD, FD_CLOEXEC);
    m->in = fdopen(p[1], "w");
    if (m->in == NULL) {
        close(p[1]);
        pg_mda_discard(m);
        return ENOMEM;
    }
    m->broken = 0;
    return 0;
}

int pg_mda_write(struct pg_mda *m, const char *data, size_t len)
{
    if (m->in == NULL || m->broken)
        return 0;
    if (fwrite(data, 1, len, m->in) != len)
        m->broken = 1; /* it stopped reading: its exit status will say why */
    return 0;
}

static int reap(struct pg_mda *m)
{
    int st;

    m->sig = 0;
    while (waitpid(m->pid, &st, 0) < 0) {
        if (errno != EINTR) {
            m->pid = -1;
            return -1;
        }
    }
    m->pid = -1;
    if (WIFSIGNALED(st))
        m->sig = WTERMSIG(st);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int pg_mda_end(struct pg_mda *m)
{
    if (m->in == NULL)
        return 1;
    if (fclose(m->in) != 0)
        m->broken = 1;
    m->in = NULL;
    m->status = reap(m);
    return m->status == 0 && !m->broken ? 0 : 1;
}

void pg_mda_discard(struct pg_mda *m)
{
    /* Before its stdin closes, so that no process of the command (sh, and
     * what sh started) sees the end of a message cut short. */
    if (m->pid > 0 && kill(-m->pid, SIGTERM) != 0)
        kill(m->pid, SIGTERM);
    if (m->in != NULL) {
        fclose(m->in);
        m->in = NULL;
    }
    if (m->pid > 0)
        (void)reap(m);
}
