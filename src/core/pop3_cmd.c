/* pop3_cmd.c - building and checking command lines.
 *
 * RFC 1939 sec. 3: a command is a keyword, then arguments separated by single
 * spaces, then CRLF. RFC 2449 sec. 4: the whole line is at most 255 octets.
 * Arguments are checked before anything is queued so that no CR or LF from a
 * caller can end a command early and inject another.
 */
#include "pop3_cmd.h"

#include <string.h>

size_t pop3_cmd_arg_len(const char *s, size_t max, int allow_space)
{
    size_t i;

    if (s == NULL)
        return 0;
    for (i = 0; s[i] != '\0'; i++) {
        if (i == max || s[i] == '\r' || s[i] == '\n')
            return 0;
        if (s[i] == ' ' && !allow_space)
            return 0;
    }
    return i;
}

size_t pop3_cmd_u32(char *out, uint32_t v)
{
    char tmp[10];
    size_t n = 0, i;

    do {
        tmp[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0);
    for (i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

int pop3_cmd_is_barrier(uint8_t cmd)
{
    return cmd == POP3_CMD_USER || cmd == POP3_CMD_PASS || cmd == POP3_CMD_APOP ||
           pop3_cmd_goes_alone(cmd);
}

int pop3_cmd_goes_alone(uint8_t cmd)
{
    return cmd == POP3_CMD_STLS || cmd == POP3_CMD_AUTH;
}

/* A small writer that stops at the buffer's end instead of overflowing. */
typedef struct cmd_writer {
    uint8_t *p;
    size_t room, len;
    int full;
} cmd_writer;

static void put(cmd_writer *w, const char *s, size_t n)
{
    if (w->full || n > w->room - w->len) {
        w->full = 1;
        return;
    }
    memcpy(w->p + w->len, s, n);
    w->len += n;
}

static void put_str(cmd_writer *w, const char *s)
{
    put(w, s, strlen(s));
}

static void put_num(cmd_writer *w, uint32_t v)
{
    char d[10];

    put(w, " ", 1);
    put(w, d, pop3_cmd_u32(d, v));
}

/* One array of fixed-size names: no pointer table in the firmware image. */
static const char keyword[][5] = {
    "", "USER", "PASS", "APOP", "CAPA", "STAT", "LIST", "UIDL",
    "RETR", "TOP", "DELE", "RSET", "NOOP", "QUIT", "STLS", "AUTH"
};

size_t pop3_cmd_format(uint8_t *out, size_t room, const pop3_slot *s,
                       const char *user, const char *pass, const char *apop_hex)
{
    cmd_writer w;

    (void)apop_hex; /* unused with POP3_APOP=0 */
    w.p = out;
    w.room = room;
    w.len = 0;
    w.full = 0;
    if (s->cmd == POP3_CMD_NONE || s->cmd > POP3_CMD_STLS)
        return 0;
    put_str(&w, keyword[s->cmd]);
    switch (s->cmd) {
    case POP3_CMD_USER:
        put(&w, " ", 1);
        put_str(&w, user);
        break;
    case POP3_CMD_PASS:
        put(&w, " ", 1);
        put_str(&w, pass);
        break;
#if POP3_APOP
    case POP3_CMD_APOP:
        put(&w, " ", 1);
        put_str(&w, user);
        put(&w, " ", 1);
        put(&w, apop_hex, 32);
        break;
#endif
    case POP3_CMD_LIST:
    case POP3_CMD_UIDL:
        if (s->arg != 0)
            put_num(&w, s->arg);
        break;
#if POP3_UIDL_TOP
    case POP3_CMD_TOP:
        put_num(&w, s->arg);
        put_num(&w, s->arg2);
        break;
#endif
    case POP3_CMD_RETR:
    case POP3_CMD_DELE:
        put_num(&w, s->arg);
        break;
    default:
        break;
    }
    put(&w, "\r\n", 2);
    return w.full ? 0 : w.len;
}
