#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# layout.sh - NetX lives in one place: the NetX-named headers in
# include/netx/, the shim and its hooks in src/nx/. The ports and the
# engine know nothing of it (the hooks call the ports, never the other way
# round), and no NetX header sits beside the pop3 headers in include/.
# Run by make layout-check (part of make check).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
fail=0
hits=$(grep -rlE 'nx_api\.h|nxd_pop3_client\.h|pop3_nx_|nx_hook\.h|NX_POP3_|NX_IP\b' \
       port src/core src/transport src/md5 include/*.h 2>/dev/null)
if [ -n "$hits" ]; then
    echo "layout: these files outside src/nx and include/netx refer to the NetX shim:" >&2
    echo "$hits" | sed 's/^/  /' >&2
    fail=1
fi
stray=$(ls include/nx*.h include/*nx_*.h src/*/pop3_nx_* port/*/*nx* 2>/dev/null)
if [ -n "$stray" ]; then
    echo "layout: NetX files outside include/netx and src/nx:" >&2
    echo "$stray" | sed 's/^/  /' >&2
    fail=1
fi
[ "$fail" -eq 0 ] || exit 1
echo "layout: NetX is in include/netx and src/nx only; no port or engine file refers to it"
