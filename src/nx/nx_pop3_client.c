/* SPDX-License-Identifier: MIT */
/* nx_pop3_client.c - the NetX Duo POP3 Client API, blocking, over the
 * non-blocking pop3 engine and a port's wait hook (pop3_nx_port.h).
 *
 * Every call queues at most one command and loops until the engine
 * reports its reply: received octets go from the port into the client's
 * receive buffer and from there into pop3_client_input(). While a message
 * is downloaded, no more octets are pushed than the current packet can
 * hold, so the engine's body slices always fit (a few octets the reader
 * held back at a line end go to a small spill buffer and lead the next
 * packet).
 */
#include <string.h>

#include "nxd_pop3_client.h"
#include "nx_internal.h"
#include "pop3.h"
#include "pop3_nx_port.h"

/* What lives in NX_POP3_CLIENT.nx_pop3_client_private. */
typedef struct nx_shim {
    UINT state;
    UINT enable_APOP_authentication;
    UINT maildrop_items; /* from the last STAT */
    ULONG total_message_size;
    NX_IP *ip_ptr;
    NX_PACKET_POOL *packet_pool_ptr;
    NX_PACKET *packet;   /* being filled by message_get */
    pop3_client engine;
    pop3_transport transport;
    pop3_nx_conn conn;
    pop3_slot queue[2];
    /* what the engine told the current call */
    UINT done;
    UINT result;
    ULONG value;  /* STAT count, LIST size, RETR size */
    ULONG value2; /* STAT size; download: terminator seen */
    UINT connected;
    UINT discard;
    size_t rx_off, rx_len;
    size_t spill_len;
    CHAR name[NX_POP3_MAX_USERNAME + 1];
    CHAR password[NX_POP3_MAX_PASSWORD + 1];
    char line[NX_POP3_MAX_SERVER_REPLY];
    uint8_t cmd[POP3_CMD_MAX];
    uint8_t spill[16]; /* line-end octets the reader held */
    uint8_t rx[NX_POP3_CLIENT_TCP_WINDOW_SIZE];
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

static const pop3_nx_port *port_of(const NX_POP3_CLIENT *cp)
{
    return S(cp)->ip_ptr->nx_ip_pop3_port;
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

/* --- the engine's transport: the port's send and close --------------------- */

static long tr_send(void *ctx, const uint8_t *data, size_t len)
{
    NX_POP3_CLIENT *cp = (NX_POP3_CLIENT *)ctx;

    return port_of(cp)->send(ctx_of(cp), &S(cp)->conn, data, len);
}

static void tr_close(void *ctx)
{
    NX_POP3_CLIENT *cp = (NX_POP3_CLIENT *)ctx;

    if (S(cp)->connected) {
        S(cp)->connected = 0;
        port_of(cp)->close(ctx_of(cp), &S(cp)->conn);
    }
}

/* --- events ----------------------------------------------------------------- */

static UINT map_close(pop3_err err)
{
    switch (err) {
    case POP3_ERR_CLOSED:
        return NX_SUCCESS;
    case POP3_ERR_TIMEOUT_CONNECT:
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
    default:
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

static void on_data(NX_POP3_CLIENT *cp, const char *text, size_t len)
{
    NX_PACKET *p = S(cp)->packet;
    size_t room = 0, n;

    if (S(cp)->discard)
        return;
    if (p != NX_NULL && S(cp)->spill_len == 0) {
        room = (size_t)(p->nx_packet_data_end - p->nx_packet_append_ptr);
        n = len < room ? len : room;
        memcpy(p->nx_packet_append_ptr, text, n);
        p->nx_packet_append_ptr += n;
        p->nx_packet_length += (ULONG)n;
        text += n;
        len -= n;
    }
    if (len == 0)
        return;
    if (len > sizeof(S(cp)->spill) - S(cp)->spill_len) {
        finish(cp, NX_POP3_MAIL_BUFFER_OVERFLOW);
        pop3_client_abort(&S(cp)->engine);
        return;
    }
    memcpy(S(cp)->spill + S(cp)->spill_len, text, len);
    S(cp)->spill_len += len;
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
        S(cp)->value2 = 0; /* terminator not seen */
        S(cp)->spill_len = 0;
        if (parse_size(ev->text, ev->len, &S(cp)->value) != 0)
            S(cp)->value = (ULONG)~(ULONG)0;
        /* Keep the body in the receive buffer until message_get. */
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
            S(cp)->value2 = 1;
            finish(cp, NX_SUCCESS);
        }
        break;
    case POP3_EV_OK:
        if (ev->cmd != POP3_CMD_USER)
            finish(cp, NX_SUCCESS);
        break;
    case POP3_EV_CLOSED:
        finish(cp, map_close(ev->err));
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
    return port_of(cp)->now_ms(ctx_of(cp));
}

/* Octets of the receive buffer that may go to the engine now: while a
 * packet is being filled, no more than it has room for. */
static size_t feed_limit(const NX_POP3_CLIENT *cp)
{
    const NX_PACKET *p = S(cp)->packet;
    size_t n = S(cp)->rx_len;

    if (p != NX_NULL && !S(cp)->discard) {
        size_t room = (size_t)(p->nx_packet_data_end - p->nx_packet_append_ptr);

        if (S(cp)->spill_len > 0)
            room = 0;
        if (n > room)
            n = room;
    }
    return n;
}

static int packet_full(const NX_POP3_CLIENT *cp)
{
    const NX_PACKET *p = S(cp)->packet;

    return p != NX_NULL && !S(cp)->discard &&
           (p->nx_packet_append_ptr == p->nx_packet_data_end ||
            S(cp)->spill_len > 0);
}

/* One step: feed buffered octets, else flush, receive or wait. */
static void step(NX_POP3_CLIENT *cp)
{
    pop3_client *c = &S(cp)->engine;
    const pop3_nx_port *port = port_of(cp);
    void *ctx = ctx_of(cp);
    size_t n;
    long r;
    int want_write;

    if (S(cp)->rx_len > 0 && !pop3_client_paused(c)) {
        n = feed_limit(cp);
        if (n > 0) {
            n = pop3_client_input(c, S(cp)->rx + S(cp)->rx_off, n);
            if (n > S(cp)->rx_len)
                n = S(cp)->rx_len;
            S(cp)->rx_off += n;
            S(cp)->rx_len -= n;
            if (S(cp)->rx_len == 0 || !session_open(cp)) {
                S(cp)->rx_off = 0;
                S(cp)->rx_len = 0;
            }
            pop3_client_tick(c, now(cp));
            return;
        }
    }
    want_write = pop3_client_want_write(c) ? 1 : 0;
    if (want_write) {
        pop3_client_writable(c);
        if (!session_open(cp))
            return;
        want_write = pop3_client_want_write(c) ? 1 : 0;
    }
    if (S(cp)->rx_len == 0) {
        r = port->recv(ctx, &S(cp)->conn, S(cp)->rx,
                       sizeof(S(cp)->rx));
        if (r > 0) {
            S(cp)->rx_off = 0;
            S(cp)->rx_len =
                (size_t)r < sizeof(S(cp)->rx) ? (size_t)r
                                                           : sizeof(S(cp)->rx);
            return;
        }
        if (r == POP3_NX_PORT_EOF) {
            pop3_client_eof(c);
            return;
        }
        if (r < 0) {
            pop3_client_fail(c, POP3_ERR_RESET);
            tr_close(cp);
            return;
        }
    }
    port->wait(ctx, &S(cp)->conn, want_write, WAIT_SLICE_MS);
    pop3_client_tick(c, now(cp));
}

/* Run until the current call's reply is in (or the packet is full). */
static UINT run(NX_POP3_CLIENT *cp)
{
    while (!S(cp)->done && !packet_full(cp)) {
        if (!session_open(cp)) {
            finish(cp, map_close(pop3_client_error(&S(cp)->engine)));
            break;
        }
        if (pop3_client_paused(&S(cp)->engine))
            break; /* cannot happen: a pause always comes with a result */
        step(cp);
    }
    if (!session_open(cp)) {
        S(cp)->state = ST_CLOSED;
        tr_close(cp);
    }
    return S(cp)->done ? S(cp)->result : NX_SUCCESS;
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
    S(cp)->state = ST_CLOSED;
    return NX_POP3_CLIENT_INVALID_STATE;
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
    if (ip->nx_ip_id != NX_IP_ID || ip->nx_ip_pop3_port == NX_NULL || port == 0 ||
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

    S(cp)->transport.send = tr_send;
    S(cp)->transport.close = tr_close;
    S(cp)->transport.ctx = cp;
    pop3_client_config_defaults(&cfg);
    cfg.transport = &S(cp)->transport;
    cfg.cb = on_event;
    cfg.user = cp;
    cfg.line_buf = S(cp)->line;
    cfg.line_size = sizeof(S(cp)->line);
    cfg.cmd_buf = S(cp)->cmd;
    cfg.cmd_size = sizeof(S(cp)->cmd);
    cfg.queue = S(cp)->queue;
    cfg.queue_len = sizeof(S(cp)->queue) / sizeof(S(cp)->queue[0]);
    cfg.connect_timeout_ms = 0; /* the port's connect has its own */
    cfg.greeting_timeout_ms = ticks_to_ms(NX_POP3_SERVER_REPLY_TIMEOUT);
    cfg.reply_timeout_ms = ticks_to_ms(NX_POP3_SERVER_REPLY_TIMEOUT);
    cfg.idle_timeout_ms = 0; /* between calls the application decides */
    if (pop3_client_init(&S(cp)->engine, &cfg) != POP3_OK) {
        forget_credentials(cp);
        return NX_POP3_PARAM_ERROR;
    }

    status = ip->nx_ip_pop3_port->connect(ip->nx_ip_pop3_ctx, &S(cp)->conn,
                                          addr, port,
                                          ticks_to_ms(NX_POP3_CLIENT_CONNECTION_TIMEOUT));
    if (status != NX_SUCCESS) {
        pop3_client_fail(&S(cp)->engine, POP3_ERR_CONNECT);
        forget_credentials(cp);
        return status == NX_SUCCESS ? NX_NOT_CONNECTED : status;
    }
    S(cp)->connected = 1;
    pop3_client_connected(&S(cp)->engine);
    S(cp)->state = ST_TRANSACTION; /* for the loop; fixed below */
    begin(cp);
    status = run(cp);
    forget_credentials(cp);
    if (status != NX_SUCCESS ||
        pop3_client_state(&S(cp)->engine) != POP3_STATE_TRANSACTION) {
        if (status == NX_SUCCESS)
            status = NX_POP3_SERVER_ERROR_STATUS;
        if (session_open(cp))
            pop3_client_abort(&S(cp)->engine); /* no QUIT, as NetX */
        tr_close(cp);
        S(cp)->state = ST_CLOSED;
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
        if (session_open(client_ptr))
            pop3_client_abort(&S(client_ptr)->engine);
        tr_close(client_ptr);
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

UINT nx_pop3_client_mail_item_message_get(NX_POP3_CLIENT *client_ptr,
                                          NX_PACKET **recv_packet_ptr,
                                          ULONG *bytes_retrieved,
                                          UINT *final_packet)
{
    NX_POP3_CLIENT *cp = client_ptr;
    pop3_client *c;
    NX_PACKET *p;
    UINT status;
    size_t n;

    if (cp == NX_NULL || recv_packet_ptr == NX_NULL || bytes_retrieved == NX_NULL ||
        final_packet == NX_NULL)
        return NX_PTR_ERROR;
    *recv_packet_ptr = NX_NULL;
    *bytes_retrieved = 0;
    *final_packet = NX_FALSE;
    if (cp->nx_pop3_client_id != NX_POP3_CLIENT_ID || S(cp)->state != ST_DOWNLOAD)
        return NX_POP3_CLIENT_INVALID_STATE;
    c = &S(cp)->engine;
    p = pop3_nx_packet_alloc(S(cp)->packet_pool_ptr);
    if (p == NX_NULL)
        return NX_NO_PACKET;
    S(cp)->packet = p;

    /* Octets held back by the last packet lead this one. */
    n = S(cp)->spill_len;
    if (n > (size_t)(p->nx_packet_data_end - p->nx_packet_append_ptr))
        n = (size_t)(p->nx_packet_data_end - p->nx_packet_append_ptr);
    memcpy(p->nx_packet_append_ptr, S(cp)->spill, n);
    p->nx_packet_append_ptr += n;
    p->nx_packet_length += (ULONG)n;
    memmove(S(cp)->spill, S(cp)->spill + n,
            S(cp)->spill_len - n);
    S(cp)->spill_len -= n;

    status = NX_SUCCESS;
    if (!S(cp)->value2) {
        /* The terminator is still to come: let the engine go on. */
        S(cp)->done = 0;
        S(cp)->result = NX_SUCCESS;
        pop3_client_tick(c, now(cp)); /* while paused: the wait was ours */
        pop3_client_resume(c);
        status = run(cp);
        if (session_open(cp) && !S(cp)->value2)
            pop3_client_pause(c); /* packet full: keep the rest for later */
    }
    S(cp)->packet = NX_NULL;
    if (status != NX_SUCCESS) {
        (void)nx_packet_release(p);
        S(cp)->state = ST_CLOSED;
        if (session_open(cp))
            pop3_client_abort(c);
        tr_close(cp);
        return status;
    }
    if (S(cp)->value2 && S(cp)->spill_len == 0) {
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
        if (!S(cp)->value2)
            S(cp)->discard = 1;
        S(cp)->state = ST_TRANSACTION;
        pop3_client_resume(c);
    }
    if ((e = pop3_client_quit(c)) != POP3_OK)
        return queue_failed(cp, e);
    status = run(cp);
    if (session_open(cp))
        pop3_client_abort(c);
    tr_close(cp);
    S(cp)->discard = 0;
    S(cp)->state = ST_CLOSED;
    return status;
}

void pop3_nx_ip_bind(NX_IP *ip, const pop3_nx_port *port, void *ctx)
{
    if (ip == NX_NULL)
        return;
    ip->nx_ip_pop3_port = port;
    ip->nx_ip_pop3_ctx = ctx;
    ip->nx_ip_id = port != NX_NULL ? NX_IP_ID : 0;
}
