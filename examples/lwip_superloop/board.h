/* SPDX-License-Identifier: MIT */
/* board.h - what the superloop (main.c) needs from a board.
 *
 * main.c is the same file on every target; a board folder under board/
 * implements this header: board/host_tap (a Linux process on a tap device,
 * files as storage) and board/mps2_an386 (Cortex-M4 in QEMU: LAN9118
 * Ethernet, CMSDK UART, SysTick, a RAM "flash" with delayed writes).
 * See docs/firmware.md for what a new board has to provide.
 *
 * Mandatory hooks: the clock (sys_now(), lwIP's NO_SYS=1 clock, also fed
 * to pop3_client_tick()), the netif (init + poll), storage (begin, write,
 * busy, end) and, in a TLS build, entropy (mbedtls_hardware_poll()).
 */
#ifndef POP3_BOARD_H
#define POP3_BOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lwip/err.h"
#include "lwip/ip_addr.h"
#include "lwip/netif.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
    BOARD_TLS_NONE = 0,  /* clear text (port 110) */
    BOARD_TLS_IMPLICIT,  /* POP3S (port 995): lwIP's altcp_tls */
    BOARD_TLS_STLS       /* STLS: the pop3 TLS decorator over the lwIP port */
};

typedef struct board_config {
    ip4_addr_t ip, mask, gw;
    ip_addr_t dns;          /* any address: no DNS server */
    const char *host;       /* address literal, or a name (lwIP DNS) */
    uint16_t port;
    const char *user, *pass;
    uint8_t tls;            /* BOARD_TLS_* */
    const char *tls_name;   /* name the certificate must carry (and SNI) */
    uint32_t sessions;      /* sessions before main() returns; 0: forever */
    uint32_t pause_ms;      /* between two sessions */
} board_config;

/* Bring the board up and fill cfg. argc/argv: a host's command line (a
 * board without one gets 0/NULL). 0 on success. */
int board_init(int argc, char **argv, board_config *cfg);

/* netif_add()'s init function, and the superloop's receive poll. */
err_t board_netif_init(struct netif *netif);
void board_netif_poll(struct netif *netif);

/* Console output: one formatted line (no heap). */
void board_printf(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* Storage of one message at a time. write copies len octets (at most
 * BOARD_STORE_CHUNK) and may start a slow operation: while board_store_busy()
 * is true nothing more may be written and the message is not yet safe.
 * end commits the message once not busy; only then may it be deleted on the
 * server. abort drops a message that was cut short. 0 / true on success. */
#define BOARD_STORE_CHUNK 2048u /* >= a pbuf, >= POP3_TLS_PLAIN_SIZE */
int board_store_begin(uint32_t msg);
int board_store_write(const void *data, size_t len);
bool board_store_busy(void);
int board_store_end(uint32_t msg);
void board_store_abort(void);

/* The CA certificate(s) the server must chain to (DER or PEM, as
 * mbedtls_x509_crt_parse() takes them), compiled into a TLS image. */
extern const unsigned char board_ca[];
extern const size_t board_ca_len;

#ifdef __cplusplus
}
#endif

#endif /* POP3_BOARD_H */
