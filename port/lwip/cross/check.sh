#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# check.sh - the lwIP half of `make cross` (run by `make cross-lwip`).
#
# Builds for Cortex-M4 (arm-none-eabi-gcc -Os -mcpu=cortex-m4 -mthumb):
#   engine  src/core + src/transport
#   md5     src/md5 (adapter; Mbed TLS itself is the board's)
#   port    port/lwip, against lwIP 2.1.3 headers from Debian's source
#           package with port/lwip/nosys/lwipopts.h (NO_SYS=1)
#   lwip    the lwIP core with the same lwipopts.h, for reference only
# prints text/data/bss per component and sizeof the state structs, and fails
# when the pop3 objects (engine + md5 + port linked into one relocatable
# object) need any symbol beyond:
#   - functions the cross-built lwIP core defines, and sys_now (NO_SYS=1:
#     the board supplies it)
#   - memcpy memchr memcmp memset strlen, and libgcc's __aeabi_* helpers
#   - mbedtls_md5_* (md5 only)
set -euo pipefail

CROSS_CC=${CROSS_CC:-arm-none-eabi-gcc}
CROSS_SIZE=${CROSS_SIZE:-arm-none-eabi-size}
CROSS_PREFIX=${CROSS_CC%gcc}
NM=${CROSS_PREFIX}nm
LD=${CROSS_PREFIX}ld
B=${B:-build}
LWIP_SRC=${LWIP_SRC:-$B/lwip-src}
OUT=$B/cross-lwip

die() { echo "cross-lwip: $*" >&2; exit 1; }
[ -f "$LWIP_SRC/src/core/tcp.c" ] || die "lwIP source missing (scripts/lwip-src.sh)"
[ -d /usr/include/mbedtls ] || die "Mbed TLS headers missing (run scripts/deps.sh)"

rm -rf "$OUT"
mkdir -p "$OUT/engine" "$OUT/md5" "$OUT/port" "$OUT/lwip" "$OUT/inc"
cp -r /usr/include/mbedtls "$OUT/inc/"

FLAGS=(-std=c99 -pedantic -Wall -Wextra -Werror -Os -mcpu=cortex-m4 -mthumb
       -ffunction-sections -fdata-sections -fno-common)
INC=(-Iinclude -Isrc/md5 -Isrc/core -isystem "$OUT/inc")
LWIP_INC=(-Iport/lwip/nosys -Iport/lwip/cross -isystem "$LWIP_SRC/src/include")

cc() { "$CROSS_CC" "$@"; }
for f in src/core/*.c src/transport/*.c; do
    cc "${FLAGS[@]}" "${INC[@]}" -c "$f" -o "$OUT/engine/$(basename "$f" .c).o"
done
for f in src/md5/*.c; do
    cc "${FLAGS[@]}" "${INC[@]}" -c "$f" -o "$OUT/md5/$(basename "$f" .c).o"
done
cc "${FLAGS[@]}" -Wshadow -Wconversion -Wno-sign-conversion "${INC[@]}" "${LWIP_INC[@]}" \
   -c port/lwip/pop3_lwip.c -o "$OUT/port/pop3_lwip.o"

# The port also builds against LWIP_ALTCP=1 (altcp_tcp / altcp_tls below).
cc "${FLAGS[@]}" -Wshadow -Wconversion -Wno-sign-conversion -DLWIP_ALTCP=1 "${INC[@]}" \
   "${LWIP_INC[@]}" -c port/lwip/pop3_lwip.c -o "$OUT/port_altcp.o"

# lwIP core, as a board would build it (third-party code: no -Werror; the
# board supplies sys_now and a random source).
LWIP_FILES="init def dns inet_chksum ip mem memp netif pbuf raw stats sys tcp tcp_in
            tcp_out timeouts udp ipv4/etharp ipv4/icmp ipv4/ip4 ipv4/ip4_addr ipv4/ip4_frag"
for f in $LWIP_FILES; do
    cc -std=c99 -Os -mcpu=cortex-m4 -mthumb -ffunction-sections -fdata-sections -w \
       '-DLWIP_RAND()=board_rand()' \
       "${LWIP_INC[@]}" -c "$LWIP_SRC/src/core/$f.c" -o "$OUT/lwip/$(echo "$f" | tr / _).o"
done
cc -std=c99 -Os -mcpu=cortex-m4 -mthumb -w "${LWIP_INC[@]}" \
   -c "$LWIP_SRC/src/netif/ethernet.c" -o "$OUT/lwip/ethernet.o"

# sizeof, read back as the sizes of arrays of that many octets.
cat > "$OUT/sizes.c" <<'C'
#include "pop3_lwip.h"
char pop3_sizeof_client[sizeof(pop3_client)];
char pop3_sizeof_lwip[sizeof(pop3_lwip)];
char pop3_sizeof_slot[sizeof(pop3_slot)];
C
cc "${FLAGS[@]}" "${INC[@]}" "${LWIP_INC[@]}" -c "$OUT/sizes.c" -o "$OUT/sizes.o"
sizeof() { printf '%d' "0x$("$NM" -S "$OUT/sizes.o" | awk -v s="$1" '$4 == s { print $2 }')"; }

total() { "$CROSS_SIZE" -t "$@" | tail -n 1 | awk '{ print $1, $2, $3 }'; }
echo "cross-lwip: Cortex-M4 -Os, lwIP $(awk '/^#define LWIP_VERSION_(MAJOR|MINOR|REVISION)[ \t]/ { printf "%s%d", sep, $3; sep="." }' "$LWIP_SRC/src/include/lwip/init.h") headers, port/lwip/nosys/lwipopts.h (NO_SYS=1)"
printf '  %-34s %7s %6s %6s\n' component text data bss
for comp in engine md5 port; do
    read -r t d b < <(total "$OUT/$comp"/*.o)
    printf '  %-34s %7s %6s %6s\n' "$comp" "$t" "$d" "$b"
done
read -r t d b < <(total "$OUT/port_altcp.o")
printf '  %-34s %7s %6s %6s\n' "port with LWIP_ALTCP=1" "$t" "$d" "$b"
read -r t d b < <(total "$OUT"/engine/*.o "$OUT"/md5/*.o "$OUT"/port/*.o)
printf '  %-34s %7s %6s %6s\n' "pop3 total (engine+md5+port)" "$t" "$d" "$b"
read -r t d b < <(total "$OUT"/lwip/*.o)
printf '  %-34s %7s %6s %6s\n' "lwIP core (reference)" "$t" "$d" "$b"
echo "  sizeof(pop3_client) = $(sizeof pop3_sizeof_client), sizeof(pop3_lwip) = $(sizeof pop3_sizeof_lwip), sizeof(pop3_slot) = $(sizeof pop3_sizeof_slot)"

# Unresolved symbols of the pop3 objects, linked together.
"$LD" -r -o "$OUT/pop3_all.o" "$OUT"/engine/*.o "$OUT"/md5/*.o "$OUT"/port/*.o
"$NM" -g --defined-only "$OUT"/lwip/*.o | awk 'NF == 3 && $2 ~ /[TDBR]/ { print $3 }' | sort -u > "$OUT/lwip.defined"
[ -s "$OUT/lwip.defined" ] || die "no symbols from the lwIP core build"
bad=0
check_syms() { # NAME OBJECT EXTRA_REGEX
    local name=$1 obj=$2 extra=$3 sym
    while read -r sym; do
        case " memcpy memchr memcmp memset strlen sys_now " in *" $sym "*) continue ;; esac
        [ -n "$extra" ] && [[ $sym =~ $extra ]] && continue
        grep -qx -- "$sym" "$OUT/lwip.defined" && continue
        echo "cross-lwip: $name needs $sym (not lwIP's API, not allowed)" >&2
        bad=1
    done < <("$NM" -u "$obj" | awk '{ print $2 }')
}
"$LD" -r -o "$OUT/port_only.o" "$OUT"/port/*.o
"$LD" -r -o "$OUT/engine_md5.o" "$OUT"/engine/*.o "$OUT"/md5/*.o
check_syms port "$OUT/port_only.o" '^pop3_'
check_syms engine+md5 "$OUT/engine_md5.o" '^(__aeabi_[a-z0-9_]+|mbedtls_md5_[a-z_]+)$'
check_syms all "$OUT/pop3_all.o" '^(__aeabi_[a-z0-9_]+|mbedtls_md5_[a-z_]+)$'
[ "$bad" -eq 0 ] || die "unresolved symbols beyond the allowed set"
echo "  unresolved (engine+md5+port): $("$NM" -u "$OUT/pop3_all.o" | awk '{ print $2 }' | tr '\n' ' ')"
echo "cross-lwip: ok"
