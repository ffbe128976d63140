#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# install.sh - what a developer adopting the library does, against a staged
# install (make install-check, part of make check):
#
#  1. make install DESTDIR=<stage> PREFIX=/usr LIBDIR=/usr/lib/<multiarch>
#     puts headers, libpop3.so.<MAJOR> (soname), libpop3.a, pop3get and the
#     pkg-config files where they belong, with the version of pop3.h.
#  2. The README's example (the C block with main() in README.md) builds
#     with `pkg-config --cflags --libs pop3` (links libpop3.so.0) and with
#     `-static ... pkg-config --static --libs pop3` (the archive, no
#     libpop3.so needed); the NetX example the same with pop3-netx.
#  3. Each program fetches from a private Dovecot: the first message byte
#     for byte, every message for the NetX one.
#  4. make uninstall with the same variables leaves nothing behind.
#
# Environment: KEEP=1 keeps the temporary directory.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CC=${CC:-cc}
MAKE=${MAKE:-make}
TIMEOUT=${TIMEOUT:-60}

die() { echo "install-check: $*" >&2; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/pop3-install.$$.XXXXXX") || die "mktemp failed"
chmod 0711 "$WORK"
STAGE=$WORK/stage
SRV=$WORK/server
T=$WORK/out
mkdir -p "$STAGE" "$SRV" "$T"
cleanup() {
    bash "$HERE/dovecot.sh" stop "$SRV" >/dev/null 2>&1 || true
    if [ "${KEEP:-0}" = 1 ]; then echo "install-check: kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PASS=0 FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok   $1"; }
bad() { FAIL=$((FAIL + 1)); echo "FAIL $1"; shift; for l in "$@"; do echo "       | $l"; done; }

MULTIARCH=$($CC -print-multiarch 2>/dev/null || true)
LIBDIR=/usr/lib${MULTIARCH:+/$MULTIARCH}
VERSION=$(printf '#include "pop3.h"\nPOP3_VERSION_MAJOR POP3_VERSION_MINOR POP3_VERSION_PATCH\n' |
          $CC -E -P -I"$ROOT/include" -x c - | tail -n 1 | tr -s ' ' '.')
MAJOR=${VERSION%%.*}

# --- 1. install ------------------------------------------------------------
if ! $MAKE --no-print-directory -C "$ROOT" install DESTDIR="$STAGE" PREFIX=/usr LIBDIR="$LIBDIR" \
        > "$T/install.log" 2>&1; then
    bad "make install" "$(tail -n 5 "$T/install.log")"
    exit 1
fi
L=$STAGE$LIBDIR
missing=()
for f in usr/include/pop3.h usr/include/pop3/netx/nxd_pop3_client.h usr/include/pop3/netx/nx_api.h \
         "${LIBDIR#/}/libpop3.a" "${LIBDIR#/}/libpop3.so.$VERSION" "${LIBDIR#/}/pkgconfig/pop3.pc" \
         "${LIBDIR#/}/pkgconfig/pop3-netx.pc" usr/bin/pop3get usr/share/man/man1/pop3get.1; do
    [ -e "$STAGE/$f" ] || missing+=("$f")
done
[ "$(readlink "$L/libpop3.so")" = "libpop3.so.$MAJOR" ] || missing+=("libpop3.so -> libpop3.so.$MAJOR")
[ "$(readlink "$L/libpop3.so.$MAJOR")" = "libpop3.so.$VERSION" ] || missing+=("libpop3.so.$MAJOR -> libpop3.so.$VERSION")
[ -e "$STAGE/usr/include/nx_api.h" ] && missing+=("nx_api.h must not be in the include root")
if [ "${#missing[@]}" -eq 0 ]; then ok "make install LIBDIR=$LIBDIR: headers, libpop3.so.$VERSION, libpop3.a, pop3get and its manual page, pkg-config files"
else bad "make install layout" "${missing[@]}"; fi

soname=$(readelf -d "$L/libpop3.so.$VERSION" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = "libpop3.so.$MAJOR" ] && ok "soname $soname" || bad "soname" "got '$soname'"

export PKG_CONFIG_SYSROOT_DIR=$STAGE PKG_CONFIG_LIBDIR=$L/pkgconfig
for pc in pop3 pop3-netx; do
    v=$(pkg-config --modversion "$pc" 2>&1)
    [ "$v" = "$VERSION" ] && ok "pkg-config --modversion $pc = $VERSION (pop3.h)" || bad "$pc version" "got '$v'"
done

# --- 2. build the README example and the NetX example both ways -------------
awk '/^```c$/ {inb=1; buf=""; next} inb && /^```$/ {inb=0; if (buf ~ /int main\(/) {printf "%s", buf; exit} next}
     inb {buf = buf $0 "\n"}' "$ROOT/README.md" > "$T/example.c"
grep -q 'int main(' "$T/example.c" || die "README.md has no C block with main()"
cp "$ROOT/examples/netx_app/netx_app.c" "$T/netx_app.c"

# build NAME SRC PC [static]: compile with the flags pkg-config gives only.
build() {
    local name=$1 src=$2 pc=$3 how=${4:-}
    local cflags libs
    cflags=$(pkg-config --cflags "$pc") && libs=$(pkg-config --libs ${how:+--static} "$pc") ||
        { bad "pkg-config $pc" "no flags"; return 1; }
    # shellcheck disable=SC2086
    if $CC -std=c99 -D_DEFAULT_SOURCE -Wall -Wextra -Werror $cflags "$src" -o "$T/$name" \
            ${how:+-static} $libs > "$T/$name.cc" 2>&1; then
        return 0
    fi
    bad "build $name: cc ${how:+-static }\$(pkg-config --cflags --libs ${how:+--static }$pc)" "$(head -n 5 "$T/$name.cc")"
    return 1
}
needed() { readelf -d "$1" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }

built=()
if build example_shared "$T/example.c" pop3; then
    if needed "$T/example_shared" | grep -qx "libpop3.so.$MAJOR"; then
        ok "README example links libpop3.so.$MAJOR with pkg-config --cflags --libs pop3"; built+=(example_shared)
    else bad "README example (shared) does not need libpop3.so.$MAJOR" "$(needed "$T/example_shared" | tr '\n' ' ')"; fi
fi
if build example_static "$T/example.c" pop3 static; then
    if ! needed "$T/example_static" | grep -q libpop3; then
        ok "README example links libpop3.a with -static and pkg-config --static --libs pop3"; built+=(example_static)
    else bad "README example (static) still needs libpop3.so"; fi
fi
if build netx_shared "$T/netx_app.c" pop3-netx; then
    needed "$T/netx_shared" | grep -qx "libpop3.so.$MAJOR" &&
        { ok "NetX example links libpop3.so.$MAJOR with pkg-config --cflags --libs pop3-netx"; built+=(netx_shared); } ||
        bad "NetX example (shared) does not need libpop3.so.$MAJOR"
fi
if build netx_static "$T/netx_app.c" pop3-netx static; then
    ! needed "$T/netx_static" | grep -q libpop3 &&
        { ok "NetX example links libpop3.a with -static and pkg-config --static --libs pop3-netx"; built+=(netx_static); } ||
        bad "NetX example (static) still needs libpop3.so"
fi

# --- 3. run them against Dovecot ----------------------------------------------
PORT=$(bash "$HERE/dovecot.sh" start "$SRV" alice:secret) || die "could not start Dovecot"
python3 "$HERE/mkmaildrop.py" "$SRV" alice --set small >/dev/null || die "mkmaildrop alice"
EA=$SRV/expected/alice
N=$(wc -l < "$EA/manifest")
TOTAL=$(awk '{s += $2} END {print s}' "$EA/manifest")
# The shared builds find the staged library through LD_LIBRARY_PATH only.
for b in "${built[@]}"; do
    case $b in
    example_*)
        LD_LIBRARY_PATH=$L timeout "$TIMEOUT" "$T/$b" 127.0.0.1 "$PORT" alice secret > "$T/$b.out" 2> "$T/$b.err"
        rc=$?
        { echo "$N messages, $TOTAL octets"; cat "$EA/0001.eml"; } > "$T/$b.want"
        if [ "$rc" -eq 0 ] && cmp -s "$T/$b.want" "$T/$b.out"; then
            ok "$b: count and message 1 from Dovecot, byte for byte"
        else
            bad "$b against Dovecot (exit $rc)" "$(head -n 3 "$T/$b.err")" "$(head -n 2 "$T/$b.out")"
        fi ;;
    netx_*)
        mkdir -p "$T/$b.dir"
        LD_LIBRARY_PATH=$L timeout "$TIMEOUT" "$T/$b" 127.0.0.1 "$PORT" alice secret "$T/$b.dir" \
            > "$T/$b.out" 2> "$T/$b.err" </dev/null
        rc=$?
        same=1
        for f in "$EA"/*.eml; do cmp -s "$f" "$T/$b.dir/$(basename "$f")" || same=0; done
        if [ "$rc" -eq 0 ] && [ "$same" -eq 1 ]; then
            ok "$b: all $N messages from Dovecot, byte for byte"
        else
            bad "$b against Dovecot (exit $rc)" "$(head -n 3 "$T/$b.err")"
        fi ;;
    esac
done

# --- 4. uninstall -------------------------------------------------------------
if $MAKE --no-print-directory -C "$ROOT" uninstall DESTDIR="$STAGE" PREFIX=/usr LIBDIR="$LIBDIR" \
        > "$T/uninstall.log" 2>&1; then
    left=$(find "$STAGE" \( -type f -o -type l \) | sed "s|^$STAGE||")
    [ -z "$left" ] && ok "make uninstall removes every installed file" ||
        bad "make uninstall left files" $left
else
    bad "make uninstall" "$(tail -n 5 "$T/uninstall.log")"
fi

echo "install-check: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
