/* SPDX-License-Identifier: MIT */
/* lan9118.c - lwIP netif driver for the SMSC LAN9118 (MPS2 AN386), polled.
 *
 * board_netif_poll() moves every frame waiting in the RX FIFO into a pbuf
 * and hands it to lwIP; linkoutput writes a frame into the TX FIFO as one
 * buffer (first and last segment). No interrupts: the superloop polls. The
 * MAC address is the one the chip loaded from its EEPROM (QEMU's -nic
 * macaddr). Frames with an error status, or longer than a VLAN-tagged
 * Ethernet frame, are dropped.
 */
#include <string.h>

#include "lwip/etharp.h"
#include "lwip/pbuf.h"
#include "netif/ethernet.h"

#include "board.h"
#include "mps2_an386.h"

#define R(off) REG32(BOARD_LAN9118 + (off))
#define RX_DATA      0x00u
#define TX_DATA      0x20u
#define RX_STATUS    0x40u
#define TX_STATUS    0x48u
#define ID_REV       0x50u
#define INT_EN       0x5Cu
#define BYTE_TEST    0x64u
#define RX_CFG       0x6Cu
#define TX_CFG       0x70u
#define HW_CFG       0x74u
#define RX_DP_CTRL   0x78u
#define RX_FIFO_INF  0x7Cu
#define TX_FIFO_INF  0x80u
#define MAC_CSR_CMD  0xA4u
#define MAC_CSR_DATA 0xA8u

#define MAC_CR    1u
#define MAC_ADDRH 2u
#define MAC_ADDRL 3u
#define MAC_CR_TXEN 0x08u
#define MAC_CR_RXEN 0x04u
#define CSR_BUSY  0x80000000u
#define CSR_READ  0x40000000u

#define FRAME_MAX 1522u /* with a VLAN tag, without the FCS */

static uint32_t frame[(FRAME_MAX + 4u + 3u) / 4u];

static int mac_wait(void)
{
    unsigned n;

    for (n = 0; n < 100000u; n++)
        if (!(R(MAC_CSR_CMD) & CSR_BUSY))
            return 0;
    return -1;
}

static uint32_t mac_read(uint32_t reg)
{
    R(MAC_CSR_CMD) = CSR_BUSY | CSR_READ | reg;
    (void)mac_wait();
    return R(MAC_CSR_DATA);
}

static void mac_write(uint32_t reg, uint32_t val)
{
    R(MAC_CSR_DATA) = val;
    R(MAC_CSR_CMD) = CSR_BUSY | reg;
    (void)mac_wait();
}

static err_t lan9118_output(struct netif *netif, struct pbuf *p)
{
    uint32_t len = p->tot_len, i, words;

    (void)netif;
    if (len > FRAME_MAX)
        return ERR_IF;
    /* Room in the TX data FIFO for the two command words and the frame. */
    if ((R(TX_FIFO_INF) & 0xFFFFu) < len + 8u)
        return ERR_MEM;
    (void)pbuf_copy_partial(p, frame, (u16_t)len, 0);
    R(TX_DATA) = (1u << 13) | (1u << 12) | len; /* A: first, last, size */
    R(TX_DATA) = (len << 16) | len;             /* B: tag, frame length */
    words = (len + 3u) / 4u;
    for (i = 0; i < words; i++)
        R(TX_DATA) = frame[i];
    while ((R(TX_FIFO_INF) >> 16) & 0xFFu) /* drop the TX status words */
        (void)R(TX_STATUS);
    return ERR_OK;
}

err_t board_netif_init(struct netif *netif)
{
    uint32_t lo, hi;
    unsigned n;

    if (R(BYTE_TEST) != 0x87654321u || (R(ID_REV) >> 16) != 0x0118u)
        return ERR_IF;
    R(HW_CFG) = 1u; /* soft reset */
    for (n = 0; n < 100000u && (R(HW_CFG) & 1u); n++)
        ;
    R(INT_EN) = 0;
    lo = mac_read(MAC_ADDRL);
    hi = mac_read(MAC_ADDRH);
    netif->hwaddr[0] = (u8_t)lo;
    netif->hwaddr[1] = (u8_t)(lo >> 8);
    netif->hwaddr[2] = (u8_t)(lo >> 16);
    netif->hwaddr[3] = (u8_t)(lo >> 24);
    netif->hwaddr[4] = (u8_t)hi;
    netif->hwaddr[5] = (u8_t)(hi >> 8);
    netif->hwaddr_len = ETH_HWADDR_LEN;
    R(RX_CFG) = 0;           /* no offset, no end padding */
    R(TX_CFG) = 0x6u;        /* TX on, status overrun allowed */
    mac_write(MAC_CR, MAC_CR_TXEN | MAC_CR_RXEN); /* own address + broadcast */

    netif->name[0] = 'e';
    netif->name[1] = 'n';
    netif->mtu = 1500;
    netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_LINK_UP;
    netif->output = etharp_output;
    netif->linkoutput = lan9118_output;
    return ERR_OK;
}

/* Superloop rounds whose poll found no frame, and the shortest of them
 * (from the start of its poll to the start of the next): the cost of a
 * round that does nothing. The work of a fetch is the clock minus that many
 * empty rounds (board.c, measure). */
static uint64_t poll_start, idle_min = UINT64_MAX;
static uint32_t idle_rounds;
static uint8_t poll_idle;

uint32_t board_idle_rounds(uint64_t *round_ns)
{
    *round_ns = idle_min == UINT64_MAX ? 0 : idle_min;
    return idle_rounds;
}

void board_netif_poll(struct netif *netif)
{
    uint64_t now = board_clock_ns();

    if (poll_idle) {
        idle_rounds++;
        if (now - poll_start < idle_min)
            idle_min = now - poll_start;
    }
    poll_start = now;
    poll_idle = ((R(RX_FIFO_INF) >> 16) & 0xFFu) == 0;
    while ((R(RX_FIFO_INF) >> 16) & 0xFFu) {
        uint32_t status = R(RX_STATUS);
        uint32_t len = (status >> 16) & 0x3FFFu; /* with the 4 FCS octets */
        uint32_t words = (len + 3u) / 4u, i;
        struct pbuf *p = NULL;

        if ((status & (1u << 15)) || len < 18u || len > FRAME_MAX + 4u) {
            for (i = 0; i < words; i++) /* error summary or odd size: drop */
                (void)R(RX_DATA);
            continue;
        }
        for (i = 0; i < words; i++)
            frame[i] = R(RX_DATA);
        p = pbuf_alloc(PBUF_RAW, (u16_t)(len - 4u), PBUF_POOL);
        if (p == NULL)
            continue; /* out of pbufs: dropped, TCP resends */
        (void)pbuf_take(p, frame, (u16_t)(len - 4u));
        if (netif->input(p, netif) != ERR_OK)
            pbuf_free(p);
    }
}
