/* SPDX-License-Identifier: MIT */
/* mps2_an386.h - internals of the MPS2 AN386 board folder (not for main.c). */
#ifndef POP3_MPS2_AN386_H
#define POP3_MPS2_AN386_H

#include <stddef.h>
#include <stdint.h>

#define REG32(a) (*(volatile uint32_t *)(uintptr_t)(a))

#define BOARD_SYSCLK_HZ   25000000u  /* MPS2 FPGA images clock the M4 at 25 MHz */
#define BOARD_UART0       0x40004000u /* CMSDK APB UART */
#define BOARD_LAN9118     0x40200000u /* SMSC LAN9118 */
#define BOARD_STACK_PAINT 0x5AA5C33Cu

void board_systick(void);
void board_fatal(const char *why) __attribute__((noreturn));
void board_exit(int code) __attribute__((noreturn));
void board_puts(const char *s, size_t len);
size_t board_stack_used(void);
size_t board_stack_size(void);
uint32_t board_rand(void);
uint64_t board_clock_ns(void);
uint32_t board_idle_rounds(uint64_t *round_ns);
const uint8_t *board_seed(size_t *len);

#endif /* POP3_MPS2_AN386_H */
