#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# deps.sh - install what building and testing pop3 needs on Debian 12 (bookworm).
#
#   scripts/deps.sh
#
# Idempotent: when every package is already installed it only checks and
# exits (no apt-get update). Runs apt-get through sudo when not root.
#
# The integration tests start their own private Dovecot; the system Dovecot
# that Debian may start when dovecot-pop3d is installed is stopped again
# (only if this script installed it), with the service's own stop command.
set -euo pipefail

PACKAGES=(
    build-essential pkg-config
    libmbedtls-dev libcmocka-dev
    dovecot-pop3d
    gcc-arm-none-eabi libnewlib-arm-none-eabi
    valgrind openssl python3 curl
    clang cppcheck clang-tidy libclang-rt-14-dev time
    liblwip-dev dpkg-dev iproute2
    strace mpop fetchmail getmail6 groff-base
    qemu-system-arm
)
OPTIONAL=()

if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
else
    echo "deps.sh: not root and sudo is missing; install as root: ${PACKAGES[*]}" >&2
    exit 1
fi
APT=("${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -y -q
     -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)

installed() {
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = "installed" ]
}

missing=()
for p in "${PACKAGES[@]}" "${OPTIONAL[@]}"; do
    installed "$p" || missing+=("$p")
done

if [ "${#missing[@]}" -eq 0 ]; then
    echo "deps.sh: all packages already installed"
    exit 0
fi

echo "deps.sh: installing: ${missing[*]}"
had_dovecot=0
installed dovecot-core && had_dovecot=1

"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q update

want=()
for p in "${missing[@]}"; do
    is_optional=0
    for o in "${OPTIONAL[@]}"; do [ "$p" = "$o" ] && is_optional=1; done
    if [ "$is_optional" -eq 1 ] &&
       ! apt-cache show "$p" >/dev/null 2>&1; then
        echo "deps.sh: optional package $p is not available; skipping"
        continue
    fi
    want+=("$p")
done
if [ "${#want[@]}" -gt 0 ]; then
    "${APT[@]}" install --no-install-recommends "${want[@]}"
fi

# Installing dovecot-core may have started the system Dovecot (policy-rc.d
# permitting). The tests never use it; stop it if we are the ones who
# installed it. Only the system service is touched, through its own stop.
if [ "$had_dovecot" -eq 0 ] && installed dovecot-core; then
    if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
        if systemctl is-active --quiet dovecot.service; then
            echo "deps.sh: stopping the system Dovecot started by the package install"
            "${SUDO[@]}" systemctl stop dovecot.service || true
        fi
    else
        pidfile=/run/dovecot/master.pid
        if [ -s "$pidfile" ] && "${SUDO[@]}" kill -0 "$(cat "$pidfile")" 2>/dev/null; then
            echo "deps.sh: stopping the system Dovecot started by the package install"
            if command -v service >/dev/null 2>&1; then
                "${SUDO[@]}" service dovecot stop || true
            else
                "${SUDO[@]}" /etc/init.d/dovecot stop || true
            fi
        fi
    fi
fi

still=()
for p in "${PACKAGES[@]}"; do installed "$p" || still+=("$p"); done
if [ "${#still[@]}" -gt 0 ]; then
    echo "deps.sh: failed to install: ${still[*]}" >&2
    exit 1
fi
echo "deps.sh: done"
