/* SPDX-License-Identifier: MIT */
/* pop3get - fetch mail from a POP3 server: list, print, or store into a
 * Maildir, optionally deleting what was stored.
 *
 *   pop3get [options] pop3://[USER[:PASS]@]HOST[:PORT][/N]
 *   pop3get [options] pop3s://[USER[:PASS]@]HOST[:PORT][/N]   (TLS, port 995)
 *
 * TLS goes through the library's Mbed TLS decorator (pop3_tls.h) routed
 * into the POSIX port with pop3_posix_set_filter(); --stls upgrades with
 * STLS, --auth / --oauth2-token-file use SASL (pop3_client_auth()).
 *
 * The CLI reference is the pop3get section of README.md. This program is also the worked
 * example of the library: the engine is driven from our own poll() loop
 * through the POSIX port, commands are pipelined, message bodies stream
 * straight to disk, and nothing is deleted on the server unless it was
 * stored and fsync'd first.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE

#include "pop3_posix.h"
#include "pop3_tls_posix.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sysexits.h>
#include <aio.h>
#include <time.h>
#include <unistd.h>

#define PROG "pop3get"
/* Exit status when the server's certificate is not trusted (sysexits
 * EX_CONFIG: the trust configuration does not accept this server). */
#define EXIT_TLS_VERIFY 78
#define TOKEN_MAX 8192

/* Engine storage. A deep queue lets a whole window of RETRs and the DELEs
 * that follow them be in flight on a PIPELINING server: at 20 ms round trip
 * and 2 KB messages, a window of 32 would cap the fetch at 32 messages per
 * round trip; 3840 covers most mailboxes in one go. The queue costs 12
 * octets a slot. */
#define QUEUE_LEN 4096
#define CMD_BUF_SIZE 16384
#define LINE_BUF_SIZE 1024
/* At most this many RETRs outstanding, so DELEs for stored messages always
 * find a free slot and never wait behind the whole mailbox. */
#define RETR_WINDOW (QUEUE_LEN - 256)
#define PASS_MAX 256
/* Messages whose fsync may run at once in the background. */
#define SYNC_MAX 32
#define POLL_MS 100
#define PROGRESS_MS 200

enum mode { MODE_NONE, MODE_MAILDIR, MODE_LIST, MODE_UIDL, MODE_TOP, MODE_MSG };

struct options {
    enum mode mode;
    const char *url;
    const char *user_opt;   /* -u */
    const char *pass_file;
    const char *maildir;
    char *user;             /* decoded from the URL or -u, heap */
    char pass[PASS_MAX];
    int have_pass;
    char *host;             /* heap */
    char port[8];
    uint32_t msg;
    uint32_t top_lines;
    int apop, del, verbose, family;
    int pop3s;              /* pop3s:// URL: implicit TLS */
    int stls;               /* --stls: 1 opportunistic, 2 required */
    int insecure;           /* --insecure: no certificate verification */
    const char *cafile, *capath;
    const char *auth_name;  /* --auth MECH, NULL: automatic */
    unsigned auth_mech;     /* POP3_SASL_* bit, 0 for USER/PASS */
    const char *token_file; /* --oauth2-token-file */
    char *token;            /* bearer token, heap */
    int discard;            /* --discard: every message, bytes dropped */
    unsigned timeout_s;
};

/* Protocol trace: a transport that forwards to the real one and echoes
 * each command line the server accepted, with the secret masked. */
struct trace {
    pop3_transport tr;
    const pop3_transport *inner;
    char line[300];
    size_t len;
    int hidden;  /* rest of this line is a secret */
    int spaces;
    int in_auth;  /* an AUTH exchange is on: every line is a secret */
};

/* Batches command writes: while `on`, send() says "not now", so the engine
 * gathers the commands queued during one read (every RETR at STAT time,
 * the next ones as messages end) in its command buffer; uncorking hands
 * them to the socket in one write instead of one small segment each. */
struct cork {
    pop3_transport tr;
    const pop3_transport *inner;
    int on;
};

struct maildir {
    char dir[PATH_MAX];    /* --maildir without trailing slashes */
    int newfd;             /* DIR/new, fsync'd after renames, before DELE */
    int dir_dirty;         /* renamed into new/ since the last fsync of it */
    long pid;
    /* Messages fully written, their fsync running in the background
     * (aio_fsync): renamed into new/ only once it has succeeded. Several
     * fsyncs in flight share the file system's journal commits. */
    struct syncing {
        struct aiocb cb;
        FILE *f;
        char tmp[PATH_MAX];
        char dst[PATH_MAX];
        uint32_t msg;
    } sy[SYNC_MAX];
    unsigned sy_head, sy_n;
    FILE *f;               /* message being written into tmp/ */
    char tmp[PATH_MAX];
    char dst[PATH_MAX];
    unsigned long seq;
    char host[64];
};

struct app {
    struct options o;
    pop3_posix posix;
    pop3_client c;
    struct trace trace;
    struct cork cork;
    pop3_tls tls;
    pop3_tls_posix_config tlsconf;
    pop3_posix_filter filter;
    int use_tls, tls_inited;
    int logging_in;         /* the login was queued */
    struct maildir md;
    char line_buf[LINE_BUF_SIZE];
    uint8_t cmd_buf[CMD_BUF_SIZE];
    pop3_slot queue[QUEUE_LEN];

    int exit_code;          /* first failure wins */
    int greeted;
    int quit_sent, want_quit;
    int abort_session;      /* local failure: drop the connection, no QUIT */

    /* maildir mode */
    int have_stat;
    uint32_t count, retr_out;
    uint64_t next_retr;     /* next message to RETR, 1..count+1 */
    uint32_t stored, deleted;
    uint64_t total_bytes, done_bytes;
    uint32_t dele_q[QUEUE_LEN];   /* stored durably: DELE when there is room */
    unsigned dele_head, dele_n;
    uint32_t pend[QUEUE_LEN];     /* stored, new/ not yet fsync'd */
    unsigned pend_head, pend_n;
    int progress, progress_shown;
    uint32_t progress_at;
};

/* --- small helpers ---------------------------------------------------------- */

static void wipe(void *p, size_t n)
{
    volatile unsigned char *v = p;

    while (n--)
        *v++ = 0;
}

/* Server text goes to a terminal: neutralize control characters so a
 * hostile server cannot send escape sequences. */
static void put_safe(FILE *f, const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        fputc(ch < 0x20 || ch == 0x7f ? '?' : ch, f);
    }
}

static void progress_clear(struct app *a)
{
    if (a->progress_shown) {
        fputs("\r\033[K", stderr);
        a->progress_shown = 0;
    }
}

/* Record the exit status and print one error line; only the first failure
 * is reported, later ones are usually consequences of it. */
static void fail_msg(struct app *a, int code, const char *what,
                     const char *text, size_t len)
{
    if (a->exit_code != 0)
        return;
    a->exit_code = code;
    progress_clear(a);
    fprintf(stderr, "%s: %s: ", PROG, what);
    put_safe(stderr, text, len);
    fputc('\n', stderr);
}

static void fail_str(struct app *a, int code, const char *what, const char *text)
{
    fail_msg(a, code, what, text, strlen(text));
}

static int parse_u32(const char *s, uint32_t min, uint32_t *out)
{
    uint64_t v = 0;

    if (*s == '\0')
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (uint64_t)(*s - '0');
        if (v > UINT32_MAX)
            return -1;
    }
    if (v < min)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

static int hexval(int ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* RFC 3986 percent-decoding of n octets of s into out (size outsz).
 * Control characters are refused: they cannot appear in a POP3 argument. */
static int pct_decode(const char *s, size_t n, char *out, size_t outsz)
{
    size_t i, o = 0;

    for (i = 0; i < n; i++) {
        int ch = (unsigned char)s[i];

        if (ch == '%') {
            int hi = i + 2 < n ? hexval(s[i + 1]) : -1;
            int lo = i + 2 < n ? hexval(s[i + 2]) : -1;

            if (hi < 0 || lo < 0)
                return -1;
            ch = hi * 16 + lo;
            i += 2;
        }
        if (ch < 0x20 || ch == 0x7f || o + 1 >= outsz)
            return -1;
        out[o++] = (char)ch;
    }
    out[o] = '\0';
    return 0;
}

/* --- command line ----------------------------------------------------------- */

static void usage(FILE *f)
{
    fputs(
"usage: " PROG " [options] pop3[s]://[USER[:PASS]@]HOST[:PORT][/N]\n"
"\n"
"Actions (one; default --maildir $MAILDIR):\n"
"  --list              print 'N SIZE' for each message\n"
"  --uidl              print 'N UID' for each message\n"
"  --top N:LINES       write the headers and LINES body lines of message N\n"
"  --msg N, URL /N     write message N to stdout\n"
"  --maildir DIR       store every message into Maildir DIR\n"
"  --delete            with --maildir: delete each message once stored\n"
"  --discard           retrieve every message, drop the octets, print\n"
"                      'N messages, B octets' (a sink for benchmarks)\n"
"\n"
"Options:\n"
"  -u, --user USER     user name (overrides the URL)\n"
"  --pass-file FILE    read the password from the first line of FILE\n"
"                      (else the URL, else $POP3_PASSWORD)\n"
"  --apop              log in with APOP instead of USER/PASS\n"
"  --auth MECH         SASL login: PLAIN, LOGIN, CRAM-MD5, XOAUTH2,\n"
"                      OAUTHBEARER, or USER for USER/PASS (default:\n"
"                      the strongest the server offers; PLAIN and LOGIN\n"
"                      only over TLS unless named here)\n"
"  --oauth2-token-file FILE  bearer token (first line of FILE) for\n"
"                      OAUTHBEARER or XOAUTH2\n"
"  --timeout SEC       connect, greeting and reply timeout\n"
"  -4, -6              use IPv4 or IPv6 only\n"
"  -v, --verbose       trace the protocol on stderr (passwords masked)\n"
"  -h, --help          show this help\n"
"\n"
"TLS (pop3s://HOST uses implicit TLS, default port 995):\n"
"  --stls              use STLS when the server offers it\n"
"  --stls=required     refuse to log in unless STLS succeeds\n"
"  --cafile FILE       trusted CA certificates (PEM); default: the system's\n"
"  --capath DIR        directory of trusted CA certificates (PEM)\n"
"  --insecure          DANGEROUS: do not verify the server certificate\n"
"\n"
"Exit status: 0 ok, 64 usage, 68 unknown host, 69 unavailable,\n"
"74 local I/O error, 75 temporary failure, 76 protocol error,\n"
"77 login refused, 78 server certificate not trusted (TLS).\n", f);
}

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "%s: ", PROG);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry '%s --help'.\n", PROG);
    return EX_USAGE;
}

static int set_mode(struct options *o, enum mode m, const char *opt)
{
    if (o->mode != MODE_NONE && o->mode != m)
        return usage_error("%s conflicts with another action", opt);
    o->mode = m;
    return 0;
}

static int parse_top(struct options *o, const char *v)
{
    const char *colon = strchr(v, ':');
    char num[16];
    size_t n;

    if (colon == NULL || (n = (size_t)(colon - v)) == 0 || n >= sizeof num)
        return usage_error("--top wants N:LINES, not '%s'", v);
    memcpy(num, v, n);
    num[n] = '\0';
    if (parse_u32(num, 1, &o->msg) < 0 || parse_u32(colon + 1, 0, &o->top_lines) < 0)
        return usage_error("--top wants N:LINES, not '%s'", v);
    return set_mode(o, MODE_TOP, "--top");
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

static int parse_valued(struct options *o, int argc, char **argv, int *i)
{
    const char *a = argv[*i], *v;
    uint32_t n;

    if (strcmp(a, "-u") == 0 || is_opt(a, "--user")) {
        v = strcmp(a, "-u") == 0 ? (*i + 1 < argc ? argv[++*i] : NULL)
                                 : opt_value(argc, argv, i, "--user");
        if (v == NULL)
            return usage_error("%s needs a value", a);
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
        o->maildir = v;
        return set_mode(o, MODE_MAILDIR, "--maildir");
    } else if (is_opt(a, "--top") && (v = opt_value(argc, argv, i, "--top")))
        return parse_top(o, v);
    else if (is_opt(a, "--msg") && (v = opt_value(argc, argv, i, "--msg"))) {
        if (parse_u32(v, 1, &n) < 0)
            return usage_error("--msg wants a message number >= 1, not '%s'", v);
        if (o->mode == MODE_MSG && o->msg != n)
            return usage_error("%s: two different message numbers", v);
        o->msg = n;
        return set_mode(o, MODE_MSG, "--msg");
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
            return usage_error("--auth wants PLAIN, LOGIN, CRAM-MD5, XOAUTH2, "
                               "OAUTHBEARER or USER, not '%s'", v);
    } else if (is_opt(a, "--timeout") && (v = opt_value(argc, argv, i, "--timeout"))) {
        if (parse_u32(v, 1, &n) < 0 || n > 86400)
            return usage_error("--timeout wants 1..86400 seconds, not '%s'", v);
        o->timeout_s = n;
    }
    if (v == NULL)
        return usage_error("unknown option or missing value: %s", a);
    return 0;
}

static int parse_flag(struct options *o, const char *a)
{
    if (strcmp(a, "--list") == 0)
        return set_mode(o, MODE_LIST, a);
    if (strcmp(a, "--uidl") == 0)
        return set_mode(o, MODE_UIDL, a);
    if (strcmp(a, "--discard") == 0) {
        o->discard = 1;
        return set_mode(o, MODE_MAILDIR, a);
    }
    if (strcmp(a, "--apop") == 0)
        o->apop = 1;
    else if (strcmp(a, "--stls") == 0)
        o->stls = 1;
    else if (strcmp(a, "--stls=required") == 0)
        o->stls = 2;
    else if (strcmp(a, "--insecure") == 0)
        o->insecure = 1;
    else if (strcmp(a, "--delete") == 0)
        o->del = 1;
    else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0)
        o->verbose = 1;
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
static int parse_userinfo(struct options *o, char *s, size_t n)
{
    char *colon = memchr(s, ':', n);
    size_t ulen = colon ? (size_t)(colon - s) : n;

    o->user = malloc(ulen + 1);
    if (o->user == NULL || pct_decode(s, ulen, o->user, ulen + 1) < 0)
        return usage_error("bad user name in URL%s", "");
    if (colon != NULL) {
        size_t plen = n - ulen - 1;

        if (pct_decode(colon + 1, plen, o->pass, sizeof o->pass) < 0)
            return usage_error("bad or too long password in URL%s", "");
        o->have_pass = 1;
        memset(colon + 1, '*', plen);
    }
    return 0;
}

static int parse_hostport(struct options *o, const char *s, size_t n)
{
    const char *host = s, *port = NULL, *end = s + n;
    size_t hlen;
    uint32_t pn;

    if (n > 0 && s[0] == '[') {
        const char *rb = memchr(s, ']', n);

        if (rb == NULL || (rb + 1 != end && rb[1] != ':'))
            return usage_error("bad [IPv6] host in URL%s", "");
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
                return usage_error("IPv6 hosts go in brackets: pop3://[%s]/", "::1");
        }
    }
    if (hlen == 0)
        return usage_error("no host in URL%s", "");
    o->host = malloc(hlen + 1);
    if (o->host == NULL)
        return usage_error("out of memory%s", "");
    memcpy(o->host, host, hlen);
    o->host[hlen] = '\0';
    if (strpbrk(o->host, " \t\r\n%@/?#[]") != NULL)
        return usage_error("bad host '%s' in URL", o->host);
    if (port == NULL) {
        strcpy(o->port, o->pop3s ? "995" : "110");
        return 0;
    }
    if ((size_t)(end - port) >= sizeof o->port)
        return usage_error("bad port in URL%s", "");
    memcpy(o->port, port, (size_t)(end - port));
    o->port[end - port] = '\0';
    if (parse_u32(o->port, 1, &pn) < 0 || pn > 65535)
        return usage_error("bad port '%s' in URL", o->port);
    return 0;
}

static int parse_url(struct options *o, char *url)
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
        return usage_error("%s", "URL must start with pop3:// or pop3s://"); /* never echo: it may hold a password */
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
    if ((r = parse_hostport(o, p, (size_t)(rest + alen - p))) != 0)
        return r;
    if (slash != NULL && slash[1] != '\0') {
        uint32_t n;

        if (parse_u32(slash + 1, 1, &n) < 0)
            return usage_error("bad message number '/%s' in URL", slash + 1);
        if (o->mode == MODE_MSG && o->msg != n)
            return usage_error("%s: two different message numbers", slash + 1);
        o->msg = n;
        return set_mode(o, MODE_MSG, "/N in the URL");
    }
    return 0;
}

static int read_pass_file(struct options *o)
{
    FILE *f = fopen(o->pass_file, "r");
    size_t n;

    if (f == NULL) {
        fprintf(stderr, "%s: %s: %s\n", PROG, o->pass_file, strerror(errno));
        return EX_IOERR; /* a local file that cannot be read */
    }
    if (fgets(o->pass, sizeof o->pass, f) == NULL)
        o->pass[0] = '\0';
    fclose(f);
    n = strlen(o->pass);
    if (n == sizeof o->pass - 1 && o->pass[n - 1] != '\n') {
        wipe(o->pass, sizeof o->pass);
        return usage_error("%s: password too long", o->pass_file);
    }
    while (n > 0 && (o->pass[n - 1] == '\n' || o->pass[n - 1] == '\r'))
        o->pass[--n] = '\0';
    o->have_pass = 1;
    return 0;
}

/* The bearer token: first line of --oauth2-token-file, CR/LF stripped. */
static int read_token_file(struct options *o)
{
    FILE *f = fopen(o->token_file, "r");
    size_t n;

    if (f == NULL) {
        fprintf(stderr, "%s: %s: %s\n", PROG, o->token_file, strerror(errno));
        return EX_IOERR;
    }
    o->token = calloc(1, TOKEN_MAX);
    if (o->token == NULL) {
        fclose(f);
        return EX_OSERR;
    }
    if (fgets(o->token, TOKEN_MAX, f) == NULL)
        o->token[0] = '\0';
    fclose(f);
    n = strlen(o->token);
    if (n == TOKEN_MAX - 1 && o->token[n - 1] != '\n')
        return usage_error("%s: token too long", o->token_file);
    while (n > 0 && (o->token[n - 1] == '\n' || o->token[n - 1] == '\r'))
        o->token[--n] = '\0';
    if (n == 0)
        return usage_error("%s: empty token", o->token_file);
    return 0;
}

/* Credentials: -u beats the URL user; --pass-file beats the URL password,
 * which beats $POP3_PASSWORD. With --oauth2-token-file no password is
 * needed. */
static int resolve_credentials(struct options *o)
{
    const char *env;
    int r;

    if (o->user_opt != NULL) {
        free(o->user);
        o->user = strdup(o->user_opt);
        if (o->user == NULL)
            return EX_OSERR;
    }
    if (o->pass_file != NULL && (r = read_pass_file(o)) != 0)
        return r;
    if (o->token_file != NULL) {
        if ((r = read_token_file(o)) != 0)
            return r;
        if (o->user == NULL || o->user[0] == '\0')
            return usage_error("no user name (pop3://USER@HOST or -u USER)%s", "");
        return 0;
    }
    if (!o->have_pass && (env = getenv("POP3_PASSWORD")) != NULL) {
        if (strlen(env) >= sizeof o->pass)
            return usage_error("POP3_PASSWORD too long%s", "");
        strcpy(o->pass, env);
        o->have_pass = 1;
    }
    if (o->user == NULL || o->user[0] == '\0')
        return usage_error("no user name (pop3://USER@HOST or -u USER)%s", "");
    if (!o->have_pass)
        return usage_error("no password (URL, --pass-file or POP3_PASSWORD)%s", "");
    return 0;
}

static int check_options(struct options *o)
{
    if (o->url == NULL)
        return usage_error("missing URL%s", "");
    if (o->mode == MODE_NONE && (o->maildir = getenv("MAILDIR")) != NULL &&
        o->maildir[0] != '\0')
        o->mode = MODE_MAILDIR; /* the usual Maildir location variable */
    if (o->mode == MODE_NONE)
        return usage_error("nothing to do: give --list, --uidl, --top, --msg, "
                           "/N or --maildir DIR (or set MAILDIR)%s", "");
    if (o->del && (o->mode != MODE_MAILDIR || o->discard))
        return usage_error("--delete works only with --maildir%s", "");
    if (o->discard && o->maildir != NULL)
        return usage_error("--discard conflicts with --maildir%s", "");
    if (o->pop3s && o->stls)
        return usage_error("--stls makes no sense with pop3:// (implicit TLS)%s", "s");
    if (o->apop && (o->stls || o->auth_name != NULL))
        return usage_error("--apop needs the greeting's timestamp: it cannot follow "
                           "STLS or go with --auth%s", "");
    if (o->token_file != NULL && o->auth_mech != 0 && o->auth_mech != POP3_SASL_XOAUTH2 &&
        o->auth_mech != POP3_SASL_OAUTHBEARER)
        return usage_error("--oauth2-token-file goes with --auth XOAUTH2 or OAUTHBEARER%s", "");
    if (o->token_file != NULL && o->auth_name != NULL && o->auth_mech == 0)
        return usage_error("--oauth2-token-file goes with --auth XOAUTH2 or OAUTHBEARER%s", "");
    if ((o->auth_mech == POP3_SASL_XOAUTH2 || o->auth_mech == POP3_SASL_OAUTHBEARER) &&
        o->token_file == NULL)
        return usage_error("--auth %s needs --oauth2-token-file", o->auth_name);
    if ((o->cafile || o->capath || o->insecure) && !o->pop3s && !o->stls)
        return usage_error("--cafile, --capath and --insecure need pop3s:// or --stls%s", "");
    return 0;
}

static int parse_args(struct options *o, int argc, char **argv)
{
    int i, r, opts_done = 0;

    for (i = 1; i < argc; i++) {
        char *a = argv[i];

        if (opts_done || a[0] != '-' || a[1] == '\0') {
            if (o->url != NULL)
                return usage_error("%s", "more than one URL"); /* it may hold a password */
            o->url = a;
            if ((r = parse_url(o, a)) != 0)
                return r;
        } else if (strcmp(a, "--") == 0) {
            opts_done = 1;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
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

/* --- protocol trace (-v) ---------------------------------------------------- */

static void trace_flush(struct trace *t)
{
    fputs("C: ", stderr);
    put_safe(stderr, t->line, t->len);
    fputs(t->hidden ? "****\n" : "\n", stderr);
    wipe(t->line, sizeof t->line);
    t->len = 0;
    t->hidden = 0;
    t->spaces = 0;
}

/* Echo octets the server accepted. PASS hides its argument; APOP hides the
 * digest (it is derived from the password and could be brute-forced). */
static void trace_octets(struct trace *t, const uint8_t *d, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        char ch = (char)d[i];

        if (ch == '\n') {
            trace_flush(t);
            continue;
        }
        if (t->len == 0 && t->in_auth)
            t->hidden = 1; /* a SASL response line */
        if (ch == '\r' || t->hidden || t->len + 1 >= sizeof t->line)
            continue;
        t->line[t->len++] = ch;
        if (ch != ' ')
            continue;
        t->spaces++;
        if ((t->spaces == 1 && t->len == 5 && strncasecmp(t->line, "PASS ", 5) == 0) ||
            (t->spaces == 2 && strncasecmp(t->line, "APOP ", 5) == 0))
            t->hidden = 1;
        if (t->spaces == 2 && strncasecmp(t->line, "AUTH ", 5) == 0)
            t->hidden = 1; /* the initial response */
        if (t->spaces == 1 && t->len == 5 && strncasecmp(t->line, "AUTH ", 5) == 0)
            t->in_auth = 1;
    }
}

static long trace_send(void *ctx, const uint8_t *data, size_t len)
{
    struct trace *t = ctx;
    long n = t->inner->send(t->inner->ctx, data, len);

    if (n > 0)
        trace_octets(t, data, (size_t)n);
    return n;
}

static void trace_close(void *ctx)
{
    struct trace *t = ctx;

    if (t->inner->close != NULL)
        t->inner->close(t->inner->ctx);
}

static long cork_send(void *ctx, const uint8_t *data, size_t len)
{
    struct cork *k = ctx;

    if (k->on)
        return 0; /* resumed by pop3_client_writable() after uncorking */
    return k->inner->send(k->inner->ctx, data, len);
}

static void cork_close(void *ctx)
{
    struct cork *k = ctx;

    if (k->inner->close != NULL)
        k->inner->close(k->inner->ctx);
}

static const pop3_transport *cork_wrap(struct cork *k, const pop3_transport *inner)
{
    memset(k, 0, sizeof *k);
    k->inner = inner;
    k->tr.send = cork_send;
    k->tr.close = cork_close;
    k->tr.ctx = k;
    return &k->tr;
}

static const pop3_transport *trace_wrap(struct trace *t, const pop3_transport *inner)
{
    memset(t, 0, sizeof *t);
    t->inner = inner;
    t->tr.send = trace_send;
    t->tr.close = trace_close;
    t->tr.ctx = t;
    return &t->tr;
}

static const char *resp_code_text(pop3_resp_code code)
{
    switch (code) {
    case POP3_RESP_IN_USE: return "[IN-USE] ";
    case POP3_RESP_LOGIN_DELAY: return "[LOGIN-DELAY] ";
    case POP3_RESP_SYS_TEMP: return "[SYS/TEMP] ";
    case POP3_RESP_SYS_PERM: return "[SYS/PERM] ";
    case POP3_RESP_AUTH: return "[AUTH] ";
    default: return "";
    }
}

/* Server side of the trace, rebuilt from events: status lines and listing
 * lines, never message bodies. */
static void trace_event(struct app *a, const pop3_event *ev)
{
    if (!a->o.verbose)
        return;
    switch (ev->type) {
    case POP3_EV_GREETING: case POP3_EV_LOGIN: case POP3_EV_MSG_BEGIN:
    case POP3_EV_OK: case POP3_EV_STLS:
        fputs(ev->len ? "S: +OK " : "S: +OK", stderr);
        break;
    case POP3_EV_SERVER_ERR:
        fprintf(stderr, "S: -ERR %s", resp_code_text(ev->code));
        break;
    case POP3_EV_CAPA_LINE: case POP3_EV_UIDL:
        if (ev->type == POP3_EV_UIDL)
            fprintf(stderr, "S: %" PRIu32 " ", ev->msg);
        else
            fputs("S: ", stderr);
        break;
    case POP3_EV_STAT:
        fprintf(stderr, "S: +OK %" PRIu32 " %" PRIu64 "\n", ev->count, ev->size);
        return;
    case POP3_EV_LIST:
        fprintf(stderr, "S: %" PRIu32 " %" PRIu64 "\n", ev->msg, ev->size);
        return;
    case POP3_EV_END: case POP3_EV_MSG_END:
        fputs("S: .\n", stderr);
        return;
    case POP3_EV_CLOSED:
        if (a->abort_session)
            fputs("* connection dropped without QUIT\n", stderr);
        else
            fprintf(stderr, "* closed: %s\n", pop3_strerror(ev->err));
        return;
    default:
        return;
    }
    put_safe(stderr, ev->text, ev->len);
    fputc('\n', stderr);
}

/* --- session control -------------------------------------------------------- */

/* Ask for QUIT. If the engine cannot queue it, there is no orderly way out:
 * drop the connection, which also means nothing is committed. */
static void end_session(struct app *a)
{
    pop3_err r;

    if (a->quit_sent || a->abort_session)
        return;
    r = pop3_client_quit(&a->c);
    if (r == POP3_OK) {
        a->quit_sent = 1;
        a->want_quit = 0;
    } else if (r == POP3_ERR_BUSY) {
        a->want_quit = 1; /* retried after the next reply */
    } else if (pop3_client_state(&a->c) != POP3_STATE_CLOSED) {
        a->abort_session = 1;
    }
}

/* A local failure (disk, stdout): stop event delivery at once and end the
 * session without QUIT, so the server rolls back any DELE already sent
 * (RFC 1939 sec. 6: deletions happen only in the UPDATE state). */
static void local_failure(struct app *a, const char *what, int err)
{
    fail_str(a, EX_IOERR, what, strerror(err));
    a->abort_session = 1;
    pop3_client_abort(&a->c);
}

static void queue_failed(struct app *a, const char *cmd, pop3_err r)
{
    fail_str(a, r == POP3_ERR_ARG ? EX_USAGE : EX_SOFTWARE, cmd, pop3_strerror(r));
    end_session(a);
}

/* --- maildir ---------------------------------------------------------------- */

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

static int maildir_open(struct app *a)
{
    static const char *const sub[] = { "tmp", "new", "cur" };
    struct maildir *m = &a->md;
    char path[PATH_MAX];
    size_t i;
    char *s;
    int r = 0, created = 0;
    size_t n = strlen(a->o.maildir);

    m->newfd = -1;
    if (n >= sizeof m->dir) {
        fail_str(a, EX_IOERR, a->o.maildir, strerror(ENAMETOOLONG));
        return -1;
    }
    memcpy(m->dir, a->o.maildir, n + 1);
    while (n > 1 && m->dir[n - 1] == '/')
        m->dir[--n] = '\0';
    if ((r = ensure_dir(m->dir)) < 0 || (r > 0 && fsync_parent(m->dir) < 0)) {
        fail_str(a, EX_IOERR, m->dir, strerror(errno));
        return -1;
    }
    for (i = 0; i < sizeof sub / sizeof sub[0]; i++) {
        if ((size_t)snprintf(path, sizeof path, "%s/%s", m->dir, sub[i]) >= sizeof path) {
            errno = ENAMETOOLONG;
            r = -1;
        } else {
            r = ensure_dir(path);
        }
        if (r < 0) {
            fail_str(a, EX_IOERR, path, strerror(errno));
            return -1;
        }
        created |= r;
    }
    if (created && fsync_dir(m->dir) < 0) {
        fail_str(a, EX_IOERR, m->dir, strerror(errno));
        return -1;
    }
    snprintf(path, sizeof path, "%s/new", m->dir);
    m->pid = (long)getpid();
    m->newfd = open(path, O_RDONLY | O_CLOEXEC);
    if (m->newfd < 0) {
        fail_str(a, EX_IOERR, path, strerror(errno));
        return -1;
    }
    if (gethostname(m->host, sizeof m->host) < 0)
        strcpy(m->host, "localhost");
    m->host[sizeof m->host - 1] = '\0';
    /* '/' and ':' have meaning in Maildir file names. */
    for (s = m->host; *s; s++)
        if (*s == '/' || *s == ':')
            *s = '_';
    return 0;
}

/* Unique name per the Maildir convention: time, microseconds, pid, a
 * per-process counter, host; created with O_EXCL so a clash is an error,
 * never an overwrite. */
static void maildir_begin(struct app *a)
{
    struct maildir *m = &a->md;
    struct timespec ts;
    char name[160];
    int fd;

    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(name, sizeof name, "%lld.M%ldP%ldQ%lu.%s", (long long)ts.tv_sec,
             (long)(ts.tv_nsec / 1000), m->pid, ++m->seq, m->host);
    if ((size_t)snprintf(m->tmp, sizeof m->tmp, "%s/tmp/%s", m->dir, name) >= sizeof m->tmp ||
        (size_t)snprintf(m->dst, sizeof m->dst, "%s/new/%s", m->dir, name) >= sizeof m->dst) {
        local_failure(a, m->dir, ENAMETOOLONG);
        return;
    }
    fd = open(m->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 || (m->f = fdopen(fd, "wb")) == NULL) {
        int e = errno;

        if (fd >= 0) {
            close(fd);
            unlink(m->tmp);
        }
        local_failure(a, m->tmp, e);
        return;
    }
    setvbuf(m->f, NULL, _IOFBF, 65536);
}

static void maildir_discard(struct app *a)
{
    if (a->md.f != NULL) {
        fclose(a->md.f);
        a->md.f = NULL;
        unlink(a->md.tmp);
    }
}

/* Durable before deletable: data fsync'd, renamed into new/, and the
 * directory entry fsync'd (maildir_sync); only then may the message be
 * DELEd. One fsync of new/ covers every rename before it, so it is done
 * once per batch: before the DELEs of the messages stored since the last
 * one (with --delete, after each read from the socket), before QUIT, and
 * at exit. */
static int maildir_reap(struct app *a, int wait);
static int maildir_stored(struct app *a, uint32_t msg);

static int maildir_commit(struct app *a)
{
    struct maildir *m = &a->md;
    FILE *f = m->f;
    int e = 0;

    m->f = NULL;
    if (fflush(f) != 0 || fsync(fileno(f)) != 0)
        e = errno;
    if (fclose(f) != 0 && e == 0)
        e = errno;
    if (e == 0 && rename(m->tmp, m->dst) != 0)
        e = errno;
    if (e != 0) {
        unlink(m->tmp);
        local_failure(a, m->tmp, e);
        return -1;
    }
    m->dir_dirty = 1;
    return 0;
}

/* The message in m->f is complete: queue its fsync. Returns -1 after a
 * local failure. Without background fsync (aio_fsync refused) it is
 * committed at once. */
static int maildir_done_writing(struct app *a, uint32_t msg)
{
    struct maildir *m = &a->md;
    struct syncing *y;

    if (m->sy_n == SYNC_MAX && maildir_reap(a, 1) < 0)
        return -1;
    y = &m->sy[(m->sy_head + m->sy_n) % SYNC_MAX];
    if (fflush(m->f) != 0) {
        local_failure(a, m->tmp, errno);
        return -1;
    }
    memset(&y->cb, 0, sizeof y->cb);
    y->cb.aio_fildes = fileno(m->f);
    y->cb.aio_sigevent.sigev_notify = SIGEV_NONE;
    if (aio_fsync(O_SYNC, &y->cb) != 0) {
        if (maildir_commit(a) < 0)
            return -1;
        a->stored++;
        return maildir_stored(a, msg);
    }
    y->f = m->f;
    memcpy(y->tmp, m->tmp, sizeof y->tmp);
    memcpy(y->dst, m->dst, sizeof y->dst);
    y->msg = msg;
    m->f = NULL;
    m->sy_n++;
    return 0;
}

/* Finish the background fsyncs that are done (all of them when wait):
 * close, rename into new/. In order, so the oldest goes first. */
static int maildir_reap(struct app *a, int wait)
{
    struct maildir *m = &a->md;

    while (m->sy_n > 0) {
        struct syncing *y = &m->sy[m->sy_head];
        int e = aio_error(&y->cb);

        if (e == EINPROGRESS) {
            const struct aiocb *list[1];

            if (!wait)
                return 0;
            list[0] = &y->cb;
            (void)aio_suspend(list, 1, NULL);
            continue;
        }
        if (aio_return(&y->cb) != 0 && e == 0)
            e = EIO;
        m->sy_head = (m->sy_head + 1) % SYNC_MAX;
        m->sy_n--;
        if (fclose(y->f) != 0 && e == 0)
            e = errno;
        if (e == 0 && rename(y->tmp, y->dst) != 0)
            e = errno;
        if (e != 0) {
            unlink(y->tmp);
            local_failure(a, y->tmp, e);
            return -1;
        }
        m->dir_dirty = 1;
        a->stored++;
        if (maildir_stored(a, y->msg) < 0)
            return -1;
    }
    return 0;
}

/* Make every rename so far durable, then let their DELEs go. */
static int maildir_sync(struct app *a)
{
    struct maildir *m = &a->md;

    if (m->dir_dirty) {
        if (fsync(m->newfd) != 0) {
            local_failure(a, m->dir, errno);
            return -1;
        }
        m->dir_dirty = 0;
    }
    while (a->pend_n > 0 && a->dele_n < QUEUE_LEN) {
        a->dele_q[(a->dele_head + a->dele_n) % QUEUE_LEN] = a->pend[a->pend_head];
        a->dele_n++;
        a->pend_head = (a->pend_head + 1) % QUEUE_LEN;
        a->pend_n--;
    }
    return 0;
}

/* Keep the engine's queue full: DELEs for stored messages first (they are
 * what makes progress permanent), then RETRs up to the window, and QUIT
 * once every message has been answered. */
static void maildir_pump(struct app *a)
{
    pop3_err r;

    if (!a->have_stat || a->abort_session || a->quit_sent ||
        pop3_client_state(&a->c) != POP3_STATE_TRANSACTION)
        return;
    /* Every message answered: the last batch becomes durable before QUIT. */
    if (a->next_retr > a->count && a->retr_out == 0 && !a->o.discard &&
        (maildir_reap(a, 1) < 0 || maildir_sync(a) < 0))
        return;
    while (a->dele_n > 0) {
        r = pop3_client_dele(&a->c, a->dele_q[a->dele_head]);
        if (r == POP3_ERR_BUSY)
            return;
        if (r != POP3_OK) {
            queue_failed(a, "DELE", r);
            return;
        }
        a->dele_head = (a->dele_head + 1) % QUEUE_LEN;
        a->dele_n--;
    }
    while (a->next_retr <= a->count && a->retr_out < RETR_WINDOW) {
        r = pop3_client_retr(&a->c, (uint32_t)a->next_retr);
        if (r == POP3_ERR_BUSY)
            break;
        if (r != POP3_OK) {
            queue_failed(a, "RETR", r);
            return;
        }
        a->retr_out++;
        a->next_retr++;
    }
    /* Without --delete nothing waits for storage: QUIT goes right behind
     * the last RETR instead of a round trip after its reply. With --delete
     * it waits until every stored message's DELE is queued. */
    if (a->next_retr > a->count &&
        (!a->o.del || (a->retr_out == 0 && a->pend_n == 0)))
        end_session(a);
}

static void maildir_msg_end(struct app *a, uint32_t msg)
{
    if (a->retr_out > 0)
        a->retr_out--;
    if (a->o.discard) {
        a->stored++;
        return;
    }
    if (a->md.f != NULL)
        (void)maildir_done_writing(a, msg);
}

/* msg is in new/: its DELE waits for the next fsync of new/. */
static int maildir_stored(struct app *a, uint32_t msg)
{
    if (!a->o.del)
        return 0;
    if (a->pend_n == QUEUE_LEN && maildir_sync(a) < 0)
        return -1;
    if (a->pend_n < QUEUE_LEN) {
        a->pend[(a->pend_head + a->pend_n) % QUEUE_LEN] = msg;
        a->pend_n++;
    }
    return 0;
}

/* --- progress (stderr is a terminal) --------------------------------------- */

static void fmt_bytes(char *buf, size_t n, uint64_t v)
{
    if (v < 1024)
        snprintf(buf, n, "%" PRIu64 " B", v);
    else if (v < 1048576)
        snprintf(buf, n, "%.1f KiB", (double)v / 1024);
    else
        snprintf(buf, n, "%.1f MiB", (double)v / 1048576);
}

static void progress_show(struct app *a, int force)
{
    uint32_t now = pop3_posix_now_ms();
    char done[32], total[32];

    if (!a->progress || a->exit_code != 0 || a->count == 0)
        return;
    if (!force && a->progress_shown && now - a->progress_at < PROGRESS_MS)
        return;
    a->progress_at = now;
    fmt_bytes(done, sizeof done, a->done_bytes);
    fmt_bytes(total, sizeof total, a->total_bytes);
    fprintf(stderr, "\r%s: %" PRIu32 "/%" PRIu32 " messages, %s/%s\033[K", PROG,
            a->stored, a->count, done, total);
    a->progress_shown = 1;
}

/* --- events ----------------------------------------------------------------- */

static void start_transaction(struct app *a)
{
    pop3_err r = POP3_OK;

    switch (a->o.mode) {
    case MODE_LIST: r = pop3_client_list(&a->c, 0); break;
    case MODE_UIDL: r = pop3_client_uidl(&a->c, 0); break;
    case MODE_TOP:  r = pop3_client_top(&a->c, a->o.msg, a->o.top_lines); break;
    case MODE_MSG:  r = pop3_client_retr(&a->c, a->o.msg); break;
    default:        r = pop3_client_stat(&a->c); break;
    }
    if (r != POP3_OK)
        queue_failed(a, "command", r);
}

/* Log in: --auth MECH, else with a token the strongest OAuth mechanism
 * offered, else the strongest SASL mechanism offered (PLAIN and LOGIN only
 * over TLS), else USER/PASS. */
static void start_login(struct app *a)
{
    unsigned mech = a->o.auth_mech;
    unsigned offered = pop3_client_sasl_mechs(&a->c);
    pop3_err r;

    if (a->logging_in)
        return;
    a->logging_in = 1;
    if (a->o.token != NULL && mech == 0) {
        mech = pop3_sasl_pick(offered, true, true);
        if (mech == 0) {
            fail_str(a, EX_NOPERM, "login", "the server offers neither OAUTHBEARER "
                     "nor XOAUTH2 (CAPA SASL)");
            end_session(a);
            return;
        }
    } else if (a->o.auth_name == NULL) {
        mech = pop3_sasl_pick(offered, false, pop3_client_tls_active(&a->c));
    }
    if (a->o.verbose)
        fprintf(stderr, "* login with %s%s\n", mech ? "SASL " : "USER/PASS",
                mech ? pop3_sasl_name(mech) : "");
    if (mech != 0)
        r = pop3_client_auth(&a->c, mech, a->o.user,
                             a->o.token != NULL ? a->o.token : a->o.pass);
    else
        r = pop3_client_login(&a->c, a->o.user, a->o.pass, POP3_AUTH_USER);
    if (r != POP3_OK) {
        fail_str(a, r == POP3_ERR_ARG ? EX_USAGE : EX_SOFTWARE, "login", pop3_strerror(r));
        end_session(a);
        return;
    }
    start_transaction(a); /* queued behind the login: with PIPELINING, same round trip */
}

/* CAPA answered or refused: STLS first when asked for, then the login. */
static void after_capa(struct app *a)
{
    pop3_err r;

    if (a->logging_in || a->quit_sent)
        return;
    if (a->o.stls && !pop3_client_tls_active(&a->c)) {
        if (pop3_client_capa_flags(&a->c) & POP3_CAPA_STLS) {
            if ((r = pop3_client_stls(&a->c)) != POP3_OK)
                queue_failed(a, "STLS", r);
            return;
        }
        if (a->o.stls == 2) {
            /* A downgrade (or a server without TLS): never send credentials. */
            fail_str(a, EX_UNAVAILABLE, a->o.host, "server does not offer STLS; "
                     "not logging in without TLS (--stls=required)");
            end_session(a);
            return;
        }
        if (a->o.verbose)
            fputs("* server does not offer STLS; continuing without TLS\n", stderr);
    }
    start_login(a);
}

static void on_greeting(struct app *a, const pop3_event *ev)
{
    pop3_err r;

    a->greeted = 1;
    (void)pop3_client_capa(&a->c); /* a -ERR here just means no CAPA */
    if (!a->o.apop)
        return; /* the login follows the CAPA reply (after_capa) */
    /* APOP needs the greeting's timestamp, so it is queued now. */
    a->logging_in = 1;
    r = pop3_client_login(&a->c, a->o.user, a->o.pass, POP3_AUTH_APOP);
    if (r == POP3_ERR_APOP_UNAVAILABLE) {
        fail_str(a, EX_NOPERM, "APOP", pop3_strerror(r));
        end_session(a);
    } else if (r != POP3_OK) {
        fail_str(a, r == POP3_ERR_ARG ? EX_USAGE : EX_SOFTWARE, "login", pop3_strerror(r));
        end_session(a);
    } else {
        start_transaction(a);
    }
    (void)ev;
}

static const char *cmd_name(pop3_cmd cmd)
{
    static const char *const names[] = {
        "reply", "USER", "PASS", "APOP", "CAPA", "STAT", "LIST", "UIDL",
        "RETR", "TOP", "DELE", "RSET", "NOOP", "QUIT", "STLS", "AUTH"
    };
    return (unsigned)cmd < sizeof names / sizeof names[0] ? names[cmd] : "reply";
}

/* RFC 2449 sec. 8.1 / RFC 3206: IN-USE, LOGIN-DELAY and SYS/TEMP say "try
 * again later"; a plain -ERR to USER/PASS/APOP (or [AUTH]) is a refusal;
 * any other -ERR (no such message, ...) means the request cannot be met. */
static void on_server_err(struct app *a, const pop3_event *ev)
{
    char what[48];
    int code = EX_UNAVAILABLE;

    if (ev->cmd == POP3_CMD_CAPA) {
        after_capa(a);
        return;
    }
    if (ev->cmd == POP3_CMD_AUTH)
        a->trace.in_auth = 0;
    if (ev->cmd == POP3_CMD_STLS && a->o.stls != 2) {
        if (a->o.verbose)
            fputs("* STLS refused; continuing without TLS\n", stderr);
        start_login(a);
        return;
    }
    if (ev->cmd == POP3_CMD_STLS) {
        fail_msg(a, EX_UNAVAILABLE, "STLS refused; not logging in without TLS "
                 "(--stls=required)", ev->text, ev->len);
        end_session(a);
        return;
    }
    if (ev->code == POP3_RESP_IN_USE || ev->code == POP3_RESP_LOGIN_DELAY ||
        ev->code == POP3_RESP_SYS_TEMP)
        code = EX_TEMPFAIL;
    else if (ev->cmd == POP3_CMD_USER || ev->cmd == POP3_CMD_PASS ||
             ev->cmd == POP3_CMD_APOP || ev->cmd == POP3_CMD_AUTH ||
             ev->code == POP3_RESP_AUTH)
        code = EX_NOPERM;
    if (code == EX_NOPERM)
        snprintf(what, sizeof what, "login refused (%s)", cmd_name(ev->cmd));
    else if (ev->msg != 0)
        snprintf(what, sizeof what, "%s %" PRIu32, cmd_name(ev->cmd), ev->msg);
    else if (ev->cmd == POP3_CMD_NONE)
        snprintf(what, sizeof what, "%s", a->greeted ? "server" : "greeting");
    else
        snprintf(what, sizeof what, "%s", cmd_name(ev->cmd));
    if (a->exit_code == 0 && ev->code != POP3_RESP_NONE && ev->code != POP3_RESP_OTHER) {
        char buf[600];
        int n = snprintf(buf, sizeof buf, "%s%.*s", resp_code_text(ev->code),
                         (int)(ev->len < 512 ? ev->len : 512), ev->text);

        fail_msg(a, code, what, buf, n > 0 ? (size_t)n : 0);
    } else {
        fail_msg(a, code, what, ev->text, ev->len);
    }
    if (a->o.mode == MODE_MAILDIR && pop3_client_state(&a->c) == POP3_STATE_TRANSACTION &&
        (ev->cmd == POP3_CMD_RETR || ev->cmd == POP3_CMD_DELE)) {
        /* One message failing does not stop the others; it is simply not
         * stored and therefore not deleted. */
        if (ev->cmd == POP3_CMD_RETR && a->retr_out > 0)
            a->retr_out--;
        maildir_discard(a);
        return;
    }
    if (ev->cmd != POP3_CMD_QUIT)
        end_session(a);
}

static int exit_for_close(pop3_err e, int greeted)
{
    switch (e) {
    case POP3_ERR_CLOSED:           return 0;
    case POP3_ERR_RESOLVE:          return EX_NOHOST;
    case POP3_ERR_CONNECT:
    case POP3_ERR_RESET:
    case POP3_ERR_TRANSPORT:        return EX_UNAVAILABLE;
    case POP3_ERR_EOF:              return greeted ? EX_PROTOCOL : EX_UNAVAILABLE;
    case POP3_ERR_TIMEOUT_CONNECT:
    case POP3_ERR_TIMEOUT_GREETING:
    case POP3_ERR_TIMEOUT_REPLY:
    case POP3_ERR_TIMEOUT_IDLE:     return EX_TEMPFAIL;
    case POP3_ERR_TRUNCATED:
    case POP3_ERR_LINE_TOO_LONG:
    case POP3_ERR_PROTOCOL:
    case POP3_ERR_NUMBER:
    case POP3_ERR_UNEXPECTED:       return EX_PROTOCOL;
    case POP3_ERR_APOP_UNAVAILABLE: return EX_NOPERM;
    case POP3_ERR_TLS_VERIFY:       return EXIT_TLS_VERIFY;
    case POP3_ERR_TLS:
    case POP3_ERR_STLS_DATA:        return EX_PROTOCOL;
    default:                        return EX_SOFTWARE;
    }
}

static void on_closed(struct app *a, const pop3_event *ev)
{
    int code = exit_for_close(ev->err, a->greeted);
    char what[300];

    maildir_discard(a);
    if (ev->err == POP3_ERR_EOF && a->quit_sent) {
        /* QUIT is sent only when the work is done, so only its answer is
         * missing. Harmless unless deletions hang on it:
         * the server may or may not have entered UPDATE. */
        if (!a->o.del)
            return;
        fail_str(a, EX_PROTOCOL, a->o.host, "server closed the connection "
                 "without answering QUIT; deletions may not be committed");
        return;
    }
    if (code == 0) {
        /* QUIT answered, but did we get everything we asked for? */
        if (!a->quit_sent)
            fail_str(a, EX_PROTOCOL, a->o.host, "session ended before QUIT");
        return;
    }
    if (ev->err == POP3_ERR_TLS_VERIFY || ev->err == POP3_ERR_TLS) {
        char why[200];

        if (ev->err == POP3_ERR_TLS_VERIFY)
            pop3_tls_posix_verify_text(pop3_tls_verify_result(&a->tls), why, sizeof why);
        else
            pop3_tls_posix_error_text(pop3_tls_last_error(&a->tls), why, sizeof why);
        snprintf(what, sizeof what, "%s: %s", a->o.host, pop3_strerror(ev->err));
        fail_str(a, code, what, why);
        return;
    }
    if (ev->err == POP3_ERR_CONNECT || ev->err == POP3_ERR_TIMEOUT_CONNECT)
        snprintf(what, sizeof what, "%s port %s", a->o.host, a->o.port);
    else
        snprintf(what, sizeof what, "%s", a->o.host);
    fail_str(a, code, what, pop3_strerror(ev->err));
}

static void on_msg_data(struct app *a, const pop3_event *ev)
{
    if (a->o.mode == MODE_MAILDIR) {
        if (a->md.f != NULL && fwrite(ev->text, 1, ev->len, a->md.f) != ev->len)
            local_failure(a, a->md.tmp, errno);
        a->done_bytes += ev->len;
    } else if (fwrite(ev->text, 1, ev->len, stdout) != ev->len) {
        local_failure(a, "stdout", errno);
    }
}

static void on_msg_end(struct app *a, const pop3_event *ev)
{
    if (a->o.mode == MODE_MAILDIR) {
        maildir_msg_end(a, ev->msg);
        return;
    }
    if (fflush(stdout) != 0) {
        local_failure(a, "stdout", errno);
        return;
    }
    end_session(a);
}

static void on_event(pop3_client *c, const pop3_event *ev, void *user)
{
    struct app *a = user;

    (void)c;
    trace_event(a, ev);
    if (a->abort_session)
        return;
    switch (ev->type) {
    case POP3_EV_GREETING:   on_greeting(a, ev); break;
    case POP3_EV_STLS:       pop3_tls_start(&a->tls); break;
    case POP3_EV_TLS_READY:
        if (a->o.verbose)
            fprintf(stderr, "* TLS established (%s)\n", pop3_tls_version(&a->tls));
        if (!a->o.pop3s) /* RFC 2595 sec. 4: ask again, over TLS */
            (void)pop3_client_capa(&a->c);
        break;
    case POP3_EV_LOGIN:
        a->trace.in_auth = 0; /* the first command is queued behind the login */
        break;
    case POP3_EV_STAT:
        a->count = ev->count;
        a->total_bytes = ev->size;
        a->next_retr = 1;
        a->have_stat = 1;
        break;
    case POP3_EV_LIST:
        if (a->o.mode == MODE_LIST)
            printf("%" PRIu32 " %" PRIu64 "\n", ev->msg, ev->size);
        break;
    case POP3_EV_UIDL:
        if (a->o.mode == MODE_UIDL)
            printf("%" PRIu32 " %.*s\n", ev->msg, (int)ev->len, ev->text);
        break;
    case POP3_EV_END:
        if (ev->cmd == POP3_CMD_CAPA && pop3_client_state(c) == POP3_STATE_AUTHORIZATION)
            after_capa(a);
        if (ev->cmd == POP3_CMD_LIST || ev->cmd == POP3_CMD_UIDL) {
            if (fflush(stdout) != 0)
                local_failure(a, "stdout", errno);
            else
                end_session(a);
        }
        break;
    case POP3_EV_MSG_BEGIN:
        if (a->o.mode == MODE_MAILDIR && !a->o.discard)
            maildir_begin(a);
        break;
    case POP3_EV_MSG_DATA:   on_msg_data(a, ev); break;
    case POP3_EV_MSG_END:    on_msg_end(a, ev); break;
    case POP3_EV_OK:
        if (ev->cmd == POP3_CMD_DELE)
            a->deleted++;
        break;
    case POP3_EV_SERVER_ERR: on_server_err(a, ev); break;
    case POP3_EV_CLOSED:     on_closed(a, ev); break;
    default: break;
    }
    if (a->want_quit)
        end_session(a);
    if (a->o.mode == MODE_MAILDIR)
        maildir_pump(a);
}

/* --- main loop ------------------------------------------------------------- */

static int setup_client(struct app *a)
{
    pop3_client_config cfg;
    const pop3_transport *tr;

    pop3_posix_init(&a->posix);
    pop3_posix_set_family(&a->posix, a->o.family);
    tr = pop3_posix_transport(&a->posix);
    if (a->o.pop3s || a->o.stls) {
        char err[300];

        if (a->o.insecure)
            fprintf(stderr, "%s: WARNING: --insecure: the server certificate is NOT "
                    "verified; anyone on the path can read and change the session, "
                    "password included\n", PROG);
        a->tls_inited = 1;
        if (pop3_tls_posix_config_init(&a->tlsconf, a->o.cafile, a->o.capath,
                                       a->o.insecure != 0, err, sizeof err) != 0) {
            fail_str(a, EX_IOERR, "TLS", err);
            return -1;
        }
        if (pop3_tls_init(&a->tls, &a->c, tr, &a->tlsconf.conf, a->o.host,
                          a->o.pop3s != 0) != POP3_OK) {
            fail_str(a, EX_SOFTWARE, "TLS", "cannot set up the TLS context");
            return -1;
        }
        tr = pop3_tls_transport(&a->tls);
        pop3_tls_posix_filter(&a->filter, &a->tls);
        pop3_posix_set_filter(&a->posix, &a->filter);
    }
    if (a->o.verbose)
        tr = trace_wrap(&a->trace, tr);
    tr = cork_wrap(&a->cork, tr);
    pop3_client_config_defaults(&cfg);
    cfg.transport = tr;
    cfg.cb = on_event;
    cfg.user = a;
    cfg.line_buf = a->line_buf;
    cfg.line_size = sizeof a->line_buf;
    cfg.cmd_buf = a->cmd_buf;
    cfg.cmd_size = sizeof a->cmd_buf;
    cfg.queue = a->queue;
    cfg.queue_len = QUEUE_LEN;
    if (a->o.timeout_s != 0) {
        uint32_t ms = a->o.timeout_s * 1000u;

        cfg.connect_timeout_ms = ms;
        cfg.greeting_timeout_ms = ms;
        cfg.reply_timeout_ms = ms;
    }
    if (pop3_client_init(&a->c, &cfg) != POP3_OK) {
        fail_str(a, EX_SOFTWARE, "init", "pop3_client_init refused the configuration");
        return -1;
    }
    return 0;
}

/* Our own poll() loop rather than pop3_posix_run(): a local failure must be
 * able to drop the connection between two events. */
static void run(struct app *a)
{
    while (pop3_client_state(&a->c) != POP3_STATE_CLOSED) {
        struct pollfd pfd;
        int n;

        if (a->abort_session) {
            pop3_client_abort(&a->c);
            break;
        }
        pfd.fd = pop3_posix_fd(&a->posix);
        pfd.events = pop3_posix_events(&a->posix);
        pfd.revents = 0;
        if (pfd.events == 0)
            pfd.fd = -1;
        n = poll(&pfd, 1, POLL_MS);
        if (n < 0 && errno != EINTR) {
            local_failure(a, "poll", errno);
            continue;
        }
        a->cork.on = 1;
        pop3_posix_handle(&a->posix, n > 0 ? pfd.revents : 0);
        a->cork.on = 0;
        if (pop3_client_state(&a->c) != POP3_STATE_CLOSED)
            pop3_client_writable(&a->c);
        /* Finished background fsyncs: into new/. With --delete, what is in
         * new/ becomes durable now, so its DELEs can go out. */
        if (a->md.sy_n > 0 && maildir_reap(a, 0) < 0)
            continue;
        if (a->o.del && (a->md.dir_dirty || a->pend_n > 0) &&
            maildir_sync(a) == 0)
            maildir_pump(a);
        progress_show(a, 0);
    }
}

int main(int argc, char **argv)
{
    static struct app app;
    struct app *a = &app;
    int r;

    /* A closed stdout pipe is a write error (exit 74), not a silent death. */
    signal(SIGPIPE, SIG_IGN);
    a->md.newfd = -1;
    r = parse_args(&a->o, argc, argv);
    if (r != 0) {
        wipe(a->o.pass, sizeof a->o.pass);
        return r < 0 ? 0 : r;
    }
    if (a->o.mode == MODE_MAILDIR && !a->o.discard && maildir_open(a) < 0)
        goto out;
    a->progress = a->o.mode == MODE_MAILDIR && !a->o.verbose && isatty(STDERR_FILENO);
    if (a->o.mode != MODE_MAILDIR)
        setvbuf(stdout, NULL, _IOFBF, 65536);
    if (setup_client(a) < 0)
        goto out;
    if (a->o.verbose)
        fprintf(stderr, "* connecting to %s port %s\n", a->o.host, a->o.port);
    if (pop3_posix_connect(&a->posix, &a->c, a->o.host, a->o.port) == POP3_OK)
        run(a);
    /* QUIT may have gone out while fsyncs were running: finish them. */
    if (a->md.sy_n > 0)
        (void)maildir_reap(a, 1);
    if (a->md.dir_dirty) {
        if (fsync(a->md.newfd) != 0)
            fail_str(a, EX_IOERR, a->md.dir, strerror(errno));
        a->md.dir_dirty = 0;
    }
    progress_show(a, 1);
    if (a->progress_shown)
        fputc('\n', stderr);
    if (a->o.discard && a->exit_code == 0)
        printf("%" PRIu32 " messages, %" PRIu64 " octets\n", a->stored, a->done_bytes);
    if (a->o.mode == MODE_MAILDIR && a->o.verbose && a->exit_code == 0)
        fprintf(stderr, "* stored %" PRIu32 ", deleted %" PRIu32 "\n", a->stored, a->deleted);
out:
    maildir_discard(a);
    /* Complete messages whose fsync was running are stored; whatever was
     * stored is durable when we exit, whatever happened. */
    if (a->md.sy_n > 0)
        (void)maildir_reap(a, 1);
    if (a->md.dir_dirty && fsync(a->md.newfd) != 0)
        fail_str(a, EX_IOERR, a->md.dir, strerror(errno));
    if (a->md.newfd >= 0)
        close(a->md.newfd);
    pop3_posix_close(&a->posix);
    if (a->tls_inited) {
        pop3_tls_free(&a->tls);
        pop3_tls_posix_config_free(&a->tlsconf);
    }
    if (a->o.token != NULL) {
        wipe(a->o.token, TOKEN_MAX);
        free(a->o.token);
    }
    pop3_client_free(&a->c);
    wipe(a->o.pass, sizeof a->o.pass);
    free(a->o.user);
    free(a->o.host);
    if (fflush(stdout) != 0 || ferror(stdout))
        fail_str(a, EX_IOERR, "stdout", strerror(errno));
    return a->exit_code;
}
