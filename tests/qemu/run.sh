#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run.sh - the superloop firmware on an emulated Cortex-M4 board (QEMU
# -M mps2-an386) against a private Dovecot: `make qemu-check` (root).
#
# The guest's only way out is a tap device inside a private network
# namespace (tests/lwip/ns.sh: link-local 169.254.78.1/16 on the kernel
# side, no default route); Dovecot listens there, with a certificate for
# mail.pop3test.invalid signed by the test CA that build/fw/tls.elf has
# compiled in. QEMU runs inside the namespace, reads its settings from a
# block loaded into RAM (bootcfg.py) and exits when the firmware resets the
# board (-no-reboot). The firmware prints "stored MSG LEN SHA256" for every
# message it committed to its store; each is compared with the maildrop.
#
# Cases:
#   1. plain.elf, clear text: every message byte-exact, all deleted
#   2. tls.elf, POP3S (lwIP altcp_tls), slow store (the client pauses, the
#      window closes): every message byte-exact, all deleted; the port held
#      back more than a segment and at most TCP_WND octets
#   3. tls.elf, STLS (pop3 TLS decorator over the lwIP port): the same;
#      pop3s.elf (POP3S only, trimmed to the size targets): the same
#   4. netx.elf: examples/netx_app (NetX Duo POP3 Client API, the shim over
#      lwIP) in clear text with a slow store: byte-exact, all deleted
#   5. tls.elf, POP3S to a server whose certificate comes from another CA,
#      and to one whose certificate names another host: refused
#      (POP3_ERR_TLS, the verify flag printed), nothing stored, nothing
#      deleted
#   6. tls.elf, POP3S, the server's pop3 process killed in the middle of a
#      message: that message is not stored, the session ends without QUIT
#      (so the server commits none of its DELEs), the firmware prints the
#      reason and goes on; its next session finds every message and fetches
#      and deletes them all
#
# FW_BENCH=1 (make fw-bench) runs none of these but two fetches under QEMU
# -icount shift=0 (one instruction = 1 ns of the emulated clock), POP3S and
# clear text, and prints the instructions spent per octet of the 1 MB
# message (polls that found no frame left out; board.c "cost" lines).
#
# Environment: KEEP=1 keeps the temporary directory.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
FW=$ROOT/build/fw
NS=pop3qemu-$$
TAP=p3q$$
KADDR=169.254.78.1
GUEST=169.254.78.2
MASK=255.255.0.0
NAME=mail.pop3test.invalid

die() { echo "qemu-check: FAIL: $*" >&2; exit 1; }
. "$ROOT/tests/lwip/ns.sh"

ns_need_root qemu-check "firmware in QEMU over a tap device"
for f in "$FW/plain.elf" "$FW/tls.elf" "$FW/netx.elf" "$FW/pop3s.elf" "$FW/pki/ca.key" "$FW/pki/ca.crt"; do
    [ -f "$f" ] || die "$f missing (make firmware)"
done
command -v qemu-system-arm >/dev/null || die "qemu-system-arm missing (run scripts/deps.sh)"
ns_need_tap

# No heap but lwIP's: no image may link the C library's allocator entry
# points (newlib's _malloc_r stays, reached only from vsnprintf code that
# never calls it; board.c's _sbrk stops the board if anything ever does).
for f in "$FW"/plain.elf "$FW"/tls.elf "$FW"/netx.elf "$FW"/pop3s.elf; do
    heap=$(arm-none-eabi-nm "$f" | awk '$2 == "T" && $3 ~ /^(malloc|calloc|realloc|free)$/ { print $3 }')
    [ -z "$heap" ] || die "$(basename "$f") links the C library's heap: $heap"
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pop3-qemu.XXXXXX") || die "mktemp failed"
chmod 0711 "$WORK"
SRV=$WORK/server
SRV2=$WORK/server-wrong-ca
QPID=
cleanup() {
    [ -n "$QPID" ] && kill "$QPID" 2>/dev/null && wait "$QPID" 2>/dev/null
    [ -n "$DNS_PID" ] && kill "$DNS_PID" 2>/dev/null && wait "$DNS_PID" 2>/dev/null
    bash "$ROOT/tests/integration/dovecot.sh" stop "$SRV2" >/dev/null 2>&1 || true
    ns_teardown "$SRV"
    if [ "${KEEP:-0}" = 1 ]; then echo "qemu-check: kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- certificates: one from the CA in the image, one from another CA --------
P=$WORK/pki
mkdir -p "$P"
ossl() { openssl "$@" >>"$P/openssl.log" 2>&1 || die "openssl $1 failed ($(tail -n 3 "$P/openssl.log"))"; }
printf 'subjectAltName=DNS:%s\nextendedKeyUsage=serverAuth\n' "$NAME" > "$P/ext"
ossl req -newkey rsa:2048 -nodes -subj "/CN=$NAME" -keyout "$P/srv.key" -out "$P/srv.csr"
ossl x509 -req -in "$P/srv.csr" -CA "$FW/pki/ca.crt" -CAkey "$FW/pki/ca.key" -CAcreateserial \
    -CAserial "$P/ca.srl" -days 30 -extfile "$P/ext" -out "$P/srv.crt"
ossl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj "/CN=another CA" \
    -keyout "$P/other.key" -out "$P/other.crt"
ossl x509 -req -in "$P/srv.csr" -CA "$P/other.crt" -CAkey "$P/other.key" -CAcreateserial \
    -CAserial "$P/other.srl" -days 30 -extfile "$P/ext" -out "$P/wrong.crt"
chmod 0644 "$P"/*.key

# --- namespace, tap, the two Dovecots, the mail ------------------------------
ns_create
ns_dovecot_start "$SRV" --tls "$P/srv.crt" "$P/srv.key" \
    plain:pw1 pop3s:pw2 stls:pw3 killed:pw4 bench1:pw6 bench2:pw7 netx:pw8 min:pw9 wrongname:pw10 >/dev/null || die "Dovecot did not start in $NS"
PORT=$(cat "$SRV/port")
PORT_S=$(cat "$SRV/port_pop3s")
ns_dovecot_start "$SRV2" --tls "$P/wrong.crt" "$P/srv.key" wrongca:pw5 >/dev/null ||
    die "second Dovecot did not start in $NS"
PORT_WRONG=$(cat "$SRV2/port_pop3s")
mk() { python3 "$ROOT/tests/integration/mkmaildrop.py" "$@" >/dev/null || die "mkmaildrop.py $* failed"; }
mk --set full --big-mb 1 "$SRV" plain
mk --set full --big-mb 1 "$SRV" pop3s
mk --set full --big-mb 1 "$SRV" stls
mk --set full --big-mb 2 "$SRV" killed
mk --set full --big-mb 1 "$SRV" netx
mk --set full --big-mb 1 "$SRV" min
mk --set small "$SRV2" wrongca
mk --set small "$SRV" wrongname
mk --set full --big-mb 1 "$SRV" bench1
mk --set full --big-mb 1 "$SRV" bench2

# boot NAME ELF PORT USER PASS TLS SESSIONS STORE_DELAY_MS [HOST DNS MEASURE]:
# runs QEMU in the namespace (in the background: QPID), with $QEMU_EXTRA;
# the certificate must name $TLS_NAME (default $NAME);
# the console goes to $WORK/NAME.log. HOST defaults to the server's address.
QEMU_EXTRA=()
boot() {
    local name=$1 elf=$2 port=$3 user=$4 pw=$5 tls=$6 sessions=$7 delay=$8
    python3 "$HERE/bootcfg.py" "$WORK/$name.cfg" "$GUEST" "$MASK" "${9:-$KADDR}" "$port" "$user" "$pw" \
        "$tls" "${TLS_NAME:-$NAME}" "$sessions" 500 "$delay" "${10:-0.0.0.0}" "${11:-0}" || die "bootcfg.py failed"
    ip netns exec "$NS" timeout 120 qemu-system-arm -M mps2-an386 -nographic -monitor none "${QEMU_EXTRA[@]}" \
        -serial stdio -no-reboot -kernel "$elf" \
        -device "loader,file=$WORK/$name.cfg,addr=0x203ff000,force-raw=on" \
        -nic "tap,ifname=$TAP,script=no,downscript=no,model=lan9118" \
        </dev/null >"$WORK/$name.log" 2>"$WORK/$name.err" &
    QPID=$!
}
finish() { # waits for QEMU: RC
    wait "$QPID"
    RC=$?
    QPID=
}

# stored_ok LOG USER SESSION: every expected message of USER appears in
# session SESSION of LOG (lines before any "session N" count as session 1)
# as "stored N LEN SHA256", nothing else was stored
stored_ok() {
    local log=$1 exp=$SRV/expected/$2 sess=$3 f n=0 want got
    got=$(awk -v s="$sess" 'BEGIN{cur=1} /^session /{cur=$2} cur==s' "$log" | grep -E '^stored [0-9]+ [0-9]+ [0-9a-f]{64}$')
    for f in "$exp"/*.eml; do
        n=$((n + 1))
        want="stored $((10#$(basename "$f" .eml))) $(stat -c %s "$f") $(sha256sum < "$f" | cut -d' ' -f1)"
        grep -qx "$want" <<<"$got" || { echo "message $(basename "$f"): no \"$want\""; return 1; }
    done
    [ "$(grep -c . <<<"$got")" -eq "$n" ] || { echo "$(grep -c . <<<"$got") stored, $n expected"; return 1; }
    [ "$n" -gt 0 ] || { echo "no expected messages"; return 1; }
    echo "$n messages"
}
left() { find "$1/mail/$2/new" "$1/mail/$2/cur" -type f | wc -l; }
show() { echo "exit $RC; $(tail -n 6 "$WORK/$1.log" | tr '\n' '|') $(head -c 300 "$WORK/$1.err")"; }

# fetch_all CASE ELF PORT USER PASS TLS STORE_DELAY_MS LABEL [HOST DNS]: one
# session that must store every message byte-exact and empty the maildrop
fetch_all() {
    local name=$1 t0=$SECONDS why=""
    boot "$name" "$2" "$3" "$4" "$5" "$6" 1 "$7" "${9:-}" "${10:-}"; finish
    if [ "$RC" -eq 0 ] && why=$(stored_ok "$WORK/$name.log" "$4" 1) && [ "$(left "$SRV" "$4")" -eq 0 ] &&
       grep -q "^exit 0 " "$WORK/$name.log"; then
        ok "$8: $why byte-exact (SHA-256 and length), all deleted, $((SECONDS - t0))s ($(grep '^exit' "$WORK/$name.log"))"
    else
        bad "$8" "${why:-}; $(left "$SRV" "$4") left" "$(show "$name")"
    fi
}

if [ "${FW_BENCH:-0}" = 1 ]; then
    QEMU_EXTRA=(-icount shift=0,align=off,sleep=off)
    big=$(( $(ls "$SRV/expected/bench1"/*.eml | wc -l) - 1 ))
    octets=$(stat -c %s "$SRV/expected/bench1/$(printf %04d "$big").eml")
    for c in "pop3s $FW/tls.elf $PORT_S bench1 pw6" "plain $FW/plain.elf $PORT bench2 pw7"; do
        set -- $c
        boot "bench-$1" "$2" "$3" "$4" "$5" "$1" 1 0 "$KADDR" 0.0.0.0 1; finish
        read -r k sk < <(sed -n "s/^cost $big $octets octets \([0-9]*\) kinsn store \([0-9]*\) kinsn$/\1 \2/p" \
                            "$WORK/bench-$1.log")
        [ "$RC" -eq 0 ] && [ -n "${k:-}" ] || die "bench $1: $(show "bench-$1")"
        echo "fw-bench: $1: message $big, $octets octets: $((k * 1000 / octets)) instructions per octet" \
             "to receive it ($k k), $((sk * 1000 / octets)) more in the store (copy + SHA-256);" \
             "$(grep '^exit' "$WORK/bench-$1.log")"
    done
    exit 0
fi

# --- 1.-3. clear text, POP3S through altcp_tls (slow store), STLS -------------
fetch_all plain "$FW/plain.elf" "$PORT" plain pw1 plain 0 "plain.elf clear text"
fetch_all pop3s "$FW/tls.elf" "$PORT_S" pop3s pw2 pop3s 2 "tls.elf POP3S (altcp_tls), store busy 2 ms per write"
# ... and while the store was busy the client paused: the port held the
# decrypted octets back, more than one segment, never more than the window.
read -r _ _ _ held _ _ wnd < <(grep '^held at most' "$WORK/pop3s.log") || true
if [ "${held:-0}" -gt 1460 ] && [ "$held" -le "${wnd:-0}" ]; then
    ok "tls.elf POP3S back-pressure: at most $held octets held back over altcp_tls, TCP_WND $wnd"
else
    bad "tls.elf POP3S back-pressure" "held ${held:-?} of TCP_WND ${wnd:-?}"
fi
# STLS also finds the server by name, through lwIP's DNS (dnsd.py in the
# namespace).
ns_dns_start "$NAME"
fetch_all stls "$FW/tls.elf" "$PORT" stls pw3 stls 0 "tls.elf STLS (TLS decorator over port/lwip), $NAME via lwIP DNS" \
    "$NAME" "$KADDR"

fetch_all min "$FW/pop3s.elf" "$PORT_S" min pw9 pop3s 2 \
    "pop3s.elf (POP3S only, Mbed TLS trimmed, 16 KB lwIP heap, 6 pool pbufs), store busy 2 ms per write"

# --- 4. the NetX Duo application (examples/netx_app) on the same board -------
fetch_all netx "$FW/netx.elf" "$PORT" netx pw8 plain 2 \
    "netx.elf (NetX Duo POP3 Client API over the shim's lwIP hook), store busy 2 ms per write"

# --- 5. a certificate from another CA; one for another name ----------------
# refused CASE DIR USER PASS PORT FLAG LABEL: the handshake must fail with the
# verify flag FLAG (MBEDTLS_X509_BADCERT_*) set, nothing stored or deleted
refused() {
    local name=$1 dir=$2 user=$3 before flags
    before=$(left "$dir" "$user")
    boot "$name" "$FW/tls.elf" "$5" "$user" "$4" pop3s 1 0; finish
    flags=$(sed -n 's/^certificate refused: flags 0x\([0-9a-f]*\)$/\1/p' "$WORK/$name.log")
    if [ "$RC" -eq 0 ] && grep -q "closed TLS$" "$WORK/$name.log" && [ -n "$flags" ] &&
       [ $(( 0x$flags & $6 )) -ne 0 ] &&
       ! grep -Eq "^stored [0-9]+ [0-9]+ [0-9a-f]{64}$" "$WORK/$name.log" && grep -q "^exit 1 " "$WORK/$name.log" &&
       [ "$before" -gt 0 ] && [ "$(left "$dir" "$user")" -eq "$before" ]; then
        ok "$7: refused (verify flags 0x$flags, POP3_ERR_TLS), nothing stored, $before messages kept"
    else
        bad "$7" "flags ${flags:-none}; $(left "$dir" "$user") of $before left" "$(show "$name")"
    fi
}
refused wrongca "$SRV2" wrongca pw5 "$PORT_WRONG" 0x08 "tls.elf POP3S, server certificate from another CA"
# The right CA, but the image expects another name.
TLS_NAME=other.pop3test.invalid refused wrongname "$SRV" wrongname pw10 "$PORT_S" 0x04 \
    "tls.elf POP3S, server certificate for another name"

# --- 6. the server dies in the middle of a message -------------------------------------
# The big message (2 MB) is the one before the last; once the one before it
# is stored, the firmware is inside it (the store is slow). Then the pop3
# process serving the session (a child of our Dovecot) is killed.
big=$(( $(ls "$SRV/expected/killed"/*.eml | wc -l) - 1 ))
boot killed "$FW/tls.elf" "$PORT_S" killed pw4 pop3s 2 2
killed=""
for _ in $(seq 1 600); do
    if grep -q "^stored $((big - 1)) " "$WORK/killed.log"; then
        sleep 0.5
        master=$(tr -dc 0-9 < "$SRV/run/master.pid")
        for st in /proc/[0-9]*/stat; do # children of our Dovecot named pop3
            read -r line < "$st" 2>/dev/null || continue
            rest=${line##*) }
            set -- $rest
            pid=${line%% *}
            [ "${2:-}" = "$master" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = pop3 ] &&
                kill -9 "$pid" && killed="$killed $pid"
        done
        break
    fi
    kill -0 "$QPID" 2>/dev/null || break
    sleep 0.1
done
finish
s1=$(awk '/^session /{s=$2} s==1' "$WORK/killed.log")
reason=$(sed -n 's/^stored [0-9]* deleted [0-9]* of [0-9]*; closed \([A-Z_]*\)$/\1/p' <<<"$s1")
if [ -n "$killed" ] && [ "$RC" -eq 0 ] && grep -q "^store aborted" <<<"$s1" &&
   [ -n "$reason" ] && [ "$reason" != CLOSED ] &&
   ! grep -Eq "^stored $big [0-9]+ [0-9a-f]{64}$" <<<"$s1" &&
   grep -q "^stat $((big + 1)) messages" <<<"$(awk '/^session /{s=$2} s==2' "$WORK/killed.log")" &&
   why=$(stored_ok "$WORK/killed.log" killed 2) && [ "$(left "$SRV" killed)" -eq 0 ] &&
   grep -q "^exit 0 " "$WORK/killed.log"; then
    ok "tls.elf POP3S, server killed inside message $big: session 1 closed $reason, nothing deleted; session 2: $why byte-exact, all deleted"
else
    bad "tls.elf server killed mid-message" "killed:${killed:- none} reason ${reason:-?} ${why:-}" "$(show killed)"
fi

echo "qemu-check: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
