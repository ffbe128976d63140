/* SPDX-License-Identifier: MIT */
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

/* Commands of a left-out feature are never queued, so they are not looked
 * for. */
int pop3_cmd_is_barrier(uint8_t cmd)
{
    return cmd == POP3_CMD_USER || cmd == POP3_CMD_PASS ||
           (POP3_APOP && cmd == POP3_CMD_APOP) || pop3_cmd_goes_alone(cmd);
}

int pop3_cmd_goes_alone(uint8_t cmd)
{
    return (POP3_STLS && cmd == POP3_CMD_STLS) || (POP3_SASL && cmd == POP3_CMD_AUTH);
}

/* " v" ending at end, written backwards; returns where it starts. */
static char *arg_back(char *end, uint32_t v)
{
    do {
        *--end = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0);
    *--end = ' ';
    return end;
}

/* One array of fixed-size names: no pointer table in the firmware image. */
static const char keyword[][4] = {
    "", "USER", "PASS", "APOP", "CAPA", "STAT", "LIST", "UIDL",
    "RETR", "TOP", "DELE", "RSET", "NOOP", "QUIT", "STLS"
};

size_t pop3_cmd_format(uint8_t *out, size_t room, const pop3_slot *s,
                       const char *user, const char *pass, const char *apop_hex)
{
    /* The arguments after the login name are built backwards at the end of
     * tail: " N", " N L" (TOP) or " <32 hex digits>" (APOP). */
    char tail[1 + 32 + 1];
    char *t = tail + sizeof(tail);
    const char *name = NULL;
    size_t klen = 4, nlen = 0, tlen, need;

    (void)apop_hex; /* unused with POP3_APOP=0 */
    switch (s->cmd) {
    case POP3_CMD_USER:
        name = user;
        break;
    case POP3_CMD_PASS:
        name = pass;
        break;
#if POP3_APOP
    case POP3_CMD_APOP:
        name = user;
        t -= 32;
        memcpy(t, apop_hex, 32);
        *--t = ' ';
        break;
#endif
#if POP3_UIDL_TOP
    case POP3_CMD_TOP:
        klen = 3;
        t = arg_back(arg_back(t, s->arg2), s->arg);
        break;
#endif
    case POP3_CMD_LIST:
    case POP3_CMD_UIDL:
    case POP3_CMD_RETR:
    case POP3_CMD_DELE:
        if (s->arg != 0) /* 0: LIST or UIDL of every message */
            t = arg_back(t, s->arg);
        break;
    default:
        if (s->cmd >= sizeof(keyword) / sizeof(keyword[0]))
            return 0; /* AUTH: pop3_auth_command() writes it */
        break;
    }
    if (name != NULL)
        nlen = 1 + strlen(name);
    tlen = (size_t)(tail + sizeof(tail) - t);
    need = klen + nlen + tlen + 2;
    if (need > room)
        return 0;
    memcpy(out, keyword[s->cmd], klen);
    out += klen;
    if (name != NULL) {
        *out++ = ' ';
        memcpy(out, name, nlen - 1);
        out += nlen - 1;
    }
    memcpy(out, t, tlen);
    out[tlen] = '\r';
    out[tlen + 1] = '\n';
    return need;
}
