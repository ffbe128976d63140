/* SPDX-License-Identifier: MIT */
/* pg_options.c - see pg_options.h. The full reference is the manual
 * page pop3get.1. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE

#include "pg_options.h"
#include "pg_util.h"

#include "pop3.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <sysexits.h>
#include <termios.h>
#include <unistd.h>

/* --- command line ----------------------------------------------------------- */

static void usage(FILE *f)
{
    fputs(
"usage: " PG_PROG " [options] pop3[s]://[USER[:PASS]@]HOST[:PORT][/N]\n"
"       " PG_PROG " [options] [-C FILE] ACCOUNT... | --all-accounts\n"
"\n"
"Actions (one; default --maildir $MAILDIR):\n"
"  --list              print 'N SIZE' for each message\n"
"  --uidl              print 'N UID' for each message\n"
"  --top N:LINES       write the headers and LINES body lines of message N\n"
"  --msg N, URL /N     write message N to stdout\n"
"  --maildir DIR       store every message into Maildir DIR\n"
"  --mbox FILE         append every message to mbox FILE (mboxrd, locked)\n"
"  --mda CMD           hand every message to CMD on its stdin (sh -c);\n"
"                      exit 0 delivered, 75 try later, else failed\n"
"  --keep-crlf         store CRLF line ends as on the wire (default: LF)\n"
"  --max-size N        leave messages over N octets on the server\n"
"  --delete            with --maildir: delete each message once stored\n"
"                      (and those stored by earlier runs)\n"
"  -a, --all           with --maildir: fetch every message, also those\n"
"                      stored by earlier runs (default: only new ones,\n"
"                      by UIDL, state in $XDG_STATE_HOME/pop3get)\n"
"  --require-uidl      a server without UIDL: fetch nothing (exit 69)\n"
"                      instead of every message\n"
"  --discard           retrieve every message, drop the octets, print\n"
"                      'N messages, B octets' (a sink for benchmarks)\n"
"\n"
"Accounts (configuration file, see pop3get(1)):\n"
"  -C, --config FILE   the file (default $XDG_CONFIG_HOME/pop3get/config)\n"
"  --all-accounts      every account in it; several run at once\n"
"\n"
"Options:\n"
"  -u, --user USER     user name (overrides the URL)\n"
"  --pass-file FILE    read the password from the first line of FILE\n"
"  --password-command CMD  the password is the first line CMD prints\n"
"                      (sh -c); else the URL, $POP3_PASSWORD, ~/.netrc,\n"
"                      and last a prompt on the terminal\n"
"  --apop              log in with APOP instead of USER/PASS\n"
"  --auth MECH         SASL login: PLAIN, LOGIN, CRAM-MD5, XOAUTH2,\n"
"                      OAUTHBEARER, or USER for USER/PASS (default:\n"
"                      the strongest the server offers; PLAIN and LOGIN\n"
"                      only over TLS unless named here)\n"
"  --oauth2-token-file FILE  bearer token (first line of FILE) for\n"
"                      OAUTHBEARER or XOAUTH2\n"
"  --timeout SEC       bound on every wait: connect, greeting, each reply,\n"
"                      and a server silent while nothing is asked\n"
"  --speed-limit N     end the session when a reply brings fewer than N\n"
"                      octets in --speed-time seconds (default 1000; 0: off)\n"
"  --speed-time SEC    the low-speed window, 1..65 (default 60)\n"
"  -4, -6              use IPv4 or IPv6 only\n"
"  -v, --verbose       trace the protocol on stderr (passwords masked)\n"
"  -q, --quiet         no progress line; only errors on stderr\n"
"  --version           print the version and exit\n"
"  -h, --help          show this help\n"
"\n"
"TLS (pop3s://HOST uses implicit TLS, default port 995):\n"
"  --stls              use STLS when the server offers it (the default\n"
"                      for pop3://)\n"
"  --stls=required     refuse to log in unless STLS succeeds\n"
"  --stls=no           never use STLS\n"
"  --plaintext-auth    allow a password (USER/PASS, PLAIN, LOGIN) or a\n"
"                      token to be sent without TLS (APOP and CRAM-MD5\n"
"                      are always allowed)\n"
"  --cafile FILE       trusted CA certificates (PEM); default: the system's\n"
"  --capath DIR        directory of trusted CA certificates (PEM)\n"
"  --insecure          DANGEROUS: do not verify the server certificate\n"
"\n"
"Exit status: 0 ok, 64 usage, 68 unknown host, 69 unavailable,\n"
"74 local I/O error, 75 temporary failure, 76 protocol error,\n"
"77 login refused, 78 server certificate not trusted (TLS).\n", f);
}

/* "pop3get: ARG: TEXT" and the hint; EX_USAGE. ARG (the option or
 * argument concerned) is shown made safe; values in TEXT go through
 * pg_shown() first, and a password never. */
#ifdef __GNUC__
__attribute__((format(printf, 2, 3)))
#endif
static int usage_error(const char *arg, const char *fmt, ...)
{
    char a[PG_SHOWN_MAX];
    va_list ap;

    fprintf(stderr, "%s: %s: ", PG_PROG, pg_shown(a, arg));
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry '%s --help'.\n", PG_PROG);
    return EX_USAGE;
}

/* An option's value that is not what it wants. */
static int bad_value(const char *opt, const char *v, const char *wants)
{
    char b[PG_SHOWN_MAX];

    return usage_error(opt, "'%s' is not %s", pg_shown(b, v), wants);
}

static int set_mode(struct pg_options *o, enum pg_mode m, const char *opt)
{
    if (o->mode != PG_MODE_NONE && o->mode != m)
        return usage_error(opt, "conflicts with %s (one action at a time)", o->mode_opt);
    o->mode = m;
    o->mode_opt = opt;
    return 0;
}

static int parse_top(struct pg_options *o, const char *v)
{
    const char *colon = strchr(v, ':');
    char num[16];
    size_t n;

    if (colon == NULL || (n = (size_t)(colon - v)) == 0 || n >= sizeof num)
        return bad_value("--top", v, "N:LINES (message number, body lines)");
    memcpy(num, v, n);
    num[n] = '\0';
    if (pg_parse_u32(num, 1, &o->msg) < 0 || pg_parse_u32(colon + 1, 0, &o->top_lines) < 0)
        return bad_value("--top", v, "N:LINES (message number, body lines)");
    return set_mode(o, PG_MODE_TOP, "--top");
}

/* Options that take a value: "--opt VALUE" or "--opt=VALUE". */
static const char *opt_value(int argc, char **argv, int *i, const char *name)
{
    const char *a = argv[*i];
    size_t n = strlen(name);

    if (strncmp(a, name, n) == 0 && a[n] == '=')
        return a + n + 1;
    if (strcmp(a, name) == 0 && *i + 1 < argc)
        return argv[++*i];
    return NULL;
}

static int is_opt(const char *a, const char *name)
{
    size_t n = strlen(name);

    return strncmp(a, name, n) == 0 && (a[n] == '\0' || a[n] == '=');
}

/* The --stls option given (the last one counts). */
static const char *stls_opt(const struct pg_options *o)
{
    return o->stls == 2 ? "--stls=required" : o->stls == 1 ? "--stls" : "--stls=no";
}

/* The delivery option given so far. */
static const char *delivery_opt(const struct pg_options *o)
{
    return o->maildir != NULL ? "--maildir" : o->mbox != NULL ? "--mbox" : "--mda";
}

static int parse_valued(struct pg_options *o, int argc, char **argv, int *i)
{
    const char *a = argv[*i], *v;
    uint32_t n;

    if (strcmp(a, "-u") == 0 || is_opt(a, "--user")) {
        v = strcmp(a, "-u") == 0 ? (*i + 1 < argc ? argv[++*i] : NULL)
                                 : opt_value(argc, argv, i, "--user");
        if (v == NULL)
            return usage_error(strcmp(a, "-u") == 0 ? "-u" : "--user", "needs a value");
        o->user_opt = v;
        return 0;
    }
    if (strncmp(a, "-u", 2) == 0 && a[2] != '\0') {
        o->user_opt = a + 2;
        return 0;
    }
    v = NULL;
    if (is_opt(a, "--pass-file") && (v = opt_value(argc, argv, i, "--pass-file")))
        o->pass_file = v;
    else if (is_opt(a, "--maildir") && (v = opt_value(argc, argv, i, "--maildir"))) {
        if (o->mbox != NULL || o->mda != NULL)
            return usage_error("--maildir", "conflicts with %s (one delivery)", delivery_opt(o));
        o->maildir = v;
        return set_mode(o, PG_MODE_MAILDIR, "--maildir");
    } else if (is_opt(a, "--mbox") && (v = opt_value(argc, argv, i, "--mbox"))) {
        if (o->maildir != NULL || o->mda != NULL)
            return usage_error("--mbox", "conflicts with %s (one delivery)", delivery_opt(o));
        o->mbox = v;
        return set_mode(o, PG_MODE_MAILDIR, "--mbox");
    } else if (is_opt(a, "--mda") && (v = opt_value(argc, argv, i, "--mda"))) {
        if (o->maildir != NULL || o->mbox != NULL)
            return usage_error("--mda", "conflicts with %s (one delivery)", delivery_opt(o));
        o->mda = v;
        return set_mode(o, PG_MODE_MAILDIR, "--mda");
    } else if (is_opt(a, "--max-size") && (v = opt_value(argc, argv, i, "--max-size"))) {
        if (pg_parse_u32(v, 1, &n) < 0)
            return bad_value("--max-size", v, "a size in octets (1..4294967295)");
        o->max_size = n;
    } else if (is_opt(a, "--top") && (v = opt_value(argc, argv, i, "--top")))
        return parse_top(o, v);
    else if (is_opt(a, "--msg") && (v = opt_value(argc, argv, i, "--msg"))) {
        if (pg_parse_u32(v, 1, &n) < 0)
            return bad_value("--msg", v, "a message number (1 or more)");
        if (o->mode == PG_MODE_MSG && o->msg != n)
            return usage_error("--msg", "%" PRIu32 " but %s asks for %" PRIu32
                               " (one message at a time)", n, o->mode_opt, o->msg);
        o->msg = n;
        return set_mode(o, PG_MODE_MSG, "--msg");
    } else if (is_opt(a, "--password-command") &&
               (v = opt_value(argc, argv, i, "--password-command"))) {
        o->pass_cmd = v;
    } else if (is_opt(a, "--cafile") && (v = opt_value(argc, argv, i, "--cafile"))) {
        o->cafile = v;
    } else if (is_opt(a, "--capath") && (v = opt_value(argc, argv, i, "--capath"))) {
        o->capath = v;
    } else if (is_opt(a, "--oauth2-token-file") &&
               (v = opt_value(argc, argv, i, "--oauth2-token-file"))) {
        o->token_file = v;
    } else if (is_opt(a, "--auth") && (v = opt_value(argc, argv, i, "--auth"))) {
        o->auth_name = v;
        o->auth_mech = pop3_sasl_from_name(v);
        if (o->auth_mech == 0 && strcasecmp(v, "USER") != 0)
            return bad_value("--auth", v, "PLAIN, LOGIN, CRAM-MD5, XOAUTH2, OAUTHBEARER or USER");
    } else if (is_opt(a, "--timeout") && (v = opt_value(argc, argv, i, "--timeout"))) {
        if (pg_parse_u32(v, 1, &n) < 0 || n > 86400)
            return bad_value("--timeout", v, "a number of seconds (1..86400)");
        o->timeout_s = n;
    } else if (is_opt(a, "--speed-limit") && (v = opt_value(argc, argv, i, "--speed-limit"))) {
        if (pg_parse_u32(v, 0, &n) < 0)
            return bad_value("--speed-limit", v, "a number of octets (0: off)");
        o->speed_limit = n;
        o->speed_set = 1;
    } else if (is_opt(a, "--speed-time") && (v = opt_value(argc, argv, i, "--speed-time"))) {
        if (pg_parse_u32(v, 1, &n) < 0 || n > 65)
            return bad_value("--speed-time", v, "a number of seconds (1..65)");
        o->speed_time_s = n;
    }
    if (v != NULL)
        return 0;
    if (pg_options_takes_value(a))
        return usage_error(a, "needs a value");
    /* Unknown: shown up to an '=', as what follows could be a secret. */
    n = (uint32_t)strcspn(a, "=");
    if (n < PG_SHOWN_MAX) {
        char name[PG_SHOWN_MAX];

        memcpy(name, a, n);
        name[n] = '\0';
        return usage_error(name, "unknown option%s", a[n] == '=' ? " (value not shown)" : "");
    }
    return usage_error(a, "unknown option");
}

static int parse_flag(struct pg_options *o, const char *a)
{
    if (strcmp(a, "--list") == 0)
        return set_mode(o, PG_MODE_LIST, a);
    if (strcmp(a, "--uidl") == 0)
        return set_mode(o, PG_MODE_UIDL, a);
    if (strcmp(a, "--discard") == 0) {
        o->discard = 1;
        return set_mode(o, PG_MODE_MAILDIR, a);
    }
    if (strcmp(a, "--apop") == 0)
        o->apop = 1;
    else if (strcmp(a, "--stls") == 0)
        o->stls = 1, o->stls_given = 1;
    else if (strcmp(a, "--stls=required") == 0)
        o->stls = 2, o->stls_given = 1;
    else if (strcmp(a, "--stls=no") == 0)
        o->stls = 0, o->stls_given = 1;
    else if (strcmp(a, "--plaintext-auth") == 0)
        o->plaintext_auth = 1;
    else if (strcmp(a, "--keep-crlf") == 0)
        o->keep_crlf = 1;
    else if (strcmp(a, "--insecure") == 0)
        o->insecure = 1;
    else if (strcmp(a, "--delete") == 0)
        o->del = 1;
    else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0)
        o->verbose = 1;
    else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0)
        o->quiet = 1;
    else if (strcmp(a, "-a") == 0 || strcmp(a, "--all") == 0)
        o->all = 1;
    else if (strcmp(a, "--require-uidl") == 0)
        o->require_uidl = 1;
    else if (strcmp(a, "-4") == 0)
        o->family = 4;
    else if (strcmp(a, "-6") == 0)
        o->family = 6;
    else
        return 1; /* not a flag */
    return 0;
}

/* Userinfo "USER[:PASS]" of the URL. The password is overwritten in argv
 * afterwards so it does not linger in the process listing. */
static int parse_userinfo(struct pg_options *o, char *s, size_t n)
{
    char *colon = memchr(s, ':', n);
    size_t ulen = colon ? (size_t)(colon - s) : n;

    o->user = malloc(ulen + 1);
    if (o->user == NULL)
        return EX_OSERR;
    if (pg_pct_decode(s, ulen, o->user, ulen + 1) < 0) {
        char b[PG_SHOWN_MAX];

        s[ulen] = '\0'; /* the user name as given, without the password */
        return usage_error("URL", "user name '%s': a control character or a bad %%XX in it",
                           pg_shown(b, s));
    }
    if (colon != NULL) {
        size_t plen = n - ulen - 1;
        int r = pg_pct_decode(colon + 1, plen, o->pass, sizeof o->pass);

        memset(colon + 1, '*', plen);
        if (r < 0) {
            pg_wipe(o->pass, sizeof o->pass);
            return usage_error("URL", "the password (not shown): a control character, a bad "
                               "%%XX or more than %u octets in it", (unsigned)sizeof o->pass - 1);
        }
        o->have_pass = 1;
        o->url_pass = 1;
    }
    return 0;
}

/* HOST[:PORT] of the URL (n octets at s). The host is shown in messages
 * (at worst it is the user name of "pop3://USER:PASS" without "@HOST");
 * the port only when it came after an '@' (shown): it cannot be a password
 * then. */
static int parse_hostport(struct pg_options *o, const char *s, size_t n, int shown)
{
    const char *host = s, *port = NULL, *end = s + n;
    char h[PG_SHOWN_MAX], p[PG_SHOWN_MAX];
    size_t hlen;
    uint32_t pn;

    if (n > 0 && s[0] == '[') {
        const char *rb = memchr(s, ']', n);

        if (rb == NULL || (rb + 1 != end && rb[1] != ':'))
            return usage_error("URL", "host '%s': an IPv6 address goes in brackets, with "
                               "only :PORT after them", pg_shown_n(h, s, rb ? (size_t)(rb - s) + 1 : n));
        host = s + 1;
        hlen = (size_t)(rb - host);
        if (rb + 1 != end)
            port = rb + 2;
    } else {
        const char *colon = memchr(s, ':', n);

        hlen = colon ? (size_t)(colon - s) : n;
        if (colon != NULL) {
            port = colon + 1;
            if (memchr(port, ':', (size_t)(end - port)) != NULL)
                return usage_error("URL", "host '%s': an IPv6 address goes in brackets, as "
                                   "in pop3://[::1]/", pg_shown_n(h, s, n));
        }
    }
    pg_shown_n(h, host, hlen);
    if (hlen == 0)
        return usage_error("URL", "no host");
    o->host = malloc(hlen + 1);
    if (o->host == NULL)
        return EX_OSERR;
    memcpy(o->host, host, hlen);
    o->host[hlen] = '\0';
    if (strpbrk(o->host, " \t\r\n%@/?#[]") != NULL)
        return usage_error("URL", "host '%s': a blank or one of %%@/?#[] in it", h);
    if (port == NULL) {
        strcpy(o->port, o->pop3s ? "995" : "110");
        return 0;
    }
    if ((size_t)(end - port) < sizeof o->port) {
        memcpy(o->port, port, (size_t)(end - port));
        o->port[end - port] = '\0';
        if (pg_parse_u32(o->port, 1, &pn) == 0 && pn <= 65535)
            return 0;
    }
    if (shown)
        return usage_error("URL", "host '%s': port '%s' is not 1..65535", h,
                           pg_shown_n(p, port, (size_t)(end - port)));
    return usage_error("URL", "host '%s': what follows ':' is not a port 1..65535 (not "
                       "shown: with no '@' before the host it may be a password)", h);
}

static int parse_url(struct pg_options *o, char *url)
{
    char *rest, *slash, *at, *p;
    size_t alen;
    int r;

    if (strncasecmp(url, "pop3s://", 8) == 0) {
        o->pop3s = 1;
        rest = url + 8;
    } else if (strncasecmp(url, "pop3://", 7) == 0) {
        rest = url + 7;
    } else {
        /* Only the scheme is shown: the rest may hold a password. */
        size_t k = strcspn(url, ":");
        char b[PG_SHOWN_MAX];

        if (strncmp(url + k, "://", 3) == 0 && k > 0 && k < 16 && strcspn(url, "@/") > k) {
            memcpy(b, url, k);
            b[k] = '\0';
            return usage_error("URL", "'%s://' is not pop3:// or pop3s://", pg_shown(b, b));
        }
        return usage_error("URL", "it does not start with pop3:// or pop3s:// (not shown: "
                           "it may hold a password)");
    }
    slash = strchr(rest, '/');
    alen = slash ? (size_t)(slash - rest) : strlen(rest);
    at = NULL;
    for (p = rest; p < rest + alen; p++)
        if (*p == '@')
            at = p; /* the last '@': an unencoded one may sit in the password */
    if (at != NULL && (r = parse_userinfo(o, rest, (size_t)(at - rest))) != 0)
        return r;
    p = at ? at + 1 : rest;
    if ((r = parse_hostport(o, p, (size_t)(rest + alen - p), at != NULL)) != 0)
        return r;
    if (slash != NULL && slash[1] != '\0') {
        char b[PG_SHOWN_MAX];
        uint32_t n;

        if (pg_parse_u32(slash + 1, 1, &n) < 0)
            return usage_error("URL", "'/%s' is not /N, a message number (1 or more)",
                               pg_shown(b, slash + 1));
        if (o->mode == PG_MODE_MSG && o->msg != n)
            return usage_error("URL", "/%" PRIu32 " but %s asks for %" PRIu32
                               " (one message at a time)", n, o->mode_opt, o->msg);
        o->msg = n;
        return set_mode(o, PG_MODE_MSG, "/N in the URL");
    }
    return 0;
}

/* The first line of a secret file (given by option opt) into buf: 0 or an
 * exit status. */
static int read_secret(const char *opt, const char *path, char *buf, size_t n, const char *what)
{
    int r = pg_read_first_line(path, buf, n);
    char b[PG_SHOWN_MAX];

    if (r == -1) {
        fprintf(stderr, "%s: %s: '%s': %s\n", PG_PROG, opt, pg_shown(b, path), strerror(errno));
        return EX_IOERR; /* a local file that cannot be read */
    }
    if (r == -2)
        return usage_error(opt, "'%s': the %s is longer than %zu octets", pg_shown(b, path),
                           what, n - 1);
    return 0;
}

static int read_pass_file(struct pg_options *o)
{
    int r = read_secret("--pass-file", o->pass_file, o->pass, sizeof o->pass, "password");

    o->have_pass = r == 0;
    return r;
}

/* The bearer token: first line of --oauth2-token-file, CR/LF stripped. */
static int read_token_file(struct pg_options *o)
{
    int r;

    o->token = calloc(1, PG_TOKEN_MAX);
    if (o->token == NULL)
        return EX_OSERR;
    if ((r = read_secret("--oauth2-token-file", o->token_file, o->token, PG_TOKEN_MAX,
                         "token")) != 0)
        return r;
    if (o->token[0] == '\0') {
        char b[PG_SHOWN_MAX];

        return usage_error("--oauth2-token-file", "'%s': its first line is empty",
                           pg_shown(b, o->token_file));
    }
    return 0;
}

/* --password-command CMD: the first line CMD prints (sh -c). */
static int password_command(struct pg_options *o)
{
    FILE *p;
    size_t n;
    int st, ok;

    fflush(NULL);
    p = popen(o->pass_cmd, "r");
    if (p == NULL) {
        fprintf(stderr, "%s: --password-command: %s\n", PG_PROG, strerror(errno));
        return EX_OSERR;
    }
    ok = fgets(o->pass, sizeof o->pass, p) != NULL;
    n = strlen(o->pass);
    if (ok && n == sizeof o->pass - 1 && o->pass[n - 1] != '\n')
        ok = -1;
    while (fgetc(p) != EOF) /* the rest is not ours; let the command end */
        ;
    st = pclose(p);
    if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0 || ok != 1) {
        pg_wipe(o->pass, sizeof o->pass);
        fprintf(stderr, "%s: --password-command %s\n", PG_PROG, ok == -1 ? "printed too long a line"
                : ok == 0 ? "printed nothing" : "failed (exit status not 0)");
        return EX_TEMPFAIL; /* e.g. a locked keyring: try later */
    }
    while (n > 0 && (o->pass[n - 1] == '\n' || o->pass[n - 1] == '\r'))
        o->pass[--n] = '\0';
    o->have_pass = 1;
    return 0;
}

/* Next whitespace-separated token of a .netrc (NULL at the end). */
static const char *netrc_token(char **p)
{
    char *s = *p, *t;

    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    if (*s == '\0')
        return NULL;
    t = s;
    while (*s && *s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
        s++;
    if (*s)
        *s++ = '\0';
    *p = s;
    return t;
}

/* ~/.netrc: "machine HOST login USER password PASS" (or "default").
 * 0 when it gave a password, 1 when it has none for us, else an exit
 * status. A file with a password that others can read is refused, as ftp
 * and the config file do. */
static int netrc_lookup(struct pg_options *o)
{
    const char *home = getenv("HOME"), *tok;
    char path[4096], *buf, *p;
    struct stat st;
    FILE *f;
    size_t n;
    int r = 1, in = 0, matched = 0, is_default = 0;
    const char *login = NULL, *pass = NULL;

    if (home == NULL || home[0] != '/' ||
        (size_t)snprintf(path, sizeof path, "%s/.netrc", home) >= sizeof path)
        return 1;
    if ((f = fopen(path, "r")) == NULL)
        return 1;
    if (fstat(fileno(f), &st) != 0 || st.st_size > 1 << 20 ||
        (buf = calloc(1, (size_t)st.st_size + 1)) == NULL) {
        fclose(f);
        return 1;
    }
    n = fread(buf, 1, (size_t)st.st_size, f);
    buf[n] = '\0';
    fclose(f);
    for (p = buf; (tok = netrc_token(&p)) != NULL;) {
        if (strcmp(tok, "machine") == 0 || strcmp(tok, "default") == 0) {
            if (in && matched && pass != NULL &&
                (login == NULL || o->user == NULL || strcmp(login, o->user) == 0))
                break; /* the entry before was ours */
            is_default = tok[0] == 'd';
            tok = is_default ? "" : netrc_token(&p);
            in = 1;
            matched = tok != NULL && (is_default || strcasecmp(tok, o->host) == 0);
            login = pass = NULL;
        } else if (strcmp(tok, "login") == 0) {
            login = netrc_token(&p);
        } else if (strcmp(tok, "password") == 0) {
            pass = netrc_token(&p);
        } else if (strcmp(tok, "macdef") == 0) {
            char *end = strstr(p, "\n\n"); /* a macro ends at a blank line */

            p = end != NULL ? end : p + strlen(p);
        }
    }
    if (in && matched && pass != NULL &&
        (login == NULL || o->user == NULL || strcmp(login, o->user) == 0)) {
        if (st.st_mode & 077) {
            fprintf(stderr, "%s: %s: holds a password but others may read it; "
                    "chmod 600 it\n", PG_PROG, path);
            r = EX_CONFIG;
        } else if (strlen(pass) >= sizeof o->pass ||
                   (o->user == NULL && login != NULL && (o->user = strdup(login)) == NULL)) {
            r = EX_SOFTWARE;
        } else {
            strcpy(o->pass, pass);
            o->have_pass = 1;
            r = 0;
        }
    }
    pg_wipe(buf, n);
    free(buf);
    return r;
}

/* Ask on the terminal, without echo. 0, or 1 without a terminal. */
static int prompt_password(struct pg_options *o)
{
    struct termios saved, quiet;
    size_t n = 0;
    char ch;
    int fd;

    if (!isatty(STDIN_FILENO) || (fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0)
        return 1;
    if (tcgetattr(fd, &saved) != 0) {
        close(fd);
        return 1;
    }
    quiet = saved;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    quiet.c_lflag |= ICANON;
    /* Echo off before the prompt shows: an answer typed at once is kept. */
    tcsetattr(fd, TCSAFLUSH, &quiet);
    dprintf(fd, "Password for %s@%s: ", o->user, o->host);
    while (read(fd, &ch, 1) == 1 && ch != '\n') {
        if (ch != '\r' && n + 1 < sizeof o->pass)
            o->pass[n++] = ch;
    }
    o->pass[n] = '\0';
    tcsetattr(fd, TCSAFLUSH, &saved);
    (void)write(fd, "\n", 1);
    close(fd);
    o->have_pass = 1;
    return 0;
}

/* Credentials: -u beats the URL user; --pass-file beats the URL password,
 * which beats $POP3_PASSWORD. With --oauth2-token-file no password is
 * needed. */
static int resolve_credentials(struct pg_options *o)
{
    const char *env;
    int r;

    if (o->user_opt != NULL) {
        free(o->user);
        o->user = strdup(o->user_opt);
        if (o->user == NULL)
            return EX_OSERR;
    }
    if (o->pass_file != NULL && o->pass_cmd != NULL)
        return usage_error("--pass-file", "conflicts with --password-command (give one)");
    if (o->pass_file != NULL && (r = read_pass_file(o)) != 0)
        return r;
    if (o->pass_cmd != NULL && (r = password_command(o)) != 0)
        return r;
    if (o->token_file != NULL) {
        if ((r = read_token_file(o)) != 0)
            return r;
        if (o->user == NULL || o->user[0] == '\0')
            return usage_error("URL", "no user name (pop3://USER@HOST or -u USER)");
        return 0;
    }
    if (!o->have_pass && (env = getenv("POP3_PASSWORD")) != NULL) {
        if (strlen(env) >= sizeof o->pass)
            return usage_error("POP3_PASSWORD", "longer than %zu octets (not shown)",
                               sizeof o->pass - 1);
        strcpy(o->pass, env);
        o->have_pass = 1;
    }
    if (!o->have_pass && (r = netrc_lookup(o)) > 1)
        return r;
    if (o->user == NULL || o->user[0] == '\0')
        return usage_error("URL", "no user name (pop3://USER@HOST or -u USER)");
    if (!o->have_pass)
        (void)prompt_password(o);
    if (o->url_pass && o->pass_file == NULL && o->pass_cmd == NULL && !o->quiet)
        fprintf(stderr, "%s: warning: a password in the URL can be read by other users "
                "(ps); prefer --pass-file, --password-command, ~/.netrc or the prompt\n", PG_PROG);
    if (!o->have_pass)
        return usage_error("URL", "no password (--pass-file, --password-command, ~/.netrc, "
                           "POP3_PASSWORD, a terminal to ask on, or the URL)");
    return 0;
}

static int check_options(struct pg_options *o)
{
    /* Secure by default: pop3:// upgrades with STLS whenever the server
     * offers it. APOP needs the greeting's timestamp, so it stays in clear
     * unless STLS is asked for (and then refused below). */
    if (!o->stls_given)
        o->stls = !o->pop3s && !o->apop;
    if (o->url == NULL)
        return usage_error("URL", "missing (pop3[s]://[USER@]HOST[:PORT][/N])");
    if (o->mode == PG_MODE_NONE && (o->maildir = getenv("MAILDIR")) != NULL &&
        o->maildir[0] != '\0') {
        o->mode = PG_MODE_MAILDIR; /* the usual Maildir location variable */
        o->mode_opt = "$MAILDIR";
    }
    if (o->mode == PG_MODE_NONE)
        return usage_error("URL", "nothing to do with it: give --list, --uidl, --top, --msg, "
                           "/N, --maildir DIR, --mbox FILE or --mda CMD (or set MAILDIR)");
    if (o->del && o->discard)
        return usage_error("--delete", "conflicts with --discard");
    if (o->del && o->mode != PG_MODE_MAILDIR)
        return usage_error("--delete", "works only with --maildir, --mbox or --mda, not %s",
                           o->mode_opt);
    if (o->discard && (o->maildir != NULL || o->mbox != NULL || o->mda != NULL))
        return usage_error("--discard", "conflicts with %s", delivery_opt(o));
    if (o->pop3s && o->stls_given)
        return usage_error(stls_opt(o), "makes no sense with pop3s:// (implicit TLS)");
    if (o->apop && o->auth_name != NULL) {
        char b[PG_SHOWN_MAX];

        return usage_error("--apop", "conflicts with --auth '%s' (one way to log in)",
                           pg_shown(b, o->auth_name));
    }
    if (o->apop && o->stls)
        return usage_error("--apop", "conflicts with %s: APOP needs the greeting's timestamp, "
                           "sent before STLS", stls_opt(o));
    if (o->token_file != NULL && o->auth_name != NULL && o->auth_mech != POP3_SASL_XOAUTH2 &&
        o->auth_mech != POP3_SASL_OAUTHBEARER) {
        char b[PG_SHOWN_MAX];

        return usage_error("--oauth2-token-file", "goes with --auth XOAUTH2 or OAUTHBEARER, "
                           "not --auth '%s'", pg_shown(b, o->auth_name));
    }
    if ((o->auth_mech == POP3_SASL_XOAUTH2 || o->auth_mech == POP3_SASL_OAUTHBEARER) &&
        o->token_file == NULL) {
        char b[PG_SHOWN_MAX];

        return usage_error("--auth", "'%s' needs --oauth2-token-file FILE",
                           pg_shown(b, o->auth_name));
    }
    if ((o->cafile || o->capath || o->insecure) && !o->pop3s && !o->stls)
        return usage_error(o->cafile ? "--cafile" : o->capath ? "--capath" : "--insecure",
                           "needs TLS (pop3s:// or STLS), but %s", o->stls_given ?
                           "--stls=no turns STLS off" : "--apop keeps the session in clear");
    return 0;
}

int pg_options_parse(struct pg_options *o, int argc, char **argv)
{
    int i, r, opts_done = 0;

    for (i = 1; i < argc; i++) {
        char *a = argv[i];

        if (opts_done || a[0] != '-' || a[1] == '\0') {
            if (o->url != NULL)
                return usage_error("URL", "more than one (neither shown: they may hold "
                                   "a password)");
            o->url = a;
            if ((r = parse_url(o, a)) != 0)
                return r;
        } else if (strcmp(a, "--") == 0) {
            opts_done = 1;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return -1;
        } else if (strcmp(a, "--version") == 0) {
            printf("%s %s (libpop3 %s)\n", PG_PROG, POP3_VERSION_STRING, pop3_version());
            return -1;
        } else if ((r = parse_flag(o, a)) != 1) {
            if (r != 0)
                return r;
        } else if ((r = parse_valued(o, argc, argv, &i)) != 0) {
            return r;
        }
    }
    if ((r = check_options(o)) != 0)
        return r;
    return resolve_credentials(o);
}

int pg_options_takes_value(const char *arg)
{
    static const char *const with_value[] = {
        "-u", "--user", "--pass-file", "--password-command", "--maildir", "--mbox", "--mda",
        "--top", "--msg", "--cafile", "--capath", "--oauth2-token-file", "--auth",
        "--timeout", "--max-size", "--speed-limit", "--speed-time", "-C", "--config"
    };
    size_t i;

    for (i = 0; i < sizeof with_value / sizeof with_value[0]; i++)
        if (strcmp(arg, with_value[i]) == 0)
            return 1;
    return 0;
}

void pg_options_free(struct pg_options *o)
{
    if (o->token != NULL) {
        pg_wipe(o->token, PG_TOKEN_MAX);
        free(o->token);
        o->token = NULL;
    }
    pg_wipe(o->pass, sizeof o->pass);
    free(o->user);
    free(o->host);
    o->user = NULL;
    o->host = NULL;
}
