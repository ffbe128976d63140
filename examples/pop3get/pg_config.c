/* SPDX-License-Identifier: MIT */
/* pg_config.c - see pg_config.h. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE

#include "pg_config.h"
#include "pg_util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sysexits.h>

/* The settings of one account (or of "defaults") before they become argv. */
struct acc {
    char *host, *port, *user, *tls, *auth, *password, *passwordeval, *pass_file;
    char *delivery, *target, *keep, *max_size, *keep_crlf, *plaintext_auth, *timeout, *cafile;
};

#define FIELDS(X) X(host) X(port) X(user) X(tls) X(auth) X(password) X(passwordeval) \
    X(pass_file) X(keep) X(max_size) X(keep_crlf) X(plaintext_auth) X(timeout) X(cafile)

static void acc_free(struct acc *a)
{
#define FREE(f) free(a->f);
    FIELDS(FREE)
#undef FREE
    free(a->delivery);
    free(a->target);
    memset(a, 0, sizeof *a);
}

static int acc_copy(struct acc *dst, const struct acc *src)
{
    memset(dst, 0, sizeof *dst);
#define COPY(f) if (src->f != NULL && (dst->f = strdup(src->f)) == NULL) return -1;
    FIELDS(COPY)
    COPY(delivery)
    COPY(target)
#undef COPY
    return 0;
}

int pg_config_path(char *buf, size_t n)
{
    const char *x = getenv("XDG_CONFIG_HOME"), *h = getenv("HOME");
    int k;

    if (x != NULL && x[0] == '/')
        k = snprintf(buf, n, "%s/pop3get/config", x);
    else if (h != NULL && h[0] == '/')
        k = snprintf(buf, n, "%s/.config/pop3get/config", h);
    else
        return -1;
    return k > 0 && (size_t)k < n ? 0 : -1;
}

/* "~/x" -> "$HOME/x" (heap). */
static char *expand(const char *v)
{
    const char *h = getenv("HOME");
    char *r;

    if (strncmp(v, "~/", 2) != 0 || h == NULL)
        return strdup(v);
    if ((r = malloc(strlen(h) + strlen(v))) != NULL)
        sprintf(r, "%s%s", h, v + 1);
    return r;
}

static int push(struct pg_account *a, const char *s)
{
    if (a->argc >= PG_CONFIG_ARGS - 1 || (a->argv[a->argc] = strdup(s)) == NULL)
        return -1;
    a->argc++;
    return 0;
}

static int on(const char *v)
{
    return v != NULL && (strcasecmp(v, "on") == 0 || strcasecmp(v, "yes") == 0);
}

/* An account's settings as pop3get arguments. */
static int finish(struct pg_account *out, const struct acc *a, const char *path, int line)
{
    char url[1200], user[600];
    const char *scheme = "pop3";
    size_t i, o = 0;

    if (a->host == NULL || a->user == NULL) {
        char b[PG_SHOWN_MAX];

        fprintf(stderr, "%s: %s:%d: account '%s': no %s line (in it or in defaults)\n", PG_PROG,
                path, line, pg_shown(b, out->name), a->host == NULL ? "host" : "user");
        return EX_CONFIG;
    }
    for (i = 0; a->user[i] && o + 4 < sizeof user; i++) { /* percent-encode the user */
        unsigned char ch = (unsigned char)a->user[i];

        if (ch == '@' || ch == ':' || ch == '/' || ch == '%' || ch <= 0x20 || ch >= 0x7f)
            o += (size_t)sprintf(user + o, "%%%02X", ch);
        else
            user[o++] = (char)ch;
    }
    user[o] = '\0';
    if (a->tls != NULL && strcasecmp(a->tls, "pop3s") == 0)
        scheme = "pop3s";
    else if (a->tls != NULL && strcasecmp(a->tls, "required") == 0 && push(out, "--stls=required") < 0)
        return EX_OSERR;
    else if (a->tls != NULL && strcasecmp(a->tls, "off") == 0 && push(out, "--stls=no") < 0)
        return EX_OSERR;
    if (a->auth != NULL) {
        if (strcasecmp(a->auth, "apop") == 0 ? push(out, "--apop") < 0
            : push(out, "--auth") < 0 || push(out, a->auth) < 0)
            return EX_OSERR;
    }
#define OPT(field, name) \
    if (a->field != NULL && (push(out, name) < 0 || push(out, a->field) < 0)) return EX_OSERR;
    OPT(passwordeval, "--password-command")
    OPT(pass_file, "--pass-file")
    OPT(max_size, "--max-size")
    OPT(timeout, "--timeout")
    OPT(cafile, "--cafile")
#undef OPT
    if (a->delivery != NULL) {
        char opt[16];

        snprintf(opt, sizeof opt, "--%s", a->delivery);
        if (push(out, opt) < 0 || push(out, a->target) < 0)
            return EX_OSERR;
    }
    if (a->keep != NULL && !on(a->keep) && push(out, "--delete") < 0)
        return EX_OSERR;
    if (on(a->keep_crlf) && push(out, "--keep-crlf") < 0)
        return EX_OSERR;
    if (on(a->plaintext_auth) && push(out, "--plaintext-auth") < 0)
        return EX_OSERR;
    if (a->password != NULL && (out->password = strdup(a->password)) == NULL)
        return EX_OSERR;
    snprintf(url, sizeof url, "%s://%s@%s%s%s", scheme, user,
             strchr(a->host, ':') != NULL ? "[" : "", a->host, strchr(a->host, ':') != NULL ? "]" : "");
    if (a->port != NULL)
        snprintf(url + strlen(url), sizeof url - strlen(url), ":%s", a->port);
    return push(out, url) < 0 ? EX_OSERR : 0;
}

/* A setting: 0, SET_UNKNOWN (no such key), SET_BAD (a value it cannot
 * take) or SET_NOMEM. */
enum { SET_UNKNOWN = -1, SET_BAD = -2, SET_NOMEM = -3 };

static int set(struct acc *a, const char *key, const char *val)
{
    char **slot = NULL;

#define KEY(f) if (strcmp(key, #f) == 0) slot = &a->f;
    FIELDS(KEY)
#undef KEY
    if (strcmp(key, "delivery") == 0) {
        const char *sp = strchr(val, ' ');

        if (sp == NULL)
            return SET_BAD;
        free(a->delivery);
        free(a->target);
        a->delivery = strndup(val, (size_t)(sp - val));
        if (a->delivery == NULL)
            return SET_NOMEM;
        while (*sp == ' ')
            sp++;
        a->target = strncmp(a->delivery, "mda", 3) == 0 ? strdup(sp) : expand(sp);
        if (strcmp(a->delivery, "maildir") != 0 && strcmp(a->delivery, "mbox") != 0 &&
            strcmp(a->delivery, "mda") != 0)
            return SET_BAD;
        return a->target == NULL ? SET_NOMEM : 0;
    }
    if (slot == NULL)
        return SET_UNKNOWN;
    free(*slot);
    *slot = strcmp(key, "pass_file") == 0 || strcmp(key, "cafile") == 0 ? expand(val) : strdup(val);
    return *slot == NULL ? SET_NOMEM : 0;
}

/* Why set() refused key (its value shown unless it may be a secret). */
static void set_error(const char *path, int line, const char *key, const char *val, int r)
{
    char k[PG_SHOWN_MAX], v[PG_SHOWN_MAX];

    pg_shown(k, key);
    if (r == SET_UNKNOWN) /* its value could be a password under a misspelt key */
        fprintf(stderr, "%s: %s:%d: unknown setting '%s'\n", PG_PROG, path, line, k);
    else if (r == SET_BAD)
        fprintf(stderr, "%s: %s:%d: %s: '%s' is not maildir DIR, mbox FILE or mda CMD\n",
                PG_PROG, path, line, k, pg_shown(v, val));
    else
        fprintf(stderr, "%s: %s:%d: %s: %s\n", PG_PROG, path, line, k, strerror(ENOMEM));
}

int pg_config_load(struct pg_config *c, const char *path)
{
    FILE *f = fopen(path, "r");
    struct acc defaults, cur;
    struct stat st;
    char line[2048];
    int lineno = 0, in_acct = 0, r = 0, has_password = 0, start = 0, k;

    memset(c, 0, sizeof *c);
    memset(&defaults, 0, sizeof defaults);
    memset(&cur, 0, sizeof cur);
    if (f == NULL) {
        fprintf(stderr, "%s: %s: %s\n", PG_PROG, path, strerror(errno));
        return errno == ENOENT ? EX_CONFIG : EX_IOERR;
    }
    while (r == 0 && fgets(line, sizeof line, f) != NULL) {
        char *p = line, *key, *val, *end;

        lineno++;
        end = p + strlen(p);
        if (end > p && end[-1] != '\n' && !feof(f)) {
            /* Not cut into pieces: a piece of a password could be taken
             * for a setting and shown. */
            fprintf(stderr, "%s: %s:%d: line longer than %d octets\n", PG_PROG, path, lineno,
                    (int)sizeof line - 2);
            r = EX_CONFIG;
            break;
        }
        while (end > p && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t'))
            *--end = '\0';
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0' || *p == '#')
            continue;
        key = p;
        while (*p && *p != ' ' && *p != '\t')
            p++;
        if (*p)
            *p++ = '\0';
        while (*p == ' ' || *p == '\t')
            p++;
        val = p;
        if (strcmp(key, "defaults") == 0 || strcmp(key, "account") == 0) {
            struct pg_account *na;

            if (in_acct == 1) {
                r = finish(&c->acct[c->n - 1], &cur, path, start);
                acc_free(&cur);
            }
            in_acct = 0;
            if (r != 0)
                break;
            if (key[0] == 'd') { /* later settings go to the defaults */
                in_acct = -1;
                continue;
            }
            if (*val == '\0' || strlen(val) >= sizeof na->name || pg_config_find(c, val) != NULL) {
                char b[PG_SHOWN_MAX];

                if (*val == '\0')
                    fprintf(stderr, "%s: %s:%d: account: needs a name\n", PG_PROG, path, lineno);
                else
                    fprintf(stderr, "%s: %s:%d: account '%s': %s\n", PG_PROG, path, lineno,
                            pg_shown(b, val), strlen(val) >= sizeof na->name
                            ? "name longer than 63 octets" : "name already taken");
                r = EX_CONFIG;
                break;
            }
            na = realloc(c->acct, (c->n + 1) * sizeof *na);
            if (na == NULL) {
                r = EX_OSERR;
                break;
            }
            c->acct = na;
            if (acc_copy(&cur, &defaults) < 0) {
                r = EX_OSERR;
                break;
            }
            memset(&c->acct[c->n], 0, sizeof c->acct[c->n]);
            strcpy(c->acct[c->n].name, val);
            c->n++;
            in_acct = 1;
            start = lineno;
            continue;
        }
        if (strcmp(key, "password") == 0)
            has_password = 1;
        if ((k = set(in_acct == 1 ? &cur : &defaults, key, val)) < 0) {
            set_error(path, lineno, key, val, k);
            r = k == SET_NOMEM ? EX_OSERR : EX_CONFIG;
        }
    }
    if (r == 0 && in_acct == 1)
        r = finish(&c->acct[c->n - 1], &cur, path, start);
    if (r == 0 && has_password && fstat(fileno(f), &st) == 0 && (st.st_mode & 077)) {
        fprintf(stderr, "%s: %s: holds a password but others may read it; chmod 600 it\n",
                PG_PROG, path);
        r = EX_CONFIG;
    }
    fclose(f);
    if (defaults.password != NULL)
        pg_wipe(defaults.password, strlen(defaults.password));
    if (cur.password != NULL)
        pg_wipe(cur.password, strlen(cur.password));
    acc_free(&defaults);
    acc_free(&cur);
    pg_wipe(line, sizeof line);
    if (r != 0)
        pg_config_free(c);
    return r;
}

const struct pg_account *pg_config_find(const struct pg_config *c, const char *name)
{
    size_t i;

    for (i = 0; i < c->n; i++)
        if (strcmp(c->acct[i].name, name) == 0)
            return &c->acct[i];
    return NULL;
}

void pg_config_free(struct pg_config *c)
{
    size_t i;
    int k;

    for (i = 0; i < c->n; i++) {
        for (k = 0; k < c->acct[i].argc; k++)
            free(c->acct[i].argv[k]);
        if (c->acct[i].password != NULL) {
            pg_wipe(c->acct[i].password, strlen(c->acct[i].password));
            free(c->acct[i].password);
        }
    }
    free(c->acct);
    memset(c, 0, sizeof *c);
}
