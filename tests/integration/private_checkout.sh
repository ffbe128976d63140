#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# private_checkout.sh - the tests that start servers, run once more from a
# checkout below a private directory (mode 0700, as Debian makes home
# directories) at a path with a space: what `make checkout-check` runs, part
# of `make check`.
#
# The working tree (tracked and untracked files, not build/) is copied to
# "$TMPDIR/pop3-private.PID.XXXXXX/check out" with the already built
# binaries the scripts use (build/pop3get, the bench tools), and from there:
# make bench-smoke (Dovecot and every peer client) and make tls-check (TLS
# Dovecot, scripted TLS servers), tests/integration/run.sh (Dovecot) and
# hostile.py (Python servers). A server whose files sit under the checkout,
# or a path split at its space, fails here. About 2 minutes; valgrind runs
# are left to the main runs (NO_VALGRIND=1). The other server-starting
# scripts (netx_app.sh, tests/durability, nothing_lost.sh, lwIP and QEMU)
# make their server directories the same way (mktemp under $TMPDIR, mode
# 0711). The copy is removed at the end (KEEP=1 keeps it).
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BINS=(pop3get wirelimit bench-engine bench-scale bench-runrss)

die() { echo "private_checkout: $*" >&2; exit 1; }
for b in "${BINS[@]}"; do
    [ -x "$ROOT/build/$b" ] || die "build/$b missing (make all bench-smoke builds it)"
done

PRIV=$(mktemp -d "${TMPDIR:-/tmp}/pop3-private.$$.XXXXXX") || die "mktemp failed"
cleanup() {
    if [ "${KEEP:-0}" = 1 ]; then echo "private_checkout: kept $PRIV"; else rm -rf "$PRIV"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
chmod 0700 "$PRIV"
CO="$PRIV/check out"
mkdir -p "$CO/build"

# The working tree as it is, without build/.
if git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    (cd "$ROOT" && git ls-files -z --cached --others --exclude-standard |
        tar --null -T - --ignore-failed-read -cf -) | (cd "$CO" && tar -xf -) ||
        die "copying the working tree failed"
else
    (cd "$ROOT" && tar --exclude=./build -cf - .) | (cd "$CO" && tar -xf -) ||
        die "copying the tree failed"
fi
for b in "${BINS[@]}"; do cp -p "$ROOT/build/$b" "$CO/build/"; done
# Headers only (bench.py's port/lwip size figures), read in place.
[ -d "$ROOT/build/lwip-src" ] && ln -s "$ROOT/build/lwip-src" "$CO/build/lwip-src"
[ "$(stat -c %a "$PRIV")" = 700 ] || die "$PRIV is not private"
echo "private_checkout: $CO (parent mode 700)"

# What the copied runs skip (valgrind, on purpose) stays here: the main
# runs report their own skips.
export POP3_SKIP_LOG=$PRIV/skips.log

PASS=0 FAIL=0 FAILED=()
run() { # NAME COMMAND...: run in the copy, log to $PRIV/NAME.log
    local name=$1 rc t0=$SECONDS
    shift
    # Valgrind is the main runs' (their skip log is not this copy's).
    (cd "$CO" && NO_VALGRIND=1 POP3_SKIP_LOG="$PRIV/skips.log" "$@") >"$PRIV/$name.log" 2>&1 </dev/null
    rc=$?
    if [ "$rc" -eq 0 ]; then
        PASS=$((PASS + 1)); echo "ok   $name from the private checkout ($((SECONDS - t0)) s)"
    else
        FAIL=$((FAIL + 1)); FAILED+=("$name")
        echo "FAIL $name from the private checkout (exit $rc); last lines:"
        tail -n 12 "$PRIV/$name.log" | sed 's/^/       | /'
    fi
}

# Through the Makefile's own rules where they are cheap (their recipes
# see the space too), with the copied binaries taken as they are.
MK=(env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory -o all)
run bench-smoke "${MK[@]}" -o build/wirelimit -o build/bench-engine -o build/bench-scale \
    -o build/bench-runrss bench-smoke
run tls-check "${MK[@]}" tls-check
run integration bash tests/integration/run.sh
run hostile python3 tests/hostile/hostile.py build/pop3get

echo "private_checkout: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ] || { printf 'private_checkout: failed: %s\n' "${FAILED[@]}"; exit 1; }
