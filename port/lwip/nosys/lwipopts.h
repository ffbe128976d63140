/* SPDX-License-Identifier: MIT */
/* lwipopts.h - lwIP settings for the NO_SYS=1 superloop build of pop3.
 *
 * Used by examples/lwip_superloop (lwIP core compiled from Debian's lwip
 * source package, on a tap device) and by `make cross` (Cortex-M4). The
 * values are small-firmware sizes; see docs/lwip.md for what
 * matters to the pop3 port:
 *   TCP_WND         the most octets the port holds while the application
 *                   pauses; also the throughput ceiling per round trip.
 *   TCP_SND_BUF     commands go out in pieces of at most this; >= 255
 *                   (POP3_CMD_MAX) lets any single command go out at once.
 *   MEMP_NUM_TCP_PCB one per open session (plus TIME_WAIT ones).
 *   LWIP_ALTCP      0: raw tcp_* API; 1: altcp (needed for altcp_tls).
 *   LWIP_DNS        connect by host name (dns_gethostbyname, callback form).
 */
#ifndef POP3_LWIPOPTS_H
#define POP3_LWIPOPTS_H

#define NO_SYS                  1
#define SYS_LIGHTWEIGHT_PROT    0
#define LWIP_SOCKET             0
#define LWIP_NETCONN            0
#define LWIP_TIMERS             1

#if defined __LP64__
#define MEM_ALIGNMENT           8
#else
#define MEM_ALIGNMENT           4
#endif
#ifndef MEM_SIZE /* a TLS build adds Mbed TLS's allocations (board makefile) */
#define MEM_SIZE                (8 * 1024)
#endif
#define MEMP_NUM_PBUF           8
#define MEMP_NUM_UDP_PCB        2
#define MEMP_NUM_TCP_PCB        2
#define MEMP_NUM_TCP_PCB_LISTEN 1
#define MEMP_NUM_TCP_SEG        24
#ifndef PBUF_POOL_SIZE /* the Cortex-M4 images set their own (board.mk) */
#define PBUF_POOL_SIZE          16
#endif
#define PBUF_POOL_BUFSIZE       LWIP_MEM_ALIGN_SIZE(TCP_MSS + 40 + PBUF_LINK_ENCAPSULATION_HLEN + PBUF_LINK_HLEN)

#define LWIP_IPV4               1
#define LWIP_IPV6               0
#define LWIP_ARP                1
#define LWIP_ETHERNET           1
#define LWIP_ICMP               1
#define LWIP_RAW                0
#define LWIP_UDP                1
#define LWIP_TCP                1
#define LWIP_DHCP               0
#define LWIP_AUTOIP             0
#define LWIP_IGMP               0

#define TCP_MSS                 1460
#define TCP_WND                 (4 * TCP_MSS)
#define TCP_SND_BUF             (2 * TCP_MSS)
#define TCP_SND_QUEUELEN        ((4 * TCP_SND_BUF + TCP_MSS - 1) / TCP_MSS)
#define TCP_QUEUE_OOSEQ         0
#define LWIP_TCP_KEEPALIVE      0

#ifndef LWIP_ALTCP
#define LWIP_ALTCP              0
#endif
#ifndef LWIP_ALTCP_TLS /* 1 with LWIP_ALTCP_TLS_MBEDTLS=1: altcp_tls for POP3S */
#define LWIP_ALTCP_TLS          0
#endif

#define LWIP_DNS                1
#define DNS_TABLE_SIZE          2
#define DNS_MAX_NAME_LENGTH     128
#define DNS_MAX_SERVERS         1

#define LWIP_NETIF_TX_SINGLE_PBUF 1
#ifndef LWIP_STATS /* the firmware's numbers build reads lwip_stats.mem */
#define LWIP_STATS              0
#endif
#define LWIP_NOASSERT           0

#endif /* POP3_LWIPOPTS_H */
