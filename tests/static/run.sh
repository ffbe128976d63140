#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run.sh - static checks of the engine (src/core, src/transport, src/md5),
# run by make static (part of make check):
#
#  1. cppcheck: warning, style, performance and portability checks; every
#     finding fails. Suppressed: variableScope (the engine declares
#     variables at the top of a block, C89 style, on purpose) and
#     missingIncludeSystem (libc headers are not analysed).
#  2. clang-tidy with tests/static/clang-tidy.yaml (the check list and the
#     reasons for what is off are in that file).
#  3. Stack: every engine function's frame from gcc -fstack-usage, for the
#     host (-O2) and for Cortex-M4 (arm-none-eabi-gcc -Os). Fails if any
#     frame exceeds STACK_FRAME_MAX octets (default 512) or is "dynamic"
#     without a bound (a VLA or alloca). The engine's call depth is small
#     (input -> token -> handler -> callback), so frames bound the stack an
#     application must budget: see docs/testing.md, "Hostile input and fuzzing".
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT" || exit 1
B=build/static
MAX=${STACK_FRAME_MAX:-512}
mkdir -p "$B"
SRC=$(ls src/core/*.c src/transport/*.c src/md5/*.c)
INC=(-Iinclude -Isrc/core -Isrc/md5 -DPOP3_TLS=1)
fail=0

echo "== cppcheck $(cppcheck --version | cut -d' ' -f2)"
if ! cppcheck --std=c99 --enable=warning,style,performance,portability \
        --inline-suppr --error-exitcode=1 -q "${INC[@]}" -UPOP3_CONFIG_FILE \
        --suppress=missingIncludeSystem --suppress=variableScope $SRC; then
    echo "FAIL cppcheck"
    fail=1
fi

echo "== clang-tidy ($HERE/clang-tidy.yaml)"
if ! clang-tidy --config-file="$HERE/clang-tidy.yaml" --quiet $SRC -- \
        -std=c99 "${INC[@]}" >"$B/clang-tidy.log" 2>&1; then
    grep -E 'warning:|error:' "$B/clang-tidy.log" | head -20
    echo "FAIL clang-tidy (log: $B/clang-tidy.log)"
    fail=1
fi

echo "== stack usage (frame bound $MAX octets)"
rm -rf "$B/su-host" "$B/su-arm"
mkdir -p "$B/su-host" "$B/su-arm" "$B/inc"
for f in $SRC; do
    o=$(basename "$f" .c)
    gcc -std=c99 -O2 -fstack-usage "${INC[@]}" -c "$f" -o "$B/su-host/$o.o" || fail=1
done
if command -v arm-none-eabi-gcc >/dev/null && [ -d /usr/include/mbedtls ]; then
    rm -rf "$B/inc/mbedtls" && cp -r /usr/include/mbedtls "$B/inc/"
    # The host's Mbed TLS config minus pthreads, as make cross does.
    printf '#undef MBEDTLS_THREADING_C\n#undef MBEDTLS_THREADING_PTHREAD\n' >"$B/board_mbedtls.h"
    for f in $SRC; do
        o=$(basename "$f" .c)
        arm-none-eabi-gcc -std=c99 -Os -mcpu=cortex-m4 -mthumb -fstack-usage \
            "${INC[@]}" -DMBEDTLS_USER_CONFIG_FILE="\"$ROOT/$B/board_mbedtls.h\"" \
            -isystem "$B/inc" -c "$f" -o "$B/su-arm/$o.o" || fail=1
    done
else
    echo "FAIL arm-none-eabi-gcc or Mbed TLS headers missing (run scripts/deps.sh)"
    fail=1
fi
for t in host arm; do
    cat "$B/su-$t"/*.su 2>/dev/null | sort -t"$(printf '\t')" -k2 -n >"$B/stack-$t.txt"
    worst=$(tail -1 "$B/stack-$t.txt")
    echo "   worst frame ($t): $worst"
    if awk -F'\t' -v max="$MAX" '$2 > max || ($3 ~ /dynamic/ && $3 !~ /bounded/) { bad = 1; print "   over the bound: " $0 } END { exit !bad }' "$B/stack-$t.txt"; then
        echo "FAIL stack usage ($t)"
        fail=1
    fi
done
[ "$fail" -eq 0 ] && echo "static: cppcheck, clang-tidy, stack usage clean"
exit $fail
