#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# mbedtls-src.sh - unpack Debian's mbedtls source package into DIR, for
# building Mbed TLS from source (the host build against 3.6, the Cortex-M4
# firmware). Nothing it fetches is ever committed; use a DIR under build/.
#
#   scripts/mbedtls-src.sh VERSION DIR
#
#   VERSION 2.28   Debian 12 (bookworm), 2.28.3: the release the host's
#                  libmbedtls-dev comes from
#           3.6    Debian 13 (trixie), the 3.6 LTS branch (3.6.6 today)
#
# Fetched and checked by scripts/debian-src.sh (Debian's signed archive,
# SHA-256 of every file against the .dsc). Idempotent: does nothing when DIR
# already holds an unpacked mbedtls of that VERSION. The library is then built
# with, e.g., `make -C DIR/library libmbedcrypto.a libmbedx509.a libmbedtls.a`
# (see the Makefile's mbedtls36 rules).
set -euo pipefail

[ $# -eq 2 ] || { echo "usage: $0 VERSION DIR   (VERSION: 2.28 or 3.6)" >&2; exit 2; }
VERSION=$1 DEST=$2
case $VERSION in
    2.28) SUITE=bookworm ;;
    3.6)  SUITE=trixie ;;
    *) echo "mbedtls-src.sh: unsupported VERSION '$VERSION' (2.28 or 3.6)" >&2; exit 2 ;;
esac

# The version header names the release, so a DIR holding another one is
# replaced rather than silently reused.
have=""
hdr=$DEST/include/mbedtls/build_info.h
[ -f "$hdr" ] || hdr=$DEST/include/mbedtls/version.h
[ -f "$hdr" ] && have=$(sed -n 's/^#define MBEDTLS_VERSION_STRING *"\([0-9]*\.[0-9]*\)\..*"/\1/p' "$hdr")
if [ -n "$have" ] && [ "$have" != "$VERSION" ]; then
    echo "mbedtls-src.sh: $DEST holds $have, replacing it with $VERSION"
    rm -rf "$DEST"
fi

dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bash "$dir/debian-src.sh" mbedtls "$SUITE" "$DEST" library/ssl_tls.c
