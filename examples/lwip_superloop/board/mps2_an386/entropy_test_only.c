/* SPDX-License-Identifier: MIT */
/* entropy_test_only.c - TEST-ONLY entropy source of the QEMU board.
 *
 * The MPS2 AN386 has no hardware random number generator, so this hook
 * feeds Mbed TLS (MBEDTLS_ENTROPY_HARDWARE_ALT) with the 32 octets the test
 * puts into the settings block at boot, mixed with timer readings. That is
 * fine for a test against a private server and worthless against an
 * attacker: the seed travels in the clear next to the image. A real board
 * replaces this file with its TRNG (STM32 RNG, NXP TRNG, nRF CRYPTOCELL,
 * ...) or a seed kept in protected storage plus such a source; see
 * docs/firmware.md.
 */
#include <string.h>

#include "mbedtls/entropy_poll.h"

#include "mps2_an386.h"

int mbedtls_hardware_poll(void *data, unsigned char *output, size_t len, size_t *olen)
{
    static uint32_t calls;
    size_t n, i, seed_len;
    const uint8_t *seed = board_seed(&seed_len);

    (void)data;
    calls++;
    for (i = 0; i < len; i++) {
        uint32_t t = REG32(0xE000E018u) ^ (REG32(BOARD_LAN9118 + 0x9Cu) >> (i & 7u)) ^ (calls << 8);
        output[i] = (unsigned char)(seed[i % seed_len] ^ (uint8_t)(t >> (8u * (i & 3u))));
    }
    n = len;
    *olen = n;
    return 0;
}
