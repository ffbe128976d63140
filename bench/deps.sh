#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/deps.sh - what `make bench` needs beyond scripts/deps.sh.
#
#   bench/deps.sh
#
# Installs the peer clients the benchmark compares against (mpop,
# fetchmail, getmail6; curl and Python come with scripts/deps.sh) when
# missing, and
# unpacks Debian 12's mbedtls source package (2.28, the release of the
# installed libmbedtls-dev) into build/mbedtls-src/2.28 with
# scripts/mbedtls-src.sh, so the footprint part can cross-compile Mbed TLS's
# md5.c. Nothing fetched is committed. Idempotent. A failure to fetch the
# source is not fatal: the footprint table then says "not measured".
set -euo pipefail

cd "$(dirname "$0")/.."
SUDO=()
[ "$(id -u)" -eq 0 ] || SUDO=(sudo)
installed() {
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = "installed" ]
}

missing=()
for p in mpop fetchmail getmail6; do
    installed "$p" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "bench/deps.sh: installing ${missing[*]}"
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q update
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -y -q install "${missing[@]}"
fi

# The same source bench-smoke uses (Makefile BENCH_MD5).
DEST=build/mbedtls-src/2.28
if bash scripts/mbedtls-src.sh 2.28 "$DEST"; then
    echo "bench/deps.sh: Mbed TLS source in $DEST"
else
    echo "bench/deps.sh: could not fetch the mbedtls source; the footprint part skips Mbed TLS md5.c" >&2
fi
