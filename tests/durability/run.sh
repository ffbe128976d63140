#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run.sh - durability of pop3get --delete --maildir at the system-call level.
#
#   bash tests/durability/run.sh          (make durability, part of make check)
#
# pop3get runs under strace against a private Dovecot, one fresh maildrop
# per run. strace records, in the order they returned, every fsync,
# fdatasync and syncfs, every rename and link, every write, and the octets
# sent on the socket; order.py then checks that each "DELE N" left only
# after message N was written, made durable (its file fsync'd, or its file
# system synced before the rename), renamed into new/ and new/ fsync'd.
# Most runs also have strace inject a fault (EIO, ENOSPC or EFBIG into
# write, fsync, syncfs or rename; ENOSYS into syncfs, which makes pop3get
# fsync each file instead; EAGAIN into clone, which keeps pop3get from
# starting its syncing thread, so it syncs each batch itself). After every
# run lostcount.py compares the server
# with the Maildir: no message may be lost or stored twice, and the exit
# status must be exactly 74 (EX_IOERR) when a fault hit the Maildir or
# pop3get's state, 0 when none did.
#
# Environment: POP3GET (default build/pop3get), COUNT (8 messages per run),
# MANY (48, the "many" run), KEEP=1 keeps the work directory.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
INT=$ROOT/tests/integration
POP3GET=${POP3GET:-$ROOT/build/pop3get}
COUNT=${COUNT:-8}
MANY=${MANY:-48}

die() { echo "durability: $*" >&2; exit 1; }
[ -x "$POP3GET" ] || die "$POP3GET not built (run make)"
command -v strace >/dev/null || die "strace missing (run scripts/deps.sh)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pop3-durable.XXXXXX") || die "mktemp failed"
SRV=$WORK/server
mkdir -p "$SRV" "$WORK/local"
export XDG_STATE_HOME=$WORK/state # pop3get's only-new-mail state
printf 'pw\n' > "$WORK/pass"      # no password in the URL: no warning written
chmod 0711 "$WORK"
cleanup() {
    bash "$INT/dovecot.sh" stop "$SRV" >/dev/null 2>&1 || true
    if [ "${KEEP:-0}" = 1 ]; then echo "durability: kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# NAME MAILDIR INJECT...: MAILDIR "new" (pop3get creates it) or "old" (it
# exists: no fsync of it and its parent first). strace counts calls per
# thread: the syncs of each batch (syncfs, or fsync of each file) run in
# pop3get's syncing thread, the fsyncs of directories and of the state in
# the main thread. With clone refused (NOTHREAD) there is one thread and
# "when=N" counts every fsync of the run; LAST is the last one of new/
# (before the DELEs). With syncfs refused (NOSYNCFS, ENOSYS) each file is
# fsync'd. A fault in pop3get's state file (XDG_STATE_HOME) counts as one
# in its storage too; ENOSYS from syncfs is not a fault.
NOTHREAD="-e inject=clone,clone3:error=EAGAIN"
NOSYNCFS="-e inject=syncfs:error=ENOSYS"
SCENARIOS=(
    "clean new"
    "many new -e inject=syncfs,fsync:delay_exit=100000"
    "nothread new $NOTHREAD"
    "nosyncfs new $NOSYNCFS"
    "fsync_eio_1 new -e inject=fsync:error=EIO:when=1"
    "fsync_eio_2 new -e inject=fsync:error=EIO:when=2"
    "syncfs_eio_1 new -e inject=syncfs:error=EIO:when=1"
    "syncfs_eio_2 old -e inject=syncfs:error=EIO:when=2"
    "nosyncfs_fsync_eio_1 old $NOSYNCFS -e inject=fsync:error=EIO:when=1"
    "nothread_fsync_eio_4 new $NOTHREAD -e inject=fsync:error=EIO:when=4"
    "nothread_fsync_eio_last new $NOTHREAD -e inject=fsync:error=EIO:when=LAST"
    "nothread_fdatasync_eio new $NOTHREAD -e inject=fsync,fdatasync,syncfs:error=EIO:when=4+"
    "write_enospc_1 new -e inject=write:error=ENOSPC:when=1"
    "write_enospc_5 new -e inject=write:error=ENOSPC:when=5"
    "write_efbig_3 new -e inject=write:error=EFBIG:when=3"
    "rename_eio_1 new -e inject=rename,renameat,renameat2,link,linkat:error=EIO:when=1"
    "rename_enospc_4 new -e inject=rename,renameat,renameat2,link,linkat:error=ENOSPC:when=4"
)
users=()
for s in "${SCENARIOS[@]}"; do users+=("${s%% *}:pw"); done
PORT=$(bash "$INT/dovecot.sh" start "$SRV" "${users[@]}") || die "could not start Dovecot"
# "many": each sync slowed down by 0.1 s, so batches of several messages
# form while the one before is synced, and messages are renamed into new/
# while others still arrive.
few=()
for u in "${users[@]%%:*}"; do [ "$u" = many ] || few+=("$u"); done
python3 "$INT/mkmaildrop.py" "$SRV" "${few[@]}" --set many --count "$COUNT" >/dev/null &&
python3 "$INT/mkmaildrop.py" "$SRV" many --set many --count "$MANY" >/dev/null ||
    die "mkmaildrop failed"
echo "durability: Dovecot on 127.0.0.1:$PORT, $COUNT messages per run, ${#SCENARIOS[@]} runs"

TRACE=(-f -y -s 65536 -qq -e trace=write,pwrite64,writev,sendto,sendmsg,fsync,fdatasync,syncfs,rename,renameat,renameat2,link,linkat,clone,clone3)
PASS=0 FAIL=0 LAST_FSYNC=0
for s in "${SCENARIOS[@]}"; do
    read -r u md inject <<<"$s"
    if [ "$inject" != "${inject/when=LAST/}" ] && [ "$LAST_FSYNC" -lt 3 ]; then
        FAIL=$((FAIL + 1)); echo "FAIL $u: the nothread run made $LAST_FSYNC fsyncs, cannot find the last"
        continue
    fi
    inject=${inject//when=LAST/when=$LAST_FSYNC}
    [ "$md" = old ] && mkdir -p "$WORK/local/$u/new" "$WORK/local/$u/cur" "$WORK/local/$u/tmp"
    # shellcheck disable=SC2086
    strace "${TRACE[@]}" $inject -o "$WORK/$u.trace" -- \
        "$POP3GET" --plaintext-auth --pass-file "$WORK/pass" --timeout 20 --delete \
        --maildir "$WORK/local/$u" "pop3://$u@127.0.0.1:$PORT" \
        >/dev/null 2>"$WORK/$u.err" </dev/null
    rc=$?
    sleep 0.2   # Dovecot finishes the QUIT it got
    python3 "$HERE/order.py" "$WORK/$u.trace" "$WORK/local/$u" "$SRV/expected/$u/manifest" \
        >"$WORK/$u.order" 2>&1
    orc=$?
    read -r _ total sonly stored both lost dups < <(python3 "$ROOT/tests/hostile/lostcount.py" \
        "$SRV" "$WORK/local" "$u" 2>"$WORK/$u.count.err")
    deles=$(sed -n 's/^summary: \([0-9]*\) DELE.*/\1/p' "$WORK/$u.order")
    # Faults that hit pop3get's own storage: the Maildir or its state.
    hits=$(grep -e "^injected: .* $WORK/local" -e "^injected: .* $WORK/state" "$WORK/$u.order" |
        grep -vc "^injected: syncfs .* ENOSYS$")
    # The fsync of new/ before the DELEs: its place among all fsyncs.
    [ "$u" = nothread ] && LAST_FSYNC=$(grep '^[0-9]\+ \+fsync(' "$WORK/$u.trace" |
        grep -n "<$WORK/local/$u/new>" | tail -n 1 | cut -d: -f1)
    LAST_FSYNC=${LAST_FSYNC:-0}
    want=0; [ "$hits" -gt 0 ] && want=74
    why=()
    [ "$orc" -eq 0 ] || why+=("DELE before durability: $(grep VIOLATION "$WORK/$u.order" | head -n 3 | tr '\n' ';')")
    [ -n "${total:-}" ] || why+=("lostcount.py failed: $(head -c 300 "$WORK/$u.count.err")")
    [ "${lost:-1}" -eq 0 ] || why+=("$lost of $total messages lost")
    [ "${dups:-1}" -eq 0 ] || why+=("$dups messages stored twice")
    [ "$rc" -eq "$want" ] || why+=("exit $rc, expected $want ($hits faults hit the Maildir): $(head -n 2 "$WORK/$u.err" | tr '\n' ' ')")
    if [ -n "$inject" ] && [ "$inject" != "$NOTHREAD" ] && [ "$inject" != "$NOSYNCFS" ] &&
       [ "$inject" = "${inject/delay_exit/}" ] && [ "$hits" -eq 0 ]; then
        why+=("the fault ($inject) hit nothing in the Maildir")
    fi
    if [ -n "$inject" ] && [ "$inject" != "${inject#"$NOTHREAD"}" ] && ! grep -q 'clone.*INJECTED' "$WORK/$u.trace"; then
        why+=("clone was not refused: the way without a syncing thread did not run")
    fi
    if [ -n "$inject" ] && [ "$inject" != "${inject#"$NOSYNCFS"}" ]; then
        grep -q 'syncfs.*ENOSYS.*INJECTED' "$WORK/$u.trace" || # maybe "<... syncfs resumed>" 
            why+=("syncfs was not refused: the fsync of each file did not run")
        grep -q "fsync(.*<$WORK/local/$u/tmp/" "$WORK/$u.trace" ||
            why+=("no file in tmp/ was fsync'd after syncfs failed with ENOSYS")
    fi
    if [ "$u" = clean ] && [ "${stored:-0}" -ne "$COUNT" ]; then
        why+=("clean run: $stored of $COUNT stored and deleted")
    fi
    if [ "$u" = many ] && { [ "$rc" -ne 0 ] || [ "${stored:-0}" -ne "$MANY" ]; }; then
        why+=("$MANY messages: exit $rc, $stored stored and deleted")
    fi
    if { [ "$u" = nothread ] || [ "$u" = nosyncfs ]; } &&
       { [ "$rc" -ne 0 ] || [ "${stored:-0}" -ne "$COUNT" ]; }; then
        why+=("$u: exit $rc, $stored of $COUNT stored and deleted")
    fi
    if [ "$u" = clean ] && { ! grep -q "syncfs(.*<$WORK/local/$u/new>" "$WORK/$u.trace" ||
                             ! grep -q "syncfs.*) = 0" "$WORK/$u.trace"; }; then
        why+=("clean run: no syncfs of the Maildir's file system")
    fi
    line="$u: exit $rc, DELE $deles, faults in the Maildir $hits; server-only $sonly, stored ${stored:-?}, both $both, lost ${lost:-?}, dups ${dups:-?}"
    if [ "${#why[@]}" -eq 0 ]; then
        PASS=$((PASS + 1)); echo "ok   $line"
    else
        FAIL=$((FAIL + 1)); echo "FAIL $line"; printf '       %s\n' "${why[@]}"
    fi
done
echo "durability: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
