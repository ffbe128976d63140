#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# nodns.sh DIR CMD... - run CMD where name resolution cannot leave the machine.
#
# CMD runs in a network and mount namespace of its own (a user namespace
# too when not root) with only a loopback interface; /etc/resolv.conf is
# replaced there by one naming 127.0.0.1, where tests/lwip/dnsd.py answers
# NXDOMAIN to every name but test.pop3.invalid (127.0.0.1). Every query it
# answered is logged in DIR/dns.log ("QTYPE NAME"), so a test can prove the
# lookup went there. Exit status: CMD's; 125 when the namespace cannot be
# made (no unshare, no user namespaces), with the reason on stderr.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DIR=$1; shift

if [ "${NODNS_INSIDE:-0}" = 1 ]; then
    ip link set lo up || exit 125
    printf 'nameserver 127.0.0.1\noptions attempts:1 timeout:3\n' > "$DIR/resolv.conf"
    mount --bind "$DIR/resolv.conf" /etc/resolv.conf || exit 125
    rm -f "$DIR/dns.ready"
    python3 "$HERE/../lwip/dnsd.py" 127.0.0.1 test.pop3.invalid 127.0.0.1 \
        "$DIR/dns.ready" "$DIR/dns.log" 2>"$DIR/dnsd.err" &
    dnsd=$!
    for _ in $(seq 1 100); do [ -s "$DIR/dns.ready" ] && break; sleep 0.05; done
    [ -s "$DIR/dns.ready" ] || { echo "nodns: dnsd.py did not start: $(cat "$DIR/dnsd.err")" >&2; exit 125; }
    "$@"
    rc=$?
    kill "$dnsd" 2>/dev/null; wait "$dnsd" 2>/dev/null
    exit "$rc"
fi

command -v unshare >/dev/null || { echo "nodns: unshare not installed" >&2; exit 125; }
flags=(--net --mount)
[ "$(id -u)" -eq 0 ] || flags=(--user --map-root-user --net --mount)
unshare "${flags[@]}" true 2>"$DIR/unshare.err" ||
    { echo "nodns: cannot make a namespace: $(cat "$DIR/unshare.err")" >&2; exit 125; }
NODNS_INSIDE=1 exec unshare "${flags[@]}" bash "${BASH_SOURCE[0]}" "$DIR" "$@"
