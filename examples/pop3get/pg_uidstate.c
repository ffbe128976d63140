/* SPDX-License-Identifier: MIT */
/* pg_uidstate.c - see pg_uidstate.h. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
#define _GNU_SOURCE /* F_OFD_SETLK */

#include "pg_uidstate.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HEADER "pop3get-uidl 1"
#ifdef F_OFD_SETLK
#define LOCK_CMD F_OFD_SETLK
#else
#define LOCK_CMD F_SETLK
#endif
/* RFC 1939: a unique-id is 1 to 70 characters 0x21..0x7E. Longer lines
 * in a state file are refused as damage. */
#define UID_MAX 70

/* --- the set ----------------------------------------------------------------- */

static size_t hash(const char *s)
{
    size_t h = 5381;

    while (*s)
        h = h * 33 + (unsigned char)*s++;
    return h;
}

static int grow(struct pg_uidset *s)
{
    size_t cap = s->cap ? s->cap * 2 : 64, i;
    char **slot = calloc(cap, sizeof *slot);

    if (slot == NULL)
        return -1;
    for (i = 0; i < s->cap; i++) {
        if (s->slot[i] != NULL) {
            size_t j = hash(s->slot[i]) & (cap - 1);

            while (slot[j] != NULL)
                j = (j + 1) & (cap - 1);
            slot[j] = s->slot[i];
        }
    }
    free(s->slot);
    s->slot = slot;
    s->cap = cap;
    return 0;
}

int pg_uidset_has(const struct pg_uidset *s, const char *uid)
{
    size_t j;

    if (s->cap == 0)
        return 0;
    for (j = hash(uid) & (s->cap - 1); s->slot[j] != NULL; j = (j + 1) & (s->cap - 1))
        if (strcmp(s->slot[j], uid) == 0)
            return 1;
    return 0;
}

int pg_uidset_add(struct pg_uidset *s, const char *uid)
{
    size_t j;

    if (pg_uidset_has(s, uid))
        return 0;
    if ((s->n + 1) * 2 > s->cap && grow(s) < 0)
        return -1;
    j = hash(uid) & (s->cap - 1);
    while (s->slot[j] != NULL)
        j = (j + 1) & (s->cap - 1);
    if ((s->slot[j] = strdup(uid)) == NULL)
        return -1;
    s->n++;
    return 0;
}

void pg_uidset_free(struct pg_uidset *s)
{
    size_t i;

    for (i = 0; i < s->cap; i++)
        free(s->slot[i]);
    free(s->slot);
    memset(s, 0, sizeof *s);
}

/* --- the file ---------------------------------------------------------------- */

static int valid_uid(const char *u)
{
    size_t n = 0;

    for (; *u; u++, n++)
        if ((unsigned char)*u < 0x21 || (unsigned char)*u > 0x7e)
            return 0;
    return n >= 1 && n <= UID_MAX;
}

/* Percent-encode everything but [A-Za-z0-9._-] (so '/' never appears). */
static size_t enc(char *out, size_t n, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;

    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        int plain = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                    (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-';

        if (o + 4 >= n)
            return n;
        if (plain) {
            out[o++] = (char)ch;
        } else {
            out[o++] = '%';
            out[o++] = hex[ch >> 4];
            out[o++] = hex[ch & 15];
        }
    }
    out[o] = '\0';
    return o;
}

int pg_uidstate_path(char *buf, size_t n, const char *user, const char *host, const char *port)
{
    const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
    char u[256], h[300];
    int k;

    if (enc(u, sizeof u, user) >= sizeof u || enc(h, sizeof h, host) >= sizeof h)
        return -1;
    if (xdg != NULL && xdg[0] == '/')
        k = snprintf(buf, n, "%s/pop3get/uidl/%s@%s:%s", xdg, u, h, port);
    else if (home != NULL && home[0] == '/')
        k = snprintf(buf, n, "%s/.local/state/pop3get/uidl/%s@%s:%s", home, u, h, port);
    else
        return -1;
    return k < 0 || (size_t)k >= n ? -1 : 0;
}

/* mkdir -p of path's directory (0700 for what is made). */
static int make_parents(char *path)
{
    char *p;

    for (p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST) {
            *p = '/';
            return -1;
        }
        *p = '/';
    }
    return 0;
}

static int load(struct pg_uidstate *st, pg_exists_fn exists, void *ctx)
{
    FILE *f = fopen(st->path, "r");
    char line[UID_MAX + PATH_MAX + 8];
    int first = 1;

    if (f == NULL)
        return errno == ENOENT ? 0 : errno;
    while (fgets(line, sizeof line, f) != NULL) {
        char *nl = strchr(line, '\n'), *uid, *name;

        if (nl == NULL)
            break; /* a line cut by a crash: the rest is not trusted */
        *nl = '\0';
        if (first) {
            first = 0;
            if (strcmp(line, HEADER) != 0) {
                fclose(f);
                return EINVAL;
            }
            continue;
        }
        if (line[0] == 'U' && line[1] == ' ' && valid_uid(line + 2)) {
            if (pg_uidset_add(&st->seen, line + 2) < 0)
                goto nomem;
        } else if (line[0] == 'P' && line[1] == ' ' && (name = strchr(line + 2, ' ')) != NULL) {
            uid = line + 2;
            *name++ = '\0';
            if (valid_uid(uid) && strchr(name, '/') == NULL && name[0] != '.' &&
                exists != NULL && exists(ctx, uid, name) && pg_uidset_add(&st->seen, uid) < 0)
                goto nomem;
        }
    }
    fclose(f);
    return 0;
nomem:
    fclose(f);
    return ENOMEM;
}

int pg_uidstate_open(struct pg_uidstate *st, const char *path, pg_exists_fn exists, void *ctx)
{
    char lock[PATH_MAX + 8], *slash;
    struct flock fl;
    int e;

    memset(st, 0, sizeof *st);
    st->lockfd = -1;
    if (strlen(path) >= sizeof st->path)
        return ENAMETOOLONG;
    strcpy(st->path, path);
    strcpy(st->dir, path);
    slash = strrchr(st->dir, '/');
    if (slash == NULL)
        return EINVAL;
    slash[slash == st->dir ? 1 : 0] = '\0';
    if (make_parents(st->path) < 0)
        return errno;
    snprintf(lock, sizeof lock, "%s.lock", path);
    st->lockfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (st->lockfd < 0)
        return errno;
    memset(&fl, 0, sizeof fl);
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    /* Open-file-description locks where there are (Linux): they also keep
     * apart two accounts of one run that name the same mailbox. */
    if (fcntl(st->lockfd, LOCK_CMD, &fl) != 0) {
        e = errno == EACCES || errno == EAGAIN ? EWOULDBLOCK : errno;
        close(st->lockfd);
        st->lockfd = -1;
        return e;
    }
    return load(st, exists, ctx);
}

int pg_uidstate_seen(const struct pg_uidstate *st, const char *uid)
{
    return pg_uidset_has(&st->seen, uid) || pg_uidset_has(&st->now, uid);
}

static int fsync_path(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC), r;

    if (fd < 0)
        return -1;
    r = fsync(fd);
    close(fd);
    return r;
}

/* Append one journal line (opening the journal on first use). */
static int journal(struct pg_uidstate *st, const char *uid, const char *name)
{
    if (!valid_uid(uid))
        return 0; /* not a UID we can keep: the message is simply new next time */
    if (st->journal == NULL) {
        struct stat sb;
        int empty = stat(st->path, &sb) != 0 || sb.st_size == 0;
        int fd = open(st->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);

        st->journal = fd >= 0 ? fdopen(fd, "a") : NULL;
        if (st->journal == NULL && fd >= 0)
            close(fd);
        if (st->journal == NULL)
            return errno;
        if (empty) {
            /* A new file: its name must outlive a crash as its lines do. */
            if (fsync_path(st->dir) != 0)
                return errno;
            fputs(HEADER "\n", st->journal);
        }
    }
    if ((name != NULL ? fprintf(st->journal, "P %s %s\n", uid, name)
                      : fprintf(st->journal, "U %s\n", uid)) < 0)
        return errno ? errno : EIO;
    st->dirty = 1;
    /* A U line counts at once; a P line once its message is confirmed. */
    return name == NULL && pg_uidset_add(&st->now, uid) < 0 ? ENOMEM : 0;
}

int pg_uidstate_intent(struct pg_uidstate *st, const char *uid, const char *name)
{
    return journal(st, uid, name);
}

int pg_uidstate_confirm(struct pg_uidstate *st, const char *uid)
{
    if (uid == NULL || !valid_uid(uid))
        return 0;
    return pg_uidset_add(&st->now, uid) < 0 ? ENOMEM : 0;
}

int pg_uidstate_done(struct pg_uidstate *st, const char *uid)
{
    return journal(st, uid, NULL);
}

int pg_uidstate_sync(struct pg_uidstate *st)
{
    if (!st->dirty)
        return 0;
    if (fflush(st->journal) != 0 || fsync(fileno(st->journal)) != 0)
        return errno ? errno : EIO;
    st->dirty = 0;
    return 0;
}

int pg_uidstate_flush(struct pg_uidstate *st, int *fd)
{
    *fd = -1;
    if (st->journal == NULL)
        return 0;
    if (fflush(st->journal) != 0)
        return errno ? errno : EIO;
    *fd = fileno(st->journal);
    st->dirty = 0;
    return 0;
}

/* The compact state: the header, then "U <uid>" for each UID in on_server
 * that is stored. A malloc'd buffer of *len octets; NULL: out of memory. */
static char *compact(const struct pg_uidstate *st, char *const *on_server, size_t n,
                     size_t *len)
{
    char *buf = NULL;
    FILE *m = open_memstream(&buf, len);
    size_t i;
    int bad;

    if (m == NULL)
        return NULL;
    bad = fputs(HEADER "\n", m) < 0;
    for (i = 0; i < n && !bad; i++)
        if (on_server[i] != NULL && pg_uidstate_seen(st, on_server[i]))
            bad = fprintf(m, "U %s\n", on_server[i]) < 0;
    if (fclose(m) != 0 || bad) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* Does the file at path hold exactly these len octets? */
static int holds(const char *path, const char *text, size_t len)
{
    char chunk[4096];
    size_t off = 0;
    ssize_t k;
    int fd = open(path, O_RDONLY | O_CLOEXEC), same = fd >= 0;

    while (same && (k = read(fd, chunk, sizeof chunk)) != 0) {
        if (k < 0 || (size_t)k > len - off || memcmp(chunk, text + off, (size_t)k) != 0)
            same = 0;
        else
            off += (size_t)k;
    }
    if (fd >= 0)
        close(fd);
    return same && off == len;
}

int pg_uidstate_commit(struct pg_uidstate *st, char *const *on_server, size_t n)
{
    char tmp[PATH_MAX + 8], *text;
    size_t len;
    FILE *f;
    int e = 0;

    if (snprintf(tmp, sizeof tmp, "%s.tmp", st->path) >= (int)sizeof tmp)
        return ENAMETOOLONG;
    if ((text = compact(st, on_server, n, &len)) == NULL)
        return ENOMEM;
    /* Nothing journaled in this run and nothing to prune (a second run
     * with no new mail): the file already says exactly this, and the run
     * that wrote it made it durable. No rewrite, no fsync. */
    if (st->journal == NULL && holds(st->path, text, len)) {
        free(text);
        return 0;
    }
    {
        int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

        f = fd >= 0 ? fdopen(fd, "w") : NULL;
        if (f == NULL) {
            e = errno;
            if (fd >= 0)
                close(fd);
            free(text);
            return e;
        }
    }
    if (fwrite(text, 1, len, f) != len)
        e = errno ? errno : EIO;
    free(text);
    if (e == 0 && (fflush(f) != 0 || fsync(fileno(f)) != 0))
        e = errno ? errno : EIO;
    if (fclose(f) != 0 && e == 0)
        e = errno;
    if (e == 0 && rename(tmp, st->path) != 0)
        e = errno;
    if (e != 0) {
        unlink(tmp);
        return e;
    }
    if (st->journal != NULL) { /* it was the old file: now replaced */
        fclose(st->journal);
        st->journal = NULL;
    }
    return fsync_path(st->dir) != 0 ? errno : 0;
}

void pg_uidstate_close(struct pg_uidstate *st)
{
    if (st->journal != NULL) {
        (void)pg_uidstate_sync(st);
        fclose(st->journal);
        st->journal = NULL;
    }
    if (st->lockfd >= 0)
        close(st->lockfd); /* releases the lock */
    st->lockfd = -1;
    pg_uidset_free(&st->seen);
    pg_uidset_free(&st->now);
}
