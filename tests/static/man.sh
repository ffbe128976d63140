#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# man.sh - lint pop3get's manual page (make man-check, part of make check):
# groff with every warning on must be silent, and every option that
# pop3get --help lists must be in the manual page.
#
#   bash tests/static/man.sh [POP3GET]
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PAGE=$ROOT/examples/pop3get/pop3get.1
POP3GET=${1:-$ROOT/build/pop3get}
fail=0

out=$(LC_ALL=C groff -man -ww -z "$PAGE" 2>&1)
if [ -n "$out" ] || ! LC_ALL=C groff -man -ww -z "$PAGE" >/dev/null 2>&1; then
    echo "FAIL groff -man -ww: $out"
    fail=1
fi
# The page as plain text (no overstrike), '-' as typed.
text=$(LC_ALL=C groff -man -Tascii -P-cbou "$PAGE" 2>/dev/null)
for opt in $("$POP3GET" --help | grep -oE -- '--[a-z][a-z0-9-]*(=[a-z]+)?' | sort -u); do
    if ! grep -qF -- "$opt" <<<"$text"; then
        echo "FAIL $opt (in pop3get --help) is not in the manual page"
        fail=1
    fi
done
[ "$fail" = 0 ] && echo "man: pop3get.1 lints clean and documents every option of --help"
exit "$fail"
