/* pop3_lwip.c - the pop3 engine over lwIP's altcp (or raw tcp) API.
 *
 * Contract in include/pop3_lwip.h. Everything runs in lwIP's context (the
 * superloop, or with the tcpip core lock held), so no locking here.
 *
 * Lifetime rules that keep this free of use-after-free:
 * - p->pcb is the only reference to the PCB. It is cleared before the PCB
 *   is closed or aborted, and in the err callback, where lwIP has already
 *   freed it (lwIP doc: "the corresponding pcb is already freed").
 * - Every callback checks that its pcb is still p->pcb; callbacks are
 *   detached (arg NULL, functions NULL) before close, so a late one sees
 *   arg NULL.
 * - While the delivery loop walks p->rx (p->busy), the engine may close the
 *   transport from inside pop3_client_input(); the loop then frees p->rx
 *   itself after the engine has returned, never while a payload is in use.
 * - When a PCB is aborted inside one of its own callbacks, that callback
 *   returns ERR_ABRT (lwIP requires it).
 */
#include <string.h>

#include "pop3_lwip.h"

#include "lwip/tcp.h"
#include "lwip/sys.h"
#if LWIP_DNS
#include "lwip/dns.h"
#endif

enum {
    S_IDLE,       /* never connected */
    S_RESOLVING,  /* DNS lookup pending */
    S_CONNECTING, /* SYN sent */
    S_OPEN,       /* established */
    S_CLOSED      /* closed by the engine, lwIP, or a failed connect */
};

static pop3_lwip *from_arg(void *arg, const struct altcp_pcb *pcb)
{
    pop3_lwip *p = (pop3_lwip *)arg;
    return (p != NULL && p->pcb == pcb && pcb != NULL) ? p : NULL;
}

static size_t held(const pop3_lwip *p)
{
    return p->rx != NULL ? p->rx->tot_len : 0u;
}

/* Open the window for consumed octets (altcp_recved takes u16_t). */
static void ack_consumed(pop3_lwip *p)
{
    while (p->unacked > 0 && p->pcb != NULL) {
        u16_t n = p->unacked > 0xFFFFu ? 0xFFFFu : (u16_t)p->unacked;
        altcp_recved(p->pcb, n);
        p->unacked -= n;
    }
    if (p->pcb == NULL)
        p->unacked = 0;
}

static void drop_rx(pop3_lwip *p)
{
    if (p->rx != NULL && !p->busy) {
        pbuf_free(p->rx);
        p->rx = NULL;
    }
}

static void detach(struct altcp_pcb *pcb)
{
    altcp_arg(pcb, NULL);
    altcp_recv(pcb, NULL);
    altcp_sent(pcb, NULL);
    altcp_err(pcb, NULL);
    altcp_poll(pcb, NULL, 0);
}

/* Release the PCB: graceful close (FIN), abort (RST) if lwIP cannot. */
static void release_pcb(pop3_lwip *p)
{
    struct altcp_pcb *pcb = p->pcb;

    if (pcb == NULL)
        return;
    /* Open the window for everything, held octets included, so lwIP closes
     * with a FIN: an unread receive window would make tcp_close send RST. */
    p->unacked += (uint32_t)held(p);
    ack_consumed(p);
    p->pcb = NULL;
    p->unacked = 0;
    detach(pcb);
    if (altcp_close(pcb) != ERR_OK) {
        altcp_abort(pcb);
        p->aborted = 1;
    }
}

/* transport->close: called by the engine when the session ends. Safe twice,
 * after the err callback, and during DNS (the answer is then ignored). */
static void tr_close(void *ctx)
{
    pop3_lwip *p = (pop3_lwip *)ctx;

    if (p == NULL)
        return;
    if (p->state != S_IDLE)
        p->state = S_CLOSED;
    release_pcb(p);
    drop_rx(p);
}

/* transport->send: copy into lwIP's send buffer as far as it has room. */
static long tr_send(void *ctx, const uint8_t *data, size_t len)
{
    pop3_lwip *p = (pop3_lwip *)ctx;
    u16_t room, n;
    err_t err;

    if (p == NULL || p->state != S_OPEN || p->pcb == NULL)
        return -1;
    room = altcp_sndbuf(p->pcb);
    if (room == 0 || altcp_sndqueuelen(p->pcb) >= TCP_SND_QUEUELEN)
        return 0; /* the sent callback resumes us */
    n = len < room ? (u16_t)len : room;
    err = altcp_write(p->pcb, data, n, TCP_WRITE_FLAG_COPY);
    if (err == ERR_MEM)
        return 0; /* out of segments now: sent or poll callback retries */
    if (err != ERR_OK)
        return -1;
    /* Outside tcp_input this sends now; inside it lwIP sends with the ACK. */
    (void)altcp_output(p->pcb);
    return (long)n;
}

/* Tell the engine about the FIN once every octet before it was consumed. */
static void deliver_fin(pop3_lwip *p)
{
    if (p->fin && p->rx == NULL && p->state == S_OPEN &&
        !pop3_client_paused(p->client)) {
        p->fin = 0;
        pop3_client_eof(p->client); /* the engine then calls tr_close */
        if (p->state == S_OPEN)
            tr_close(p); /* engine already closed (e.g. after QUIT) */
    }
}

/* Push held pbufs to the engine in place, piece by piece, until it pauses,
 * the session ends, or nothing is left; then open the window for what was
 * consumed. */
static void deliver(pop3_lwip *p)
{
    if (p->busy)
        return; /* never re-entered from an engine callback */
    p->busy = 1;
    while (p->rx != NULL && p->state == S_OPEN && !pop3_client_paused(p->client)) {
        struct pbuf *q = p->rx;
        size_t n;
        u16_t qlen;

        if (q->len == 0) { /* empty piece: drop it alone */
            struct pbuf *next = q->next;
            if (next != NULL)
                pbuf_ref(next);
            pbuf_free(q);
            p->rx = next;
            continue;
        }
        qlen = q->len;
        n = pop3_client_input(p->client, q->payload, qlen);
        if (n > qlen)
            n = qlen; /* cannot happen; keeps the pbuf arithmetic sound */
        if (p->state != S_OPEN)
            break; /* the engine closed the transport inside input */
        p->unacked += (uint32_t)n;
        /* Frees q when fully consumed, else moves its payload past n. */
        p->rx = pbuf_free_header(q, (u16_t)n);
        if (n < qlen)
            break; /* paused, or the session ended without a close */
    }
    p->busy = 0;
    if (p->state != S_OPEN) {
        drop_rx(p);
        return;
    }
    ack_consumed(p);
    deliver_fin(p);
}

/* ---- lwIP callbacks --------------------------------------------------- */

static err_t on_recv(void *arg, struct altcp_pcb *pcb, struct pbuf *pb, err_t err)
{
    pop3_lwip *p = from_arg(arg, pcb);

    if (p == NULL || p->state != S_OPEN) {
        /* Stale callback: consume and discard, like tcp_recv_null. */
        if (pb != NULL) {
            altcp_recved(pcb, pb->tot_len);
            pbuf_free(pb);
        }
        return ERR_OK;
    }
    if (pb == NULL) {
        p->fin = 1;
    } else if (err != ERR_OK) {
        pbuf_free(pb); /* lwIP 2.1 never passes an error with data */
        return ERR_OK;
    } else if (p->rx != NULL) {
        /* pbuf tot_len is 16 bits: if the chain would overflow, let lwIP keep
         * this piece as refused data and offer it again later. */
        if ((uint32_t)p->rx->tot_len + pb->tot_len > 0xFFFFu)
            return ERR_MEM;
        pbuf_cat(p->rx, pb);
    } else {
        p->rx = pb;
    }
    if (held(p) > p->held_max)
        p->held_max = (uint32_t)held(p);
    p->aborted = 0;
    deliver(p);
    return p->aborted ? ERR_ABRT : ERR_OK;
}

static err_t on_sent(void *arg, struct altcp_pcb *pcb, u16_t len)
{
    pop3_lwip *p = from_arg(arg, pcb);

    (void)len;
    if (p == NULL || p->state != S_OPEN)
        return ERR_OK;
    p->aborted = 0;
    if (pop3_client_want_write(p->client))
        pop3_client_writable(p->client);
    return p->aborted ? ERR_ABRT : ERR_OK;
}

static void service(pop3_lwip *p)
{
    pop3_client_tick(p->client, sys_now());
    if (p->state == S_OPEN && pop3_client_want_write(p->client))
        pop3_client_writable(p->client);
    if (p->state == S_OPEN)
        deliver(p);
}

static err_t on_poll(void *arg, struct altcp_pcb *pcb)
{
    pop3_lwip *p = from_arg(arg, pcb);

    if (p == NULL)
        return ERR_OK;
    p->aborted = 0;
    service(p);
    return p->aborted ? ERR_ABRT : ERR_OK;
}

/* lwIP has already freed the PCB: forget it, never touch it. */
static void on_err(void *arg, err_t err)
{
    pop3_lwip *p = (pop3_lwip *)arg;
    uint8_t was;

    if (p == NULL || p->pcb == NULL)
        return;
    was = p->state;
    p->pcb = NULL;
    p->unacked = 0;
    p->state = S_CLOSED;
    drop_rx(p);
    (void)err;
    pop3_client_fail(p->client, was == S_CONNECTING ? POP3_ERR_CONNECT : POP3_ERR_RESET);
}

static err_t on_connected(void *arg, struct altcp_pcb *pcb, err_t err)
{
    pop3_lwip *p = from_arg(arg, pcb);

    if (p == NULL || p->state != S_CONNECTING)
        return ERR_OK;
    if (err != ERR_OK) { /* lwIP 2.1 reports failures through on_err */
        p->aborted = 0;
        release_pcb(p);
        p->state = S_CLOSED;
        pop3_client_fail(p->client, POP3_ERR_CONNECT);
        return p->aborted ? ERR_ABRT : ERR_OK;
    }
    p->state = S_OPEN;
    p->aborted = 0;
    pop3_client_connected(p->client);
    return p->aborted ? ERR_ABRT : ERR_OK;
}

/* ---- public API -------------------------------------------------------- */

void pop3_lwip_init(pop3_lwip *p)
{
    if (p == NULL)
        return;
    memset(p, 0, sizeof *p);
    p->tr.send = tr_send;
    p->tr.close = tr_close;
    p->tr.ctx = p;
    p->state = S_IDLE;
}

const pop3_transport *pop3_lwip_transport(pop3_lwip *p)
{
    return p != NULL ? &p->tr : NULL;
}

#if LWIP_ALTCP
void pop3_lwip_set_allocator(pop3_lwip *p, altcp_allocator_t *alloc)
{
    if (p != NULL)
        p->alloc = alloc;
}
#endif

static pop3_err fail_now(pop3_lwip *p, pop3_err why)
{
    p->state = S_CLOSED;
    pop3_client_fail(p->client, why);
    return why;
}

static pop3_err start_tcp(pop3_lwip *p, const ip_addr_t *ip)
{
    struct altcp_pcb *pcb;
    err_t err;

#if LWIP_ALTCP
    pcb = altcp_new_ip_type(p->alloc, IP_GET_TYPE(ip));
#else
    pcb = altcp_new_ip_type(NULL, IP_GET_TYPE(ip));
#endif
    if (pcb == NULL)
        return fail_now(p, POP3_ERR_CONNECT); /* MEMP_NUM_TCP_PCB exhausted */
    p->pcb = pcb;
    p->state = S_CONNECTING;
    altcp_arg(pcb, p);
    altcp_recv(pcb, on_recv);
    altcp_sent(pcb, on_sent);
    altcp_err(pcb, on_err);
    altcp_poll(pcb, on_poll, POP3_LWIP_POLL_INTERVAL);
    err = altcp_connect(pcb, ip, p->port, on_connected);
    if (err != ERR_OK) {
        p->pcb = NULL;
        detach(pcb);
        altcp_abort(pcb);
        return fail_now(p, POP3_ERR_CONNECT);
    }
    return POP3_OK;
}

#if LWIP_DNS
static void on_dns(const char *name, const ip_addr_t *ip, void *arg)
{
    pop3_lwip *p = (pop3_lwip *)arg;

    (void)name;
    if (p == NULL || p->state != S_RESOLVING)
        return; /* the session ended meanwhile (e.g. connect timeout) */
    if (ip == NULL) {
        (void)fail_now(p, POP3_ERR_RESOLVE);
        return;
    }
    (void)start_tcp(p, ip);
}
#endif

static pop3_err begin(pop3_lwip *p, pop3_client *c, uint16_t port)
{
    if (p == NULL || c == NULL || pop3_lwip_active(p))
        return POP3_ERR_ARG; /* p still belongs to another session */
    p->client = c;
    if (port == 0) {
        pop3_client_fail(c, POP3_ERR_ARG);
        return POP3_ERR_ARG;
    }
    p->port = port;
    p->fin = 0;
    p->unacked = 0;
    p->held_max = 0;
    p->aborted = 0;
    return POP3_OK;
}

pop3_err pop3_lwip_connect_ip(pop3_lwip *p, pop3_client *c,
                              const ip_addr_t *ip, uint16_t port)
{
    pop3_err e;

    if (ip == NULL) {
        if (c != NULL)
            pop3_client_fail(c, POP3_ERR_ARG);
        return POP3_ERR_ARG;
    }
    e = begin(p, c, port);
    if (e != POP3_OK)
        return e;
    return start_tcp(p, ip);
}

pop3_err pop3_lwip_connect(pop3_lwip *p, pop3_client *c, const char *host,
                           uint16_t port)
{
    ip_addr_t ip;
    pop3_err e;

    if (host == NULL || host[0] == '\0') {
        if (c != NULL)
            pop3_client_fail(c, POP3_ERR_ARG);
        return POP3_ERR_ARG;
    }
    e = begin(p, c, port);
    if (e != POP3_OK)
        return e;
    if (ipaddr_aton(host, &ip))
        return start_tcp(p, &ip);
#if LWIP_DNS
    {
        err_t err;

        p->state = S_RESOLVING;
        err = dns_gethostbyname(host, &ip, on_dns, p);
        if (err == ERR_OK)
            return start_tcp(p, &ip); /* cached or a local host entry */
        if (err == ERR_INPROGRESS)
            return POP3_OK;
    }
#endif
    return fail_now(p, POP3_ERR_RESOLVE);
}

void pop3_lwip_poll(pop3_lwip *p)
{
    if (p == NULL || p->client == NULL)
        return;
    p->aborted = 0;
    if (p->state == S_OPEN || p->state == S_CONNECTING || p->state == S_RESOLVING)
        service(p);
    else
        pop3_client_tick(p->client, sys_now());
}

bool pop3_lwip_active(const pop3_lwip *p)
{
    return p != NULL && (p->pcb != NULL || p->rx != NULL || p->state == S_RESOLVING);
}

size_t pop3_lwip_held(const pop3_lwip *p)
{
    return p != NULL ? held(p) : 0u;
}

size_t pop3_lwip_held_max(const pop3_lwip *p)
{
    return p != NULL ? p->held_max : 0u;
}
