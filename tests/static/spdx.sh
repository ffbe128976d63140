#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# spdx.sh - every source, header, script, makefile and test file carries
# the licence tag "SPDX-License-Identifier: MIT" on its first line (its
# second after a #! line). Run by make licence-check (part of make check).
# Test data (fuzz corpora, bench results) and documents are not looked at.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
TAG='SPDX-License-Identifier: MIT'

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    list() { git ls-files -co --exclude-standard; }
else
    list() { find . -path ./build -prune -o -type f -print | sed 's|^\./||'; }
fi

bad=0 n=0
while IFS= read -r f; do
    [ -f "$f" ] || continue
    case "$f" in
        build/*|tests/fuzz/corpus/*|bench/results/*) continue ;;
        *.c|*.h|*.sh|*.py|*.mk|*.pc.in|*.conf|*.yaml|Makefile|*/Makefile) ;;
        *) head -c 2 "$f" | grep -q '^#!' || continue ;;
    esac
    n=$((n + 1))
    if head -1 "$f" | grep -q '^#!'; then
        line=$(sed -n 2p "$f")
    else
        line=$(sed -n 1p "$f")
    fi
    case "$line" in
        *"$TAG"*) ;;
        *) echo "spdx: $f: first line (after any #!) lacks '$TAG'" >&2; bad=1 ;;
    esac
done < <(list)

if [ "$bad" -ne 0 ]; then
    echo "spdx: add the line above to each file named" >&2
    exit 1
fi
echo "spdx: $n files carry '$TAG'"
