/* SPDX-License-Identifier: MIT */
/* pop3_cmd.h - building and checking command lines (internal). */
#ifndef POP3_CMD_H
#define POP3_CMD_H

#include <stddef.h>
#include <stdint.h>

#include "pop3.h"

/* Checks a user-supplied argument: non-empty, no CR or LF (a C string has no
 * NUL inside), no space unless allow_space, at most max octets. Returns its
 * length, or 0 when it is refused. */
size_t pop3_cmd_arg_len(const char *s, size_t max, int allow_space);

/* Writes the command line of slot s (CRLF included) into out[0..room).
 * user/pass are the login arguments, apop_hex the 32-octet APOP digest.
 * Returns the line's length, or 0 when it does not fit in room. */
size_t pop3_cmd_format(uint8_t *out, size_t room, const pop3_slot *s,
                       const char *user, const char *pass, const char *apop_hex);

/* True for the commands that change the protocol state: USER, PASS, APOP,
 * STLS and AUTH. Only one login (or STLS) may be queued at a time. */
int pop3_cmd_is_barrier(uint8_t cmd);

/* True for STLS and AUTH: written only when nothing else is outstanding, and
 * nothing is written after them until their reply (the octets that follow
 * are TLS, or SASL responses). */
int pop3_cmd_goes_alone(uint8_t cmd);

#endif /* POP3_CMD_H */
