#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# docs.sh LIBPOP3.a - every ```c block in README.md and docs/*.md compiles
# as it stands, warning-free (-std=c99 -Wall -Wextra -Werror), against the
# headers in include/ (and Debian's lwIP headers for blocks that use lwIP).
# A block with main() is also linked with the library. README's complete
# example must be examples/posix/minimal.c (after its SPDX line), so the
# file and the page cannot drift apart. Run by make docs-check (in make check).
set -u
LIB=${1:?usage: docs.sh LIBPOP3.a}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CC=${CC:-cc}
LDLIBS=(-lmbedtls -lmbedx509 -lmbedcrypto)
cd "$ROOT" || exit 1
T=$(mktemp -d "${TMPDIR:-/tmp}/pop3-docs.$$.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT

fail=0 n=0
for md in README.md docs/*.md; do
    [ -f "$md" ] || continue
    base=$(echo "$md" | tr '/.' '__')
    awk -v out="$T/$base" '
        /^```c[ \t]*$/ { inb = 1; k++; f = sprintf("%s-%02d.c", out, k); printf "" > f; next }
        inb && /^```[ \t]*$/ { inb = 0; close(f); next }
        inb { print >> f }' "$md"
    for f in "$T/$base"-*.c; do
        [ -f "$f" ] || continue
        n=$((n + 1))
        k=${f##*-}; k=${k%.c}
        flags=(-std=c99 -D_DEFAULT_SOURCE -Wall -Wextra -Werror -Iinclude -Iinclude/netx)
        grep -q 'lwip' "$f" && flags+=(-I/usr/include/lwip)
        if grep -q 'int main(' "$f" && ! grep -q 'lwip' "$f"; then
            out=$($CC "${flags[@]}" "$f" -o "$f.bin" "$LIB" "${LDLIBS[@]}" 2>&1)
        else
            out=$($CC "${flags[@]}" -c "$f" -o "$f.o" 2>&1)
        fi
        if [ $? -ne 0 ]; then
            echo "docs: $md, C block $k does not compile:" >&2
            echo "$out" | head -n 8 | sed 's/^/  /' >&2
            fail=1
        fi
    done
done

first=$(ls "$T"/README_md-*.c 2>/dev/null | while read -r f; do grep -q 'int main(' "$f" && echo "$f" && break; done)
if [ -z "$first" ]; then
    echo "docs: README.md has no complete example (a C block with main())" >&2; fail=1
elif ! tail -n +2 examples/posix/minimal.c | cmp -s - "$first"; then
    echo "docs: README.md's example differs from examples/posix/minimal.c" >&2; fail=1
elif [ "$(wc -l < "$first")" -gt 40 ]; then
    echo "docs: README.md's example has $(wc -l < "$first") lines; keep it to 40" >&2; fail=1
fi
[ "$fail" -eq 0 ] || exit 1
echo "docs: $n C blocks in README.md and docs/*.md compile; README's example is examples/posix/minimal.c"
