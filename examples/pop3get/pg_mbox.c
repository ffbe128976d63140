/* SPDX-License-Identifier: MIT */
/* pg_mbox.c - see pg_mbox.h. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE

#include "pg_mbox.h"

#include <errno.h>
#include <fcntl.h>
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
        if (tries >= wait_s * 10)
            return fail(m, m->lock, EWOULDBLOCK);
        nap();
    }
    close(fd);
    m->dotlocked = 1;
    m->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
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
    m->f = fdopen(m->fd, "a");
    if (m->f == NULL)
        return fail(m, path, errno);
    setvbuf(m->f, NULL, _IOFBF, 65536);
    return 0;
}

int pg_mbox_begin(struct pg_mbox *m)
{
    char date[64];
    time_t now = time(NULL);
    struct tm tm;

    if (fflush(m->f) != 0)
        return fail(m, m->path, errno);
    m->start = lseek(m->fd, 0, SEEK_END);
    if (m->start < 0)
        return fail(m, m->path, errno);
    localtime_r(&now, &tm);
    strftime(date, sizeof date, "%a %b %e %H:%M:%S %Y", &tm);
    m->in_msg = 1;
    m->last = '\n';
    m->dirty = 1;
    if (fprintf(m->f, "From MAILER-DAEMON %s\n", date) < 0)
        return fail(m, m->path, errno);
    return 0;
}

int pg_mbox_write(struct pg_mbox *m, const char *data, size_t len)
{
    if (len == 0)
        return 0;
    if (fwrite(data, 1, len, m->f) != len)
        return fail(m, m->path, errno);
    m->last = data[len - 1];
    return 0;
}

int pg_mbox_end(struct pg_mbox *m)
{
    /* The message ends with a line end, then one blank line separates. */
    if (m->last != '\n' && fputc('\n', m->f) == EOF)
        return fail(m, m->path, errno);
    if (fputc('\n', m->f) == EOF || fflush(m->f) != 0)
        return fail(m, m->path, errno);
    m->in_msg = 0;
    m->unsynced++;
    return 0;
}

void pg_mbox_discard(struct pg_mbox *m)
{
    if (!m->in_msg || m->f == NULL)
        return;
    m->in_msg = 0;
    /* Unwritten octets must not land after the cut. */
    (void)fflush(m->f);
    clearerr(m->f);
    if (ftruncate(m->fd, m->start) == 0)
        (void)fsync(m->fd);
}

int pg_mbox_sync(struct pg_mbox *m)
{
    if (!m->dirty)
        return 0;
    if (fflush(m->f) != 0 || fsync(m->fd) != 0)
        return fail(m, m->path, errno);
    m->dirty = 0;
    m->unsynced = 0;
    return 0;
}

int pg_mbox_close(struct pg_mbox *m)
{
    int e = 0;

    pg_mbox_discard(m);
    if (m->f != NULL) {
        e = pg_mbox_sync(m);
        if (fclose(m->f) != 0 && e == 0)
            e = fail(m, m->path, errno);
        m->f = NULL;
        m->fd = -1;
    } else if (m->fd >= 0) {
        close(m->fd);
        m->fd = -1;
    }
    if (m->dotlocked) {
        unlink(m->lock);
        m->dotlocked = 0;
    }
    return e;
}

const char *pg_mbox_errpath(const struct pg_mbox *m)
{
    return m->err_path;
}
