#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run.sh - line coverage of the library, the ports and pop3get (make coverage).
#
#   bash tests/coverage/run.sh
#
# Builds everything again under build/cov with gcc --coverage (-O1), runs
# the unit tests, the lwIP unit tests, the integration tests (run.sh,
# netx_app.sh, tls.sh and pop3get.sh against Dovecot), the hostile servers,
# the durability test and,
# as root, the lwIP tests over a tap device, all with those binaries; then
# tests/coverage/report.py merges gcov's counts per file, prints the table
# (also build/cov/coverage.md) and fails when a floor is not met. Slower
# tests run without valgrind here (make check runs them with it).
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT" || exit 1
CB=build/cov
MAKE=${MAKE:-make}
COVMAKE=("$MAKE" --no-print-directory B=$CB "CFLAGS=-O1 -g --coverage -Wno-error=format-truncation" LWIP_SRC=build/lwip-src)

die() { echo "coverage: $*" >&2; exit 1; }
. "$ROOT/tests/support/skip.sh"
MAIN_SKIP_LOG=$POP3_SKIP_LOG
# What the tests skip here (valgrind, on purpose) is theirs to report in
# make check; only what this script itself cannot run goes to the main log.
mkdir -p "$CB"
export POP3_SKIP_LOG=$ROOT/$CB/skips.log
: > "$POP3_SKIP_LOG"

find "$CB" -name '*.gcda' -delete 2>/dev/null
"${COVMAKE[@]}" lwip-src >/dev/null || die "lwIP source"
"${COVMAKE[@]}" "$CB/pop3get" "$CB/netx_app" lwip-build netx-lwip-build >"$CB.build.log" 2>&1 ||
    { tail -n 20 "$CB.build.log"; die "build failed"; }
fail=0
step() { echo "coverage: $*"; "$@" >"$CB/last.log" 2>&1 || { tail -n 30 "$CB/last.log"; echo "coverage: FAIL $*"; fail=1; }; }
step "${COVMAKE[@]}" unit
step "${COVMAKE[@]}" lwip-unit
step env POP3GET="$ROOT/$CB/pop3get" NO_VALGRIND=1 BIG_MB=2 bash tests/integration/run.sh
step env NETX_APP="$ROOT/$CB/netx_app" NO_VALGRIND=1 bash tests/integration/netx_app.sh
step env POP3GET="$ROOT/$CB/pop3get" NO_VALGRIND=1 bash tests/integration/tls.sh
step env POP3GET="$ROOT/$CB/pop3get" bash tests/integration/pop3get.sh
step python3 tests/hostile/hostile.py "$ROOT/$CB/pop3get"
step env POP3GET="$ROOT/$CB/pop3get" bash tests/durability/run.sh
step env POP3GET="$ROOT/$CB/pop3get" KILLS=4 bash tests/integration/pop3get.sh
if [ "$(id -u)" -eq 0 ]; then
    step env LWIP_BUILD="$ROOT/$CB" bash tests/lwip/run.sh
    step env NETX_APP_LWIP="$ROOT/$CB/lwip/netx_app_lwip" bash tests/lwip/netx_app.sh
else
    POP3_SKIP_LOG=$MAIN_SKIP_LOG skip coverage "lwIP over a tap device" "needs root"
fi
[ "$fail" -eq 0 ] || die "a test failed under coverage (see above)"
python3 tests/coverage/report.py "$CB" --table "$CB/coverage.md"
