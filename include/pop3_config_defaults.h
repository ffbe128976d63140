/* SPDX-License-Identifier: MIT */
/* pop3_config_defaults.h - compile-time knobs of the pop3 engine.
 *
 * Every knob can be overridden with -DPOP3_X=value or from a file named by
 * POP3_CONFIG_FILE (e.g. -DPOP3_CONFIG_FILE='"my_pop3_config.h"').
 * Run-time sizes (line buffer, command buffer, pipeline queue) are chosen by
 * the caller when it hands its storage to pop3_client_init(); the values here
 * are the minimums the engine accepts and the defaults of the timeouts.
 */
#ifndef POP3_CONFIG_DEFAULTS_H
#define POP3_CONFIG_DEFAULTS_H

#ifdef POP3_CONFIG_FILE
#include POP3_CONFIG_FILE
#endif

/* Smallest receive line buffer accepted by pop3_client_init(), in octets.
 * RFC 1939 sec. 3 and RFC 2449 sec. 4: a response line is at most 512 octets
 * including CRLF. Status, CAPA, LIST and UIDL lines longer than the caller's
 * buffer end the session with POP3_ERR_LINE_TOO_LONG. Message bodies are never
 * buffered, so this does not limit body line length. Range 512..65535. */
#ifndef POP3_LINE_MIN
#define POP3_LINE_MIN (512u)
#endif

/* Longest command line the engine builds, including CRLF (RFC 2449 sec. 4:
 * 255 octets). Arguments that would make a longer line are refused with
 * POP3_ERR_ARG before anything is sent. The caller's command buffer must be
 * at least this large. Range 64..255. */
#ifndef POP3_CMD_MAX
#define POP3_CMD_MAX (255u)
#endif

/* Default timeouts in milliseconds, used by pop3_client_config_defaults().
 * 0 disables a timeout. Connect: until the port reports the connection up.
 * Greeting: from connection up to the end of the greeting line. Reply: a
 * command is outstanding and no complete line of its reply (status line,
 * listing line or body line) has arrived for this long; a server that
 * trickles octets without finishing lines is cut off, a long download of
 * ordinary mail (lines <= 1000 octets, RFC 5322) is not. Time while the
 * application has paused delivery does not count. Idle: nothing is
 * outstanding and the application has queued nothing for this long (RFC
 * 1939 sec. 3: servers may log out idle clients after 10 minutes). */
#ifndef POP3_CONNECT_TIMEOUT_MS
#define POP3_CONNECT_TIMEOUT_MS (30000u)
#endif
#ifndef POP3_GREETING_TIMEOUT_MS
#define POP3_GREETING_TIMEOUT_MS (30000u)
#endif
#ifndef POP3_REPLY_TIMEOUT_MS
#define POP3_REPLY_TIMEOUT_MS (60000u)
#endif
#ifndef POP3_IDLE_TIMEOUT_MS
#define POP3_IDLE_TIMEOUT_MS (600000u)
#endif
/* Low-speed rule (pop3_client_config.low_speed_*): while a reply is
 * awaited, a window of POP3_LOW_SPEED_MS that brings some octets but fewer
 * than POP3_LOW_SPEED_OCTETS ends the session (POP3_ERR_TIMEOUT_SPEED).
 * The default, 1000 octets a minute (about 130 bit/s), only catches a
 * server that trickles to hold the session; 0 disables the rule. */
#ifndef POP3_LOW_SPEED_OCTETS
#define POP3_LOW_SPEED_OCTETS (1000u)
#endif
#ifndef POP3_LOW_SPEED_MS
#define POP3_LOW_SPEED_MS (60000u)
#endif

/* Optional log hook, used for protocol traces. Double parentheses:
 * POP3_LOG_DEBUG(("sent %u octets", n)). Expands to nothing by default.
 * Secrets and message bodies are never passed to it. */
#ifndef POP3_LOG_DEBUG
#define POP3_LOG_DEBUG(args)
#endif

/* Features. Each is 1 (compiled in) or 0 (left out); a call that needs a
 * left-out feature returns POP3_ERR_UNSUPPORTED and queues nothing.
 * POP3_LEAN=1 makes 0 the default of every one of them: the smallest
 * firmware build, which keeps USER/PASS login, STAT, LIST, RETR, DELE, RSET,
 * NOOP, QUIT, the timeouts, pause/resume and the split-input guarantees
 * (roughly what the NetX Duo POP3 client offers, without its APOP). Any
 * feature can still be set on its own, e.g. -DPOP3_LEAN=1 -DPOP3_APOP=1.
 * The pop3_client struct is the same in every build. */
#ifndef POP3_LEAN
#define POP3_LEAN (0)
#endif
/* SASL AUTH (RFC 5034: PLAIN, LOGIN, CRAM-MD5, XOAUTH2, OAUTHBEARER):
 * pop3_client_auth(). With 0, src/core/pop3_auth.c compiles to
 * almost nothing. */
#ifndef POP3_SASL
#define POP3_SASL (!POP3_LEAN)
#endif
/* STLS (RFC 2595): pop3_client_stls(). Implicit TLS (pop3s, the transport
 * decorator of pop3_tls.h) works either way. */
#ifndef POP3_STLS
#define POP3_STLS (!POP3_LEAN)
#endif
/* APOP (RFC 1939 sec. 7): pop3_client_login(..., POP3_AUTH_APOP) and the
 * greeting's timestamp (POP3_EV_GREETING count). With 0 and POP3_SASL=0
 * the engine needs no MD5 at all (src/md5 can be left out of the build). */
#ifndef POP3_APOP
#define POP3_APOP (!POP3_LEAN)
#endif
/* CAPA (RFC 2449): pop3_client_capa(), the capability getters and, through
 * them, PIPELINING. With 0 one command is on the wire at a time. */
#ifndef POP3_CAPA
#define POP3_CAPA (!POP3_LEAN)
#endif
/* UIDL and TOP (RFC 1939 sec. 7): pop3_client_uidl(), pop3_client_top(). */
#ifndef POP3_UIDL_TOP
#define POP3_UIDL_TOP (!POP3_LEAN)
#endif
/* Extended response codes (RFC 2449 sec. 8, RFC 3206) in pop3_event.code.
 * With 0 code is always POP3_RESP_NONE and the "[...]" stays in the text. */
#ifndef POP3_RESP_CODES
#define POP3_RESP_CODES (!POP3_LEAN)
#endif

#if POP3_LINE_MIN < 512u || POP3_LINE_MIN > 65535u
#error "POP3_LINE_MIN must be 512..65535 (RFC 1939 sec. 3 allows 512-octet replies)"
#endif
#if POP3_CMD_MAX < 64u || POP3_CMD_MAX > 255u
#error "POP3_CMD_MAX must be 64..255 (RFC 2449 sec. 4)"
#endif

#endif /* POP3_CONFIG_DEFAULTS_H */
