/* SPDX-License-Identifier: MIT */
/* arch/cc.h - minimal lwIP architecture header for the bare-metal
 * (arm-none-eabi) build of `make cross`: lwIP's own defaults for types and
 * byte order, and no platform diagnostics (they would pull in printf). */
#ifndef POP3_CROSS_ARCH_CC_H
#define POP3_CROSS_ARCH_CC_H

#define LWIP_PLATFORM_DIAG(x)   do { } while (0)
#define LWIP_PLATFORM_ASSERT(x) do { } while (0)
#define LWIP_NO_STDIO_H         1
#define LWIP_NO_INTTYPES_H      1

#endif /* POP3_CROSS_ARCH_CC_H */
