/* SPDX-License-Identifier: MIT */
/* nxd_pop3_client.h - NetX Duo POP3 Client API over the pop3 engine.
 *
 * Source compatible with NetX Duo's addons/pop3/nxd_pop3_client.h: the same
 * function names and signatures, the same NX_POP3_* error codes and
 * configuration macros with the same defaults. Each call blocks until its
 * reply is in, driving the non-blocking engine through a network port
 * (pop3_posix or pop3_lwip, bound by pop3_nx_posix_ip_create() or
 * pop3_nx_lwip_ip_create()), so it works on POSIX and in an lwIP NO_SYS=1
 * superloop alike. Build with `pkg-config --cflags --libs pop3-netx`.
 *
 * On the wire it sends what NetX Duo sends and nothing else: after the
 * greeting, APOP or USER/PASS, then exactly one command per call (STAT,
 * LIST n, RETR n, DELE n, QUIT). No CAPA, no pipelining.
 *
 * Return codes (checked API, as NetX Duo without NX_DISABLE_ERROR_CHECKING):
 *   NX_SUCCESS                    done
 *   NX_PTR_ERROR                  a required pointer is NULL, or create: the
 *                                 packet pool was not created (nothing sent)
 *   NX_POP3_PARAM_ERROR           create: ip not created, address or port 0,
 *                                 bad address version, user name longer than
 *                                 NX_POP3_MAX_USERNAME, password longer than
 *                                 NX_POP3_MAX_PASSWORD, an empty one, a user
 *                                 name with a space, or CR, LF in either
 *                                 (nothing is sent)
 *   NX_POP3_CLIENT_INVALID_INDEX  mail index 0
 *   NX_POP3_INVALID_MAIL_ITEM     size_get / item_get: index above the
 *                                 count recorded by the last successful
 *                                 mail_items_get (0 before one)
 *   NX_POP3_CLIENT_INVALID_STATE  no session (never created, create failed,
 *                                 after quit, or after the connection
 *                                 failed); message_get without a message
 *                                 being downloaded; any command other than
 *                                 message_get or quit while a message is
 *                                 being downloaded
 *   NX_POP3_SERVER_ERROR_STATUS   the server answered -ERR, refused the
 *                                 session in its greeting, or sent a reply
 *                                 that is malformed (no CRLF within
 *                                 NX_POP3_MAX_SERVER_REPLY octets, a number
 *                                 missing or out of range, a reply nobody
 *                                 asked for). A -ERR keeps the session; a
 *                                 malformed reply ends it.
 *   NX_NOT_CONNECTED              connect failed; the server closed or reset
 *                                 the connection (the session is over)
 *   NX_NO_PACKET                  no reply within NX_POP3_SERVER_REPLY_TIMEOUT
 *                                 (the session is over); message_get: the
 *                                 packet pool is empty (the session goes on;
 *                                 release packets and call again)
 *   NX_POP3_MAIL_BUFFER_OVERFLOW  internal limit hit while filling a packet
 *                                 (cannot happen with the defaults; ends
 *                                 the session)
 *
 * Message data (nx_pop3_client_mail_item_message_get): after
 * nx_pop3_client_mail_item_get() returned NX_SUCCESS, each call returns one
 * packet from the client's packet pool holding the next octets of the
 * message, exactly as stored on the server: dot-unstuffed (RFC 1939 sec. 3),
 * the CRLF of the last line kept, the terminating "." line removed,
 * whatever the TCP segmentation (a terminator split over several segments
 * included). A call waits only until octets arrive, then hands over what
 * has arrived, up to one packet; it does not wait to fill it. Packets
 * before the end carry 1 or more octets with *final_packet NX_FALSE; the
 * end is a packet of its own: *final_packet NX_TRUE, 0 octets (as NetX Duo
 * applications see it when the terminator arrives in its own segment).
 * *bytes_retrieved equals the packet's nx_packet_length. On NX_SUCCESS the
 * application owns the packet and must nx_packet_release() it, even when
 * it is empty. Packets are never chained.
 *
 * Differences from NetX Duo: the table in docs/netx.md. In short: a refused
 * PASS fails create; message data is unstuffed, without the terminator,
 * and the end is always an empty final packet; replies in any
 * segmentation; lengths and numbers checked; CR/LF refused in credentials,
 * which are wiped after login; calls in the wrong state are refused; a
 * timeout or a lost connection ends the session; the NX_POP3_CLIENT and
 * NX_IP fields are private.
 */
#ifndef NX_POP3_CLIENT_H
#define NX_POP3_CLIENT_H

#include "nx_api.h"

#ifdef __cplusplus
extern "C" {
#endif
#ifdef __GNUC__ /* exported from libpop3.so, which hides everything else */
#pragma GCC visibility push(default)
#endif

#define NX_POP3_CLIENT_ERROR_CONSTANT 0xB0

#define NX_POP3_PARAM_ERROR                 (NX_POP3_CLIENT_ERROR_CONSTANT | 0x1)
#define NX_POP3_INVALID_MAIL_ITEM           (NX_POP3_CLIENT_ERROR_CONSTANT | 0x2)
#define NX_POP3_APOP_FAILED_MD5_DIGEST      (NX_POP3_CLIENT_ERROR_CONSTANT | 0x3)
#define NX_POP3_SERVER_ERROR_STATUS         (NX_POP3_CLIENT_ERROR_CONSTANT | 0x4)
#define NX_POP3_MAIL_BUFFER_OVERFLOW        (NX_POP3_CLIENT_ERROR_CONSTANT | 0x5)
#define NX_POP3_INSUFFICIENT_PACKET_PAYLOAD (NX_POP3_CLIENT_ERROR_CONSTANT | 0x6)
#define NX_POP3_CLIENT_INVALID_STATE        (NX_POP3_CLIENT_ERROR_CONSTANT | 0x7)
#define NX_POP3_CLIENT_INVALID_INDEX        (NX_POP3_CLIENT_ERROR_CONSTANT | 0x8)

#define NX_POP3_MAX_BINARY_MD5         16
#define NX_POP3_MAX_ASCII_MD5          32
#define NX_POP3_SERVER_PROCESS_ID_SIZE 75

#define NX_POP3_POSITIVE_STATUS "+OK"
#define NX_POP3_NEGATIVE_STATUS "-ERR"

/* The longest server status line accepted, CRLF included (RFC 1939: 512). */
#define NX_POP3_MAX_SERVER_REPLY   512
#define NX_POP3_MAX_CLIENT_COMMAND 150

#define NX_POP3_COMMAND_TERMINATION "\r\n"
#define NX_POP3_END_OF_MESSAGE_TAG  ".\r\n"
#define NX_POP3_DOT                 "."
#define NX_POP3_END_OF_MESSAGE      "\r\n.\r\n"

#define NX_POP3_CODE_INVALID 0
#define NX_POP3_CODE_OK      1
#define NX_POP3_CODE_ERR     2

#define NX_POP3_COMMAND_GREETING "GREETING"
#define NX_POP3_COMMAND_USER     "USER"
#define NX_POP3_COMMAND_APOP     "APOP"
#define NX_POP3_COMMAND_PASS     "PASS"
#define NX_POP3_COMMAND_STAT     "STAT"
#define NX_POP3_COMMAND_RETR     "RETR"
#define NX_POP3_COMMAND_DELE     "DELE"
#define NX_POP3_COMMAND_QUIT     "QUIT"
#define NX_POP3_COMMAND_LIST     "LIST"
#define NX_POP3_COMMAND_RSET     "RSET"
#define NX_POP3_COMMAND_NOOP     "NOOP"

/* Kept for source compatibility; the shim streams and needs no mail buffer. */
#ifndef NX_POP3_CLIENT_MAIL_BUFFER_SIZE
#define NX_POP3_CLIENT_MAIL_BUFFER_SIZE 2000
#endif

/* Timeouts in ticks of NX_IP_PERIODIC_RATE per second. */
/* message_get: unused (an empty pool gives NX_NO_PACKET at once). */
#ifndef NX_POP3_CLIENT_PACKET_TIMEOUT
#define NX_POP3_CLIENT_PACKET_TIMEOUT (1 * NX_IP_PERIODIC_RATE)
#endif
/* Not used (see difference 9); kept for source compatibility. */
#ifndef NX_POP3_TCP_SOCKET_SEND_WAIT
#define NX_POP3_TCP_SOCKET_SEND_WAIT (10 * NX_IP_PERIODIC_RATE)
#endif
/* TCP connect, in create. */
#ifndef NX_POP3_CLIENT_CONNECTION_TIMEOUT
#define NX_POP3_CLIENT_CONNECTION_TIMEOUT (30 * NX_IP_PERIODIC_RATE)
#endif
/* Not used: delete closes at once; kept for source compatibility. */
#ifndef NX_POP3_CLIENT_DISCONNECT_TIMEOUT
#define NX_POP3_CLIENT_DISCONNECT_TIMEOUT (10 * NX_IP_PERIODIC_RATE)
#endif
/* Greeting and every reply; also the longest pause inside a message. */
#ifndef NX_POP3_SERVER_REPLY_TIMEOUT
#define NX_POP3_SERVER_REPLY_TIMEOUT (10 * NX_IP_PERIODIC_RATE)
#endif
/* Longest user name and password, in octets, without the NUL. */
#ifndef NX_POP3_MAX_USERNAME
#define NX_POP3_MAX_USERNAME 40
#endif
#ifndef NX_POP3_MAX_PASSWORD
#define NX_POP3_MAX_PASSWORD 20
#endif
/* Octets the port pushes into the engine at a time; also the size of the
 * buffer for message octets that did not fit the current packet. */
#ifndef NX_POP3_CLIENT_TCP_WINDOW_SIZE
#define NX_POP3_CLIENT_TCP_WINDOW_SIZE 1460
#endif

#if NX_POP3_MAX_USERNAME < 1 || NX_POP3_MAX_USERNAME > 200
#error "NX_POP3_MAX_USERNAME must be 1..200 (POP3 command line limit)"
#endif
#if NX_POP3_MAX_PASSWORD < 1 || NX_POP3_MAX_PASSWORD > 200
#error "NX_POP3_MAX_PASSWORD must be 1..200 (POP3 command line limit)"
#endif
#if NX_POP3_CLIENT_TCP_WINDOW_SIZE < 64
#error "NX_POP3_CLIENT_TCP_WINDOW_SIZE must be at least 64"
#endif

/* Storage in each client for the network port's connection: a pop3_posix
 * (its receive buffer is POP3_POSIX_RX_SIZE, 64 KB) or a pop3_lwip (under
 * 100 octets). The default fits the POSIX port. A firmware build with the
 * lwIP hook may set POP3_NX_CONN_SIZE=128 for src/nx and the application
 * alike; the hooks refuse to compile when their port does not fit. The
 * prebuilt library (libpop3, pop3-netx.pc) uses the default: applications
 * linking it must not change this or the NX_POP3_* sizes above. */
#ifndef POP3_NX_CONN_SIZE
#define POP3_NX_CONN_SIZE 67584
#endif

/* Private storage for the client, in octets: the port's connection, the
 * buffer for octets beyond a packet, the status line buffer, the
 * credentials, and the engine's state. The source checks at compile time
 * that its state fits. */
#define NX_POP3_CLIENT_PRIVATE_SIZE                                            \
    (POP3_NX_CONN_SIZE + NX_POP3_CLIENT_TCP_WINDOW_SIZE +                     \
     NX_POP3_MAX_SERVER_REPLY + NX_POP3_MAX_USERNAME + NX_POP3_MAX_PASSWORD + \
     1024)

/* The client control block. A complete type, so it can be static; its
 * contents are private (they are not NetX Duo's fields). */
typedef struct NX_POP3_CLIENT_STRUCT {
    ULONG nx_pop3_client_id; /* set by create, cleared by delete */
    union {
        unsigned long long align_ll;
        void *align_p;
        double align_d;
        UCHAR bytes[NX_POP3_CLIENT_PRIVATE_SIZE];
    } nx_pop3_client_private;
} NX_POP3_CLIENT;

/* Connect to server_ip_address:server_port (IPv4, host byte order), read the
 * greeting and log in: APOP when APOP_authentication is non-zero and the
 * greeting carries a <timestamp>, falling back to USER/PASS when it has
 * none or the server answers -ERR to APOP; else USER/PASS. NX_SUCCESS means
 * the session is in the TRANSACTION state. client_name and client_password
 * are copied; they need not outlive the call. */
UINT nx_pop3_client_create(NX_POP3_CLIENT *client_ptr, UINT APOP_authentication,
                           NX_IP *ip_ptr, NX_PACKET_POOL *packet_pool_ptr,
                           ULONG server_ip_address, ULONG server_port,
                           CHAR *client_name, CHAR *client_password);
/* The same with an IPv4 or IPv6 address. */
UINT nxd_pop3_client_create(NX_POP3_CLIENT *client_ptr, UINT APOP_authentication,
                            NX_IP *ip_ptr, NX_PACKET_POOL *packet_pool_ptr,
                            NXD_ADDRESS *server_duo_address, ULONG server_port,
                            CHAR *client_name, CHAR *client_password);
/* STAT: number of messages and their total size. The count is recorded;
 * size_get and item_get check indexes against it. */
UINT nx_pop3_client_mail_items_get(NX_POP3_CLIENT *client_ptr,
                                   UINT *number_mail_items,
                                   ULONG *maildrop_total_size);
/* LIST mail_item: the size of one message (1-based index). */
UINT nx_pop3_client_mail_item_size_get(NX_POP3_CLIENT *client_ptr,
                                       UINT mail_item, ULONG *size);
/* One packet of the message being downloaded; see "Message data" above. */
UINT nx_pop3_client_mail_item_message_get(NX_POP3_CLIENT *client_ptr,
                                          NX_PACKET **recv_packet_ptr,
                                          ULONG *bytes_retrieved,
                                          UINT *final_packet);
/* RETR mail_item: starts the download; *item_size is the size the server
 * states in its +OK line ("+OK 1234 octets"), 0 when it states none. */
UINT nx_pop3_client_mail_item_get(NX_POP3_CLIENT *client_ptr, UINT mail_item,
                                  ULONG *item_size);
/* DELE mail_index (1-based; the server checks the range, as in NetX Duo).
 * Deletions take effect only after a successful quit. */
UINT nx_pop3_client_mail_item_delete(NX_POP3_CLIENT *client_ptr,
                                     UINT mail_index);
/* QUIT: the server commits deletions and closes. NX_SUCCESS on +OK. */
UINT nx_pop3_client_quit(NX_POP3_CLIENT *client_ptr);
/* Close the connection (no QUIT), release a packet still held, and clear
 * the client. Safe to call twice or after a failed create. */
UINT nx_pop3_client_delete(NX_POP3_CLIENT *client_ptr);

#ifdef __GNUC__
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
}
#endif

#endif /* NX_POP3_CLIENT_H */
