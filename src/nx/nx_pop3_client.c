/* SPDX-License-Identifier: MIT */
/* nx_pop3_client.c - the NetX Duo POP3 Client API, blocking, over the
 * non-blocking pop3 engine and a network port reached through a hook
 * (nx_hook.h: nx_posix.c, nx_lwip.c).
 *
 * Every call queues at most one command and waits through the hook until
 * the engine reports its reply; the port pushes what it receives straight
 * into the engine. During a download the engine is paused between calls,
 * so unread message octets stay in the port (and, on lwIP, the TCP window
 * stays shut for them). Each message_get resumes it until octets arrive,
 * takes what has arrived up to one packet, and pauses it again. The port
 * pushes at most NX_POP3_CLIENT_TCP_WINDOW_SIZE octets per call, so what
 * one push yields beyond the packet fits the spill buffer, which leads the
 * next packet. The end of the message is its own packet: final_packet set,
 * 0 octets.
 */
#include <string.h>

#include "nxd_pop3_client.h"
#include "nx_hook.h"
#include "pop3.h"

/* What lives in NX_POP3_CLIENT.nx_pop3_client_private. */
typedef struct nx_shim {
    UINT state;
    UINT enable_APOP_authentication;
    UINT maildrop_items; /* from the last STAT */
    ULONG total_message_size;
    NX_IP *ip_ptr;
    NX_PACKET_POOL *packet_pool_ptr;
    NX_PACKET *packet;   /* being filled by message_get */
    const pop3_transport *transport;
    pop3_client engine;
    pop3_slot queue[2];
    /* what the engine told the current call */
    UINT done;
    UINT result;
    ULONG value;  /* STAT count, LIST size, RETR size */
    ULONG value2; /* STAT size */
    UINT ended;   /* download: the terminator was seen */
    UINT discard;
    size_t spill_len;
    CHAR name[NX_POP3_MAX_USERNAME + 1];
    CHAR password[NX_POP3_MAX_PASSWORD + 1];
    char line[NX_POP3_MAX_SERVER_REPLY];
    uint8_t cmd[POP3_CMD_MAX];
    /* message octets one push gave beyond the packet, plus the few a line
     * end held back in the reply reader */
    uint8_t spill[NX_POP3_CLIENT_TCP_WINDOW_SIZE + 16];
    pop3_nx_conn conn;
} nx_shim;

typedef char nx_shim_fits_[sizeof(nx_shim) <=
                           sizeof(((NX_POP3_CLIENT *)0)->nx_pop3_client_private) ? 1 : -1];

#define S(cp) ((nx_shim *)(void *)(cp)->nx_pop3_client_private.bytes)

#define NX_POP3_CLIENT_ID ((ULONG)0x504F5033UL) /* "POP3" */

enum {
    ST_NONE = 0,    /* not created */
    ST_TRANSACTION, /* logged in, idle */
    ST_DOWNLOAD,    /* RETR accepted; body not fully handed out */
    ST_CLOSED       /* session over (create failed, quit, lost) */
};

/* Longest wait per port call; the engine's timers decide the timeouts. */
#define WAIT_SLICE_MS 100u

static uint32_t ticks_to_ms(unsigned long ticks)
{
    unsigned long long ms = (unsigned long long)ticks * 1000ull /
                            (unsigned long long)NX_IP_PERIODIC_RATE;

    if (ms == 0 && ticks != 0)
        ms = 1;
    return ms > 0xFFFFFFFFull ? 0xFFFFFFFFu : (uint32_t)ms;
}

static const pop3_nx_hook *hook_of(const NX_POP3_CLIENT *cp)
{
    return S(cp)->ip_ptr->nx_ip_pop3_hook;
}

static void *ctx_of(const NX_POP3_CLIENT *cp)
{
    return S(cp)->ip_ptr->nx_ip_pop3_ctx;
}

static void wipe(volatile void *p, size_t n)
{
    volatile uint8_t *b = (volatile uint8_t *)p;

    while (n-- > 0)
        *b++ = 0;
}

static void forget_credentials(NX_POP3_CLIENT *cp)
{
    wipe(S(cp)->name, sizeof(S(cp)->name));
    wipe(S(cp)->password, sizeof(S(cp)->password));
}

/* Release the port's connection (the engine has closed its transport, or
 * is abandoned here). */
static void close_conn(NX_POP3_CLIENT *cp)
{
    hook_of(cp)->close(ctx_of(cp), &S(cp)->conn);
}

/* --- events ----------------------------------------------------------------- */

static UINT map_close(pop3_err err)
{
    switch (err) {
    case POP3_ERR_CLOSED:
        return NX_SUCCESS;
    case POP3_ERR_TIMEOUT_GREETING:
    case POP3_ERR_TIMEOUT_REPLY:
    case POP3_ERR_TIMEOUT_IDLE:
        return NX_NO_PACKET;
    case POP3_ERR_REFUSED:
    case POP3_ERR_LINE_TOO_LONG:
    case POP3_ERR_PROTOCOL:
    case POP3_ERR_NUMBER:
    case POP3_ERR_UNEXPECTED:
        return NX_POP3_SERVER_ERROR_STATUS;
    default: /* CONNECT, TIMEOUT_CONNECT, RESET, EOF, TRUNCATED, ... */
        return NX_NOT_CONNECTED;
    }
}

static void finish(NX_POP3_CLIENT *cp, UINT result)
{
    if (!S(cp)->done) {
        S(cp)->done = 1;
        S(cp)->result = result;
    }
}

/* "+OK 1234 octets": the first number of the text, 0 when there is none;
 * -1 when it does not fit a ULONG. */
static int parse_size(const char *t, size_t len, ULONG *out)
{
    size_t i = 0;
    ULONG v = 0;
    const ULONG max = (ULONG)~(ULONG)0;

    *out = 0;
    while (i < len && t[i] == ' ')
        i++;
    if (i >= len || t[i] < '0' || t[i] > '9')
        return 0;
    for (; i < len && t[i] >= '0' && t[i] <= '9'; i++) {
        ULONG d = (ULONG)(t[i] - '0');

        if (v > (max - d) / 10u)
            return -1;
        v = v * 10u + d;
    }
    *out = v;
    return 0;
}

static size_t room(const NX_PACKET *p)
{
    return p != NX_NULL ? (size_t)(p->nx_packet_data_end - p->nx_packet_append_ptr) : 0u;
}

static void append(NX_PACKET *p, const uint8_t *data, size_t n)
{
    memcpy(p->nx_packet_append_ptr, data, n);
    p->nx_packet_append_ptr += n;
    p->nx_packet_length += (ULONG)n;
}

/* Message octets: into the packet while it has room (and nothing older
 * waits in the spill), the rest into the spill; the engine pauses as soon
 * as the packet is full, so the port keeps what follows. */
static void on_data(NX_POP3_CLIENT *cp, const char *text, size_t len)
{
    nx_shim *sh = S(cp);
    NX_PACKET *p = sh->packet;
    size_t n = 0;

    if (sh->discard)
        return;
    if (sh->spill_len == 0) {
        n = len < room(p) ? len : room(p);
        if (n > 0)
            append(p, (const uint8_t *)text, n);
    }
    if (len - n > sizeof(sh->spill) - sh->spill_len) {
        finish(cp, NX_POP3_MAIL_BUFFER_OVERFLOW); /* a port pushed too much */
        pop3_client_abort(&sh->engine);
        return;
    }
    memcpy(sh->spill + sh->spill_len, text + n, len - n);
    sh->spill_len += len - n;
    finish(cp, NX_SUCCESS); /* octets arrived: message_get may return */
    if (room(p) == 0 || sh->spill_len > 0)
        pop3_client_pause(&sh->engine);
}

static void on_event(pop3_client *c, const pop3_event *ev, void *user)
{
    NX_POP3_CLIENT *cp = (NX_POP3_CLIENT *)user;
    pop3_err e;

    switch (ev->type) {
    case POP3_EV_GREETING:
        e = POP3_ERR_APOP_UNAVAILABLE;
        if (S(cp)->enable_APOP_authentication)
            e = pop3_client_login(c, S(cp)->name,
                                  S(cp)->password, POP3_AUTH_APOP);
        if (e == POP3_ERR_APOP_UNAVAILABLE) {
            S(cp)->enable_APOP_authentication = NX_FALSE;
            e = pop3_client_login(c, S(cp)->name,
                                  S(cp)->password, POP3_AUTH_USER);
        }
        if (e != POP3_OK) {
            finish(cp, NX_POP3_PARAM_ERROR);
            pop3_client_abort(c);
        }
        break;
    case POP3_EV_LOGIN:
        finish(cp, NX_SUCCESS);
        break;
    case POP3_EV_SERVER_ERR:
        if (ev->cmd == POP3_CMD_APOP) {
            /* NetX Duo falls back to USER/PASS when APOP is refused. */
            S(cp)->enable_APOP_authentication = NX_FALSE;
            if (pop3_client_login(c, S(cp)->name,
                                  S(cp)->password,
                                  POP3_AUTH_USER) == POP3_OK)
                break;
        }
        finish(cp, NX_POP3_SERVER_ERROR_STATUS);
        break;
    case POP3_EV_STAT:
        S(cp)->value = ev->count;
        if (ev->size > (uint64_t)(ULONG)~(ULONG)0) {
            finish(cp, NX_POP3_SERVER_ERROR_STATUS);
            break;
        }
        S(cp)->value2 = (ULONG)ev->size;
        finish(cp, NX_SUCCESS);
        break;
    case POP3_EV_LIST:
        if (ev->size > (uint64_t)(ULONG)~(ULONG)0) {
            finish(cp, NX_POP3_SERVER_ERROR_STATUS);
            break;
        }
        S(cp)->value = (ULONG)ev->size;
        finish(cp, NX_SUCCESS);
        break;
    case POP3_EV_MSG_BEGIN:
        S(cp)->state = ST_DOWNLOAD;
        S(cp)->ended = 0;
        S(cp)->spill_len = 0;
        if (parse_size(ev->text, ev->len, &S(cp)->value) != 0)
            S(cp)->value = (ULONG)~(ULONG)0;
        /* Keep the body in the port until message_get. */
        pop3_client_pause(c);
        finish(cp, NX_SUCCESS);
        break;
    case POP3_EV_MSG_DATA:
        on_data(cp, ev->text, ev->len);
        break;
    case POP3_EV_MSG_END:
        if (S(cp)->discard) {
            S(cp)->discard = 0;
            S(cp)->state = ST_TRANSACTION;
            S(cp)->spill_len = 0;
        } else {
            S(cp)->ended = 1;
            finish(cp, NX_SUCCESS);
        }
        break;
    case POP3_EV_OK:
        if (ev->cmd != POP3_CMD_USER)
            finish(cp, NX_SUCCESS);
        break;
    case POP3_EV_CLOSED:
        finish(cp, map_close(ev->err));
        /* During a download, octets handed out before the end are still
         * the application's; the next message_get reports the loss. */
        if (S(cp)->state != ST_DOWNLOAD)
            S(cp)->state = ST_CLOSED;
        break;
    default:
        break;
    }
}

/* --- the blocking loop ---------------------------------------------------- */

static int session_open(const NX_POP3_CLIENT *cp)
{
    return pop3_client_state(&S(cp)->engine) != POP3_STATE_CLOSED;
}

static uint32_t now(const NX_POP3_CLIENT *cp)
{
    return hook_of(cp)->now_ms(ctx_of(cp));
}

/* Let the port move octets for at most max_ms, then tick the clock. */
static void wait_port(NX_POP3_CLIENT *cp, uint32_t max_ms)
{
    hook_of(cp)->wait(ctx_of(cp), &S(cp)->conn, max_ms);
    if (session_open(cp))
        pop3_client_tick(&S(cp)->engine, now(cp));
}

/* Run until the current call has its result (a reply, or during a
 * download the first octets or the end). */
static UINT run(NX_POP3_CLIENT *cp)
{
    while (!S(cp)->done) {
        if (!session_open(cp)) {
            finish(cp, map_close(pop3_client_error(&S(cp)->engine)));
            break;
        }
        if (pop3_client_paused(&S(cp)->engine))
            break; /* cannot happen: a pause always comes with a result */
        wait_port(cp, WAIT_SLICE_MS);
    }
    if (!session_open(cp)) {
        if (S(cp)->state != ST_DOWNLOAD) /* see POP3_EV_CLOSED */
            S(cp)->state = ST_CLOSED;
        close_conn(cp);
    }
    return S(cp)->result;
}

/* Start a call: clear the result and restart the engine's clock so time
 * the application spent between calls does not count. */
static void begin(NX_POP3_CLIENT *cp)
{
    S(cp)->done = 0;
    S(cp)->result = NX_SUCCESS;
    S(cp)->value = 0;
    pop3_client_tick(&S(cp)->engine, now(cp));
}

/* Queue failed (engine closed or refused): report and end the session. */
static UINT queue_failed(NX_POP3_CLIENT *cp, pop3_err e)
{
    if (e == POP3_ERR_ARG)
        return NX_POP3_PARAM_ERROR;
    if (session_open(cp))
        pop3_client_abort(&S(cp)->engine);
    close_conn(cp);
    S(cp)->state = ST_CLOSED;
    return NX_POP3_CLIENT_INVALID_STATE;
}

/* End the session without QUIT (as NetX Duo does on a failed create). */
static void drop_session(NX_POP3_CLIENT *cp)
{
    if (session_open(cp))
        pop3_client_abort(&S(cp)->engine);
    close_conn(cp);
    S(cp)->state = ST_CLOSED;
}

/* --- create / delete -------------------------------------------------------- */

/* Length of s up to max + 1; refuses CR, LF, and (for a user name) space. */
static int check_cred(const CHAR *s, size_t max, int is_user, size_t *len)
{
    size_t n = 0;

    while (n <= max && s[n] != '\0') {
        if (s[n] == '\r' || s[n] == '\n' || (is_user && s[n] == ' '))
            return -1;
        n++;
    }
    if (n == 0 || n > max)
        return -1;
    *len = n;
    return 0;
}

static UINT create(NX_POP3_CLIENT *cp, UINT apop, NX_IP *ip, NX_PACKET_POOL *pool,
                   const NXD_ADDRESS *addr, ULONG port, const CHAR *name,
                   const CHAR *pass)
{
    pop3_client_config cfg;
    size_t name_len, pass_len;
    UINT status;

    /* A failed create leaves a cleared block: delete is then a no-op. */
    memset(cp, 0, sizeof(*cp));
    if (ip->nx_ip_id != NX_IP_ID || ip->nx_ip_pop3_hook == NX_NULL || port == 0 ||
        port > 65535u)
        return NX_POP3_PARAM_ERROR;
    if (addr->nxd_ip_version == NX_IP_VERSION_V4) {
        if (addr->nxd_ip_address.v4 == 0)
            return NX_POP3_PARAM_ERROR;
    } else if (addr->nxd_ip_version != NX_IP_VERSION_V6) {
        return NX_POP3_PARAM_ERROR;
    }
    if (pool->nx_packet_pool_id != NX_PACKET_POOL_ID)
        return NX_PTR_ERROR;
    if (check_cred(name, NX_POP3_MAX_USERNAME, 1, &name_len) != 0 ||
        check_cred(pass, NX_POP3_MAX_PASSWORD, 0, &pass_len) != 0)
        return NX_POP3_PARAM_ERROR;

    cp->nx_pop3_client_id = NX_POP3_CLIENT_ID;
    S(cp)->state = ST_CLOSED;
    S(cp)->ip_ptr = ip;
    S(cp)->packet_pool_ptr = pool;
    S(cp)->enable_APOP_authentication = apop ? NX_TRUE : NX_FALSE;
    memcpy(S(cp)->name, name, name_len);
    memcpy(S(cp)->password, pass, pass_len);

    S(cp)->transport = hook_of(cp)->open(ctx_of(cp), &S(cp)->conn,
                                         NX_POP3_CLIENT_TCP_WINDOW_SIZE);
    pop3_client_config_defaults(&cfg);
    cfg.transport = S(cp)->transport;
    cfg.cb = on_event;
    cfg.user = cp;
    cfg.line_buf = S(cp)->line;
    cfg.line_size = sizeof(S(cp)->line);
    cfg.cmd_buf = S(cp)->cmd;
    cfg.cmd_size = sizeof(S(cp)->cmd);
    cfg.queue = S(cp)->queue;
    cfg.queue_len = sizeof(S(cp)->queue) / sizeof(S(cp)->queue[0]);
    cfg.connect_timeout_ms = ticks_to_ms(NX_POP3_CLIENT_CONNECTION_TIMEOUT);
    cfg.greeting_timeout_ms = ticks_to_ms(NX_POP3_SERVER_REPLY_TIMEOUT);
    cfg.reply_timeout_ms = ticks_to_ms(NX_POP3_SERVER_REPLY_TIMEOUT);
    cfg.idle_timeout_ms = 0; /* between calls the application decides */
    if (cfg.transport == NX_NULL || pop3_client_init(&S(cp)->engine, &cfg) != POP3_OK) {
        forget_credentials(cp);
        close_conn(cp);
        return NX_POP3_PARAM_ERROR;
    }

    begin(cp);
    status = hook_of(cp)->connect(ctx_of(cp), &S(cp)->conn, &S(cp)->engine, addr, port);
    if (status == NX_SUCCESS) {
        S(cp)->state = ST_TRANSACTION; /* for the loop; fixed below */
        status = run(cp);
        if (status == NX_SUCCESS &&
            pop3_client_state(&S(cp)->engine) != POP3_STATE_TRANSACTION)
            status = NX_POP3_SERVER_ERROR_STATUS;
    } else if (status != NX_IP_ADDRESS_ERROR) {
        status = NX_NOT_CONNECTED;
    }
    forget_credentials(cp);
    if (status != NX_SUCCESS) {
        drop_session(cp);
        return status;
    }
    S(cp)->state = ST_TRANSACTION;
    return NX_SUCCESS;
}

UINT nxd_pop3_client_create(NX_POP3_CLIENT *client_ptr, UINT APOP_authentication,
                            NX_IP *ip_ptr, NX_PACKET_POOL *packet_pool_ptr,
                            NXD_ADDRESS *server_duo_address, ULONG server_port,
                            CHAR *client_name, CHAR *client_password)
{
    if (client_ptr == NX_NULL || ip_ptr == NX_NULL || packet_pool_ptr == NX_NULL ||
        server_duo_address == NX_NULL || client_name == NX_NULL ||
        client_password == NX_NULL)
        return NX_PTR_ERROR;
    return create(client_ptr, APOP_authentication, ip_ptr, packet_pool_ptr,
                  server_duo_address, server_port, client_name, client_password);
}

UINT nx_pop3_client_create(NX_POP3_CLIENT *client_ptr, UINT APOP_authentication,
                           NX_IP *ip_ptr, NX_PACKET_POOL *packet_pool_ptr,
                           ULONG server_ip_address, ULONG server_port,
                           CHAR *client_name, CHAR *client_password)
{
    NXD_ADDRESS a;

    if (client_ptr == NX_NULL || ip_ptr == NX_NULL || packet_pool_ptr == NX_NULL ||
        client_name == NX_NULL || client_password == NX_NULL)
        return NX_PTR_ERROR;
    memset(&a, 0, sizeof(a));
    a.nxd_ip_version = NX_IP_VERSION_V4;
    a.nxd_ip_address.v4 = server_ip_address;
    return create(client_ptr, APOP_authentication, ip_ptr, packet_pool_ptr, &a,
                  server_port, client_name, client_password);
}

UINT nx_pop3_client_delete(NX_POP3_CLIENT *client_ptr)
{
    if (client_ptr == NX_NULL)
        return NX_PTR_ERROR;
    if (client_ptr->nx_pop3_client_id == NX_POP3_CLIENT_ID) {
        if (S(client_ptr)->packet != NX_NULL)
            (void)nx_packet_release(S(client_ptr)->packet);
        S(client_ptr)->packet = NX_NULL;
        drop_session(client_ptr);
        pop3_client_free(&S(client_ptr)->engine);
    }
    wipe(client_ptr, sizeof(*client_ptr));
    return NX_SUCCESS;
}

/* --- transaction commands ----------------------------------------------------- */

/* NX_SUCCESS when a command may be sent now. */
static UINT check_idle(const NX_POP3_CLIENT *cp)
{
    if (cp->nx_pop3_client_id != NX_POP3_CLIENT_ID ||
        S(cp)->state != ST_TRANSACTION || !session_open(cp))
        return NX_POP3_CLIENT_INVALID_STATE;
    return NX_SUCCESS;
}

UINT nx_pop3_client_mail_items_get(NX_POP3_CLIENT *client_ptr,
                                   UINT *number_mail_items,
                                   ULONG *maildrop_total_size)
{
    UINT status;
    pop3_err e;

    if (client_ptr == NX_NULL || number_mail_items == NX_NULL ||
        maildrop_total_size == NX_NULL)
        return NX_PTR_ERROR;
    *number_mail_items = 0;
    *maildrop_total_size = 0;
    if ((status = check_idle(client_ptr)) != NX_SUCCESS)
        return status;
    S(client_ptr)->maildrop_items = 0;
    S(client_ptr)->total_message_size = 0;
    begin(client_ptr);
    S(client_ptr)->value2 = 0;
    if ((e = pop3_client_stat(&S(client_ptr)->engine)) != POP3_OK)
        return queue_failed(client_ptr, e);
    status = run(client_ptr);
    if (status == NX_SUCCESS) {
        S(client_ptr)->maildrop_items = (UINT)S(client_ptr)->value;
        S(client_ptr)->total_message_size = S(client_ptr)->value2;
    }
    *number_mail_items = S(client_ptr)->maildrop_items;
    *maildrop_total_size = S(client_ptr)->total_message_size;
    return status;
}

/* Checks shared by size_get and item_get. */
static UINT check_index(const NX_POP3_CLIENT *cp, UINT mail_item)
{
    UINT status;

    if (mail_item == 0)
        return NX_POP3_CLIENT_INVALID_INDEX;
    if ((status = check_idle(cp)) != NX_SUCCESS)
        return status;
    if (mail_item > S(cp)->maildrop_items)
        return NX_POP3_INVALID_MAIL_ITEM;
    return NX_SUCCESS;
}

UINT nx_pop3_client_mail_item_size_get(NX_POP3_CLIENT *client_ptr,
                                       UINT mail_item, ULONG *size)
{
    UINT status;
    pop3_err e;

    if (client_ptr == NX_NULL || size == NX_NULL)
        return NX_PTR_ERROR;
    *size = 0;
    if ((status = check_index(client_ptr, mail_item)) != NX_SUCCESS)
        return status;
    begin(client_ptr);
    if ((e = pop3_client_list(&S(client_ptr)->engine, (uint32_t)mail_item)) != POP3_OK)
        return queue_failed(client_ptr, e);
    status = run(client_ptr);
    if (status == NX_SUCCESS)
        *size = S(client_ptr)->value;
    return status;
}

UINT nx_pop3_client_mail_item_get(NX_POP3_CLIENT *client_ptr, UINT mail_item,
                                  ULONG *item_size)
{
    UINT status;
    pop3_err e;

    if (client_ptr == NX_NULL || item_size == NX_NULL)
        return NX_PTR_ERROR;
    *item_size = 0;
    if ((status = check_index(client_ptr, mail_item)) != NX_SUCCESS)
        return status;
    begin(client_ptr);
    S(client_ptr)->discard = 0;
    if ((e = pop3_client_retr(&S(client_ptr)->engine, (uint32_t)mail_item)) != POP3_OK)
        return queue_failed(client_ptr, e);
    status = run(client_ptr);
    if (status == NX_SUCCESS)
        *item_size = S(client_ptr)->value;
    return status;
}

/* Move what the spill holds into p, as far as it fits. */
static void drain_spill(nx_shim *sh, NX_PACKET *p)
{
    size_t n = sh->spill_len < room(p) ? sh->spill_len : room(p);

    append(p, sh->spill, n);
    memmove(sh->spill, sh->spill + n, sh->spill_len - n);
    sh->spill_len -= n;
}

/* Resume the download until octets arrive (or the end, or an error), then
 * take what else has already arrived without waiting, up to a full packet;
 * pause again so the port keeps the rest. */
static UINT receive(NX_POP3_CLIENT *cp, NX_PACKET *p)
{
    nx_shim *sh = S(cp);
    pop3_client *c = &sh->engine;
    UINT status;
    ULONG before;

    sh->done = 0;
    sh->result = NX_SUCCESS;
    sh->packet = p;
    pop3_client_tick(c, now(cp)); /* while paused: the wait was ours */
    pop3_client_resume(c);
    status = run(cp);
    while (status == NX_SUCCESS && session_open(cp) && !pop3_client_paused(c) &&
           !sh->ended && room(p) > 0) {
        before = p->nx_packet_length;
        wait_port(cp, 0);
        if (p->nx_packet_length == before)
            break; /* nothing more has arrived */
    }
    if (sh->done && sh->result != NX_SUCCESS)
        status = sh->result;
    if (session_open(cp) && !sh->ended)
        pop3_client_pause(c);
    sh->packet = NX_NULL;
    return status;
}

UINT nx_pop3_client_mail_item_message_get(NX_POP3_CLIENT *client_ptr,
                                          NX_PACKET **recv_packet_ptr,
                                          ULONG *bytes_retrieved,
                                          UINT *final_packet)
{
    NX_POP3_CLIENT *cp = client_ptr;
    NX_PACKET *p;
    UINT status = NX_SUCCESS;

    if (cp == NX_NULL || recv_packet_ptr == NX_NULL || bytes_retrieved == NX_NULL ||
        final_packet == NX_NULL)
        return NX_PTR_ERROR;
    *recv_packet_ptr = NX_NULL;
    *bytes_retrieved = 0;
    *final_packet = NX_FALSE;
    if (cp->nx_pop3_client_id != NX_POP3_CLIENT_ID || S(cp)->state != ST_DOWNLOAD)
        return NX_POP3_CLIENT_INVALID_STATE;
    p = pop3_nx_packet_alloc(S(cp)->packet_pool_ptr);
    if (p == NX_NULL)
        return NX_NO_PACKET;

    if (S(cp)->spill_len > 0)
        drain_spill(S(cp), p); /* octets an earlier push left over lead */
    else if (!S(cp)->ended)
        status = receive(cp, p);
    if (status != NX_SUCCESS) {
        (void)nx_packet_release(p);
        drop_session(cp);
        return status;
    }
    if (p->nx_packet_length == 0) {
        /* The end, alone: a final packet with no octets, as NetX Duo
         * applications see it when the terminator comes in its own
         * segment. Body octets never share it. */
        *final_packet = NX_TRUE;
        S(cp)->state = session_open(cp) ? ST_TRANSACTION : ST_CLOSED;
    }
    *recv_packet_ptr = p;
    *bytes_retrieved = p->nx_packet_length;
    return NX_SUCCESS;
}

UINT nx_pop3_client_mail_item_delete(NX_POP3_CLIENT *client_ptr, UINT mail_index)
{
    UINT status;
    pop3_err e;

    if (client_ptr == NX_NULL)
        return NX_PTR_ERROR;
    if (mail_index == 0)
        return NX_POP3_CLIENT_INVALID_INDEX;
    if ((status = check_idle(client_ptr)) != NX_SUCCESS)
        return status;
    begin(client_ptr);
    if ((e = pop3_client_dele(&S(client_ptr)->engine, (uint32_t)mail_index)) != POP3_OK)
        return queue_failed(client_ptr, e);
    return run(client_ptr);
}

UINT nx_pop3_client_quit(NX_POP3_CLIENT *client_ptr)
{
    NX_POP3_CLIENT *cp = client_ptr;
    pop3_client *c;
    UINT status;
    pop3_err e;

    if (cp == NX_NULL)
        return NX_PTR_ERROR;
    if (cp->nx_pop3_client_id != NX_POP3_CLIENT_ID || !session_open(cp) ||
        (S(cp)->state != ST_TRANSACTION &&
         S(cp)->state != ST_DOWNLOAD))
        return NX_POP3_CLIENT_INVALID_STATE;
    c = &S(cp)->engine;
    begin(cp);
    if (S(cp)->state == ST_DOWNLOAD) {
        /* Read the rest of the message and drop it, then QUIT. */
        S(cp)->spill_len = 0;
        if (!S(cp)->ended)
            S(cp)->discard = 1;
        S(cp)->state = ST_TRANSACTION;
        pop3_client_resume(c);
    }
    if ((e = pop3_client_quit(c)) != POP3_OK)
        return queue_failed(cp, e);
    status = run(cp);
    drop_session(cp);
    S(cp)->discard = 0;
    return status;
}

void pop3_nx_ip_bind(NX_IP *ip, const pop3_nx_hook *hook, void *ctx)
{
    if (ip == NX_NULL)
        return;
    ip->nx_ip_pop3_hook = hook;
    ip->nx_ip_pop3_ctx = ctx;
    ip->nx_ip_id = hook != NX_NULL ? NX_IP_ID : 0;
}
