/* SPDX-License-Identifier: MIT */
/* pop3_version.c - the version of the library linked in (pop3.h). */
#include "pop3.h"

const char *pop3_version(void)
{
    return POP3_VERSION_STRING;
}
