#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# lwip-src.sh - unpack Debian's lwip source package into DIR (default
# build/lwip-src) for the NO_SYS=1 build and the Cortex-M4 size report.
#
#   scripts/lwip-src.sh [DIR]
#
# Fetched and checked by scripts/debian-src.sh (a private apt configuration
# with a deb-src entry, `apt-get source`, so only Debian's signed archive is
# used). The version is the one the installed liblwip-dev comes from
# (Debian 12: 2.1.3+dfsg1-2). Idempotent: does nothing when DIR/src/core/tcp.c
# exists. Nothing it fetches is ever committed; build/ is the only place it
# writes to. LWIP_SRC_MIRROR and LWIP_SRC_SUITE override archive and suite.
set -euo pipefail

DEST=${1:-build/lwip-src}
SUITE=${LWIP_SRC_SUITE:-$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")}
VERSION=$(dpkg-query -W -f='${source:Version}' liblwip-dev 2>/dev/null || true)
dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DEBIAN_SRC_MIRROR=${LWIP_SRC_MIRROR:-${DEBIAN_SRC_MIRROR:-}} \
    bash "$dir/debian-src.sh" lwip "$SUITE" "$DEST" src/core/tcp.c "$VERSION"
