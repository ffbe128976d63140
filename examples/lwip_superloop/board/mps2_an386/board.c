/* SPDX-License-Identifier: MIT */
/* board.c - the superloop's board on an MPS2 AN386 (Cortex-M4) as QEMU
 * models it (-M mps2-an386): SysTick millisecond clock, CMSDK UART console,
 * settings from a configuration block in RAM, and a message store in RAM
 * that behaves like an external flash: every write is a page program that
 * completes BOOTCFG store_delay_ms later, and the store reads back what it
 * programmed to print the message's length and SHA-256 when it is
 * committed. The Ethernet driver is lan9118.c, the test-only entropy source
 * entropy_test_only.c.
 *
 * Console lines the test reads (tests/qemu/run.sh):
 *   stored MSG LEN SHA256HEX    a message committed to the store
 *   store aborted MSG LEN       a message cut short, dropped
 *   exit CODE ...               main() returned; numbers follow
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lwip/def.h"
#include "lwip/stats.h"
#include "mbedtls/sha256.h"

#include "board.h"
#include "mps2_an386.h"

/* ---- clock ----------------------------------------------------------- */
#define SYST_CSR REG32(0xE000E010u)
#define SYST_RVR REG32(0xE000E014u)
#define SYST_CVR REG32(0xE000E018u)
#define SCB_AIRCR REG32(0xE000ED0Cu)

static volatile uint32_t ticks;

void board_systick(void)
{
    ticks++;
}

/* Nanoseconds of the emulated clock: under QEMU -icount shift=0 one
 * instruction takes exactly 1 ns, so this counts instructions. */
uint64_t board_clock_ns(void)
{
    uint32_t t, v;

    do {
        t = ticks;
        v = SYST_CVR;
    } while (t != ticks);
    return (uint64_t)t * 1000000u + (uint64_t)(SYST_RVR - v) * (1000000000u / BOARD_SYSCLK_HZ);
}

u32_t sys_now(void)
{
    return ticks;
}

/* ---- console --------------------------------------------------------- */
#define UART_DATA    REG32(BOARD_UART0 + 0x00u)
#define UART_STATE   REG32(BOARD_UART0 + 0x04u)
#define UART_CTRL    REG32(BOARD_UART0 + 0x08u)
#define UART_BAUDDIV REG32(BOARD_UART0 + 0x10u)

void board_puts(const char *s, size_t len)
{
    while (len-- > 0) {
        while (UART_STATE & 1u) /* TX full */
            ;
        UART_DATA = (uint8_t)*s++;
    }
}

void board_printf(const char *fmt, ...)
{
    static char buf[256];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n > 0)
        board_puts(buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

void board_fatal(const char *why)
{
    board_printf("fatal: %s\n", why);
    board_exit(3);
}

/* newlib's malloc would come here: the firmware must not use a heap. */
void *_sbrk(ptrdiff_t incr);
void *_sbrk(ptrdiff_t incr)
{
    (void)incr;
    board_fatal("heap used (_sbrk)");
}

/* Mbed TLS's allocator before lwIP's heap is installed (mbedtls_config_fw.h). */
void *board_no_calloc(size_t n, size_t size)
{
    (void)n; (void)size;
    board_fatal("Mbed TLS allocation outside lwIP's heap");
}

void board_no_free(void *p)
{
    if (p != NULL)
        board_fatal("Mbed TLS free outside lwIP's heap");
}

/* ---- settings -------------------------------------------------------- */
#define BOOTCFG_MAGIC 0x57463350u /* "P3FW" */
struct bootcfg {
    uint32_t magic, version;
    uint8_t ip[4], mask[4], gw[4], dns[4];
    uint16_t port;
    uint8_t tls, measure; /* measure: print the cost of each message */
    uint32_t sessions, pause_ms, store_delay_ms;
    char host[64], tls_name[64], user[64], pass[64];
    uint8_t seed[32];
};
#define BOARD_BOOTCFG ((volatile struct bootcfg *)0x203FF000u) /* outside the image */
static struct bootcfg cfgcopy;
static uint32_t store_delay_ms;
static uint8_t measure;

const uint8_t *board_seed(size_t *len)
{
    *len = sizeof cfgcopy.seed;
    return cfgcopy.seed;
}

static int terminated(const char *s, size_t n)
{
    return memchr(s, '\0', n) != NULL;
}

int board_init(int argc, char **argv, board_config *cfg)
{
    (void)argc; (void)argv;
    SYST_RVR = BOARD_SYSCLK_HZ / 1000u - 1u;
    SYST_CVR = 0;
    SYST_CSR = 7u; /* processor clock, interrupt, enable */
    UART_BAUDDIV = 16u;
    UART_CTRL = 1u; /* TX enable */

    memcpy(&cfgcopy, (const void *)BOARD_BOOTCFG, sizeof cfgcopy);
    if (cfgcopy.magic != BOOTCFG_MAGIC || cfgcopy.version != 1u ||
        !terminated(cfgcopy.host, sizeof cfgcopy.host) ||
        !terminated(cfgcopy.tls_name, sizeof cfgcopy.tls_name) ||
        !terminated(cfgcopy.user, sizeof cfgcopy.user) ||
        !terminated(cfgcopy.pass, sizeof cfgcopy.pass) || cfgcopy.tls > BOARD_TLS_STLS) {
        board_printf("no valid settings block at %p\n", (const void *)BOARD_BOOTCFG);
        return -1;
    }
    memset((void *)BOARD_BOOTCFG, 0, sizeof cfgcopy); /* the password lives on in cfgcopy only */
    IP4_ADDR(&cfg->ip, cfgcopy.ip[0], cfgcopy.ip[1], cfgcopy.ip[2], cfgcopy.ip[3]);
    IP4_ADDR(&cfg->mask, cfgcopy.mask[0], cfgcopy.mask[1], cfgcopy.mask[2], cfgcopy.mask[3]);
    IP4_ADDR(&cfg->gw, cfgcopy.gw[0], cfgcopy.gw[1], cfgcopy.gw[2], cfgcopy.gw[3]);
    IP_ADDR4(&cfg->dns, cfgcopy.dns[0], cfgcopy.dns[1], cfgcopy.dns[2], cfgcopy.dns[3]);
    cfg->host = cfgcopy.host;
    cfg->port = cfgcopy.port;
    cfg->user = cfgcopy.user;
    cfg->pass = cfgcopy.pass;
    cfg->tls = cfgcopy.tls;
    cfg->tls_name = cfgcopy.tls_name;
    cfg->sessions = cfgcopy.sessions;
    cfg->pause_ms = cfgcopy.pause_ms;
    store_delay_ms = cfgcopy.store_delay_ms;
    measure = cfgcopy.measure;
    board_printf("boot mps2-an386, %s, stack %u\n",
                 cfg->tls == BOARD_TLS_IMPLICIT ? "pop3s" : cfg->tls == BOARD_TLS_STLS ? "stls" : "plain",
                 (unsigned)board_stack_size());
    return 0;
}

uint32_t board_rand(void)
{
    /* lwIP's TCP ports/ISNs and DNS ids: xorshift over the seed. */
    static uint32_t x;

    if (x == 0) {
        memcpy(&x, cfgcopy.seed, sizeof x);
        x ^= ticks ^ SYST_CVR;
        if (x == 0)
            x = 0x2545F491u;
    }
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return x;
}

/* ---- message store --------------------------------------------------- */
#define SIMFLASH_SIZE (512u * 1024u)
__attribute__((section(".simflash"))) static uint8_t simflash[SIMFLASH_SIZE];
static struct {
    uint8_t page[BOARD_STORE_CHUNK]; /* the write buffer of the flash chip */
    size_t page_len;
    uint32_t at, len, busy_since;
    uint64_t t0;          /* clock when the message began */
    uint32_t idle0;       /* empty superloop rounds by then */
    uint64_t store_ns;    /* time spent programming and hashing */
    uint8_t busy, open;
    mbedtls_sha256_context sha;
} st;

/* A page program completes store_delay_ms after it started; then the
 * octets are in the flash array (a ring), and are read back for the hash. */
static void store_poll(void)
{
    size_t done = 0;
    uint64_t t0;

    if (!st.busy || sys_now() - st.busy_since < store_delay_ms)
        return;
    t0 = board_clock_ns();
    while (done < st.page_len) { /* program, then read back for the hash */
        size_t at = (st.at + done) % SIMFLASH_SIZE;
        size_t n = st.page_len - done;

        if (n > SIMFLASH_SIZE - at)
            n = SIMFLASH_SIZE - at; /* the ring wraps */
        memcpy(&simflash[at], st.page + done, n);
        mbedtls_sha256_update_ret(&st.sha, &simflash[at], n);
        done += n;
    }
    st.at = (uint32_t)((st.at + st.page_len) % SIMFLASH_SIZE);
    st.len += (uint32_t)st.page_len;
    st.page_len = 0;
    st.busy = 0;
    st.store_ns += board_clock_ns() - t0;
}

int board_store_begin(uint32_t msg)
{
    (void)msg;
    if (st.open)
        return -1;
    mbedtls_sha256_init(&st.sha);
    if (mbedtls_sha256_starts_ret(&st.sha, 0) != 0)
        return -1;
    st.len = 0;
    st.open = 1;
    st.idle0 = board_idle_rounds(&st.t0);
    st.t0 = board_clock_ns();
    st.store_ns = 0;
    return 0;
}

int board_store_write(const void *data, size_t len)
{
    store_poll();
    if (!st.open || st.busy || len > sizeof st.page)
        return -1;
    memcpy(st.page, data, len);
    st.page_len = len;
    st.busy = 1;
    st.busy_since = sys_now();
    store_poll(); /* no delay configured: done at once */
    return 0;
}

bool board_store_busy(void)
{
    store_poll();
    return st.busy != 0;
}

int board_store_end(uint32_t msg)
{
    uint8_t h[32];
    char hex[65];
    size_t i;

    if (!st.open || board_store_busy() || mbedtls_sha256_finish_ret(&st.sha, h) != 0)
        return -1;
    for (i = 0; i < sizeof h; i++) {
        hex[2 * i] = "0123456789abcdef"[h[i] >> 4];
        hex[2 * i + 1] = "0123456789abcdef"[h[i] & 15u];
    }
    hex[64] = '\0';
    mbedtls_sha256_free(&st.sha);
    st.open = 0;
    if (measure) { /* the work of this message: all but the idle polls */
        uint64_t round_ns, all = board_clock_ns() - st.t0;
        uint64_t idle = (uint64_t)(board_idle_rounds(&round_ns) - st.idle0) * round_ns;
        uint64_t work = all - idle - st.store_ns;
        board_printf("cost %u %lu octets %lu kinsn store %lu kinsn\n", (unsigned)msg,
                     (unsigned long)st.len, (unsigned long)(work / 1000u),
                     (unsigned long)(st.store_ns / 1000u));
    }
    board_printf("stored %u %lu %s\n", (unsigned)msg, (unsigned long)st.len, hex);
    return 0;
}

void board_store_abort(void)
{
    if (!st.open)
        return;
    while (board_store_busy())
        ;
    board_printf("store aborted %lu octets\n", (unsigned long)st.len);
    mbedtls_sha256_free(&st.sha);
    st.open = 0;
}

/* ---- the end --------------------------------------------------------- */
#if defined(ALTCP_MBEDTLS_PLATFORM_ALLOC_STATS) && ALTCP_MBEDTLS_PLATFORM_ALLOC_STATS
/* lwIP's counting allocator for Mbed TLS (altcp_tls_mbedtls_mem.c). */
struct altcp_mbedtls_malloc_stats_s { size_t allocedBytes, allocCnt, maxBytes, totalBytes; };
extern struct altcp_mbedtls_malloc_stats_s altcp_mbedtls_malloc_stats;
#endif

void board_exit(int code)
{
    board_printf("exit %d stack %u/%u", code, (unsigned)board_stack_used(), (unsigned)board_stack_size());
#if MEM_STATS
    board_printf(" lwip_heap_max %u of %u", (unsigned)lwip_stats.mem.max, (unsigned)MEM_SIZE);
#endif
#if defined(ALTCP_MBEDTLS_PLATFORM_ALLOC_STATS) && ALTCP_MBEDTLS_PLATFORM_ALLOC_STATS
    board_printf(" tls_heap_max %u", (unsigned)altcp_mbedtls_malloc_stats.maxBytes);
#endif
    board_printf("\n");
    SCB_AIRCR = 0x05FA0004u; /* SYSRESETREQ: QEMU -no-reboot exits */
    for (;;)
        ;
}
