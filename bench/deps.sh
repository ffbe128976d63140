#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/deps.sh - what `make bench` needs beyond scripts/deps.sh.
#
#   bench/deps.sh
#
# Installs the peer clients the benchmark compares against (mpop,
# fetchmail; curl and Python come with scripts/deps.sh) when missing, and
# unpacks Debian's mbedtls source package into build/mbedtls-src so the
# footprint part can cross-compile Mbed TLS's md5.c. The source comes from
# `apt-get source` with a private apt configuration under build/ (a deb-src
# entry for the release's main archive; the system's sources are not
# touched), the version matching the installed libmbedtls-dev. Nothing
# fetched is committed. Idempotent. A failure to fetch the source is not
# fatal: the footprint table then says "not measured".
set -euo pipefail

cd "$(dirname "$0")/.."
SUDO=()
[ "$(id -u)" -eq 0 ] || SUDO=(sudo)
installed() {
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = "installed" ]
}

missing=()
for p in mpop fetchmail; do
    installed "$p" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "bench/deps.sh: installing ${missing[*]}"
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q update
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -y -q install "${missing[@]}"
fi

DEST=build/mbedtls-src
if ls $DEST/*/library/md5.c >/dev/null 2>&1; then
    exit 0
fi
fetch_source() {
    command -v dpkg-source >/dev/null || { echo "bench/deps.sh: dpkg-source missing"; return 1; }
    local mirror=${BENCH_SRC_MIRROR:-http://deb.debian.org/debian}
    local suite
    suite=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
    local keyring=/usr/share/keyrings/debian-archive-keyring.gpg
    local version
    version=$(dpkg-query -W -f='${source:Version}' libmbedtls-dev 2>/dev/null || true)
    local aptd=$PWD/build/mbedtls-src.apt
    rm -rf "$aptd"
    mkdir -p "$aptd/etc/sources.list.d" "$aptd/etc/preferences.d" "$aptd/lists/partial" \
             "$aptd/cache/archives/partial" "$aptd/work"
    local signed=""
    [ -f "$keyring" ] && signed="[signed-by=$keyring] "
    echo "deb-src ${signed}$mirror $suite main" > "$aptd/etc/sources.list"
    local apt=(apt-get -q -o "Dir::Etc::SourceList=$aptd/etc/sources.list"
               -o "Dir::Etc::SourceParts=$aptd/etc/sources.list.d"
               -o "Dir::Etc::Preferences=$aptd/etc/preferences"
               -o "Dir::Etc::PreferencesParts=$aptd/etc/preferences.d"
               -o "Dir::State::Lists=$aptd/lists" -o "Dir::Cache=$aptd/cache"
               -o "APT::Sandbox::User=$(id -un)")
    "${apt[@]}" update >"$aptd/update.log" 2>&1 || return 1
    local pkg=mbedtls
    [ -n "$version" ] && pkg="mbedtls=$version"
    (cd "$aptd/work" && "${apt[@]}" source "$pkg" >"$aptd/source.log" 2>&1) || return 1
    rm -rf "$DEST"
    mkdir -p "$DEST"
    mv "$aptd"/work/mbedtls-* "$DEST"/ 2>/dev/null || true
    rm -rf "$aptd"
    ls $DEST/*/library/md5.c >/dev/null 2>&1
}
if fetch_source; then
    echo "bench/deps.sh: Mbed TLS source in $DEST"
else
    echo "bench/deps.sh: could not fetch the mbedtls source; the footprint part skips Mbed TLS md5.c" >&2
fi
