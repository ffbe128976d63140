#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# lwip-src.sh - unpack Debian's lwip source package into DIR (default
# build/lwip-src) for the NO_SYS=1 build and the Cortex-M4 size report.
#
#   scripts/lwip-src.sh [DIR]
#
# Uses a private apt configuration under DIR.apt (a deb-src entry for the
# Debian release's main archive; the system's sources are not touched) and
# `apt-get source`, so only Debian's signed archive is used. The version is
# the one the installed liblwip-dev comes from (Debian 12: 2.1.3+dfsg1-2).
# Idempotent: does nothing when DIR/src/core/tcp.c exists. Nothing it
# fetches is ever committed; build/ is the only place it writes to.
set -euo pipefail

DEST=${1:-build/lwip-src}
[ -f "$DEST/src/core/tcp.c" ] && exit 0

die() { echo "lwip-src.sh: $*" >&2; exit 1; }
command -v apt-get >/dev/null || die "apt-get not found"
command -v dpkg-source >/dev/null || die "dpkg-source missing (run scripts/deps.sh)"

# The archive the system already uses for Debian's main suite (deb822 or
# one-line format), else deb.debian.org; LWIP_SRC_MIRROR overrides.
MIRROR=${LWIP_SRC_MIRROR:-}
if [ -z "$MIRROR" ] && [ -r /etc/apt/sources.list.d/debian.sources ]; then
    MIRROR=$(awk '/^URIs:/ && $2 !~ /security/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
fi
if [ -z "$MIRROR" ] && [ -r /etc/apt/sources.list ]; then
    MIRROR=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++)
                  if ($i ~ /^(https?|ftp):/) { print $i; exit } }' /etc/apt/sources.list)
fi
MIRROR=${MIRROR:-http://deb.debian.org/debian}
SUITE=${LWIP_SRC_SUITE:-$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
VERSION=$(dpkg-query -W -f='${source:Version}' liblwip-dev 2>/dev/null || true)

mkdir -p "$(dirname "$DEST")"
DEST=$(cd "$(dirname "$DEST")" && pwd)/$(basename "$DEST")
APTD=$DEST.apt
rm -rf "$APTD"
mkdir -p "$APTD/etc/sources.list.d" "$APTD/etc/preferences.d" "$APTD/lists/partial" \
         "$APTD/cache/archives/partial" "$APTD/work"
signed=""
[ -f "$KEYRING" ] && signed="[signed-by=$KEYRING] "
echo "deb-src ${signed}$MIRROR $SUITE main" > "$APTD/etc/sources.list"

APT=(apt-get -q -o "Dir::Etc::SourceList=$APTD/etc/sources.list"
     -o "Dir::Etc::SourceParts=$APTD/etc/sources.list.d"
     -o "Dir::Etc::Preferences=$APTD/etc/preferences"
     -o "Dir::Etc::PreferencesParts=$APTD/etc/preferences.d"
     -o "Dir::State::Lists=$APTD/lists" -o "Dir::Cache=$APTD/cache"
     -o "APT::Sandbox::User=$(id -un)")

"${APT[@]}" update >"$APTD/update.log" 2>&1 || { cat "$APTD/update.log" >&2; die "apt-get update failed"; }
pkg=lwip
[ -n "$VERSION" ] && pkg="lwip=$VERSION"
(cd "$APTD/work" && "${APT[@]}" source "$pkg" >"$APTD/source.log" 2>&1) ||
    (cd "$APTD/work" && "${APT[@]}" source lwip >"$APTD/source.log" 2>&1) ||
    { cat "$APTD/source.log" >&2; die "apt-get source lwip failed"; }
src=$(find "$APTD/work" -maxdepth 1 -mindepth 1 -type d -name 'lwip-*' | head -n 1)
[ -n "$src" ] && [ -f "$src/src/core/tcp.c" ] || die "unpacked source not found in $APTD/work"
rm -rf "$DEST"
mv "$src" "$DEST"
rm -rf "$APTD"
echo "lwip-src.sh: $(basename "$src") in $DEST"
