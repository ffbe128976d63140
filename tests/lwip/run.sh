#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run.sh - port/lwip against a real lwIP stack and a real Dovecot.
#
#   bash tests/lwip/run.sh        (what `make lwip-check` runs; needs root)
#
# Creates a private network namespace with a tap device in it; the kernel
# side of the tap is 169.254.77.1/16, lwIP's netif 169.254.77.2 (Debian's
# liblwip, tcpip thread) or .3 (the NO_SYS=1 superloop). The namespace has
# no default route, and everything that talks to those addresses runs inside
# it: Dovecot (tests/integration/dovecot.sh, listening on 127.0.0.1 and
# 169.254.77.1), a tiny DNS responder (dnsd.py) and the lwIP programs.
# Nothing in the root namespace ever sends to them.
#
# Checks:
#   1. build/lwip/lwip_fetch fetches the whole "full" maildrop (5 MB message
#      included) byte-exact; then again, under ASan+UBSan, with a slow
#      consumer that pauses delivery, where the port must hold pbufs (more
#      than one segment, at most TCP_WND)
#   2. a refused connection reaches the engine as POP3_ERR_CONNECT; a FIN
#      inside a message while paused delivers every octet, then TRUNCATED
#      (badsrv.py cut); an RST mid-session gives POP3_ERR_RESET (badsrv.py
#      reset)
#   3. build/lwip_superloop (under valgrind) resolves the server's name
#      through lwIP's DNS, fetches and deletes every message; the maildrop
#      is then empty. Again built with LWIP_ALTCP=1, for another user.
#   4. an unknown name ends with POP3_ERR_RESOLVE
# Without root, tap devices or network namespaces this fails, loudly.
#
# Environment: KEEP=1 keeps the temporary directory; BIG_MB (default 5);
# LWIP_BUILD=DIR takes the binaries from DIR instead of build/.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
LB=${LWIP_BUILD:-$ROOT/build}   # where make put the binaries (make coverage: build/cov)
FETCH=$LB/lwip/lwip_fetch
FETCH_ASAN=$LB/lwip/lwip_fetch_asan
LOOP=$LB/lwip_superloop
LOOP_ALTCP=$LB/lwip/lwip_superloop_altcp
BIG_MB=${BIG_MB:-5}
NS=pop3lwip-$$
TAP=p3tap$$
KADDR=169.254.77.1
MASK=255.255.0.0
DNSNAME=mail.pop3test.invalid

die() { echo "lwip-check: FAIL: $*" >&2; exit 1; }
. "$HERE/ns.sh"

ns_need_root lwip-check "lwIP over a tap device (lwip_fetch, superloop, altcp TLS)"
for b in "$FETCH" "$FETCH_ASAN" "$LOOP" "$LOOP_ALTCP"; do
    [ -x "$b" ] || die "$b not built (make lwip-build)"
done
ns_need_tap
command -v valgrind >/dev/null || die "valgrind missing (run scripts/deps.sh)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pop3-lwip.XXXXXX") || die "mktemp failed"
chmod 0711 "$WORK"
SRV=$WORK/server
BAD_PID=
cleanup() {
    local pid
    for pid in $DNS_PID $BAD_PID; do
        kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    done
    ns_teardown "$SRV"
    if [ "${KEEP:-0}" = 1 ]; then echo "lwip-check: kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the namespace and the tap ----------------------------------------------
ns_create

# --- Dovecot and the mail -----------------------------------------------------
PORT=$(ns_dovecot_start "$SRV" \
       alice:secret bob:hunter2 carol:tiger) || die "Dovecot did not start in $NS"
for u in alice bob; do
    python3 "$ROOT/tests/integration/mkmaildrop.py" --set full --big-mb "$BIG_MB" "$SRV" "$u" \
        >/dev/null || die "mkmaildrop.py failed for $u"
done
python3 "$ROOT/tests/integration/mkmaildrop.py" --set small "$SRV" carol >/dev/null ||
    die "mkmaildrop.py failed for carol"

# --- 1. Debian's liblwip, tcpip thread ---------------------------------------
run_fetch() { # NAME BINARY OUTDIR [--slow]
    local name=$1 bin=$2 out=$3; shift 3
    mkdir -p "$out"
    local t0=$SECONDS
    in_ns env ASAN_OPTIONS=detect_leaks=0 timeout 150 "$bin" "$TAP" 169.254.77.2 "$MASK" \
        "$KADDR" "$PORT" alice secret "$out" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"
    RC=$?
    SECS=$((SECONDS - t0))
}

run_fetch fetch "$FETCH" "$WORK/fetch"
if [ "$RC" -eq 0 ] && why=$(same_as_expected alice "$WORK/fetch"); then
    ok "liblwip (tcpip thread): whole maildrop byte-exact, $why, ${SECS}s ($(head -n 1 "$WORK/fetch.out"))"
else
    bad "liblwip (tcpip thread): whole maildrop" "exit $RC: ${why:-}" "$(cat "$WORK/fetch.out" "$WORK/fetch.err" | head -n 8)"
fi

# Engine and port under ASan+UBSan (lwIP itself is Debian's build).
run_fetch slow "$FETCH_ASAN" "$WORK/slow" --slow
read -r _ _ _ _ _ held _ wnd < <(head -n 1 "$WORK/slow.out" 2>/dev/null) || true
if [ "$RC" -eq 0 ] && why=$(same_as_expected alice "$WORK/slow") &&
   [ "${held:-0}" -gt 1460 ] && [ "${held:-0}" -le "${wnd:-0}" ]; then
    ok "liblwip slow consumer (ASan+UBSan): byte-exact, $why, ${SECS}s, held at most $held of TCP_WND $wnd"
else
    bad "liblwip slow consumer" "exit $RC: ${why:-} held_max=${held:-?} wnd=${wnd:-?}" \
        "$(cat "$WORK/slow.out" "$WORK/slow.err" | head -n 8)"
fi

# --- 2. connection refused: RST -> err callback -> POP3_ERR_CONNECT ----------
mkdir -p "$WORK/refused"
in_ns timeout 30 "$FETCH" "$TAP" 169.254.77.2 "$MASK" "$KADDR" 9 alice secret "$WORK/refused" \
    >"$WORK/refused.out" 2>"$WORK/refused.err"
RC=$?
if [ "$RC" -eq 1 ] && grep -qx "closed CONNECT" "$WORK/refused.out"; then
    ok "liblwip: refused connection ends with POP3_ERR_CONNECT"
else
    bad "liblwip: refused connection" "exit $RC" "$(cat "$WORK/refused.out" "$WORK/refused.err" | head -n 5)"
fi

# --- 2b. the server closes inside a message while the consumer pauses ---------
# The FIN arrives behind held pbufs: every octet before it must still reach
# the application, then POP3_ERR_TRUNCATED.
bad_server() { # MODE: sets BAD_PORT, BAD_PID
    rm -f "$WORK/bad.port" "$WORK/bad.info"
    ip netns exec "$NS" python3 "$HERE/badsrv.py" "$1" "$KADDR" "$WORK/bad.port" "$WORK/bad.info" \
        >"$WORK/bad.log" 2>&1 &
    BAD_PID=$!
    for _ in $(seq 1 50); do [ -s "$WORK/bad.port" ] && break; sleep 0.1; done
    BAD_PORT=$(cat "$WORK/bad.port" 2>/dev/null)
    [ -n "$BAD_PORT" ] || die "badsrv.py $1 did not start ($(cat "$WORK/bad.log"))"
}
bad_server cut
mkdir -p "$WORK/cut"
in_ns env ASAN_OPTIONS=detect_leaks=0 timeout 60 "$FETCH_ASAN" "$TAP" 169.254.77.2 "$MASK" "$KADDR" \
    "$BAD_PORT" alice secret "$WORK/cut" --slow >"$WORK/cut.out" 2>"$WORK/cut.err"
RC=$?
wait "$BAD_PID" 2>/dev/null
read -r _ _ _ octets _ < <(head -n 1 "$WORK/cut.out" 2>/dev/null) || true
sent=$(cat "$WORK/bad.info" 2>/dev/null)
if [ "$RC" -eq 1 ] && grep -qx "closed TRUNCATED" "$WORK/cut.out" && [ -n "$sent" ] &&
   [ "${octets:-x}" = "$sent" ]; then
    ok "liblwip: FIN inside a message while paused: all $sent octets delivered, then POP3_ERR_TRUNCATED"
else
    bad "liblwip: FIN inside a message" "exit $RC, octets ${octets:-?} of ${sent:-?}" \
        "$(cat "$WORK/cut.out" "$WORK/cut.err" | head -n 5)"
fi

# --- 2c. RST in the middle of a session: err callback, PCB already freed ------
bad_server reset
mkdir -p "$WORK/reset"
in_ns env ASAN_OPTIONS=detect_leaks=0 timeout 60 "$FETCH_ASAN" "$TAP" 169.254.77.2 "$MASK" "$KADDR" \
    "$BAD_PORT" alice secret "$WORK/reset" >"$WORK/reset.out" 2>"$WORK/reset.err"
RC=$?
wait "$BAD_PID" 2>/dev/null
if [ "$RC" -eq 1 ] && grep -qx "closed RESET" "$WORK/reset.out"; then
    ok "liblwip: connection reset mid-session ends with POP3_ERR_RESET (ASan clean)"
else
    bad "liblwip: connection reset" "exit $RC" "$(cat "$WORK/reset.out" "$WORK/reset.err" | head -n 5)"
fi

# --- 3. NO_SYS=1 superloop: DNS, fetch, delete --------------------------------
ns_dns_start "$DNSNAME"

mkdir -p "$WORK/loop"
t0=$SECONDS
in_ns timeout 150 valgrind -q --error-exitcode=99 "$LOOP" "$TAP" 169.254.77.3 "$MASK" "$KADDR" \
    "$DNSNAME" "$PORT" bob hunter2 "$WORK/loop" >"$WORK/loop.out" 2>"$WORK/loop.err"
RC=$?
SECS=$((SECONDS - t0))
left=$(find "$SRV/mail/bob/new" "$SRV/mail/bob/cur" -type f | wc -l)
if [ "$RC" -eq 0 ] && why=$(same_as_expected bob "$WORK/loop") && [ "$left" -eq 0 ]; then
    ok "superloop (NO_SYS=1, valgrind): $DNSNAME via lwIP DNS, $why fetched byte-exact and deleted, ${SECS}s ($(tail -n 1 "$WORK/loop.out"))"
else
    bad "superloop (NO_SYS=1)" "exit $RC: ${why:-}; $left messages left on the server" \
        "$(cat "$WORK/loop.out" "$WORK/loop.err" | head -n 8)"
fi

# --- 3b. the same superloop with LWIP_ALTCP=1 (altcp_tcp underneath) ---------
mkdir -p "$WORK/altcp"
in_ns timeout 60 "$LOOP_ALTCP" "$TAP" 169.254.77.3 "$MASK" "$KADDR" "$DNSNAME" "$PORT" carol tiger \
    "$WORK/altcp" >"$WORK/altcp.out" 2>"$WORK/altcp.err"
RC=$?
left=$(find "$SRV/mail/carol/new" "$SRV/mail/carol/cur" -type f | wc -l)
if [ "$RC" -eq 0 ] && why=$(same_as_expected carol "$WORK/altcp") && [ "$left" -eq 0 ]; then
    ok "superloop with LWIP_ALTCP=1: $why fetched byte-exact and deleted"
else
    bad "superloop with LWIP_ALTCP=1" "exit $RC: ${why:-}; $left messages left" \
        "$(cat "$WORK/altcp.out" "$WORK/altcp.err" | head -n 8)"
fi

# --- 4. unknown name: NXDOMAIN -> POP3_ERR_RESOLVE -----------------------------
mkdir -p "$WORK/nx"
in_ns timeout 60 "$LOOP" "$TAP" 169.254.77.3 "$MASK" "$KADDR" nosuch.pop3test.invalid "$PORT" bob hunter2 \
    "$WORK/nx" >"$WORK/nx.out" 2>"$WORK/nx.err"
RC=$?
if [ "$RC" -eq 1 ] && grep -q "closed RESOLVE" "$WORK/nx.out"; then
    ok "superloop: unknown host name ends with POP3_ERR_RESOLVE"
else
    bad "superloop: unknown host name" "exit $RC" "$(cat "$WORK/nx.out" "$WORK/nx.err" | head -n 5)"
fi

echo "lwip-check: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
