/* SPDX-License-Identifier: MIT */
/* startup.c - reset, vector table and fault handling for the Cortex-M4 of
 * the MPS2 AN386. No interrupts are used but SysTick (the millisecond
 * clock); the Ethernet controller is polled from the superloop. */
#include <stdint.h>

#include "mps2_an386.h"

extern uint32_t _sidata[], _sdata[], _edata[], _sbss[], _ebss[], _sstack[], _estack[];
int main(int argc, char **argv);

static void fault(void)
{
    board_fatal("hard fault");
}

static void unused_irq(void)
{
    board_fatal("unexpected interrupt");
}

void board_reset(void);

/* Initial stack pointer, then the 15 system exceptions, then 32 IRQs. */
__attribute__((section(".vectors"), used))
static void (*const vectors[16 + 32])(void) = {
    (void (*)(void))(uintptr_t)_estack,
    board_reset,
    fault, fault, fault, fault, fault,   /* NMI, HardFault, MemManage, BusFault, UsageFault */
    0, 0, 0, 0,
    unused_irq, unused_irq, 0,           /* SVC, DebugMon */
    unused_irq,                          /* PendSV */
    board_systick,
#define IRQ4 unused_irq, unused_irq, unused_irq, unused_irq
    IRQ4, IRQ4, IRQ4, IRQ4, IRQ4, IRQ4, IRQ4, IRQ4
#undef IRQ4
};

/* Fill the stack below the current frame with a pattern, so the deepest
 * use can be read back later (board_stack_used()). */
static void paint_stack(void)
{
    uint32_t *p = _sstack;
    uint32_t *sp;

    __asm volatile("mov %0, sp" : "=r"(sp));
    while (p < sp - 16)
        *p++ = BOARD_STACK_PAINT;
}

void board_reset(void)
{
    uint32_t *s = _sidata, *d = _sdata;

    while (d < _edata)
        *d++ = *s++;
    for (d = _sbss; d < _ebss; d++)
        *d = 0;
    paint_stack();
    board_exit(main(0, 0));
}

size_t board_stack_used(void)
{
    const uint32_t *p = _sstack;

    while (p < _estack && *p == BOARD_STACK_PAINT)
        p++;
    return (size_t)((const uint8_t *)_estack - (const uint8_t *)p);
}

size_t board_stack_size(void)
{
    return (size_t)((const uint8_t *)_estack - (const uint8_t *)_sstack);
}
