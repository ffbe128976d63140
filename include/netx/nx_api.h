/* SPDX-License-Identifier: MIT */
/* nx_api.h - the NetX Duo types and codes that the NetX POP3 Client API
 * shim (nxd_pop3_client.h) needs, for applications that move from NetX Duo
 * to this library without changing their POP3 code.
 *
 * This is NOT NetX Duo: only the names a POP3 client application touches
 * are defined, with NetX Duo's numeric values. There is no ThreadX and no
 * NetX IP stack behind them:
 *
 *  - NX_IP stands for a network port: the shim's hook for it plus its
 *    context. On POSIX, pop3_nx_posix_ip_create() (pop3_nx_posix.h) binds
 *    it to the POSIX port (pop3_posix.h: non-blocking sockets, poll()); on
 *    an lwIP NO_SYS=1 superloop, pop3_nx_lwip_ip_create() (pop3_nx_lwip.h)
 *    binds it to the lwIP port (pop3_lwip.h), running the stack through a
 *    function the application supplies while a call waits. One NX_IP may serve any
 *    number of POP3 clients. It replaces nx_ip_create() and the network
 *    driver, the only start-up code an application changes.
 *  - NX_PACKET_POOL is a fixed pool of NX_PACKETs carved out of memory the
 *    application gives to nx_packet_pool_create(), as in NetX Duo. The
 *    shim hands message data out in packets from the client's pool; the
 *    application returns each with nx_packet_release().
 *  - NX_PACKET has NetX Duo's data fields (nx_packet_prepend_ptr,
 *    nx_packet_append_ptr, nx_packet_length, nx_packet_data_start,
 *    nx_packet_data_end, nx_packet_next, nx_packet_pool_owner). Packets from
 *    the shim are never chained: nx_packet_next is always NX_NULL.
 *  - NXD_ADDRESS is NetX Duo's: nxd_ip_version NX_IP_VERSION_V4 or _V6 and
 *    nxd_ip_address.v4 / .v6[4] in host byte order (IP_ADDRESS(127,0,0,1)).
 *
 * Types follow NetX Duo's 32-bit ports: UINT is unsigned int, ULONG is
 * unsigned long, CHAR is char.
 */
#ifndef NX_API_H
#define NX_API_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif
#ifdef __GNUC__ /* exported from libpop3.so, which hides everything else */
#pragma GCC visibility push(default)
#endif

typedef void VOID;
typedef char CHAR;
typedef unsigned char UCHAR;
typedef int INT;
typedef unsigned int UINT;
typedef long LONG;
typedef unsigned long ULONG;
typedef short SHORT;
typedef unsigned short USHORT;

#define NX_NULL  0
#define NX_FALSE 0
#define NX_TRUE  1

/* Ticks per second. The NX_POP3_* timeouts are given in ticks, as in NetX
 * Duo; the shim converts them to milliseconds with this rate. */
#ifndef NX_IP_PERIODIC_RATE
#define NX_IP_PERIODIC_RATE 100
#endif

#define NX_WAIT_FOREVER ((ULONG)0xFFFFFFFFUL)
#define NX_NO_WAIT      0

/* NetX Duo API return values (nx_api.h). */
#define NX_SUCCESS            0x00
#define NX_NO_PACKET          0x01
#define NX_UNDERFLOW          0x02
#define NX_OVERFLOW           0x03
#define NX_NO_MAPPING         0x04
#define NX_DELETED            0x05
#define NX_POOL_ERROR         0x06
#define NX_PTR_ERROR          0x07
#define NX_WAIT_ERROR         0x08
#define NX_SIZE_ERROR         0x09
#define NX_OPTION_ERROR       0x0a
#define NX_DELETE_ERROR       0x10
#define NX_CALLER_ERROR       0x11
#define NX_INVALID_PACKET     0x12
#define NX_INVALID_SOCKET     0x13
#define NX_NOT_ENABLED        0x14
#define NX_ALREADY_ENABLED    0x15
#define NX_ENTRY_NOT_FOUND    0x16
#define NX_NO_MORE_ENTRIES    0x17
#define NX_WAIT_ABORTED       0x1A
#define NX_IP_INTERNAL_ERROR  0x20
#define NX_IP_ADDRESS_ERROR   0x21
#define NX_ALREADY_BOUND      0x22
#define NX_PORT_UNAVAILABLE   0x23
#define NX_NOT_BOUND          0x24
#define NX_SOCKET_UNBOUND     0x26
#define NX_NOT_CREATED        0x27
#define NX_NO_RESPONSE        0x29
#define NX_POOL_DELETED       0x30
#define NX_ALREADY_RELEASED   0x31
#define NX_NOT_CLOSED         0x35
#define NX_IN_PROGRESS        0x37
#define NX_NOT_CONNECTED      0x38
#define NX_NOT_SUCCESSFUL     0x43
#define NX_NOT_IMPLEMENTED    0x4A
#define NX_NOT_SUPPORTED      0x4B
#define NX_INVALID_PARAMETERS 0x4D

/* Object IDs NetX Duo keeps in its control blocks. */
#define NX_IP_ID          ((ULONG)0x49502020)
#define NX_PACKET_POOL_ID ((ULONG)0x5041434B)

#define NX_IP_VERSION_V4 0x4
#define NX_IP_VERSION_V6 0x6

#define IP_ADDRESS(a, b, c, d)                                                 \
    ((((ULONG)(a)) << 24) | (((ULONG)(b)) << 16) | (((ULONG)(c)) << 8) |      \
     ((ULONG)(d)))

typedef struct NXD_ADDRESS_STRUCT {
    ULONG nxd_ip_version; /* NX_IP_VERSION_V4 or NX_IP_VERSION_V6 */
    union {
        ULONG v4;    /* host byte order */
        ULONG v6[4]; /* most significant word first, each in host order */
    } nxd_ip_address;
} NXD_ADDRESS;

struct NX_PACKET_POOL_STRUCT;

typedef struct NX_PACKET_STRUCT {
    struct NX_PACKET_POOL_STRUCT *nx_packet_pool_owner;
    struct NX_PACKET_STRUCT *nx_packet_queue_next; /* free list (private) */
    struct NX_PACKET_STRUCT *nx_packet_next;       /* chain; NX_NULL here */
    struct NX_PACKET_STRUCT *nx_packet_last;
    ULONG nx_packet_length;        /* octets in prepend_ptr..append_ptr */
    UCHAR *nx_packet_data_start;   /* payload area of this packet */
    UCHAR *nx_packet_data_end;
    UCHAR *nx_packet_prepend_ptr;  /* first data octet */
    UCHAR *nx_packet_append_ptr;   /* one past the last data octet */
    ULONG nx_packet_in_use;        /* private: 1 while allocated */
} NX_PACKET;

typedef struct NX_PACKET_POOL_STRUCT {
    ULONG nx_packet_pool_id;
    CHAR *nx_packet_pool_name;
    ULONG nx_packet_pool_available;
    ULONG nx_packet_pool_total;
    ULONG nx_packet_pool_empty_requests;
    ULONG nx_packet_pool_payload_size;
    NX_PACKET *nx_packet_pool_available_list;
    UCHAR *nx_packet_pool_start;
    ULONG nx_packet_pool_size;
} NX_PACKET_POOL;

struct pop3_nx_hook;

/* See the top of this file. Fill it with pop3_nx_posix_ip_create() or
 * pop3_nx_lwip_ip_create(), never by hand; the fields are private. */
typedef struct NX_IP_STRUCT {
    ULONG nx_ip_id;                       /* NX_IP_ID once created */
    const struct pop3_nx_hook *nx_ip_pop3_hook;
    void *nx_ip_pop3_ctx;                 /* the hook's own state */
} NX_IP;

/* Carve memory_size octets at memory_ptr into packets of payload_size
 * octets each (NetX Duo signature; name is kept, not copied).
 * NX_PTR_ERROR: a NULL pointer; NX_SIZE_ERROR: payload_size 0 or memory
 * for less than one packet. */
UINT nx_packet_pool_create(NX_PACKET_POOL *pool_ptr, CHAR *name_ptr,
                           ULONG payload_size, VOID *memory_ptr,
                           ULONG memory_size);
/* Forget the pool (its packets must no longer be used). NX_PTR_ERROR for
 * NULL or a pool not created. */
UINT nx_packet_pool_delete(NX_PACKET_POOL *pool_ptr);
/* Take a free packet from the pool: empty, prepend_ptr at the start of its
 * payload (packet_type reserves no header room here; wait_option is
 * ignored: an empty pool gives NX_NO_PACKET at once). NX_PTR_ERROR for
 * NULL pointers or a pool not created. */
UINT nx_packet_allocate(NX_PACKET_POOL *pool_ptr, NX_PACKET **packet_ptr,
                        ULONG packet_type, ULONG wait_option);
/* Return a packet (and any packets chained to it) to its pool.
 * NX_PTR_ERROR for NULL, a foreign packet, or one already released. */
UINT nx_packet_release(NX_PACKET *packet_ptr);
/* Copy the data of a packet chain to buffer_start (which must hold
 * nx_packet_length octets); *bytes_copied gets the count.
 * NX_PTR_ERROR for NULL pointers. */
UINT nx_packet_data_retrieve(NX_PACKET *packet_ptr, VOID *buffer_start,
                             ULONG *bytes_copied);

#ifdef __GNUC__
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
}
#endif

#endif /* NX_API_H */
