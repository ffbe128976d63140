/* SPDX-License-Identifier: MIT */
/* pop3_auth.c - SASL mechanism names, choice and encodings (RFC 5034).
 *
 * Messages are never assembled in a separate buffer: each piece (user,
 * separators, secret) streams through a base64 writer straight into the
 * command buffer. Every length is computed and checked before writing.
 */
#include "pop3_auth.h"

#include <string.h>

#include "pop3_cmd.h"
#include "pop3_md5.h"

#if POP3_SASL

static const struct {
    const char *name;
    unsigned bit;
} mech_names[] = {
    { "PLAIN", POP3_SASL_PLAIN }, { "LOGIN", POP3_SASL_LOGIN },
    { "CRAM-MD5", POP3_SASL_CRAM_MD5 }, { "XOAUTH2", POP3_SASL_XOAUTH2 },
    { "OAUTHBEARER", POP3_SASL_OAUTHBEARER }
};

const char *pop3_sasl_name(unsigned mech)
{
    size_t i;

    for (i = 0; i < sizeof(mech_names) / sizeof(mech_names[0]); i++) {
        if (mech_names[i].bit == mech)
            return mech_names[i].name;
    }
    return NULL;
}

unsigned pop3_sasl_from_name(const char *name)
{
    size_t i, j;

    if (name == NULL)
        return 0;
    for (i = 0; i < sizeof(mech_names) / sizeof(mech_names[0]); i++) {
        const char *m = mech_names[i].name;

        for (j = 0; m[j] != '\0'; j++) {
            char a = name[j];

            if (a >= 'a' && a <= 'z')
                a = (char)(a - 'a' + 'A');
            if (a != m[j])
                break;
        }
        if (m[j] == '\0' && name[j] == '\0')
            return mech_names[i].bit;
    }
    return 0;
}

unsigned pop3_sasl_pick(unsigned offered, bool token, bool plain_ok)
{
    static const unsigned tok_order[] = { POP3_SASL_OAUTHBEARER, POP3_SASL_XOAUTH2 };
    static const unsigned pw_order[] = { POP3_SASL_CRAM_MD5, POP3_SASL_PLAIN,
                                         POP3_SASL_LOGIN };
    const unsigned *order = token ? tok_order : pw_order;
    size_t n = token ? 2u : 3u, i;

    for (i = 0; i < n; i++) {
        if (!(offered & order[i]))
            continue;
        if (!plain_ok && (order[i] == POP3_SASL_PLAIN || order[i] == POP3_SASL_LOGIN))
            continue;
        return order[i];
    }
    return 0;
}

/* ---- base64 --------------------------------------------------------------- */

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t pop3_b64_len(size_t n)
{
    return (n / 3u + (n % 3u != 0)) * 4u;
}

/* Streaming encoder into a bounded buffer; `full` once anything missed. */
typedef struct b64w {
    char *p;
    size_t room, len;
    uint8_t carry[3];
    unsigned nc;
    int full;
} b64w;

static void b64w_init(b64w *w, char *p, size_t room)
{
    memset(w, 0, sizeof(*w));
    w->p = p;
    w->room = room;
}

static void b64w_emit(b64w *w, unsigned nbytes)
{
    uint32_t v = ((uint32_t)w->carry[0] << 16) | ((uint32_t)w->carry[1] << 8) |
                 (uint32_t)w->carry[2];

    if (w->full || w->room - w->len < 4u) {
        w->full = 1;
        return;
    }
    w->p[w->len++] = b64_alphabet[(v >> 18) & 63u];
    w->p[w->len++] = b64_alphabet[(v >> 12) & 63u];
    w->p[w->len++] = nbytes > 1u ? b64_alphabet[(v >> 6) & 63u] : '=';
    w->p[w->len++] = nbytes > 2u ? b64_alphabet[v & 63u] : '=';
}

static void b64w_put(b64w *w, const void *data, size_t n)
{
    const uint8_t *d = (const uint8_t *)data;
    size_t i;

    for (i = 0; i < n; i++) {
        w->carry[w->nc++] = d[i];
        if (w->nc == 3u) {
            b64w_emit(w, 3u);
            w->nc = 0;
        }
    }
}

static void b64w_end(b64w *w)
{
    unsigned n = w->nc;

    if (n == 0)
        return;
    while (w->nc < 3u)
        w->carry[w->nc++] = 0;
    b64w_emit(w, n);
    w->nc = 0;
}

static void b64w_wipe(b64w *w)
{
    volatile uint8_t *v = w->carry;

    v[0] = v[1] = v[2] = 0;
}

size_t pop3_b64_encode(const void *in, size_t n, char *out, size_t room)
{
    b64w w;

    b64w_init(&w, out, room);
    b64w_put(&w, in, n);
    b64w_end(&w);
    b64w_wipe(&w);
    return w.full ? 0 : w.len;
}

static int b64_value(char ch)
{
    if (ch >= 'A' && ch <= 'Z')
        return ch - 'A';
    if (ch >= 'a' && ch <= 'z')
        return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9')
        return ch - '0' + 52;
    if (ch == '+')
        return 62;
    if (ch == '/')
        return 63;
    return -1;
}

int pop3_b64_decode(const char *in, size_t n, uint8_t *out, size_t cap,
                    size_t *out_len)
{
    size_t i, o = 0;

    if (n % 4u != 0)
        return -1;
    for (i = 0; i < n; i += 4u) {
        int v[4], k, pad = 0;
        uint32_t x;
        char q[4];

        memcpy(q, in + i, 4); /* read before writing: out may equal in */
        for (k = 0; k < 4; k++) {
            if (q[k] == '=' && k >= 2 && i + 4u == n) {
                v[k] = 0;
                pad++;
                continue;
            }
            if (pad > 0 || (v[k] = b64_value(q[k])) < 0)
                return -1; /* data after '=', or not base64 */
        }
        x = ((uint32_t)v[0] << 18) | ((uint32_t)v[1] << 12) |
            ((uint32_t)v[2] << 6) | (uint32_t)v[3];
        if ((pad == 1 && (x & 0xffu) != 0) || (pad == 2 && (x & 0xffffu) != 0))
            return -1; /* non-canonical pad bits */
        if (cap - o < (size_t)(3 - pad))
            return -1;
        out[o++] = (uint8_t)(x >> 16);
        if (pad < 2)
            out[o++] = (uint8_t)(x >> 8);
        if (pad < 1)
            out[o++] = (uint8_t)x;
    }
    *out_len = o;
    return 0;
}

/* ---- the messages --------------------------------------------------------- */

#define OAUTH_KV "\001auth=Bearer "
#define OAUTH_HOST_MAX 255u /* a DNS name is at most 253 octets */

/* RFC 7628 sec. 3.1: host = "host=" 1*VCHAR, port = "port=" 1*DIGIT, each
 * followed by %x01. A NULL or empty host and port 0 are left out. */
static size_t port_digits(uint16_t port, char out[5])
{
    char tmp[5];
    size_t n = 0, i;

    do {
        tmp[n++] = (char)('0' + port % 10u);
        port = (uint16_t)(port / 10u);
    } while (port != 0);
    for (i = 0; i < n; i++)
        out[i] = tmp[n - 1u - i];
    return n;
}

static size_t peer_len(const char *host, uint16_t port)
{
    char d[5];
    size_t n = 0;

    if (host != NULL && host[0] != '\0')
        n += 5u + strlen(host) + 1u;
    if (port != 0)
        n += 5u + port_digits(port, d) + 1u;
    return n;
}

static int host_ok(const char *host)
{
    size_t i;

    if (host == NULL)
        return 1;
    for (i = 0; host[i] != '\0'; i++) {
        if (i >= OAUTH_HOST_MAX || (unsigned char)host[i] < 0x21u ||
            (unsigned char)host[i] > 0x7eu)
            return 0;
    }
    return 1;
}

/* RFC 7628 sec. 3.1 / RFC 5801 saslname: ',' and '=' in the authzid are
 * written as =2C and =3D. */
static size_t gs2_len(const char *user)
{
    size_t n = 0;

    for (; *user != '\0'; user++)
        n += (*user == ',' || *user == '=') ? 3u : 1u;
    return n;
}

static void gs2_put(b64w *w, const char *user)
{
    for (; *user != '\0'; user++) {
        if (*user == ',')
            b64w_put(w, "=2C", 3);
        else if (*user == '=')
            b64w_put(w, "=3D", 3);
        else
            b64w_put(w, user, 1);
    }
}

/* Length of the initial-response message of PLAIN, XOAUTH2, OAUTHBEARER. */
static size_t initial_len(unsigned mech, const char *user, const char *secret,
                          const char *host, uint16_t port)
{
    size_t u = strlen(user), s = strlen(secret);

    switch (mech) {
    case POP3_SASL_PLAIN: /* [authzid] NUL authcid NUL passwd (RFC 4616) */
        return 1u + u + 1u + s;
    case POP3_SASL_XOAUTH2: /* user=U ^A auth=Bearer T ^A ^A */
        return 5u + u + (sizeof(OAUTH_KV) - 1u) + s + 2u;
    case POP3_SASL_OAUTHBEARER: /* n,a=U, [^A host=H] [^A port=P] ^A auth=Bearer T ^A ^A */
        return 4u + gs2_len(user) + 1u + peer_len(host, port) + (sizeof(OAUTH_KV) - 1u) +
               s + 2u;
    default:
        return 0;
    }
}

static void initial_put(b64w *w, unsigned mech, const char *user, const char *secret,
                        const char *host, uint16_t port)
{
    char d[5];

    switch (mech) {
    case POP3_SASL_PLAIN:
        b64w_put(w, "", 1); /* empty authzid, then NUL */
        b64w_put(w, user, strlen(user));
        b64w_put(w, "", 1);
        break;
    case POP3_SASL_XOAUTH2:
        b64w_put(w, "user=", 5);
        b64w_put(w, user, strlen(user));
        b64w_put(w, OAUTH_KV, sizeof(OAUTH_KV) - 1u);
        break;
    default: /* OAUTHBEARER, as in RFC 7628 sec. 4.1's examples */
        b64w_put(w, "n,a=", 4);
        gs2_put(w, user);
        b64w_put(w, ",", 1);
        if (host != NULL && host[0] != '\0') {
            b64w_put(w, "\001host=", 6);
            b64w_put(w, host, strlen(host));
        }
        if (port != 0) {
            b64w_put(w, "\001port=", 6);
            b64w_put(w, d, port_digits(port, d));
        }
        b64w_put(w, OAUTH_KV, sizeof(OAUTH_KV) - 1u);
        break;
    }
    b64w_put(w, secret, strlen(secret));
    if (mech != POP3_SASL_PLAIN)
        b64w_put(w, "\001\001", 2);
}

static int has_ir(unsigned mech)
{
    return mech == POP3_SASL_PLAIN || mech == POP3_SASL_XOAUTH2 ||
           mech == POP3_SASL_OAUTHBEARER;
}

pop3_err pop3_auth_check(unsigned mech, const char *user, const char *secret,
                         const char *host, uint16_t port, size_t cmd_size)
{
    const size_t lim = 4096u; /* far above any real name or token */
    size_t u = pop3_cmd_arg_len(user, lim, 1);
    size_t s = pop3_cmd_arg_len(secret, lim, 1);
    size_t need;

    if (pop3_sasl_name(mech) == NULL || u == 0 || s == 0)
        return POP3_ERR_ARG;
    if ((mech == POP3_SASL_XOAUTH2 || mech == POP3_SASL_OAUTHBEARER) &&
        (memchr(user, '\001', u) != NULL || memchr(secret, '\001', s) != NULL))
        return POP3_ERR_ARG; /* would end a key=value pair early */
    if (mech == POP3_SASL_OAUTHBEARER && !host_ok(host))
        return POP3_ERR_ARG; /* not 1*VCHAR, or longer than any host name */
    switch (mech) {
    case POP3_SASL_LOGIN:
        need = pop3_b64_len(u > s ? u : s);
        break;
    case POP3_SASL_CRAM_MD5:
        need = pop3_b64_len(u + 1u + 2u * POP3_MD5_LEN);
        break;
    default:
        need = pop3_b64_len(initial_len(mech, user, secret, host, port));
        break;
    }
    if (need + 2u > cmd_size)
        return POP3_ERR_ARG;
    return POP3_OK;
}

size_t pop3_auth_command(uint8_t *out, size_t room, unsigned mech,
                         const char *user, const char *secret, const char *host,
                         uint16_t port, int *ir_sent)
{
    const char *name = pop3_sasl_name(mech);
    size_t n, ir = 0;
    b64w w;

    *ir_sent = 0;
    if (name == NULL)
        return 0;
    n = 5u + strlen(name); /* "AUTH " MECH */
    if (has_ir(mech))
        ir = pop3_b64_len(initial_len(mech, user, secret, host, port));
    /* RFC 5034 sec. 4: the initial response only if the line stays within
     * 255 octets; an empty one would be "=" (ours are never empty). */
    if (ir > 0 && n + 1u + ir + 2u <= POP3_CMD_MAX)
        *ir_sent = 1;
    if (n + 2u + (*ir_sent ? 1u + ir : 0u) > room) {
        *ir_sent = 0;
        return 0;
    }
    memcpy(out, "AUTH ", 5);
    memcpy(out + 5, name, n - 5u);
    if (*ir_sent) {
        out[n++] = ' ';
        b64w_init(&w, (char *)out + n, ir);
        initial_put(&w, mech, user, secret, host, port);
        b64w_end(&w);
        b64w_wipe(&w);
        n += w.len;
    }
    out[n++] = '\r';
    out[n++] = '\n';
    return n;
}

static void auth_wipe(void *p, size_t n)
{
    volatile uint8_t *v = (volatile uint8_t *)p;

    while (n-- > 0)
        *v++ = 0;
}

/* CRAM-MD5 (RFC 2195): base64(user SP hex(HMAC-MD5(secret, challenge))). */
static size_t cram_md5(b64w *w, const char *user, const char *secret,
                       char *challenge)
{
    uint8_t digest[POP3_MD5_LEN];
    char hex[2 * POP3_MD5_LEN];
    size_t clen;

    if (pop3_b64_decode(challenge, strlen(challenge), (uint8_t *)challenge,
                        strlen(challenge), &clen) != 0 || clen == 0)
        return 0;
    if (pop3_md5_hmac(secret, strlen(secret), challenge, clen, digest) != 0) {
        auth_wipe(digest, sizeof(digest));
        return 0;
    }
    pop3_md5_hex(digest, hex);
    b64w_put(w, user, strlen(user));
    b64w_put(w, " ", 1);
    b64w_put(w, hex, sizeof(hex));
    b64w_end(w);
    auth_wipe(digest, sizeof(digest)); /* derived from the secret */
    auth_wipe(hex, sizeof(hex));
    return 1;
}

size_t pop3_auth_response(uint8_t *out, size_t room, unsigned mech,
                          unsigned step, int ir_sent, const char *user,
                          const char *secret, const char *host, uint16_t port,
                          char *challenge, int *is_secret)
{
    b64w w;
    unsigned phase = step + (ir_sent ? 1u : 0u);
    int done = 0;

    *is_secret = 0;
    if (room < 3u)
        return 0;
    b64w_init(&w, (char *)out, room - 2u);
    switch (mech) {
    case POP3_SASL_PLAIN:
    case POP3_SASL_XOAUTH2:
    case POP3_SASL_OAUTHBEARER:
        if (phase == 0) { /* the empty challenge asks for the deferred IR */
            initial_put(&w, mech, user, secret, host, port);
            b64w_end(&w);
            *is_secret = done = 1;
        } else if (phase == 1 && mech == POP3_SASL_XOAUTH2) {
            done = 1; /* error details came as a challenge: empty reply */
        } else if (phase == 1 && mech == POP3_SASL_OAUTHBEARER) {
            b64w_put(&w, "\001", 1); /* RFC 7628 sec. 3.2.3: a lone %x01 */
            b64w_end(&w);
            done = 1;
        }
        break;
    case POP3_SASL_LOGIN: /* "Username:", then "Password:" */
        if (step < 2u) {
            const char *v = step == 0 ? user : secret;

            b64w_put(&w, v, strlen(v));
            b64w_end(&w);
            *is_secret = step == 1u;
            done = 1;
        }
        break;
    case POP3_SASL_CRAM_MD5:
        if (step == 0 && cram_md5(&w, user, secret, challenge)) {
            *is_secret = done = 1;
        }
        break;
    default:
        break;
    }
    b64w_wipe(&w);
    if (w.full)
        return 0;
    if (!done) { /* RFC 5034 sec. 4: "*" cancels the exchange */
        out[0] = '*';
        w.len = 1;
    }
    out[w.len] = '\r';
    out[w.len + 1u] = '\n';
    return w.len + 2u;
}

#else /* !POP3_SASL: nothing to name or pick, and AUTH is never queued */

const char *pop3_sasl_name(unsigned mech)
{
    (void)mech;
    return NULL;
}

unsigned pop3_sasl_from_name(const char *name)
{
    (void)name;
    return 0;
}

unsigned pop3_sasl_pick(unsigned offered, bool token, bool plain_ok)
{
    (void)offered;
    (void)token;
    (void)plain_ok;
    return 0;
}

pop3_err pop3_auth_check(unsigned mech, const char *user, const char *secret,
                         const char *host, uint16_t port, size_t cmd_size)
{
    (void)mech;
    (void)user;
    (void)secret;
    (void)host;
    (void)port;
    (void)cmd_size;
    return POP3_ERR_UNSUPPORTED;
}

size_t pop3_auth_command(uint8_t *out, size_t room, unsigned mech,
                         const char *user, const char *secret, const char *host,
                         uint16_t port, int *ir_sent)
{
    (void)out;
    (void)room;
    (void)mech;
    (void)user;
    (void)secret;
    (void)host;
    (void)port;
    *ir_sent = 0;
    return 0;
}

size_t pop3_auth_response(uint8_t *out, size_t room, unsigned mech,
                          unsigned step, int ir_sent, const char *user,
                          const char *secret, const char *host, uint16_t port,
                          char *challenge, int *is_secret)
{
    (void)mech;
    (void)step;
    (void)ir_sent;
    (void)user;
    (void)secret;
    (void)host;
    (void)port;
    (void)challenge;
    *is_secret = 0;
    if (room < 3u)
        return 0;
    memcpy(out, "*\r\n", 3);
    return 3;
}

#endif /* POP3_SASL */
