#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# symbols.sh LIB.so - the shared library exports exactly the functions that
# the public headers declare: nothing internal (src/**/…_internal.h,
# pop3_reply_*, pop3_cmd_*, ...) and nothing missing. Run by make symbols
# (part of make check).
#
# The declarations come from the compiler itself (gcc -aux-info) over every
# header in include/ and include/netx/ that belongs to the library; the
# lwIP headers are left out, since the lwIP port is compiled into the
# firmware from source and is not in libpop3.so.
set -u
LIB=${1:?usage: symbols.sh LIB.so}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CC=${CC:-cc}
T=$(mktemp -d "${TMPDIR:-/tmp}/pop3-symbols.$$.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT

cd "$ROOT" || exit 1
: > "$T/all.c"
for h in include/*.h include/netx/*.h; do
    [ -f "$h" ] || continue
    case "$h" in *lwip*) continue ;; esac
    echo "#include \"$h\"" >> "$T/all.c"
done
$CC -std=c99 -D_DEFAULT_SOURCE -Iinclude -Iinclude/netx -I. -fsyntax-only \
    -aux-info "$T/aux" "$T/all.c" || { echo "symbols: headers do not compile" >&2; exit 1; }
# Lines look like: /* include/pop3.h:77:NC */ extern const char *pop3_strerror (pop3_err);
grep -E '^/\* (\./)?include/' "$T/aux" | grep -v ' static ' |
    sed -E 's/^.*[^A-Za-z0-9_]([A-Za-z_][A-Za-z0-9_]*) \(.*$/\1/' | sort -u > "$T/declared"
nm -D --defined-only "$LIB" | awk '$2 ~ /^[TDBRVWi]$/ {print $3}' | sort -u > "$T/exported"

fail=0
extra=$(comm -13 "$T/declared" "$T/exported")
missing=$(comm -23 "$T/declared" "$T/exported")
if [ -n "$extra" ]; then
    echo "symbols: $LIB exports what no public header declares:" >&2
    echo "$extra" | sed 's/^/  /' >&2
    fail=1
fi
if [ -n "$missing" ]; then
    echo "symbols: public headers declare what $LIB does not export:" >&2
    echo "$missing" | sed 's/^/  /' >&2
    fail=1
fi
[ "$fail" -eq 0 ] || exit 1
echo "symbols: $LIB exports the $(wc -l < "$T/exported") functions of the public headers, nothing else"
