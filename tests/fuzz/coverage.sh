#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# coverage.sh - source line coverage of each fuzz target's checked-in corpus
# (make fuzz-coverage). Builds every target with clang's source-based
# coverage (-fprofile-instr-generate -fcoverage-mapping, no sanitizers),
# replays tests/fuzz/corpus/<name>/ once (-runs=0), and prints llvm-cov's
# line and branch coverage of the files each target is about.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"
B=build/fuzzcov
LLVM=${LLVM_BIN:-/usr/lib/llvm-14/bin}
mkdir -p "$B"
ENGINE="src/core/*.c src/transport/*.c src/md5/*.c"
declare -A EXTRA=([nx]="src/nx/*.c" [pop3get_args]="-Iexamples/pop3get examples/pop3get/pg_options.c examples/pop3get/pg_util.c"
                  [pop3get_config]="-Iexamples/pop3get examples/pop3get/pg_options.c examples/pop3get/pg_util.c examples/pop3get/pg_config.c")
declare -A FILES=([reply]="src/core/pop3_reply.c"
                  [client]="src/core/pop3_client.c src/core/pop3_reply.c src/core/pop3_cmd.c src/core/pop3_auth.c"
                  [sasl]="src/core/pop3_auth.c"
                  [nx]="src/nx/nx_pop3_client.c src/nx/nx_packet.c"
                  [pop3get_args]="examples/pop3get/pg_options.c examples/pop3get/pg_util.c"
                  [pop3get_config]="examples/pop3get/pg_config.c")
for src in tests/fuzz/fuzz_*.c; do
    t=$(basename "$src" .c); t=${t#fuzz_}
    # shellcheck disable=SC2086
    clang -std=c99 -g -O0 -fsanitize=fuzzer -fprofile-instr-generate -fcoverage-mapping \
        -DPOP3_TLS=1 -Iinclude -Isrc/md5 -Isrc/core -Iport/posix "$src" $ENGINE ${EXTRA[$t]:-} \
        -o "$B/$t" -lmbedtls -lmbedx509 -lmbedcrypto
    rm -f "$B/$t.profraw"
    LLVM_PROFILE_FILE="$B/$t.profraw" "$B/$t" -runs=0 -close_fd_mask=3 "tests/fuzz/corpus/$t" >/dev/null 2>&1
    "$LLVM/llvm-profdata" merge -o "$B/$t.profdata" "$B/$t.profraw"
    echo "== $t ($(ls "tests/fuzz/corpus/$t" | wc -l) inputs)"
    # shellcheck disable=SC2086
    "$LLVM/llvm-cov" report "$B/$t" -instr-profile="$B/$t.profdata" ${FILES[$t]:-} |
        awk 'NR > 2 && $1 != "TOTAL" && NF > 10 { printf "   %-28s lines %7s  branches %7s\n", $1, $10, $13 }'
done
