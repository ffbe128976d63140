/* SPDX-License-Identifier: MIT */
/* pop3_err.c - error strings, generated from the one list in pop3.h.
 *
 * Every text and name lives in one constant struct, one char array member
 * each, so the lookup tables hold 16-bit offsets instead of pointers: on a
 * 32-bit target that halves them (about 100 octets). */
#include "pop3.h"

#include <stddef.h>

#define POP3_ERR_TEXT_MEMBER_(name, text) char t_##name[sizeof(text)];
#define POP3_ERR_NAME_MEMBER_(name, text) char n_##name[sizeof(#name)];
struct pop3_err_strings {
    POP3_ERR_LIST(POP3_ERR_TEXT_MEMBER_)
    POP3_ERR_LIST(POP3_ERR_NAME_MEMBER_)
};

#define POP3_ERR_TEXT_(name, text) text,
#define POP3_ERR_NAME_(name, text) #name,
static const struct pop3_err_strings err_strings = {
    POP3_ERR_LIST(POP3_ERR_TEXT_)
    POP3_ERR_LIST(POP3_ERR_NAME_)
};

#define POP3_ERR_TEXT_OFF_(name, text) (uint16_t)offsetof(struct pop3_err_strings, t_##name),
#define POP3_ERR_NAME_OFF_(name, text) (uint16_t)offsetof(struct pop3_err_strings, n_##name),
static const uint16_t err_text[] = { POP3_ERR_LIST(POP3_ERR_TEXT_OFF_) };
static const uint16_t err_name[] = { POP3_ERR_LIST(POP3_ERR_NAME_OFF_) };

const char *pop3_strerror(pop3_err err)
{
    if ((unsigned)err >= (unsigned)POP3_ERR_COUNT_)
        return "unknown error";
    return (const char *)&err_strings + err_text[err];
}

const char *pop3_err_name(pop3_err err)
{
    if ((unsigned)err >= (unsigned)POP3_ERR_COUNT_)
        return "UNKNOWN";
    return (const char *)&err_strings + err_name[err];
}
