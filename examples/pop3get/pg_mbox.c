/* SPDX-License-Identifier: MIT */
/* pg_mbox.c - see pg_mbox.h. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE

#include "pg_mbox.h"
#include "pg_util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int fail(struct pg_mbox *m, const char *path, int e)
{
    snprintf(m->err_path, sizeof m->err_path, "%s", path);
    return e != 0 ? e : EIO;
}

static void nap(void)
{
    struct timespec ts = { 0, 100 * 1000 * 1000 };

    nanosleep(&ts, NULL);
}

/* A dotlock holding the PID of a process that is gone (killed, or the
 * machine restarted) is stale. Ours hold our PID, as liblockfile's do; a
 * lock without one is respected. */
static int stale(const char *lock)
{
    char buf[32], *end;
    ssize_t k;
    long pid;
    int fd = open(lock, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return 0;
    k = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (k <= 0)
        return 0;
    buf[k] = '\0';
    pid = strtol(buf, &end, 10);
    if (pid <= 0 || (*end != '\n' && *end != '\0'))
        return 0;
    return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

int pg_mbox_open(struct pg_mbox *m, const char *path, unsigned wait_s)
{
    struct flock fl;
    unsigned tries;
    int fd;

    memset(m, 0, sizeof *m);
    m->fd = -1;
    if (strlen(path) >= sizeof m->path)
        return fail(m, path, ENAMETOOLONG);
    strcpy(m->path, path);
    snprintf(m->lock, sizeof m->lock, "%s.lock", path);
    /* The dotlock first (what mail readers and MDAs look at), then fcntl. */
    for (tries = 0;; tries++) {
        fd = open(m->lock, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd >= 0)
            break;
        if (errno != EEXIST)
            return fail(m, m->lock, errno);
        if (stale(m->lock) && unlink(m->lock) == 0)
            continue;
        if (tries >= wait_s * 10)
            return fail(m, m->lock, EWOULDBLOCK);
        nap();
    }
    {
        char pid[24];
        int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());

        if (write(fd, pid, (size_t)n) != n) {
            close(fd);
            unlink(m->lock);
            return fail(m, m->lock, errno != 0 ? errno : EIO);
        }
    }
    close(fd);
    m->dotlocked = 1;
    m->fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (m->fd < 0)
        return fail(m, path, errno);
    memset(&fl, 0, sizeof fl);
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    for (tries = 0; fcntl(m->fd, F_SETLK, &fl) != 0; tries++) {
        if ((errno != EACCES && errno != EAGAIN) || tries >= wait_s * 10)
            return fail(m, path, errno == EACCES || errno == EAGAIN ? EWOULDBLOCK : errno);
        nap();
    }
    m->out.fd = m->fd;
    m->size = m->synced = lseek(m->fd, 0, SEEK_END);
    if (m->size < 0)
        return fail(m, path, errno);
    return 0;
}

/* After a failure: no octet that was not made durable stays in the file. */
static int cut_back(struct pg_mbox *m, int e)
{
    m->out.len = 0;
    m->in_msg = 0;
    if (ftruncate(m->fd, m->synced) == 0) {
        m->size = m->synced;
        m->dirty = 0;
        m->unsynced = 0;
    }
    return fail(m, m->path, e);
}

/* Append through the buffer; a failure cuts the file back. */
static int put(struct pg_mbox *m, const char *data, size_t len)
{
    int e = pg_wbuf_put(&m->out, data, len);

    m->size += (off_t)len;
    return e != 0 ? cut_back(m, e) : 0;
}

static int drain(struct pg_mbox *m)
{
    int e = pg_wbuf_drain(&m->out);

    return e != 0 ? cut_back(m, e) : 0;
}

int pg_mbox_begin(struct pg_mbox *m)
{
    char line[96];
    time_t now = time(NULL);
    struct tm tm;
    size_t n;

    m->start = m->size;
    localtime_r(&now, &tm);
    n = strftime(line, sizeof line, "From MAILER-DAEMON %a %b %e %H:%M:%S %Y\n", &tm);
    m->in_msg = 1;
    m->last = '\n';
    m->dirty = 1;
    return put(m, line, n);
}

int pg_mbox_write(struct pg_mbox *m, const char *data, size_t len)
{
    if (len == 0 || !m->in_msg)
        return 0;
    m->last = data[len - 1];
    return put(m, data, len);
}

int pg_mbox_end(struct pg_mbox *m)
{
    /* The message ends with a line end, then one blank line separates. */
    int e = m->last != '\n' ? put(m, "\n\n", 2) : put(m, "\n", 1);

    if (e != 0)
        return e;
    m->in_msg = 0;
    m->unsynced++;
    return 0;
}

void pg_mbox_discard(struct pg_mbox *m)
{
    if (!m->in_msg || m->fd < 0)
        return;
    m->in_msg = 0;
    /* What it wrote so far: out of the buffer, then off the file. */
    if (m->start >= m->size - (off_t)m->out.len) {
        m->out.len -= (size_t)(m->size - m->start);
    } else {
        m->out.len = 0;
        if (ftruncate(m->fd, m->start) == 0)
            (void)fsync(m->fd);
    }
    m->size = m->start;
}

int pg_mbox_sync(struct pg_mbox *m)
{
    int e;

    if (!m->dirty)
        return 0;
    if ((e = drain(m)) != 0)
        return e;
    if (m->before_sync != NULL && (e = m->before_sync(m->ctx)) != 0)
        return fail(m, "the UID state file", e);
    if (fsync(m->fd) != 0)
        return cut_back(m, errno);
    m->synced = m->size;
    m->dirty = 0;
    m->unsynced = 0;
    return 0;
}

int pg_mbox_close(struct pg_mbox *m)
{
    int e = 0;

    pg_mbox_discard(m);
    if (m->fd >= 0) {
        e = pg_mbox_sync(m);
        if (close(m->fd) != 0 && e == 0)
            e = fail(m, m->path, errno);
        m->fd = -1;
    }
    if (m->dotlocked) {
        unlink(m->lock);
        m->dotlocked = 0;
    }
    return e;
}

int pg_mbox_holds(const struct pg_mbox *m, off_t off, const char *marker)
{
    char head[1024];
    ssize_t k;

    if (m->fd < 0 || off < 0)
        return 0;
    do {
        k = pread(m->fd, head, sizeof head - 1, off);
    } while (k < 0 && errno == EINTR);
    if (k < 5 || memcmp(head, "From ", 5) != 0)
        return 0;
    head[k] = '\0'; /* a NUL in the message only shortens the search */
    return strstr(head, marker) != NULL;
}

const char *pg_mbox_errpath(const struct pg_mbox *m)
{
    return m->err_path;
}
