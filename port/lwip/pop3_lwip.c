/* SPDX-License-Identifier: MIT */
/* pop3_lwip.c - the pop3 engine over lwIP's altcp (or raw tcp) API.
 *
 * Contract in include/pop3_lwip.h. Everything runs in lwIP's context (the
 * superloop, or with the tcpip core lock held), so no locking here.
 *
 * Lifetime rules that keep this free of use-after-free:
 * - p->pcb is the only reference to the PCB. It is cleared before the PCB
 *   is closed or aborted, and in the err callback, where lwIP has already
 *   freed it (lwIP doc: "the corresponding pcb is already freed").
 * - Every callback checks that its pcb is still p->pcb; the callback arg
 *   is set to NULL before close or abort, so a late callback sees arg NULL
 *   and is stale: on_recv consumes and discards like tcp_recv_null, the
 *   others do nothing. (After tcp_close lwIP calls recv no more; sent,
 *   poll and err may still come.)
 * - While the delivery loop walks p->rx (p->busy), the engine may close the
 *   transport from inside pop3_client_input(); the loop then frees p->rx
 *   itself after the engine has returned, never while a payload is in use.
 * - When a PCB is aborted inside one of its own callbacks, that callback
 *   returns ERR_ABRT (lwIP requires it). p->aborted is cleared as such a
 *   callback starts (serve) and nowhere else, so a new session started
 *   from inside it cannot hide the abort.
 * - The window is opened per piece, by what the engine consumed of it; the
 *   octets still held only when the PCB is released.
 * - S_OPEN implies p->pcb is set wherever the engine can run (tr_send
 *   relies on it).
 */
#include <string.h>

#include "pop3_lwip.h"

#include "lwip/tcp.h"
#include "lwip/sys.h"
#if LWIP_DNS
#include "lwip/dns.h"
#endif

enum {
    S_CLOSED,     /* no session yet, or it ended (p->pcb NULL) */
    S_RESOLVING,  /* DNS lookup pending */
    S_DNS_LATE,   /* the session ended during the lookup; lwIP still holds p
                   * as the lookup's argument until it answers (no cancel) */
    S_CONNECTING, /* SYN sent */
    S_OPEN        /* established; p->pcb is set */
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

static void drop_rx(pop3_lwip *p)
{
    if (p->rx != NULL && !p->busy) {
        pbuf_free(p->rx);
        p->rx = NULL;
    }
}

/* Release the PCB: graceful close (FIN), abort (RST) if lwIP cannot. */
static void release_pcb(pop3_lwip *p)
{
    struct altcp_pcb *pcb = p->pcb;

    if (pcb == NULL)
        return;
    p->pcb = NULL;
    altcp_arg(pcb, NULL); /* late callbacks: stale */
    /* Open the window for the held octets too, so lwIP closes with a FIN:
     * an unread receive window would make tcp_close send RST. */
    altcp_recved(pcb, (u16_t)held(p));
    if (altcp_close(pcb) != ERR_OK) {
        altcp_abort(pcb);
        p->aborted = 1;
    }
}

/* transport->close: called by the engine when the session ends. Safe twice,
 * after the err callback, and during DNS: p then stays active until the
 * answer arrives, which is dropped (see on_dns). */
static void tr_close(void *ctx)
{
    pop3_lwip *p = (pop3_lwip *)ctx;

    if (p == NULL)
        return;
    p->state = (p->state == S_RESOLVING || p->state == S_DNS_LATE) ? S_DNS_LATE : S_CLOSED;
    release_pcb(p);
    drop_rx(p);
}

/* transport->send: copy into lwIP's send buffer as far as it has room. */
static long tr_send(void *ctx, const uint8_t *data, size_t len)
{
    pop3_lwip *p = (pop3_lwip *)ctx;
    u16_t room, n;
    err_t err;

    if (p == NULL || p->state != S_OPEN)
        return -1;
    if (p->busy)
        return 0; /* read first, write after: deliver() resumes us */
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

/* Into the engine, or through the filter when there is one. */
static size_t push(pop3_lwip *p, const void *data, size_t len)
{
    if (p->filter != NULL)
        return p->filter->input(p->filter->ctx, data, len);
    return pop3_client_input(p->client, data, len);
}

static bool filter_pending(const pop3_lwip *p)
{
    return p->filter != NULL && p->filter->pending(p->filter->ctx);
}

/* Push held pbufs to the engine in place, piece by piece, opening the
 * window for what each consumed, until it pauses, the session ends, or
 * nothing is left; a FIN is reported once every octet before it was. */
static void deliver(pop3_lwip *p)
{
    if (p->busy)
        return; /* never re-entered from an engine callback */
    p->busy = 1;
    while (p->state == S_OPEN && !pop3_client_paused(p->client)) {
        struct pbuf *q = p->rx;
        u16_t qlen;
        size_t n;

        if (q == NULL) {
            if (filter_pending(p)) { /* plaintext the filter held back */
                (void)push(p, NULL, 0);
                if (filter_pending(p))
                    break;
                continue;
            }
            if (p->fin) {
                p->fin = 0;
                if (p->filter != NULL) /* the engine then calls tr_close */
                    p->filter->eof(p->filter->ctx);
                else
                    pop3_client_eof(p->client);
                if (p->state == S_OPEN)
                    tr_close(p); /* engine already closed (e.g. after QUIT) */
            }
            break;
        }
        qlen = q->len; /* may be 0: the piece is then just dropped */
        if (p->input_max != 0 && qlen > p->input_max)
            qlen = p->input_max;
        n = push(p, q->payload, qlen);
        if (n > qlen)
            n = qlen; /* cannot happen; keeps the pbuf arithmetic sound */
        if (p->state != S_OPEN)
            break; /* the engine closed the transport inside input */
        altcp_recved(p->pcb, (u16_t)n);
        if (n < q->len) { /* paused, ended without a close, or input_max */
            (void)pbuf_free_header(q, (u16_t)n); /* q stays, past n */
            if (n < qlen)
                break;
            continue;
        }
        /* Unlink q and free it alone; p->rx takes over the link's
         * reference to the rest (as pbuf_free_header does). */
        p->rx = q->next;
        q->next = NULL;
        pbuf_free(q);
    }
    p->busy = 0;
    if (p->state != S_OPEN) {
        drop_rx(p);
        return;
    }
    /* What the octets just handled made the engine queue goes out now,
     * after them: a reply in those octets cannot answer it, and the engine
     * matches replies only to commands the transport took. */
    if (p->filter != NULL)
        p->filter->writable(p->filter->ctx);
    else
        pop3_client_writable(p->client);
}

/* What recv, sent and poll have in common (tick: poll only, so data already
 * received is never judged late by a clock read before it): send what the
 * engine has pending, then push held octets. Returns what the lwIP callback
 * must: ERR_ABRT when the PCB was aborted meanwhile. */
static err_t serve(pop3_lwip *p, bool tick)
{
    p->aborted = 0;
    if (tick)
        pop3_client_tick(p->client, sys_now());
    if (p->state == S_OPEN) {
        if (p->filter != NULL)
            p->filter->writable(p->filter->ctx);
        else
            pop3_client_writable(p->client);
    }
    deliver(p);
    return p->aborted ? ERR_ABRT : ERR_OK;
}

/* ---- lwIP callbacks --------------------------------------------------- */

static err_t on_recv(void *arg, struct altcp_pcb *pcb, struct pbuf *pb, err_t err)
{
    pop3_lwip *p = from_arg(arg, pcb);

    if (p == NULL || p->state != S_OPEN || (pb != NULL && err != ERR_OK)) {
        /* Stale callback, or data with an error (lwIP 2.1 never passes
         * one): consume and discard, like tcp_recv_null. */
        if (pb != NULL) {
            altcp_recved(pcb, pb->tot_len);
            pbuf_free(pb);
        }
        return ERR_OK;
    }
    if (pb == NULL) {
        p->fin = 1;
    } else if (p->rx == NULL) {
        p->rx = pb;
    } else {
        /* pbuf tot_len is 16 bits: if the chain would overflow, let lwIP keep
         * this piece as refused data and offer it again later. */
        if ((uint32_t)p->rx->tot_len + pb->tot_len > 0xFFFFu)
            return ERR_MEM;
        pbuf_cat(p->rx, pb);
    }
    if (held(p) > p->held_max)
        p->held_max = (uint32_t)held(p);
    return serve(p, false);
}

static err_t on_sent(void *arg, struct altcp_pcb *pcb, u16_t len)
{
    pop3_lwip *p = from_arg(arg, pcb);

    (void)len;
    return p != NULL ? serve(p, false) : ERR_OK;
}

static err_t on_poll(void *arg, struct altcp_pcb *pcb)
{
    pop3_lwip *p = from_arg(arg, pcb);

    return p != NULL ? serve(p, true) : ERR_OK;
}

static pop3_err fail_now(pop3_lwip *p, pop3_err why)
{
    p->state = S_CLOSED;
    pop3_client_fail(p->client, why);
    return why;
}

/* lwIP has already freed the PCB: forget it, never touch it. */
static void on_err(void *arg, err_t err)
{
    pop3_lwip *p = (pop3_lwip *)arg;

    if (p == NULL || p->pcb == NULL)
        return;
    p->pcb = NULL;
    drop_rx(p);
#if LWIP_ALTCP_TLS
    /* altcp_tls reports a failed handshake (certificate refused included)
     * as ERR_CLSD before the connected callback; TCP itself never does. */
    if (p->state == S_CONNECTING && err == ERR_CLSD) {
        (void)fail_now(p, POP3_ERR_TLS);
        return;
    }
#else
    (void)err;
#endif
    (void)fail_now(p, p->state == S_CONNECTING ? POP3_ERR_CONNECT : POP3_ERR_RESET);
}

static err_t on_connected(void *arg, struct altcp_pcb *pcb, err_t err)
{
    pop3_lwip *p = from_arg(arg, pcb);

    if (p == NULL || p->state != S_CONNECTING)
        return ERR_OK;
    p->aborted = 0;
    if (err == ERR_OK) {
        p->state = S_OPEN;
        pop3_client_connected(p->client);
    } else { /* lwIP 2.1 reports failures through on_err instead */
        tr_close(p);
        (void)fail_now(p, POP3_ERR_CONNECT);
    }
    return p->aborted ? ERR_ABRT : ERR_OK;
}

/* ---- public API -------------------------------------------------------- */

void pop3_lwip_init(pop3_lwip *p)
{
    if (p == NULL)
        return;
    memset(p, 0, sizeof *p); /* state S_CLOSED */
    p->tr.send = tr_send;
    p->tr.close = tr_close;
    p->tr.ctx = p;
}

void pop3_lwip_set_input_max(pop3_lwip *p, uint16_t n)
{
    if (p != NULL)
        p->input_max = n;
}

const pop3_transport *pop3_lwip_transport(pop3_lwip *p)
{
    return p != NULL ? &p->tr : NULL;
}

void pop3_lwip_set_filter(pop3_lwip *p, const pop3_lwip_filter *f)
{
    if (p != NULL)
        p->filter = f;
}

#if LWIP_ALTCP
void pop3_lwip_set_allocator(pop3_lwip *p, altcp_allocator_t *alloc)
{
    if (p != NULL)
        p->alloc = alloc;
}
#endif

static pop3_err start_tcp(pop3_lwip *p, const ip_addr_t *ip)
{
    struct altcp_pcb *pcb;

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
    if (altcp_connect(pcb, ip, p->port, on_connected) == ERR_OK)
        return POP3_OK;
    tr_close(p); /* lwIP frees a PCB that never connected on close */
    return fail_now(p, POP3_ERR_CONNECT);
}

#if LWIP_DNS
static void on_dns(const char *name, const ip_addr_t *ip, void *arg)
{
    pop3_lwip *p = (pop3_lwip *)arg;

    (void)name;
    if (p == NULL)
        return;
    if (p->state == S_DNS_LATE) {
        /* The session ended meanwhile (connect timeout, abort): this answer
         * belongs to nobody. p was kept active for it, so it cannot have
         * been reused for another session or freed (pop3_lwip.h); the
         * client it served may be, so it is not touched. */
        p->state = S_CLOSED;
        return;
    }
    if (p->state != S_RESOLVING)
        return;
    if (ip != NULL)
        (void)start_tcp(p, ip);
    else
        (void)fail_now(p, POP3_ERR_RESOLVE);
}
#endif

/* What both connects check first. p is tested before c is touched: failing
 * c while p still carries a session would end that session. */
static pop3_err begin(pop3_lwip *p, pop3_client *c, bool addr_ok, uint16_t port)
{
    if (p == NULL || c == NULL || pop3_lwip_active(p))
        return POP3_ERR_ARG; /* p still belongs to another session */
    p->client = c;
    p->port = port;
    p->fin = 0;
    p->held_max = 0;
    if (!addr_ok || port == 0)
        return fail_now(p, POP3_ERR_ARG);
    return POP3_OK;
}

pop3_err pop3_lwip_connect_ip(pop3_lwip *p, pop3_client *c,
                              const ip_addr_t *ip, uint16_t port)
{
    pop3_err e = begin(p, c, ip != NULL, port);

    return e != POP3_OK ? e : start_tcp(p, ip);
}

pop3_err pop3_lwip_connect(pop3_lwip *p, pop3_client *c, const char *host,
                           uint16_t port)
{
    ip_addr_t ip;
    pop3_err e = begin(p, c, host != NULL && host[0] != '\0', port);

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
    if (p != NULL && p->client != NULL)
        (void)serve(p, true);
}

bool pop3_lwip_active(const pop3_lwip *p)
{
    return p != NULL && (p->pcb != NULL || p->rx != NULL || p->state == S_RESOLVING ||
                         p->state == S_DNS_LATE);
}

size_t pop3_lwip_held(const pop3_lwip *p)
{
    return p != NULL ? held(p) : 0u;
}

size_t pop3_lwip_held_max(const pop3_lwip *p)
{
    return p != NULL ? p->held_max : 0u;
}
