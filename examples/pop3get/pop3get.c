/* SPDX-License-Identifier: MIT */
/* pop3get - fetch mail from a POP3 server: list, print, or store into a
 * Maildir, optionally deleting what was stored.
 *
 *   pop3get [options] pop3://[USER[:PASS]@]HOST[:PORT][/N]
 *   pop3get [options] pop3s://[USER[:PASS]@]HOST[:PORT][/N]   (TLS, port 995)
 *
 * The reference is the manual page pop3get.1 (docs/pop3get.md). This file
 * wires the parts together and runs the poll() loop:
 *   pg_options  command line, URL, credentials
 *   pg_session  CAPA/STLS/login choice, ending the session, exit statuses
 *   pg_fetch    RETR window, DELE only after the store made a message durable
 *   pg_store    delivery: pg_maildir (batches synced by a thread), pg_mbox, pg_mda,
 *               through pg_deliver (LF line ends, mboxrd, Received)
 *   pg_uidstate which UIDs were stored before (only new mail), the lock
 *   pg_wrap     the -v protocol trace (transport), the first-line peek
 *   pg_report   the error line and the progress line
 * It is also the worked example of the library: the engine is driven from
 * our own poll() loop through the POSIX port, commands are pipelined,
 * message bodies stream straight to disk, and nothing is deleted on the
 * server unless it was stored and made durable first.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE

#include "pop3_posix.h"
#include "pop3_tls_posix.h"

#include "pg_config.h"
#include "pg_fetch.h"
#include "pg_store.h"
#include "pg_options.h"
#include "pg_report.h"
#include "pg_session.h"
#include "pg_uidstate.h"
#include "pg_util.h"
#include "pg_wrap.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

/* Engine storage. A deep queue lets a whole window of RETRs and the DELEs
 * that follow them be in flight on a PIPELINING server: at 20 ms round trip
 * and 2 KB messages, a window of 32 would cap the fetch at 32 messages per
 * round trip; 3840 covers most mailboxes in one go. The queue costs 12
 * octets a slot. */
#define CMD_BUF_SIZE 16384
#define LINE_BUF_SIZE 1024
#define POLL_MS 100
/* Accounts fetched at once, one session each on the one poll loop. */
#define PG_ACCOUNTS_MAX 32

/* SIGINT/SIGTERM: the poll loop stops the session at once (no QUIT). */
static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
    got_signal = sig;
}

static void catch_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: poll() returns at once */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

struct app {
    struct pg_options o;
    struct pg_report rep;
    struct pg_session s;
    struct pg_fetch f;
    struct pg_store store;
    uint32_t *unrec;        /* mbox: appended, UID not yet confirmed */
    size_t unrec_n, unrec_cap;
    uint64_t *sizes;        /* --max-size: LIST sizes, sizes[msg - 1] */
    int mda_exit;           /* the exit status is an MDA refusal's */
    struct pg_uidstate st;
    int st_open;
    char **uids;            /* UIDL: uids[msg - 1], heap; NULL without */
    uint8_t *gone;          /* gone[msg - 1]: DELE answered +OK */
    int committed;          /* QUIT answered +OK: the DELEs took effect */
    uint32_t nuids;
    int uidl_done;          /* the whole UIDL listing arrived */
    int uidl_failed;        /* -ERR to UIDL: every message is new */
    pop3_posix posix;
    pop3_client c;
    struct pg_trace trace;
    pop3_tls tls;
    pop3_tls_posix_config tlsconf;
    pop3_posix_filter filter;
    struct pg_peek peek;
    int tls_inited;
    int ca_pending;         /* STLS when offered: CAs read only then */
    int active;             /* its session was started (run() drives it) */
    char line_buf[LINE_BUF_SIZE];
    uint8_t cmd_buf[CMD_BUF_SIZE];
    pop3_slot queue[PG_QUEUE_LEN];
};

static int store_mode(const struct app *a)
{
    return a->o.mode == PG_MODE_MAILDIR;
}

static void local_failure(struct app *a, const char *what, int err)
{
    pg_session_abort(&a->s, EX_IOERR, what, strerror(err));
}

static void store_failure(struct app *a, int err)
{
    local_failure(a, pg_store_errpath(&a->store), err);
}

/* --- store callbacks ----------------------------------------------------------- */

static const char *uid_of(const struct app *a, uint32_t msg)
{
    return a->uids != NULL && msg >= 1 && msg <= a->nuids ? a->uids[msg - 1] : NULL;
}

/* A message was delivered: what the UID state must know of it. */
static void on_stored(void *ctx, uint32_t msg)
{
    struct app *a = ctx;
    const char *uid = uid_of(a, msg);
    char at[32];
    int e = 0;

    pg_fetch_stored(&a->f, msg);
    if (!a->st_open || uid == NULL)
        return;
    switch (a->store.kind) {
    case PG_STORE_MAILDIR: /* renamed after its batch and journal were durable */
        e = pg_uidstate_confirm(&a->st, uid);
        break;
    case PG_STORE_MBOX:
        /* Journaled now, made durable before the mbox is (journal_sync);
         * confirmed once the mbox is durable (confirm_durable). */
        snprintf(at, sizeof at, "@%lld", (long long)a->store.mb.start);
        e = pg_uidstate_intent(&a->st, uid, at);
        if (e == 0 && a->unrec_n == a->unrec_cap) {
            size_t cap = a->unrec_cap ? a->unrec_cap * 2 : 256;
            uint32_t *u = realloc(a->unrec, cap * sizeof *u);

            if (u == NULL) {
                e = ENOMEM;
            } else {
                a->unrec = u;
                a->unrec_cap = cap;
            }
        }
        if (e == 0)
            a->unrec[a->unrec_n++] = msg;
        break;
    default: /* the MDA took it: recorded at once, the window kept small */
        e = pg_uidstate_done(&a->st, uid);
        if (e == 0)
            e = pg_uidstate_sync(&a->st);
        break;
    }
    if (e != 0)
        local_failure(a, a->st.path, e);
}

/* mbox: the messages appended before its last fsync are durable. */
static void confirm_durable(struct app *a)
{
    size_t i;
    int e = 0;

    for (i = 0; i < a->unrec_n && e == 0; i++)
        e = pg_uidstate_confirm(&a->st, uid_of(a, a->unrec[i]));
    a->unrec_n = 0;
    if (e != 0)
        local_failure(a, a->st.path, e);
}

/* mbox: the journal is made durable before the mbox (pg_mbox.h). */
static int journal_sync(void *ctx)
{
    struct app *a = ctx;

    return pg_uidstate_sync(&a->st);
}

/* Make the messages stored so far durable (all of them when wait; else
 * what is due), then their DELEs may go and their UIDs be recorded. */
static int flush_store(struct app *a, int wait)
{
    int e;

    if ((e = pg_store_sync(&a->store, wait)) != 0) {
        store_failure(a, e);
        return -1;
    }
    if (!pg_store_durable(&a->store))
        return 0; /* the next batch's turn has not come */
    if (a->st_open && a->unrec_n > 0)
        confirm_durable(a);
    pg_fetch_durable(&a->f);
    return 0;
}

/* pg_fetch's flush: everything, before the last DELEs and QUIT. */
static int flush_all(void *ctx)
{
    return flush_store(ctx, 1);
}

/* --- only new mail (UIDL and the state file) ------------------------------------ */

static enum pg_want want(void *ctx, uint32_t msg)
{
    struct app *a = ctx;
    const char *uid = uid_of(a, msg);

    if (a->sizes != NULL && msg <= a->nuids && a->sizes[msg - 1] > a->o.max_size) {
        if (!a->o.quiet)
            fprintf(stderr, "%s: message %" PRIu32 " has %" PRIu64 " octets, over --max-size: "
                    "left on the server\n", PG_PROG, msg, a->sizes[msg - 1]);
        return PG_WANT_SKIP;
    }
    if (uid == NULL || a->o.all || a->uidl_failed || !pg_uidstate_seen(&a->st, uid))
        return PG_WANT_FETCH;
    return PG_WANT_DELETE; /* deleted only with --delete */
}

static int intent(void *ctx, uint32_t msg, const char *name)
{
    struct app *a = ctx;
    const char *uid = uid_of(a, msg);

    return uid != NULL ? pg_uidstate_intent(&a->st, uid, name) : 0;
}

static int intent_flush(void *ctx, int *fd)
{
    struct app *a = ctx;

    return pg_uidstate_flush(&a->st, fd);
}

/* A P line of the state, from a run that did not end: was its message
 * delivered? A Maildir file: in new/, or in cur/ with flags. "@OFFSET" in
 * the mbox: a message starts there whose Received field names the UID
 * (pg_received(): "<LF><TAB>id UID for <"). */
static int delivered(void *ctx, const char *uid, const char *name)
{
    struct app *a = ctx;
    char path[PATH_MAX], want[300];
    size_t n = strlen(name);
    struct dirent *e;
    char *end;
    DIR *d;
    int found = 0;

    if (name[0] == '@') {
        long long off = strtoll(name + 1, &end, 10);

        return a->store.kind == PG_STORE_MBOX && *end == '\0' && off >= 0 &&
               (size_t)snprintf(want, sizeof want, "\n\tid %s for <", uid) < sizeof want &&
               pg_mbox_holds(&a->store.mb, (off_t)off, want);
    }
    if (a->store.kind != PG_STORE_MAILDIR)
        return 0;
    if ((size_t)snprintf(path, sizeof path, "%s/new/%s", a->store.md.dir, name) < sizeof path &&
        access(path, F_OK) == 0)
        return 1;
    if ((size_t)snprintf(path, sizeof path, "%s/cur", a->store.md.dir) >= sizeof path ||
        (d = opendir(path)) == NULL)
        return 0;
    while (!found && (e = readdir(d)) != NULL)
        found = strncmp(e->d_name, name, n) == 0 && (e->d_name[n] == '\0' || e->d_name[n] == ':');
    closedir(d);
    return found;
}

static void open_state(struct app *a)
{
    char path[PATH_MAX];
    int e;

    if (pg_uidstate_path(path, sizeof path, a->o.user, a->o.host, a->o.port) < 0) {
        if (!a->o.quiet)
            fprintf(stderr, "%s: no state directory ($XDG_STATE_HOME or $HOME): "
                    "every message is fetched\n", PG_PROG);
        return;
    }
    e = pg_uidstate_open(&a->st, path, delivered, a);
    if (e == EWOULDBLOCK) {
        pg_uidstate_close(&a->st);
        pg_fail_str(&a->rep, EX_TEMPFAIL, path, "another pop3get run is fetching this "
                    "account (its state file is locked); try again later");
        return;
    }
    if (e != 0) {
        pg_uidstate_close(&a->st);
        pg_fail_str(&a->rep, EX_IOERR, path, strerror(e));
        return;
    }
    a->st_open = 1;
    a->store.md.intent = intent;
    a->store.md.intent_flush = intent_flush;
    a->store.mb.before_sync = journal_sync;
    a->store.mb.ctx = a;
}

static void on_uidl(struct app *a, const pop3_event *ev)
{
    char *u;

    if (a->uids == NULL || ev->msg == 0 || ev->msg > a->nuids || a->uids[ev->msg - 1] != NULL)
        return; /* the engine checks the numbers; a repeat is ignored */
    if ((u = malloc(ev->len + 1)) == NULL) {
        pg_session_abort(&a->s, EX_OSERR, "UIDL", strerror(ENOMEM));
        return;
    }
    memcpy(u, ev->text, ev->len);
    u[ev->len] = '\0';
    a->uids[ev->msg - 1] = u;
}

/* STAT: room for the UIDs of count messages. */
static void on_stat(struct app *a, const pop3_event *ev)
{
    pg_fetch_stat(&a->f, ev->count, ev->size);
    if ((!a->st_open && a->o.max_size == 0) || ev->count == 0)
        return;
    if (ev->count > 100000000u ||
        (a->st_open && (a->uids = calloc(ev->count, sizeof *a->uids)) == NULL) ||
        (a->o.max_size && (a->sizes = calloc(ev->count, sizeof *a->sizes)) == NULL)) {
        pg_session_abort(&a->s, EX_OSERR, "STAT", "too many messages to keep their UIDs");
        return;
    }
    a->nuids = ev->count;
    if (a->o.del && (a->gone = calloc(ev->count, 1)) == NULL)
        pg_session_abort(&a->s, EX_OSERR, "STAT", "too many messages to keep their UIDs");
}

/* The UIDs of this session are in: record which are stored now. */
static void commit_state(struct app *a)
{
    int e;

    uint32_t i;

    if (!a->st_open)
        return;
    /* Deleted for good: nothing to remember (pruned). */
    for (i = 0; a->committed && a->gone != NULL && i < a->nuids; i++) {
        if (a->gone[i]) {
            free(a->uids[i]);
            a->uids[i] = NULL;
        }
    }
    if (a->uidl_done && (e = pg_uidstate_commit(&a->st, a->uids, a->nuids)) != 0)
        pg_fail_str(&a->rep, EX_IOERR, a->st.path, strerror(e));
    pg_uidstate_close(&a->st);
    a->st_open = 0;
}

static void free_uids(struct app *a)
{
    uint32_t i;

    for (i = 0; a->uids != NULL && i < a->nuids; i++)
        free(a->uids[i]);
    free(a->uids);
    free(a->gone);
    free(a->sizes);
    free(a->unrec);
    a->uids = NULL;
    a->gone = NULL;
}

static void pump(struct app *a)
{
    if (a->s.abort || a->s.quit_sent || pop3_client_state(&a->c) != POP3_STATE_TRANSACTION)
        return;
    switch (pg_fetch_pump(&a->f)) {
    case PG_FETCH_QUIT:   pg_session_quit(&a->s); break;
    case PG_FETCH_FAILED: pg_session_queue_failed(&a->s, a->f.err_cmd, a->f.err); break;
    default: break;
    }
}

/* --- events ----------------------------------------------------------------- */

static void on_msg_data(struct app *a, const pop3_event *ev)
{
    int e;

    if (store_mode(a)) {
        if (!a->o.discard && (e = pg_store_write(&a->store, ev->text, ev->len)) != 0)
            store_failure(a, e);
        a->f.done_bytes += ev->len;
    } else if (fwrite(ev->text, 1, ev->len, stdout) != ev->len) {
        local_failure(a, "stdout", errno);
    }
}

static void on_msg_end(struct app *a, const pop3_event *ev)
{
    int e;

    if (!store_mode(a)) {
        if (fflush(stdout) != 0)
            local_failure(a, "stdout", errno);
        else
            pg_session_quit(&a->s);
        return;
    }
    pg_fetch_answered(&a->f);
    if (a->o.discard) {
        pg_fetch_stored(&a->f, ev->msg);
        return;
    }
    e = pg_store_end(&a->store, ev->msg);
    if (e == PG_STORE_REFUSED) {
        /* The MDA did not take it: it stays on the server; the others go
         * on. 75 from the MDA means try later (fetchmail's rule). */
        char why[128], how[48];
        int st = a->store.mda.status;

        if (st < 0 && a->store.mda.sig != 0)
            snprintf(how, sizeof how, "was killed by signal %d", a->store.mda.sig);
        else if (st < 0)
            snprintf(how, sizeof how, "could not be waited for");
        else
            snprintf(how, sizeof how, "exited %d%s", st, st == EX_TEMPFAIL ? " (try later)" : "");
        snprintf(why, sizeof why, "message %" PRIu32 " not delivered: --mda %s; "
                 "it stays on the server", ev->msg, how);
        /* A "try later" outranks the MDA's other refusals (only those:
         * the first failure of any other kind stays the exit status). */
        if (st == EX_TEMPFAIL && a->mda_exit && a->rep.exit_code == EX_UNAVAILABLE)
            a->rep.exit_code = 0;
        if (a->rep.exit_code == 0)
            a->mda_exit = 1;
        pg_fail_str(&a->rep, st == EX_TEMPFAIL ? EX_TEMPFAIL : EX_UNAVAILABLE, "mda", why);
    } else if (e != 0) {
        store_failure(a, e);
    }
}

/* MSG_BEGIN in store mode: a new message, with the Received header. */
static void on_msg_begin(struct app *a, const pop3_event *ev)
{
    char head[600], id[32];
    const char *uid = uid_of(a, ev->msg);
    size_t n;
    int e;

    if (uid == NULL) {
        snprintf(id, sizeof id, "%" PRIu32, ev->msg);
        uid = id;
    }
    n = pg_received(head, sizeof head, a->o.host, a->o.user, uid, a->o.keep_crlf);
    if ((e = pg_store_begin(&a->store, head, n)) != 0)
        store_failure(a, e);
}

static void on_listing_end(struct app *a)
{
    if (fflush(stdout) != 0)
        local_failure(a, "stdout", errno);
    else
        pg_session_quit(&a->s);
}

/* +OK to STLS: the handshake, with the CA certificates read first. */
static void start_tls(struct app *a)
{
    char err[300];

    if (a->ca_pending) {
        if (pop3_tls_posix_config_load_ca(&a->tlsconf, a->o.cafile, a->o.capath, err,
                                          sizeof err) != 0) {
            pg_session_abort(&a->s, EX_IOERR, "TLS", err);
            return;
        }
        a->ca_pending = 0;
    }
    pop3_tls_start(&a->tls);
}

static void on_event(pop3_client *c, const pop3_event *ev, void *user)
{
    struct app *a = user;

    pg_session_trace(&a->s, ev);
    if (a->s.abort)
        return;
    switch (ev->type) {
    case POP3_EV_GREETING:   pg_session_greeting(&a->s); break;
    case POP3_EV_STLS:       start_tls(a); break;
    case POP3_EV_TLS_READY:
        if (a->o.verbose)
            fprintf(stderr, "* TLS established (%s)\n", pop3_tls_version(&a->tls));
        pg_session_tls_ready(&a->s);
        break;
    case POP3_EV_LOGIN:
        pg_trace_auth_done(&a->trace); /* the first command is queued behind the login */
        break;
    case POP3_EV_STAT:       on_stat(a, ev); break;
    case POP3_EV_LIST:
        if (a->o.mode == PG_MODE_LIST)
            printf("%" PRIu32 " %" PRIu64 "\n", ev->msg, ev->size);
        else if (a->sizes != NULL && ev->msg >= 1 && ev->msg <= a->nuids)
            a->sizes[ev->msg - 1] = ev->size;
        break;
    case POP3_EV_UIDL:
        if (a->o.mode == PG_MODE_UIDL)
            printf("%" PRIu32 " %.*s\n", ev->msg, (int)ev->len, ev->text);
        else if (store_mode(a))
            on_uidl(a, ev);
        break;
    case POP3_EV_END:
        if ((ev->cmd == POP3_CMD_UIDL || ev->cmd == POP3_CMD_LIST) && store_mode(a)) {
            a->uidl_done |= ev->cmd == POP3_CMD_UIDL;
            if (a->f.hold > 0)
                a->f.hold--;
            break;
        }
        if (ev->cmd == POP3_CMD_CAPA && pop3_client_state(c) == POP3_STATE_AUTHORIZATION)
            pg_session_capa_done(&a->s);
        if (ev->cmd == POP3_CMD_LIST || ev->cmd == POP3_CMD_UIDL)
            on_listing_end(a);
        break;
    case POP3_EV_MSG_BEGIN:
        if (store_mode(a) && !a->o.discard)
            on_msg_begin(a, ev);
        break;
    case POP3_EV_MSG_DATA:   on_msg_data(a, ev); break;
    case POP3_EV_MSG_END:    on_msg_end(a, ev); break;
    case POP3_EV_OK:
        if (ev->cmd == POP3_CMD_DELE) {
            a->f.deleted++;
            if (a->gone != NULL && ev->msg >= 1 && ev->msg <= a->nuids)
                a->gone[ev->msg - 1] = 1;
        }
        break;
    case POP3_EV_SERVER_ERR:
        if (ev->cmd == POP3_CMD_UIDL && store_mode(a) &&
            pop3_client_state(c) == POP3_STATE_TRANSACTION) {
            if (a->o.require_uidl) {
                pg_fail(&a->rep, EX_UNAVAILABLE, "UIDL (--require-uidl): the server cannot "
                        "say which messages are new", ev->text, ev->len);
                pg_session_quit(&a->s);
                break;
            }
            if (!a->o.quiet)
                fprintf(stderr, "%s: the server has no UIDL: every message is fetched\n",
                        PG_PROG);
            if (a->f.hold > 0)
                a->f.hold--;
            a->uidl_failed = 1;
            break;
        }
        if (pg_session_server_err(&a->s, ev)) {
            if (ev->cmd == POP3_CMD_RETR)
                pg_fetch_answered(&a->f);
            pg_store_discard(&a->store);
        }
        break;
    case POP3_EV_CLOSED:
        a->committed = ev->err == POP3_ERR_CLOSED && a->s.quit_sent;
        pg_store_discard(&a->store);
        a->s.sys_err = pop3_posix_sys_error(&a->posix);
        a->s.banner = a->peek.line;
        a->s.banner_len = a->peek.len;
        pg_session_closed(&a->s, ev);
        break;
    default: break;
    }
    if (a->s.want_quit)
        pg_session_quit(&a->s);
    if (store_mode(a))
        pump(a);
}

/* --- setup and main loop ------------------------------------------------------ */

static void tls_why(void *ctx, pop3_err err, char *buf, size_t n)
{
    pop3_tls *tls = ctx;

    if (err == POP3_ERR_TLS_VERIFY)
        pop3_tls_posix_verify_text(pop3_tls_verify_result(tls), buf, n);
    else
        pop3_tls_posix_error_text(pop3_tls_last_error(tls), buf, n);
}

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
                    "password included\n", PG_PROG);
        a->tls_inited = 1;
        /* pop3:// upgrades only when the server offers STLS: the CA
         * certificates are read then (start_tls), not for every run. */
        a->ca_pending = !a->o.pop3s && !a->o.insecure;
        if ((a->ca_pending ? pop3_tls_posix_config_init_deferred(&a->tlsconf, false, err,
                                                                 sizeof err)
                           : pop3_tls_posix_config_init(&a->tlsconf, a->o.cafile, a->o.capath,
                                                        a->o.insecure != 0, err,
                                                        sizeof err)) != 0) {
            pg_fail_str(&a->rep, EX_IOERR, "TLS", err);
            return -1;
        }
        if (pop3_tls_init(&a->tls, &a->c, tr, &a->tlsconf.conf, a->o.host,
                          a->o.pop3s != 0) != POP3_OK) {
            pg_fail_str(&a->rep, EX_SOFTWARE, "TLS", "cannot set up the TLS context");
            return -1;
        }
        tr = pop3_tls_transport(&a->tls);
        pop3_tls_posix_filter(&a->filter, &a->tls);
        pop3_posix_set_filter(&a->posix, &a->filter);
    }
    /* Plain text first: keep the server's first line for an error. */
    if (!a->o.pop3s)
        pop3_posix_set_filter(&a->posix, pg_peek_wrap(&a->peek, &a->c,
                                                      a->o.stls ? &a->filter : NULL));
    if (a->o.verbose)
        tr = pg_trace_wrap(&a->trace, tr);
    pop3_client_config_defaults(&cfg);
    cfg.transport = tr;
    cfg.cb = on_event;
    cfg.user = a;
    cfg.line_buf = a->line_buf;
    cfg.line_size = sizeof a->line_buf;
    cfg.cmd_buf = a->cmd_buf;
    cfg.cmd_size = sizeof a->cmd_buf;
    cfg.queue = a->queue;
    cfg.queue_len = PG_QUEUE_LEN;
    if (a->o.timeout_s != 0) {
        uint32_t ms = a->o.timeout_s * 1000u;

        /* Every wait of the engine: an idle session too. */
        cfg.connect_timeout_ms = ms;
        cfg.greeting_timeout_ms = ms;
        cfg.reply_timeout_ms = ms;
        cfg.idle_timeout_ms = ms; /* e.g. a server that never closes after QUIT */
    }
    {   /* named in SASL OAUTHBEARER (RFC 7628); the URL's port is checked */
        uint32_t pn = 0;

        cfg.host = a->o.host;
        if (pg_parse_u32(a->o.port, 1, &pn) == 0 && pn <= 65535u)
            cfg.port = (uint16_t)pn;
    }
    if (a->o.speed_set)
        cfg.low_speed_octets = a->o.speed_limit;
    if (a->o.speed_time_s != 0)
        cfg.low_speed_ms = a->o.speed_time_s * 1000u;
    if (pop3_client_init(&a->c, &cfg) != POP3_OK) {
        pg_fail_str(&a->rep, EX_SOFTWARE, "init", "pop3_client_init refused the configuration");
        return -1;
    }
    a->s.c = &a->c;
    a->s.o = &a->o;
    a->s.rep = &a->rep;
    a->s.trace = a->o.verbose ? &a->trace : NULL;
    a->s.tls_why = tls_why;
    a->s.tls_ctx = &a->tls;
    pg_fetch_init(&a->f, &a->c, a->o.del);
    a->f.ctx = a;
    if (!a->o.discard)
        a->f.flush = flush_all;
    /* Nothing is fetched until the listings are in. */
    a->f.want = want;
    if (a->st_open) {
        a->s.uidl = 1;
        a->f.hold++;
    }
    if (a->o.max_size != 0) {
        a->s.list = 1;
        a->f.hold++;
    }
    return 0;
}

/* Stopped by a signal: drop the connection without QUIT, so the server
 * keeps every message it had (RFC 1939 sec. 6); what was stored stays. */
static int interrupted(struct app *a)
{
    char why[80];

    snprintf(why, sizeof why, "stopped by %s without QUIT; nothing was deleted in this "
             "session", got_signal == SIGINT ? "SIGINT" : "SIGTERM");
    a->rep.exit_code = 0; /* the signal is the reason, whatever came before */
    pg_session_abort(&a->s, EX_TEMPFAIL, "interrupted", why);
    return 1;
}

/* After poll() said revents for a's socket (0: just time passed). */
static void step(struct app *a, short revents)
{
    int e;

    pop3_posix_handle(&a->posix, revents);
    if (pop3_client_state(&a->c) != POP3_STATE_CLOSED)
        pop3_client_writable(&a->c);
    if (a->store.open && !a->s.abort) {
        /* A Maildir batch made durable: into new/, the next one sent.
         * With --delete, new/ is fsync'd after the renames (an mbox once a
         * batch's worth is appended), so their DELEs can go out. */
        if ((e = pg_store_reap(&a->store, 0)) != 0) {
            store_failure(a, e);
            return;
        }
        if (a->o.del && (pg_store_pending(&a->store) || pg_fetch_waiting(&a->f)) &&
            flush_store(a, 0) == 0)
            pump(a);
    }
    pg_progress(&a->rep, pop3_posix_now_ms(), 0, a->f.stored, a->f.count,
                a->f.done_bytes, a->f.total_bytes);
}

/* Our own poll() loop rather than pop3_posix_run(): a local failure must be
 * able to drop the connection between two events, and several accounts
 * run at once, one session each, on this one loop. */
static void run(struct app **as, size_t n)
{
    struct pollfd pfd[PG_ACCOUNTS_MAX];
    size_t i, live;
    int r;

    for (;;) {
        for (i = 0, live = 0; i < n; i++) {
            struct app *a = as[i];

            pfd[i].fd = -1;
            pfd[i].events = 0;
            pfd[i].revents = 0;
            if (!a->active || pop3_client_state(&a->c) == POP3_STATE_CLOSED)
                continue;
            if (got_signal && interrupted(a))
                continue;
            if (a->s.abort) {
                pop3_client_abort(&a->c);
                continue;
            }
            live++;
            pfd[i].fd = pop3_posix_fd(&a->posix);
            pfd[i].events = pop3_posix_events(&a->posix);
            if (pfd[i].events == 0)
                pfd[i].fd = -1;
        }
        if (live == 0)
            return;
        r = poll(pfd, (nfds_t)n, POLL_MS);
        if (r < 0 && errno != EINTR) {
            for (i = 0; i < n; i++)
                if (as[i]->active)
                    local_failure(as[i], "poll", errno);
            continue;
        }
        for (i = 0; i < n; i++)
            if (as[i]->active && pop3_client_state(&as[i]->c) != POP3_STATE_CLOSED)
                step(as[i], r > 0 ? pfd[i].revents : 0);
    }
}

/* Whatever was stored is durable when we exit, whatever happened. */
static void close_store(struct app *a)
{
    int e;

    if (!a->store.open)
        return;
    if ((e = pg_store_close(&a->store)) != 0)
        pg_fail_str(&a->rep, EX_IOERR, pg_store_errpath(&a->store), strerror(e));
    else if (a->st_open && a->unrec_n > 0)
        confirm_durable(a);
}

/* Open the store and the state, set up and connect: 1 when the session
 * is under way (run() drives it), 0 when the account is already done. */
static int start(struct app *a, int progress)
{
    int r;

    if (store_mode(a) && !a->o.discard) {
        if ((r = pg_store_open(&a->store, &a->o, on_stored, a)) != 0) {
            if (r == EWOULDBLOCK)
                pg_fail_str(&a->rep, EX_TEMPFAIL, pg_store_errpath(&a->store),
                            "locked by another program; try again later");
            else
                pg_fail_str(&a->rep, EX_IOERR, pg_store_errpath(&a->store), strerror(r));
            return 0;
        }
        open_state(a);
        if (a->rep.exit_code != 0)
            return 0;
    }
    a->rep.progress = progress && store_mode(a) && !a->o.verbose && !a->o.quiet &&
                      isatty(STDERR_FILENO);
    if (setup_client(a) < 0)
        return 0;
    if (a->o.verbose)
        fprintf(stderr, "* connecting to %s port %s\n", a->o.host, a->o.port);
    if (got_signal) {
        (void)interrupted(a);
        return 0;
    }
    return pop3_posix_connect(&a->posix, &a->c, a->o.host, a->o.port) == POP3_OK;
}

/* Everything delivered durable, the state written, resources freed. */
static int finish(struct app *a)
{
    close_store(a);
    commit_state(a);
    pg_progress(&a->rep, pop3_posix_now_ms(), 1, a->f.stored, a->f.count,
                a->f.done_bytes, a->f.total_bytes);
    pg_progress_end(&a->rep);
    if (a->o.discard && a->rep.exit_code == 0)
        printf("%" PRIu32 " messages, %" PRIu64 " octets\n", a->f.stored, a->f.done_bytes);
    if (store_mode(a) && a->o.verbose && a->rep.exit_code == 0)
        fprintf(stderr, "* stored %" PRIu32 ", deleted %" PRIu32 "\n", a->f.stored, a->f.deleted);
    free_uids(a);
    pop3_posix_close(&a->posix);
    if (a->tls_inited) {
        pop3_tls_free(&a->tls);
        pop3_tls_posix_config_free(&a->tlsconf);
    }
    pop3_client_free(&a->c);
    pg_options_free(&a->o);
    return a->rep.exit_code;
}

/* pop3get [options] ACCOUNT... | --all-accounts [-C FILE]: which accounts;
 * 0 when the command line is a URL (no accounts), -1 after an error. */
static int accounts(int argc, char **argv, struct pg_config *cfg, const char **names,
                    size_t *n, char **rest, int *nrest)
{
    char path[4096], shown[PG_SHOWN_MAX], shown2[PG_SHOWN_MAX];
    const char *file = NULL, *url = NULL;
    int i, all = 0, any = 0, urls = 0, r;

    *n = 0;
    *nrest = 0;
    rest[(*nrest)++] = argv[0];
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];

        if ((strcmp(a, "-C") == 0 || strcmp(a, "--config") == 0) && i + 1 < argc) {
            file = argv[++i];
            any = 1;
        } else if (strcmp(a, "--all-accounts") == 0) {
            all = any = 1;
        } else if (pg_options_takes_value(argv[i - 1])) {
            rest[(*nrest)++] = argv[i]; /* an option's value, whatever it holds */
        } else if (a[0] != '-' && strstr(a, "://") == NULL) {
            if (*n >= PG_ACCOUNTS_MAX) {
                fprintf(stderr, "%s: account '%s': at most %d accounts at once\n", PG_PROG,
                        pg_shown(shown, a), PG_ACCOUNTS_MAX);
                return -EX_USAGE;
            }
            names[(*n)++] = a;
            any = 1;
        } else {
            if (strstr(a, "://") != NULL && urls++ == 0)
                url = a;
            rest[(*nrest)++] = argv[i];
        }
    }
    if (!any)
        return 0;
    if (urls > 0) {
        /* The URL's scheme only: the rest may hold a password. */
        fprintf(stderr, "%s: %s...: give a URL or accounts, not both\nTry '%s --help'.\n",
                PG_PROG, pg_shown_n(shown, url, (size_t)(strstr(url, "://") + 3 - url)), PG_PROG);
        return -EX_USAGE;
    }
    if (file == NULL && pg_config_path(path, sizeof path) == 0)
        file = path;
    if (file == NULL) {
        fprintf(stderr, "%s: no configuration file (-C FILE, $XDG_CONFIG_HOME or $HOME)\n", PG_PROG);
        return -EX_CONFIG;
    }
    if ((r = pg_config_load(cfg, file)) != 0)
        return -r;
    if (all) {
        for (*n = 0; *n < cfg->n && *n < PG_ACCOUNTS_MAX; (*n)++)
            names[*n] = cfg->acct[*n].name;
    }
    for (i = 0; i < (int)*n; i++) {
        if (pg_config_find(cfg, names[i]) == NULL) {
            fprintf(stderr, "%s: %s: no account '%s'\nTry '%s --help'.\n", PG_PROG,
                    pg_shown(shown2, file), pg_shown(shown, names[i]), PG_PROG);
            return -EX_USAGE;
        }
    }
    if (*n == 0) {
        fprintf(stderr, "%s: %s: no accounts\n", PG_PROG, file);
        return -EX_CONFIG;
    }
    return 1;
}

int main(int argc, char **argv)
{
    static struct app single;
    static struct pg_config cfg;
    const char *names[PG_ACCOUNTS_MAX];
    struct app *as[PG_ACCOUNTS_MAX];
    char *rest[256];
    size_t n = 0, i, live = 0;
    int r, nrest, code = 0;

    /* A closed stdout pipe, or a file size limit (ulimit -f) reached, is a
     * write error (EPIPE, EFBIG: exit 74 with a message, what was stored
     * stays durable), not a silent death. */
    signal(SIGPIPE, SIG_IGN);
    signal(SIGXFSZ, SIG_IGN);
    catch_signals();
    if (argc > (int)(sizeof rest / sizeof rest[0]) - PG_CONFIG_ARGS) {
        fprintf(stderr, "%s: %d arguments: too many (at most %d)\n", PG_PROG, argc - 1,
                (int)(sizeof rest / sizeof rest[0]) - PG_CONFIG_ARGS - 1);
        return EX_USAGE;
    }
    r = accounts(argc, argv, &cfg, names, &n, rest, &nrest);
    if (r < 0)
        return -r;
    if (r == 0) { /* one URL */
        n = 1;
        as[0] = &single;
        r = pg_options_parse(&single.o, argc, argv);
        if (r != 0) {
            pg_options_free(&single.o);
            return r < 0 ? 0 : r;
        }
    } else {
        /* Each account: the command line's options, then the account's. */
        for (i = 0; i < n; i++) {
            const struct pg_account *acct = pg_config_find(&cfg, names[i]);
            char *av[256];
            int ac = nrest, k;

            memcpy(av, rest, (size_t)nrest * sizeof av[0]);
            for (k = 0; k < acct->argc; k++)
                av[ac++] = acct->argv[k];
            av[ac] = NULL;
            if ((as[i] = calloc(1, sizeof *as[i])) == NULL) {
                fprintf(stderr, "%s: %s\n", PG_PROG, strerror(ENOMEM));
                return EX_OSERR;
            }
            if (acct->password != NULL && strlen(acct->password) < sizeof as[i]->o.pass) {
                strcpy(as[i]->o.pass, acct->password);
                as[i]->o.have_pass = 1;
            }
            r = pg_options_parse(&as[i]->o, ac, av);
            if (r != 0) {
                fprintf(stderr, "%s: (account %s)\n", PG_PROG, names[i]);
                pg_options_free(&as[i]->o);
                return r < 0 ? 0 : r;
            }
        }
    }
    for (i = 0; i < n && store_mode(as[i]); i++)
        ;
    if (i < n) /* something goes to stdout: in large writes */
        setvbuf(stdout, NULL, _IOFBF, 65536);
    for (i = 0; i < n; i++) {
        as[i]->active = start(as[i], n == 1);
        live += (size_t)as[i]->active;
    }
    if (live > 0)
        run(as, n);
    for (i = 0; i < n; i++) {
        r = finish(as[i]);
        if (code == 0)
            code = r;
        if (as[i] != &single)
            free(as[i]);
    }
    pg_config_free(&cfg);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "%s: stdout: %s\n", PG_PROG, strerror(errno));
        if (code == 0)
            code = EX_IOERR;
    }
    return code;
}
