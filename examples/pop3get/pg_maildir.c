/* SPDX-License-Identifier: MIT */
/* pg_maildir.c - see pg_maildir.h. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
#ifdef __linux__
#define _GNU_SOURCE /* syncfs */
#define PG_HAVE_SYNCFS 1
#endif

#include "pg_maildir.h"
#include "pg_util.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <fcntl.h>
#include <string.h>
#include <sys/utsname.h>
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

/* syncfs() says whether the write-back of the whole file system failed
 * only from Linux 5.8 on; before, it always succeeds. */
static int syncfs_reports_errors(void)
{
#ifdef PG_HAVE_SYNCFS
    struct utsname u;
    unsigned long major, minor;
    char *end;

    if (uname(&u) != 0)
        return 0;
    major = strtoul(u.release, &end, 10);
    if (*end != '.')
        return 0;
    minor = strtoul(end + 1, NULL, 10);
    return major > 5 || (major == 5 && minor >= 8);
#else
    return 0;
#endif
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
    m->out.fd = -1;
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
    m->per_file = !syncfs_reports_errors();
    clean_tmp(m);
    return 0;
}

/* DIR/SUB/NAME (begin() checked that it fits). */
static const char *path_of(const struct pg_maildir *m, const char *sub, const char *name,
                           char *buf)
{
    if ((size_t)snprintf(buf, PATH_MAX, "%s/%s/%s", m->dir, sub, name) >= PATH_MAX)
        buf[0] = '\0'; /* cannot happen: begin() refused such a name */
    return buf;
}

static int complete(struct pg_maildir *m, struct pg_batch *b);
static void kick(struct pg_maildir *m);
static int away_done(struct pg_maildir *m, int wait);

/* Unique name per the Maildir convention: time, microseconds, pid, a
 * per-process counter, host; created with O_EXCL so a clash is an error,
 * never an overwrite. */
int pg_maildir_begin(struct pg_maildir *m)
{
    struct timespec ts;
    char tmp[PATH_MAX];
    int e = 0;

    if (m->b[m->fill].n == PG_BATCH_MAX) {
        /* Full: wait for the batch away; then this one leaves. */
        if (m->busy && away_done(m, 1))
            e = complete(m, &m->b[m->fill ^ 1u]);
        kick(m);
        if (e != 0)
            return e;
    }
    clock_gettime(CLOCK_REALTIME, &ts);
    if ((size_t)snprintf(m->name, sizeof m->name, "%lld.M%ldP%ldQ%lu.%s", (long long)ts.tv_sec,
                         (long)(ts.tv_nsec / 1000), m->pid, ++m->seq, m->host) >= sizeof m->name ||
        (size_t)snprintf(tmp, sizeof tmp, "%s/tmp/%s", m->dir, m->name) >= sizeof tmp)
        return fail(m, m->dir, ENAMETOOLONG);
    m->out.len = 0;
    m->out.fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    return m->out.fd < 0 ? fail(m, tmp, errno) : 0;
}

int pg_maildir_write(struct pg_maildir *m, const void *data, size_t len)
{
    char tmp[PATH_MAX];
    int e;

    if (m->out.fd < 0 || (e = pg_wbuf_put(&m->out, data, len)) == 0)
        return 0;
    return fail(m, path_of(m, "tmp", m->name, tmp), e);
}

void pg_maildir_discard(struct pg_maildir *m)
{
    char tmp[PATH_MAX];

    if (m->out.fd >= 0) {
        close(m->out.fd);
        m->out.fd = -1;
        unlink(path_of(m, "tmp", m->name, tmp));
    }
}

/* Make the files of b durable, and the journal of its renames, then rename
 * them into new/ (the syncing thread, or the caller's thread when there is
 * none). Touches only b and, once, per_file. */
static void make_durable(struct pg_maildir *m, struct pg_batch *b)
{
    char tmp[PATH_MAX], dst[PATH_MAX];
    struct stat a, j;
    unsigned i;
    int fd;

    memset(b->moved, 0, b->n);
    if (b->err != 0)
        return; /* the journal could not be written */
    b->err_at = b->n;
#ifdef PG_HAVE_SYNCFS
    if (!m->per_file && syncfs(m->newfd) != 0) {
        if (errno != ENOSYS) {
            b->err = errno;
            return;
        }
        m->per_file = 1;
    }
#endif
    for (i = 0; m->per_file && i < b->n; i++) {
        fd = open(path_of(m, "tmp", b->name[i], tmp), O_RDONLY | O_CLOEXEC);
        if (fd < 0 || fsync(fd) != 0) {
            b->err = errno != 0 ? errno : EIO;
            b->err_at = i;
            if (fd >= 0)
                close(fd);
            return;
        }
        close(fd);
    }
    /* The journal, unless the syncfs above covered its file system. */
    if (b->jfd >= 0 && (m->per_file || fstat(m->newfd, &a) != 0 || fstat(b->jfd, &j) != 0 ||
                        a.st_dev != j.st_dev) && fsync(b->jfd) != 0) {
        b->err = errno;
        b->err_at = b->n + 1;
        return;
    }
    /* Durable, and so is what says where each goes: into new/. */
    for (i = 0; i < b->n; i++) {
        b->moved[i] = rename(path_of(m, "tmp", b->name[i], tmp),
                             path_of(m, "new", b->name[i], dst)) == 0;
        if (!b->moved[i] && b->err == 0) {
            b->err = errno;
            b->err_at = i;
        }
    }
}

static void *syncer(void *arg)
{
    struct pg_maildir *m = arg;
    struct pg_batch *b;

    pthread_mutex_lock(&m->mu);
    for (;;) {
        while (m->job == NULL && !m->quit)
            pthread_cond_wait(&m->cv, &m->mu);
        if ((b = m->job) == NULL)
            break;
        pthread_mutex_unlock(&m->mu);
        make_durable(m, b);
        pthread_mutex_lock(&m->mu);
        m->job = NULL;
        m->done = 1;
        pthread_cond_broadcast(&m->cv);
    }
    pthread_mutex_unlock(&m->mu);
    return NULL;
}

/* The helper thread, with every signal blocked (they are the main loop's). */
static void start_thread(struct pg_maildir *m)
{
    sigset_t all, old;

    m->thread = -1;
    if (pthread_mutex_init(&m->mu, NULL) != 0)
        return;
    if (pthread_cond_init(&m->cv, NULL) != 0) {
        pthread_mutex_destroy(&m->mu);
        return;
    }
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    if (pthread_create(&m->th, NULL, syncer, m) == 0)
        m->thread = 1;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (m->thread < 0) {
        pthread_cond_destroy(&m->cv);
        pthread_mutex_destroy(&m->mu);
    }
}

/* Journal the renames of batch b (pg_maildir.h, intent). */
static void announce(struct pg_maildir *m, struct pg_batch *b)
{
    unsigned i;

    b->err = 0;
    b->jfd = -1;
    if (m->intent == NULL)
        return;
    for (i = 0; i < b->n && b->err == 0; i++)
        b->err = m->intent(m->stored_ctx, b->msg[i], b->name[i]);
    if (b->err == 0 && m->intent_flush != NULL)
        b->err = m->intent_flush(m->stored_ctx, &b->jfd);
    b->err_at = b->n + 1;
}

/* Send the batch collected so far, when there is one and none is away. */
static void kick(struct pg_maildir *m)
{
    struct pg_batch *b = &m->b[m->fill];

    if (m->busy || b->n == 0)
        return;
    m->busy = 1;
    m->fill ^= 1u;
    m->b[m->fill].n = 0;
    announce(m, b);
    if (m->thread == 0)
        start_thread(m);
    if (m->thread < 0) {
        make_durable(m, b);
        m->done = 1;
        return;
    }
    pthread_mutex_lock(&m->mu);
    m->done = 0;
    m->job = b;
    pthread_cond_broadcast(&m->cv);
    pthread_mutex_unlock(&m->mu);
}

/* The batch away is done: stored() for what is in new/; what is not
 * leaves tmp/ (a failure is reported, its first error). */
static int complete(struct pg_maildir *m, struct pg_batch *b)
{
    char tmp[PATH_MAX];
    unsigned i;
    int first = 0;

    if (b->err != 0)
        first = fail(m, b->err_at < b->n ? path_of(m, "tmp", b->name[b->err_at], tmp) :
                        b->err_at == b->n ? m->dir : "the UID state file", b->err);
    for (i = 0; i < b->n; i++) {
        if (b->moved[i]) {
            m->dir_dirty = 1;
            if (m->stored != NULL)
                m->stored(m->stored_ctx, b->msg[i]);
        } else {
            unlink(path_of(m, "tmp", b->name[i], tmp));
        }
    }
    b->n = 0;
    m->busy = 0;
    return first;
}

/* Is the batch away done? Waits for it when wait. */
static int away_done(struct pg_maildir *m, int wait)
{
    int d;

    if (m->thread < 0)
        return 1;
    pthread_mutex_lock(&m->mu);
    while (wait && !m->done)
        pthread_cond_wait(&m->cv, &m->mu);
    d = m->done;
    pthread_mutex_unlock(&m->mu);
    return d;
}

int pg_maildir_reap(struct pg_maildir *m, int wait)
{
    int e = 0, r;

    for (;;) {
        if (m->busy) {
            if (!away_done(m, wait))
                return e;
            if ((r = complete(m, &m->b[m->fill ^ 1u])) != 0 && e == 0)
                e = r;
        }
        kick(m);
        if (!wait || !m->busy)
            return e;
    }
}

int pg_maildir_end(struct pg_maildir *m, uint32_t msg)
{
    struct pg_batch *b = &m->b[m->fill];
    char tmp[PATH_MAX];
    int e;

    if (m->out.fd < 0)
        return 0;
    path_of(m, "tmp", m->name, tmp);
    e = pg_wbuf_drain(&m->out);
    if (close(m->out.fd) != 0 && e == 0)
        e = errno;
    m->out.fd = -1;
    if (e != 0) {
        unlink(tmp);
        return fail(m, tmp, e);
    }
    b->msg[b->n] = msg;
    memcpy(b->name[b->n], m->name, sizeof b->name[0]);
    b->n++;
    kick(m);
    return 0;
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
    return m->busy || m->b[m->fill].n > 0 || m->dir_dirty;
}

int pg_maildir_durable(const struct pg_maildir *m)
{
    return !m->dir_dirty;
}

int pg_maildir_close(struct pg_maildir *m)
{
    int e, r;

    pg_maildir_discard(m);
    /* Every complete message is stored; whatever was stored is durable
     * when this returns, whatever happened before. */
    e = pg_maildir_reap(m, 1);
    if (m->thread > 0) {
        pthread_mutex_lock(&m->mu);
        m->quit = 1;
        pthread_cond_broadcast(&m->cv);
        pthread_mutex_unlock(&m->mu);
        pthread_join(m->th, NULL);
        pthread_cond_destroy(&m->cv);
        pthread_mutex_destroy(&m->mu);
        m->thread = 0;
    }
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
