/* pop3_err.c - error strings, generated from the one list in pop3.h. */
#include "pop3.h"

#define POP3_ERR_TEXT_(name, text) text,
#define POP3_ERR_NAME_(name, text) #name,
static const char *const err_text[] = { POP3_ERR_LIST(POP3_ERR_TEXT_) };
static const char *const err_name[] = { POP3_ERR_LIST(POP3_ERR_NAME_) };

const char *pop3_strerror(pop3_err err)
{
    if ((unsigned)err >= (unsigned)POP3_ERR_COUNT_)
        return "unknown error";
    return err_text[err];
}

const char *pop3_err_name(pop3_err err)
{
    if ((unsigned)err >= (unsigned)POP3_ERR_COUNT_)
        return "UNKNOWN";
    return err_name[err];
}
