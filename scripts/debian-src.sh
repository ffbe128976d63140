#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# debian-src.sh - unpack a Debian source package into DIR, for third-party
# code the build needs but the repository never holds (lwip-src.sh,
# mbedtls-src.sh).
#
#   scripts/debian-src.sh PACKAGE SUITE DIR MARKER [VERSION]
#
# PACKAGE from Debian's SUITE (bookworm, trixie, ...) is fetched with
# `apt-get source` through a private apt configuration under DIR.apt (one
# deb-src entry; the system's sources are not touched), so only Debian's
# signed archive is used: InRelease is checked against the Debian archive
# keyring, the .dsc against the index, and every file the .dsc names against
# the .dsc's Checksums-Sha256 (checked here once more before unpacking).
# VERSION, when given, is tried first; the suite's current version otherwise.
# MARKER is a file relative to DIR that exists once the source is unpacked:
# when it is there already, nothing is done. Only DIR and DIR.apt are
# written to. DEBIAN_SRC_MIRROR overrides the archive URL.
set -euo pipefail

[ $# -ge 4 ] || { echo "usage: $0 PACKAGE SUITE DIR MARKER [VERSION]" >&2; exit 2; }
PKG=$1 SUITE=$2 DEST=$3 MARKER=$4 VERSION=${5:-}
die() { echo "debian-src.sh: $PKG: $*" >&2; exit 1; }
[ -f "$DEST/$MARKER" ] && exit 0
command -v apt-get >/dev/null || die "apt-get not found"
command -v dpkg-source >/dev/null || die "dpkg-source missing (run scripts/deps.sh)"

# The archive the system already uses for Debian's main suite (deb822 or
# one-line format), else deb.debian.org.
MIRROR=${DEBIAN_SRC_MIRROR:-}
if [ -z "$MIRROR" ] && [ -r /etc/apt/sources.list.d/debian.sources ]; then
    MIRROR=$(awk '/^URIs:/ && $2 !~ /security/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
fi
if [ -z "$MIRROR" ] && [ -r /etc/apt/sources.list ]; then
    MIRROR=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++)
                  if ($i ~ /^(https?|ftp):/) { print $i; exit } }' /etc/apt/sources.list)
fi
MIRROR=${MIRROR:-http://deb.debian.org/debian}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

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
fetch() { (cd "$APTD/work" && "${APT[@]}" source --download-only "$1" >"$APTD/source.log" 2>&1); }
if ! { [ -n "$VERSION" ] && fetch "$PKG=$VERSION"; }; then
    fetch "$PKG" || { cat "$APTD/source.log" >&2; die "apt-get source failed"; }
fi

dsc=$(find "$APTD/work" -maxdepth 1 -name "${PKG}_*.dsc" | head -n 1)
[ -n "$dsc" ] || die "no .dsc downloaded"
# Every file the .dsc lists, against its SHA-256 there.
awk '/^Checksums-Sha256:/ { on = 1; next } /^[^ ]/ { on = 0 } on && NF == 3 { print $1 "  " $3 }' "$dsc" \
    > "$APTD/sha256"
[ -s "$APTD/sha256" ] || die "$(basename "$dsc") lists no SHA-256 checksums"
(cd "$APTD/work" && sha256sum --quiet -c "$APTD/sha256") || die "checksum mismatch against $(basename "$dsc")"
(cd "$APTD/work" && dpkg-source -x "$(basename "$dsc")" src >"$APTD/unpack.log" 2>&1) ||
    { cat "$APTD/unpack.log" >&2; die "dpkg-source -x failed"; }
[ -f "$APTD/work/src/$MARKER" ] || die "$MARKER not in the unpacked source"
rm -rf "$DEST"
mv "$APTD/work/src" "$DEST"
rm -rf "$APTD"
echo "debian-src.sh: $(basename "$dsc" .dsc) ($SUITE) in $DEST"
