/* SPDX-License-Identifier: MIT */
/* pop3_auth.h - SASL encodings for the AUTH command (internal).
 *
 * Pure functions: no client, no transport. They build the AUTH command line
 * and the responses to server challenges ("+ " lines, RFC 5034 sec. 4)
 * straight into the engine's command buffer, so no secret is ever copied
 * anywhere else. Mechanisms: PLAIN (RFC 4616), LOGIN, CRAM-MD5 (RFC 2195),
 * XOAUTH2 and OAUTHBEARER (RFC 7628).
 */
#ifndef POP3_AUTH_H
#define POP3_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "pop3.h"

/* Octets of the base64 (RFC 4648 sec. 4, padded) form of n octets. */
size_t pop3_b64_len(size_t n);
/* Base64 of in[0..n) into out[0..room); returns the length, 0 if it does
 * not fit (n == 0 also gives 0). */
size_t pop3_b64_encode(const void *in, size_t n, char *out, size_t room);
/* Decodes padded base64 in[0..n) into out[0..cap); out may equal in
 * (decoding in place). Whitespace, a length that is not a multiple of 4,
 * misplaced '=' or non-zero pad bits are refused. Returns 0 and *out_len,
 * or -1. */
int pop3_b64_decode(const char *in, size_t n, uint8_t *out, size_t cap,
                    size_t *out_len);

/* host and port, in every call below: the server as the application named
 * it (pop3_client_config), which OAUTHBEARER sends as RFC 7628's host= and
 * port= pairs; a NULL or empty host and port 0 are left out. The other
 * mechanisms ignore them. */

/* Checks pop3_client_auth() arguments: known mechanism, user and secret
 * non-empty without CR/LF (nor 0x01 for XOAUTH2/OAUTHBEARER), for
 * OAUTHBEARER a host of at most 255 printable ASCII octets (VCHAR, no
 * space), and every line the exchange can need fits in cmd_size octets.
 * POP3_OK or ARG. */
pop3_err pop3_auth_check(unsigned mech, const char *user, const char *secret,
                         const char *host, uint16_t port, size_t cmd_size);

/* "AUTH MECH[ initial-response]\r\n" into out[0..room). The initial
 * response goes on the line only when the mechanism has one and the line
 * stays within POP3_CMD_MAX octets (RFC 5034 sec. 4); *ir_sent says
 * whether it did (it then holds a secret). Returns the length or 0. */
size_t pop3_auth_command(uint8_t *out, size_t room, unsigned mech,
                         const char *user, const char *secret, const char *host,
                         uint16_t port, int *ir_sent);

/* The response line (CRLF included) to challenge number `step` (0 first).
 * challenge is the base64 text after "+ ", NUL-terminated; it is decoded
 * in place (CRAM-MD5). *is_secret says whether the line holds a credential
 * or something derived from one. Unexpected challenges get "*" (cancel).
 * Returns the length, 0 when it does not fit in room. */
size_t pop3_auth_response(uint8_t *out, size_t room, unsigned mech,
                          unsigned step, int ir_sent, const char *user,
                          const char *secret, const char *host, uint16_t port,
                          char *challenge, int *is_secret);

#endif /* POP3_AUTH_H */
