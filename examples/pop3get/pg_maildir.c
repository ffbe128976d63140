/* SPDX-License-Identifier: MIT */
/* pg_maildir.c - see pg_maildir.h. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE

#include "pg_maildir.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int fail(struct pg_maildir *m, const char *path, int e)
{
    snprintf(m->err_path, sizeof m->err_path, "%s", path);
    return e != 0 ? e : EIO;
}

/* 1 when created, 0 when it already was a directory, -1 with errno. */
static int ensure_dir(const char *path)
{
    struct stat st;
    int created = mkdir(path, 0700) == 0;

    if (!created && errno != EEXIST)
        return -1;
    if (stat(path, &st) < 0)
        return -1;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return created;
}

/* A new directory entry is durable only once its parent is fsync'd. */
static int fsync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int r;

    if (fd < 0)
        return -1;
    r = fsync(fd);
    close(fd);
    return r;
}

static int fsync_parent(const char *path)
{
    char parent[PATH_MAX];
    char *slash;

    if (strlen(path) >= sizeof parent)
        return 0;
    strcpy(parent, path);
    slash = strrchr(parent, '/');
    if (slash == NULL)
        strcpy(parent, ".");
    else
        slash[slash == parent ? 1 : 0] = '\0';
    return fsync_dir(parent);
}

/* Files of ours in tmp/ that a killed run left (SIGKILL, power cut): the
 * name says host and pid (pg_maildir_begin); when that process is gone,
 * the file is an unfinished delivery nobody will finish. */
static void clean_tmp(const struct pg_maildir *m)
{
    char path[PATH_MAX];
    struct dirent *e;
    DIR *d;

    if ((size_t)snprintf(path, sizeof path, "%s/tmp", m->dir) >= sizeof path ||
        (d = opendir(path)) == NULL)
        return;
    while ((e = readdir(d)) != NULL) {
        const char *p = strchr(e->d_name, 'P'), *dot = strchr(e->d_name, '.');
        char *end;
        long pid;

        if (dot == NULL || p == NULL || strcmp(strrchr(e->d_name, '.') + 1, m->host) != 0)
            continue;
        pid = strtol(p + 1, &end, 10);
        if (*end != 'Q' || pid <= 0 || pid == m->pid)
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue; /* its writer may still run */
        if ((size_t)snprintf(path, sizeof path, "%s/tmp/%s", m->dir, e->d_name) < sizeof path)
            unlink(path);
    }
    closedir(d);
}

int pg_maildir_open(struct pg_maildir *m, const char *dir, pg_stored_fn stored, void *ctx)
{
    static const char *const sub[] = { "tmp", "new", "cur" };
    char path[PATH_MAX];
    size_t i, n = strlen(dir);
    char *s;
    int r, created = 0;

    memset(m, 0, sizeof *m);
    m->newfd = -1;
    m->stored = stored;
    m->stored_ctx = ctx;
    if (n >= sizeof m->dir)
        return fail(m, dir, ENAMETOOLONG);
    memcpy(m->dir, dir, n + 1);
    while (n > 1 && m->dir[n - 1] == '/')
        m->dir[--n] = '\0';
    if ((r = ensure_dir(m->dir)) < 0 || (r > 0 && fsync_parent(m->dir) < 0))
        return fail(m, m->dir, errno);
    for (i = 0; i < sizeof sub / sizeof sub[0]; i++) {
        if ((size_t)snprintf(path, sizeof path, "%s/%s", m->dir, sub[i]) >= sizeof path)
            return fail(m, m->dir, ENAMETOOLONG);
        if ((r = ensure_dir(path)) < 0)
            return fail(m, path, errno);
        created |= r;
    }
    if (created && fsync_dir(m->dir) < 0)
        return fail(m, m->dir, errno);
    snprintf(path, sizeof path, "%s/new", m->dir);
    m->pid = (long)getpid();
    m->newfd = open(path, O_RDONLY | O_CLOEXEC);
    if (m->newfd < 0)
        return fail(m, path, errno);
    if (gethostname(m->host, sizeof m->host) < 0)
        strcpy(m->host, "localhost");
    m->host[sizeof m->host - 1] = '\0';
    /* '/' and ':' have meaning in Maildir file names. */
    for (s = m->host; *s; s++)
        if (*s == '/' || *s == ':' || *s == '.')
            *s = '_';
    clean_tmp(m);
    return 0;
}

/* Unique name per the Maildir convention: time, microseconds, pid, a
 * per-process counter, host; created with O_EXCL so a clash is an error,
 * never an overwrite. */
int pg_maildir_begin(struct pg_maildir *m)
{
    struct timespec ts;
    char name[160];
    int fd;

    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(name, sizeof name, "%lld.M%ldP%ldQ%lu.%s", (long long)ts.tv_sec,
             (long)(ts.tv_nsec / 1000), m->pid, ++m->seq, m->host);
    if ((size_t)snprintf(m->tmp, sizeof m->tmp, "%s/tmp/%s", m->dir, name) >= sizeof m->tmp ||
        (size_t)snprintf(m->dst, sizeof m->dst, "%s/new/%s", m->dir, name) >= sizeof m->dst)
        return fail(m, m->dir, ENAMETOOLONG);
    fd = open(m->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 || (m->f = fdopen(fd, "wb")) == NULL) {
        int e = errno;

        if (fd >= 0) {
            close(fd);
            unlink(m->tmp);
        }
        return fail(m, m->tmp, e);
    }
    setvbuf(m->f, NULL, _IOFBF, 65536);
    return 0;
}

int pg_maildir_write(struct pg_maildir *m, const void *data, size_t len)
{
    if (m->f != NULL && fwrite(data, 1, len, m->f) != len)
        return fail(m, m->tmp, errno);
    return 0;
}

void pg_maildir_discard(struct pg_maildir *m)
{
    if (m->f != NULL) {
        fclose(m->f);
        m->f = NULL;
        unlink(m->tmp);
    }
}

/* Closed with data fsync'd (e == 0) or failed: into new/, or removed. */
static int finish(struct pg_maildir *m, FILE *f, const char *tmp, const char *dst,
                  uint32_t msg, int e)
{
    if (fclose(f) != 0 && e == 0)
        e = errno;
    if (e == 0 && rename(tmp, dst) != 0)
        e = errno;
    if (e != 0) {
        unlink(tmp);
        return fail(m, tmp, e);
    }
    m->dir_dirty = 1;
    if (m->stored != NULL)
        m->stored(m->stored_ctx, msg);
    return 0;
}

static const char *base(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash != NULL ? slash + 1 : path;
}

/* Journal the renames of the next k messages (pg_maildir.h, intent). */
static int announce(struct pg_maildir *m, const struct pg_syncing *const *ys, unsigned k)
{
    unsigned i;
    int e;

    if (m->intent == NULL || k == 0)
        return 0;
    for (i = 0; i < k; i++)
        if ((e = m->intent(m->stored_ctx, ys[i]->msg, base(ys[i]->dst))) != 0)
            return e;
    return m->intent_sync != NULL ? m->intent_sync(m->stored_ctx) : 0;
}

int pg_maildir_end(struct pg_maildir *m, uint32_t msg)
{
    struct pg_syncing *y;
    FILE *f = m->f;
    int e;

    if (f == NULL)
        return 0;
    if (m->sy_n == PG_SYNC_MAX && (e = pg_maildir_reap(m, 1)) != 0)
        return e;
    m->f = NULL;
    if (fflush(f) != 0) {
        e = errno;
        fclose(f);
        unlink(m->tmp);
        return fail(m, m->tmp, e);
    }
    y = &m->sy[(m->sy_head + m->sy_n) % PG_SYNC_MAX];
    memset(&y->cb, 0, sizeof y->cb);
    y->cb.aio_fildes = fileno(f);
    y->cb.aio_sigevent.sigev_notify = SIGEV_NONE;
    y->f = f;
    memcpy(y->tmp, m->tmp, sizeof y->tmp);
    memcpy(y->dst, m->dst, sizeof y->dst);
    y->msg = msg;
    if (aio_fsync(O_SYNC, &y->cb) != 0) { /* no background fsync: at once */
        const struct pg_syncing *one = y;

        e = fsync(fileno(f)) != 0 ? errno : 0;
        if (e == 0 && (e = announce(m, &one, 1)) != 0) {
            fclose(f);
            unlink(m->tmp);
            return fail(m, "the UID state file", e);
        }
        return finish(m, f, m->tmp, m->dst, msg, e);
    }
    m->sy_n++;
    return 0;
}

/* Every message whose fsync is over (all of them when wait), in order:
 * journalled as one batch, then renamed. */
int pg_maildir_reap(struct pg_maildir *m, int wait)
{
    const struct pg_syncing *batch[PG_SYNC_MAX];
    int errs[PG_SYNC_MAX];
    unsigned k = 0, i;
    int e, r, first = 0, journal;

    while (k < m->sy_n) {
        struct pg_syncing *y = &m->sy[(m->sy_head + k) % PG_SYNC_MAX];

        e = aio_error(&y->cb);
        if (e == EINPROGRESS) {
            const struct aiocb *list[1];

            if (!wait)
                break;
            list[0] = &y->cb;
            (void)aio_suspend(list, 1, NULL);
            continue;
        }
        if (aio_return(&y->cb) != 0 && e == 0)
            e = EIO;
        errs[k] = e;
        batch[k++] = y;
    }
    if (k == 0)
        return 0;
    if ((e = announce(m, batch, k)) != 0) {
        for (i = 0; i < k; i++)
            errs[i] = e; /* not renamed: the state could not say so */
    }
    journal = e;
    for (i = 0; i < k; i++) {
        const struct pg_syncing *y = batch[i];

        m->sy_head = (m->sy_head + 1) % PG_SYNC_MAX;
        m->sy_n--;
        if ((r = finish(m, y->f, y->tmp, y->dst, y->msg, errs[i])) != 0 && first == 0)
            first = r;
    }
    if (journal != 0)
        snprintf(m->err_path, sizeof m->err_path, "the UID state file");
    return first;
}

int pg_maildir_sync(struct pg_maildir *m)
{
    if (m->dir_dirty) {
        if (fsync(m->newfd) != 0)
            return fail(m, m->dir, errno);
        m->dir_dirty = 0;
    }
    return 0;
}

int pg_maildir_pending(const struct pg_maildir *m)
{
    return m->sy_n > 0 || m->dir_dirty;
}

int pg_maildir_close(struct pg_maildir *m)
{
    int e = 0, r;

    pg_maildir_discard(m);
    /* Every complete message whose fsync was running is stored; whatever
     * was stored is durable when this returns, whatever happened before. */
    while (m->sy_n > 0)
        if ((r = pg_maildir_reap(m, 1)) != 0 && e == 0)
            e = r;
    if (m->newfd >= 0) {
        if ((r = pg_maildir_sync(m)) != 0 && e == 0)
            e = r;
        close(m->newfd);
        m->newfd = -1;
    }
    return e;
}

const char *pg_maildir_errpath(const struct pg_maildir *m)
{
    return m->err_path;
}
