# SPDX-License-Identifier: MIT
# ns.sh - shared by run.sh, netx_app.sh and tests/qemu/run.sh (sourced,
# not run): a private network namespace NS with a tap device TAP addressed
# KADDR/16, loopback up and no default route, so the lwIP stack on the
# other side of the tap and Dovecot in the namespace reach nothing but each
# other; and the parts of those checks that are the same in each.
#
# Needs NS, TAP, KADDR, ROOT and die() from the caller (same_as_expected
# also SRV, ns_dns_start also WORK); sets NS_MADE, PASS and FAIL (ok/bad)
# and DNS_PID (ns_dns_start).

NS_MADE=0
PASS=0
FAIL=0
DNS_PID=

# ns_need_root CHECK WHAT: root only. As a normal user the check is skipped,
# loudly (skip.sh; make check's summary lists it and CHECK_STRICT=1 fails
# on it), and the script ends here.
ns_need_root() {
    if [ "$(id -u)" -ne 0 ]; then
        . "$ROOT/tests/support/skip.sh"
        skip "$1" "$2" "needs root for a network namespace and a tap device; run make $1 as root"
        exit 0
    fi
}

# ns_need_tap: ip and tap devices are there, or the check fails.
ns_need_tap() {
    command -v ip >/dev/null || die "ip (iproute2) missing (run scripts/deps.sh)"
    [ -c /dev/net/tun ] || die "/dev/net/tun missing: no tap devices on this machine"
}

# ok LABEL / bad LABEL [DETAIL...]: one check passed or failed, counted in
# PASS and FAIL; each line starts with $TALLY_TAG (default none).
ok() { PASS=$((PASS + 1)); echo "ok   ${TALLY_TAG:-}$1"; }
bad() { FAIL=$((FAIL + 1)); echo "FAIL ${TALLY_TAG:-}$1"; shift; local l; for l in "$@"; do echo "       $l"; done; }

# same_as_expected USER DIR: every message mkmaildrop.py made for USER
# (SRV/expected/USER) stored in DIR byte for byte, none extra; prints
# "N messages", or the difference and returns 1.
same_as_expected() {
    local exp=$SRV/expected/$1 dir=$2 f n=0 got
    for f in "$exp"/*.eml; do
        n=$((n + 1))
        cmp -s "$f" "$dir/$(basename "$f")" || { echo "message $(basename "$f") differs"; return 1; }
    done
    got=$(find "$dir" -name '*.eml' | wc -l)
    [ "$got" -eq "$n" ] || { echo "$got messages stored, $n expected"; return 1; }
    [ "$n" -gt 0 ] || { echo "no expected messages"; return 1; }
    echo "$n messages"
}

in_ns() { ip netns exec "$NS" "$@"; }

ns_create() {
    ip netns add "$NS" || die "cannot create network namespace $NS"
    NS_MADE=1
    in_ns ip link set lo up || die "no loopback in $NS"
    in_ns ip tuntap add dev "$TAP" mode tap || die "cannot create tap device $TAP in $NS"
    in_ns sysctl -qw "net.ipv6.conf.$TAP.disable_ipv6=1" 2>/dev/null || true
    in_ns ip addr add "$KADDR/16" dev "$TAP" || die "cannot address $TAP"
    in_ns ip link set "$TAP" up || die "cannot bring $TAP up"
    if in_ns ip route show default | grep -q .; then die "$NS has a default route"; fi
}

# Dovecot in the namespace, listening on KADDR, with the given users;
# its port on stdout.
ns_dovecot_start() {
    mkdir -p "$1"
    POP3_TEST_LISTEN=$KADDR in_ns bash "$ROOT/tests/integration/dovecot.sh" start "$@"
}

# Stops Dovecot in directory $1 and removes the namespace (for cleanup traps).
ns_teardown() {
    bash "$ROOT/tests/integration/dovecot.sh" stop "$1" >/dev/null 2>&1 || true
    [ "$NS_MADE" = 1 ] && ip netns del "$NS" 2>/dev/null
}

# ns_dns_start NAME: dnsd.py in the namespace answers NAME with KADDR
# (files in WORK; DNS_PID, which the caller's cleanup ends). Started as a
# plain command (not through in_ns, which would fork a subshell): ip
# exec()s python3, so $! is the responder's own PID.
ns_dns_start() {
    ip netns exec "$NS" python3 "$ROOT/tests/lwip/dnsd.py" "$KADDR" "$1" "$KADDR" "$WORK/dns.ready" \
        >"$WORK/dns.log" 2>&1 &
    DNS_PID=$!
    for _ in $(seq 1 50); do [ -e "$WORK/dns.ready" ] && break; sleep 0.1; done
    [ -e "$WORK/dns.ready" ] || die "DNS responder did not start ($(cat "$WORK/dns.log"))"
}
