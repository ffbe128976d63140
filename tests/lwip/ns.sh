# SPDX-License-Identifier: MIT
# ns.sh - shared by run.sh and netx_app.sh (sourced, not run): a private
# network namespace NS with a tap device TAP addressed KADDR/16, loopback
# up and no default route, so the lwIP stack on the other side of the tap
# and Dovecot in the namespace reach nothing but each other.
#
# Needs NS, TAP, KADDR, ROOT and die() from the caller; sets NS_MADE.

NS_MADE=0

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
