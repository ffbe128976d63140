# SPDX-License-Identifier: MIT
# skip.sh - sourced by the test scripts: a check that does not run says so.
#
#   skip WHO WHAT WHY     prints "SKIP WHO: WHAT (WHY)" and appends a line
#                         to the shared skip log, $POP3_SKIP_LOG (make sets
#                         it to build/skips.log; default the same under the
#                         checkout that holds this file)
#   bash tests/support/skip.sh report
#                         the summary make check ends with; exits 1 when
#                         something was skipped and CHECK_STRICT=1
#
# A skipped check is never counted as passed. make check empties the log
# when it starts.
POP3_SKIP_LOG=${POP3_SKIP_LOG:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/skips.log}

skip() {
    echo "SKIP $1: $2 ($3)"
    mkdir -p "$(dirname "$POP3_SKIP_LOG")"
    printf '%s: %s (%s)\n' "$1" "$2" "$3" >> "$POP3_SKIP_LOG"
}

if [ "${BASH_SOURCE[0]}" = "$0" ] && [ "${1:-}" = report ]; then
    n=0
    [ -s "$POP3_SKIP_LOG" ] && n=$(grep -c . "$POP3_SKIP_LOG")
    if [ "$n" -eq 0 ]; then
        echo "skipped: nothing"
        exit 0
    fi
    echo "skipped: $n checks did not run:"
    sed 's/^/  - /' "$POP3_SKIP_LOG"
    if [ "${CHECK_STRICT:-0}" = 1 ]; then
        echo "CHECK_STRICT=1: a skipped check is a failure"
        exit 1
    fi
    exit 0
fi
