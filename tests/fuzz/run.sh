#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run.sh - run libFuzzer targets for a while each; fail on any finding.
#
#   tests/fuzz/run.sh SECONDS BIN...        time-boxed run (make fuzz, make check)
#   FUZZ_RUNS=N tests/fuzz/run.sh 0 BIN...  N executions instead (long runs)
#   FUZZ_OUT=DIR (default build/fuzz) FUZZ_ARGS="-print_coverage=1 ..."
#
# BIN is build/fuzz/fuzz_<name>; its seeds are tests/fuzz/corpus/<name>/
# (read only here); a <name>_lean build (POP3_LEAN=1) uses <name>'s seeds. New inputs go to build/fuzz/work/<name>/, crashes to
# build/fuzz/artifacts/. Each target runs with -jobs=1 under nice, so the
# run shares a small machine. The last line per target is libFuzzer's
# final statistics; a crash, leak, sanitizer report or timeout (10 s per
# input) fails the run and leaves the reproducer in the artifacts folder:
#   build/fuzz/fuzz_<name> build/fuzz/artifacts/<file>
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
secs=$1
shift
B=${FUZZ_OUT:-$ROOT/build/fuzz}
mkdir -p "$B/artifacts" "$B/logs"
fail=0
for bin in "$@"; do
    name=$(basename "$bin")
    name=${name#fuzz_}
    work=$B/work/$name
    mkdir -p "$work"
    if [ -n "${FUZZ_RUNS:-}" ]; then
        limit=(-runs="$FUZZ_RUNS")
    else
        limit=(-max_total_time="$secs")
    fi
    log=$B/logs/$name.log
    echo "== fuzz $name (${limit[0]#-})"
    # quarantine_size_mb: the targets allocate per input; keep RSS modest.
    ASAN_OPTIONS=detect_leaks=1:quarantine_size_mb=64:${ASAN_OPTIONS:-} \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        nice -n 10 "$bin" "$work" "$HERE/corpus/${name%_lean}" "${limit[@]}" \
        -timeout=10 -rss_limit_mb=1024 -max_len=4096 -close_fd_mask=3 \
        -print_final_stats=1 -artifact_prefix="$B/artifacts/$name-" ${FUZZ_ARGS:-} \
        >"$log" 2>&1
    rc=$?
    grep -E '^stat::number_of_executed_units|^#[0-9]+ +DONE' "$log" | sed 's/^/   /'
    if [ "$rc" -ne 0 ]; then
        echo "FAIL fuzz $name (exit $rc); log: $log"
        grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -5 | sed 's/^/   | /'
        fail=1
    fi
done
exit $fail
