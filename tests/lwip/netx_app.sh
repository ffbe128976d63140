#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# netx_app.sh - examples/netx_app built for lwIP (NO_SYS=1 superloop,
# src/nx/nx_lwip.c over port/lwip) against Dovecot inside a private network
# namespace, over a tap device, with link-local addresses and no default
# route. Run by `make netx-lwip-check` (part of make check); needs root.
#
# The NetX application code is the same as on POSIX; only its start-up
# (the PORT lines) creates the lwIP netif. Every retrieved message is
# compared with mkmaildrop.py's copy, deletions are checked on the server.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
APP=${NETX_APP_LWIP:-$ROOT/build/lwip/netx_app_lwip}
NS=pop3nx-$$
TAP=nxtap$$
KADDR=169.254.78.1
LADDR=169.254.78.2
MASK=255.255.0.0

die() { echo "netx-lwip: FAIL: $*" >&2; exit 1; }
. "$HERE/ns.sh"

ns_need_root netx-lwip-check "examples/netx_app on lwIP over a tap device"
[ -x "$APP" ] || die "$APP not built (make netx-lwip-build)"
ns_need_tap

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pop3-nxlwip.XXXXXX") || die "mktemp failed"
chmod 0711 "$WORK"
SRV=$WORK/server
cleanup() {
    ns_teardown "$SRV"
    if [ "${KEEP:-0}" = 1 ]; then echo "netx-lwip: kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ns_create

PORT=$(ns_dovecot_start "$SRV" \
       alice:secret bob:hunter2) || die "Dovecot did not start in $NS"
python3 "$ROOT/tests/integration/mkmaildrop.py" "$SRV" alice --big-mb 2 >/dev/null ||
    die "mkmaildrop.py failed for alice"
python3 "$ROOT/tests/integration/mkmaildrop.py" "$SRV" bob --set small >/dev/null ||
    die "mkmaildrop.py failed for bob"

TALLY_TAG="netx-lwip: "
run() { # NAME ARGS... (netx_app options, then user, password)
    local name=$1; shift
    mkdir -p "$WORK/$name"
    local t0=$SECONDS
    in_ns timeout 150 "$APP" "$@" "$WORK/$name" >"$WORK/$name.out" 2>"$WORK/$name.err"
    RC=$?
    SECS=$((SECONDS - t0))
}

# APOP (proven by Dovecot's log), every message of alice, a 2 MB one too.
run alice -a "$TAP" "$LADDR" "$MASK" "$KADDR" "$PORT" alice secret
if [ "$RC" -eq 0 ] && why=$(same_as_expected alice "$WORK/alice") &&
   grep -q "Login: user=<alice>, method=APOP," "$SRV/dovecot.log"; then
    ok "APOP over lwIP NO_SYS=1: $why byte-exact, ${SECS}s"
else
    bad "APOP over lwIP" "exit $RC: ${why:-}" "$(cat "$WORK/alice.err" | head -n 5)"
fi

# USER/PASS, delete every message, QUIT: the maildrop is empty afterwards.
run bob -d "$TAP" "$LADDR" "$MASK" "$KADDR" "$PORT" bob hunter2
left=$(find "$SRV/mail/bob/new" "$SRV/mail/bob/cur" -type f | wc -l)
if [ "$RC" -eq 0 ] && why=$(same_as_expected bob "$WORK/bob") && [ "$left" -eq 0 ]; then
    ok "USER/PASS and delete over lwIP: $why byte-exact, all deleted"
else
    bad "USER/PASS and delete over lwIP" "exit $RC: ${why:-}; $left left" "$(head -n 5 "$WORK/bob.err")"
fi

# Wrong password: NX_POP3_SERVER_ERROR_STATUS; nothing listening: NX_NOT_CONNECTED.
run wrong "$TAP" "$LADDR" "$MASK" "$KADDR" "$PORT" alice nope
if [ "$RC" -eq 1 ] && grep -q "create failed: 0xB4" "$WORK/wrong.err"; then
    ok "wrong password over lwIP: 0xB4"
else
    bad "wrong password over lwIP" "exit $RC" "$(head -n 3 "$WORK/wrong.err")"
fi
run refused "$TAP" "$LADDR" "$MASK" "$KADDR" 9 alice secret
if [ "$RC" -eq 1 ] && grep -q "create failed: 0x38" "$WORK/refused.err"; then
    ok "refused connection over lwIP: NX_NOT_CONNECTED"
else
    bad "refused connection over lwIP" "exit $RC" "$(head -n 3 "$WORK/refused.err")"
fi

echo "netx-lwip: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
