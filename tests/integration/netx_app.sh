#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# netx_app.sh - examples/netx_app (a NetX Duo POP3 application on the NetX
# shim) against a private Dovecot and the misbehaving servers of
# fakeserver.py. Every retrieved message is compared byte for byte with the
# copy mkmaildrop.py wrote (DIR/expected/USER/NNNN.eml).
#
#   bash tests/integration/netx_app.sh      (part of `make integration`)
#
# Environment: NETX_APP=path (default build/netx_app), KEEP=1 keeps the
# temporary directory, NO_VALGRIND=1 skips the memcheck run.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
APP=${NETX_APP:-$ROOT/build/netx_app}
TIMEOUT=${TIMEOUT:-120}

die() { echo "netx_app: $*" >&2; exit 1; }
. "$ROOT/tests/support/skip.sh"
[ -x "$APP" ] || die "$APP not built (run make)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pop3-netx.XXXXXX") || die "mktemp failed"
SRV=$WORK/server
T=$WORK/out
mkdir -p "$SRV" "$T"
chmod 0711 "$WORK"

FAKE_PIDS=()
cleanup() {
    local pid
    for pid in "${FAKE_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${FAKE_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    bash "$HERE/dovecot.sh" stop "$SRV" >/dev/null 2>&1 || true
    if [ "${KEEP:-0}" = 1 ]; then echo "netx_app: kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PASS=0
FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok   netx_app: $1"; }
bad() {
    FAIL=$((FAIL + 1)); echo "FAIL netx_app: $1"; shift
    local l; for l in "$@"; do printf '       %s\n' "$l"; done
}

# run NAME ARGS...: netx_app ARGS with OUTDIR $T/NAME; RC, $T/NAME.{out,err}
run() {
    local name=$1; shift
    rm -rf "${T:?}/$name"; mkdir -p "$T/$name"
    timeout "$TIMEOUT" "$APP" "$@" "$T/$name" >"$T/$name.out" 2>"$T/$name.err" </dev/null
    RC=$?
}
# same NAME EXPECTED_DIR: every NNNN.eml of EXPECTED_DIR retrieved identically
same() {
    local name=$1 exp=$2 f n=0 diff=0
    for f in "$exp"/*.eml; do
        n=$((n + 1))
        cmp -s "$f" "$T/$name/$(basename "$f")" || { diff=$((diff + 1)); echo "       differs: $(basename "$f")"; }
    done
    local got; got=$(find "$T/$name" -name '*.eml' | wc -l)
    [ "$diff" -eq 0 ] && [ "$got" -eq "$n" ] && [ "$n" -gt 0 ]
}
fake_start() {
    local pf=$T/fake.$RANDOM.port i
    FAKE_PF=$pf
    python3 "$HERE/fakeserver.py" "$1" "$pf" "${@:2}" 2>>"$T/fakeserver.err" &
    FAKE_PIDS+=("$!")
    for i in $(seq 1 100); do [ -s "$pf" ] && break; sleep 0.05; done
    FAKE_PORT=$(head -n 1 "$pf" 2>/dev/null) || die "fakeserver.py $1 did not start"
}

PORT=$(bash "$HERE/dovecot.sh" start "$SRV" alice:secret bob:hunter2 carol:c4rol) ||
    die "could not start Dovecot"
FAMILY=$(cat "$SRV/family")
python3 "$HERE/mkmaildrop.py" "$SRV" alice --big-mb 5 || die "mkmaildrop alice"
python3 "$HERE/mkmaildrop.py" "$SRV" bob --set small || die "mkmaildrop bob"
python3 "$HERE/mkmaildrop.py" "$SRV" carol --set small --seed 3 || die "mkmaildrop carol"
EA=$SRV/expected/alice
EB=$SRV/expected/bob
NA=$(wc -l < "$EA/manifest")
echo "netx_app: Dovecot on 127.0.0.1:$PORT, $NA messages for alice ($WORK)"

logins() { grep -c "Login: user=<$1>, method=$2," "$SRV/dovecot.log" || true; }

# USER/PASS, every message (a 5 MB one, dot-stuffed lines, 8-bit bodies).
s=$(date +%s%N)
run user_pass 127.0.0.1 "$PORT" alice secret
e=$(date +%s%N)
if [ "$RC" -eq 0 ] && same user_pass "$EA"; then
    ok "USER/PASS: $NA messages retrieved byte for byte ($(( (e - s) / 1000000 )) ms)"
else
    bad "USER/PASS retrieval" "exit $RC" "$(head -n 3 "$T/user_pass.err")"
fi
# LIST n and RETR n sizes agree with Dovecot's (the manifest).
if awk '/^message/ {gsub(":", "", $2); gsub(",", "", $4); print $2, $4}' "$T/user_pass.out" |
    cmp -s - <(awk '{print $1, $2}' "$EA/manifest"); then
    ok "LIST n sizes equal Dovecot's"
else
    bad "LIST n sizes" "$(head -n 3 "$T/user_pass.out")"
fi

# APOP, proven by Dovecot's log.
before=$(logins alice APOP)
run apop -a 127.0.0.1 "$PORT" alice secret
after=$(logins alice APOP)
if [ "$RC" -eq 0 ] && same apop "$EA" && [ "$after" -gt "$before" ]; then
    ok "APOP: Dovecot logged method=APOP; messages identical"
else
    bad "APOP" "exit $RC, APOP logins $before -> $after" "$(head -n 3 "$T/apop.err")"
fi

# Wrong password: create fails with NX_POP3_SERVER_ERROR_STATUS (0xB4).
run wrong 127.0.0.1 "$PORT" alice wrong
if [ "$RC" -eq 1 ] && grep -q "nx_pop3_client_create failed: 0xB4" "$T/wrong.err"; then
    ok "wrong password: create returns NX_POP3_SERVER_ERROR_STATUS"
else
    bad "wrong password" "exit $RC" "$(cat "$T/wrong.err")"
fi
run wrong_apop -a 127.0.0.1 "$PORT" alice wrong
if [ "$RC" -eq 1 ] && grep -q "0xB4" "$T/wrong_apop.err"; then
    ok "wrong password with APOP (and the USER/PASS fallback): 0xB4"
else
    bad "wrong password with APOP" "exit $RC" "$(cat "$T/wrong_apop.err")"
fi

# Nothing listening: NX_NOT_CONNECTED (0x38).
free_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
run refused 127.0.0.1 "$free_port" alice secret
if [ "$RC" -eq 1 ] && grep -q "0x38" "$T/refused.err"; then
    ok "connection refused: NX_NOT_CONNECTED"
else
    bad "connection refused" "exit $RC" "$(cat "$T/refused.err")"
fi

# IPv6 through nxd_pop3_client_create, when the machine has ::1.
if [ "$FAMILY" = 6 ]; then
    run v6 -6 ::1 "$PORT" bob hunter2
    if [ "$RC" -eq 0 ] && same v6 "$EB"; then
        ok "IPv6 (nxd_pop3_client_create, ::1): messages identical"
    else
        bad "IPv6" "exit $RC" "$(head -n 3 "$T/v6.err")"
    fi
else
    skip netx_app "IPv6 (nxd_pop3_client_create, ::1)" "Dovecot could not listen on ::1 here"
fi

# Random segmentation: every reply cut into random pieces by a proxy.
fake_start proxy "$PORT"
run proxy 127.0.0.1 "$FAKE_PORT" alice secret
if [ "$RC" -eq 0 ] && same proxy "$EA"; then
    ok "through the chopping proxy: $NA messages identical"
else
    bad "chopping proxy" "exit $RC" "$(head -n 3 "$T/proxy.err")"
fi

# Connection lost in the middle of the big message: an error, nothing deleted.
fake_start cut "$PORT" 400000
run cut -d 127.0.0.1 "$FAKE_PORT" alice secret
if [ "$RC" -eq 1 ] && grep -q "0x38" "$T/cut.err"; then
    ok "connection lost mid-transfer: NX_NOT_CONNECTED"
else
    bad "connection lost mid-transfer" "exit $RC" "$(cat "$T/cut.err")"
fi
# The server's view: no QUIT reached it, so every message is still there.
if python3 "$HERE/mailcheck.py" server "$PORT" alice secret "$EA" >/dev/null 2>"$T/cut.why"; then
    ok "connection lost mid-transfer: Dovecot still has all $NA messages"
else
    bad "connection lost mid-transfer deleted something" "$(cat "$T/cut.why")"
fi

# A server that goes silent in the middle of the big message: after
# NX_POP3_SERVER_REPLY_TIMEOUT (10 s) message_get returns NX_NO_PACKET.
fake_start stall "$PORT" 400000
t0=$(date +%s)
run stall -d 127.0.0.1 "$FAKE_PORT" alice secret
secs=$(( $(date +%s) - t0 ))
if [ "$RC" -eq 1 ] && grep -q "retrieving a message failed: 0x01" "$T/stall.err" &&
   [ "$secs" -ge 10 ] && [ "$secs" -le 25 ]; then
    ok "server silent mid-message: NX_NO_PACKET after ${secs}s (reply timeout 10 s)"
else
    bad "server silent mid-message" "exit $RC after ${secs}s" "$(cat "$T/stall.err")"
fi

# A strict server that refuses early commands: one command at a time, no
# CAPA; deletions committed by QUIT are recorded by the server.
fake_start nopipe "$EB"
run strict -d 127.0.0.1 "$FAKE_PORT" alice secret
nb=$(wc -l < "$EB/manifest")
if [ "$RC" -eq 0 ] && same strict "$EB" &&
   [ "$(sort -n "$FAKE_PF.deleted" 2>/dev/null | tr '\n' ' ')" = "$(seq 1 "$nb" | tr '\n' ' ')" ]; then
    ok "strict server without PIPELINING: retrieved, DELE 1..$nb committed by QUIT"
else
    bad "strict server" "exit $RC, deleted: $(tr '\n' ' ' < "$FAKE_PF.deleted" 2>/dev/null)" \
        "$(head -n 3 "$T/strict.err")"
fi
# The strict server records every command it read and every command that
# came before the previous reply had been sent (fakeserver.py nopipe).
if [ -s "$FAKE_PF.violations" ]; then
    bad "strict server saw an early command" "$(head -n 2 "$FAKE_PF.violations")"
elif ! grep -qx RETR "$FAKE_PF.log" 2>/dev/null || ! grep -qx QUIT "$FAKE_PF.log"; then
    bad "strict server: its command log lacks RETR or QUIT" "$(tr '\n' ' ' < "$FAKE_PF.log" 2>/dev/null)"
else
    ok "strict server: $(grep -c . "$FAKE_PF.log") commands, none before the previous reply"
fi

# Delete for real on Dovecot: carol's maildrop is empty afterwards.
EC=$SRV/expected/carol
run carol_del -d 127.0.0.1 "$PORT" carol c4rol
RC_DEL=$RC
run carol_after 127.0.0.1 "$PORT" carol c4rol
left=$(find "$SRV/mail/carol/new" "$SRV/mail/carol/cur" -type f 2>/dev/null | wc -l)
if [ "$RC_DEL" -eq 0 ] && same carol_del "$EC" && [ "$RC" -eq 0 ] &&
   grep -q "^0 messages" "$T/carol_after.out" && [ "$left" -eq 0 ]; then
    ok "delete: every message removed on the server after quit"
else
    bad "delete" "deleting run exit $RC_DEL, next run exit $RC, $left files left in carol's maildrop" \
        "$(head -n 2 "$T/carol_after.out")" "$(head -n 3 "$T/carol_del.err")"
fi

# The same session under valgrind: no errors, no leaks.
if [ "${NO_VALGRIND:-0}" != 1 ] && command -v valgrind >/dev/null; then
    rm -rf "$T/vg"; mkdir -p "$T/vg"
    timeout 600 valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
        "$APP" -a 127.0.0.1 "$PORT" bob hunter2 "$T/vg" >"$T/vg.out" 2>"$T/vg.err" </dev/null
    RC=$?
    if [ "$RC" -eq 0 ] && same vg "$EB"; then
        ok "valgrind memcheck: clean"
    else
        bad "valgrind memcheck" "exit $RC" "$(head -n 5 "$T/vg.err")"
    fi
else
    skip netx_app "valgrind memcheck" "valgrind not installed or NO_VALGRIND=1"
fi

echo "netx_app: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
