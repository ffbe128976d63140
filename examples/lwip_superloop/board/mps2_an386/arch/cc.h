/* SPDX-License-Identifier: MIT */
/* arch/cc.h - lwIP architecture header of the MPS2 AN386 board: lwIP's own
 * types and byte order; assertions stop the board with a message. */
#ifndef POP3_MPS2_ARCH_CC_H
#define POP3_MPS2_ARCH_CC_H

#include <stdint.h>

void board_fatal(const char *why) __attribute__((noreturn));
uint32_t board_rand(void);

#define LWIP_PLATFORM_DIAG(x)   do { } while (0)
#define LWIP_PLATFORM_ASSERT(x) board_fatal(x)
#define LWIP_RAND()             board_rand()
#define LWIP_NO_STDIO_H         1
#define LWIP_NO_INTTYPES_H      1

#endif /* POP3_MPS2_ARCH_CC_H */
