#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# pop3get.sh - pop3get as a daily fetcher, against a private Dovecot
# (tests/integration/dovecot.sh): only new mail (UIDL state), the account
# lock, and nothing lost or fetched twice when a run is killed (SIGKILL) or
# interrupted (SIGINT) at many points and then run again, with and without
# --delete. Messages are compared by content (their Message-ID, through
# tests/hostile/lostcount.py).
#
#   bash tests/integration/pop3get.sh          (make pop3get-check)
#
# Environment: POP3GET (default build/pop3get), KILLS (12 per kind),
# COUNT (25 messages per maildrop), KEEP=1 keeps the work directory.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
POP3GET=${POP3GET:-$ROOT/build/pop3get}
KILLS=${KILLS:-12}
COUNT=${COUNT:-25}
LOST=$ROOT/tests/hostile/lostcount.py

die() { echo "pop3get.sh: $*" >&2; exit 1; }
[ -x "$POP3GET" ] || die "$POP3GET not built (run make)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pop3-pop3get.XXXXXX") || die "mktemp failed"
SRV=$WORK/server
L=$WORK/local
T=$WORK/out
mkdir -p "$SRV" "$L" "$T"
chmod 0711 "$WORK"
export XDG_STATE_HOME=$WORK/state
cleanup() {
    bash "$HERE/dovecot.sh" stop "$SRV" >/dev/null 2>&1 || true
    if [ "${KEEP:-0}" = 1 ]; then echo "pop3get.sh: kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PASS=0 FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok   $1"; }
bad() { FAIL=$((FAIL + 1)); echo "FAIL $1"; shift; local l; for l in "$@"; do printf '       %s\n' "$l"; done; }

users=(new:pw lock:pw intr:pw dl:pw crlf:pw mb:pw mda:pw mdafail:pw mdatemp:pw mdamix:pw mdasig:pw big:pw acc1:pw acc2:pw)
for i in $(seq 1 "$KILLS"); do users+=("k$i:pw" "d$i:pw"); done
MBOX_KILLS=8
for i in $(seq 1 "$MBOX_KILLS"); do users+=("mk$i:pw" "md$i:pw"); done
PORT=$(bash "$HERE/dovecot.sh" start "$SRV" "${users[@]}") || die "could not start Dovecot"
python3 "$HERE/mkmaildrop.py" "$SRV" "${users[@]%%:*}" --set many --count "$COUNT" >/dev/null ||
    die "mkmaildrop failed"
url() { echo "pop3://$1:pw@127.0.0.1:$PORT"; }
echo "pop3get.sh: Dovecot on 127.0.0.1:$PORT, $COUNT messages per user ($WORK)"

# counts USER: "total server_only stored_only both lost local_dups"
counts() { python3 "$LOST" "$SRV" "$L" "$1" | cut -d' ' -f2-; }
nfiles() { find "$L/$1/new" "$L/$1/cur" -type f 2>/dev/null | wc -l; }

# --- only new mail --------------------------------------------------------------
"$POP3GET" --plaintext-auth --maildir "$L/new" "$(url new)" >"$T/new1.out" 2>"$T/new1.err"; rc=$?
n1=$(nfiles new)
[ "$rc" = 0 ] && [ "$n1" = "$COUNT" ] && ok "first run stores all $COUNT messages" ||
    bad "first run" "exit $rc, $n1 stored" "$(head -3 "$T/new1.err")"
"$POP3GET" --plaintext-auth --maildir "$L/new" "$(url new)" >"$T/new2.out" 2>"$T/new2.err"; rc=$?
n2=$(nfiles new)
[ "$rc" = 0 ] && [ "$n2" = "$COUNT" ] && ok "second run fetches 0 (still $n2 stored)" ||
    bad "second run fetches nothing new" "exit $rc, $n2 stored" "$(head -3 "$T/new2.err")"
STATE=$(find "$XDG_STATE_HOME/pop3get/uidl" -name "new@*" ! -name "*.lock" ! -name "*.tmp")
[ "$(grep -c '^U ' "$STATE" 2>/dev/null)" = "$COUNT" ] && [ "$(head -1 "$STATE")" = "pop3get-uidl 1" ] &&
    ok "the state file holds the $COUNT UIDs" || bad "state file $STATE" "$(head -3 "$STATE" 2>&1)"
"$POP3GET" --plaintext-auth --all --maildir "$L/new" "$(url new)" >/dev/null 2>"$T/new3.err"; rc=$?
n3=$(nfiles new)
[ "$rc" = 0 ] && [ "$n3" = $((2 * COUNT)) ] && ok "--all fetches every message again" ||
    bad "--all" "exit $rc, $n3 stored" "$(head -3 "$T/new3.err")"
"$POP3GET" --plaintext-auth --delete --maildir "$L/new" "$(url new)" >/dev/null 2>"$T/new4.err"; rc=$?
read -r total sonly stored both lost dups < <(counts new)
[ "$rc" = 0 ] && [ "$(nfiles new)" = "$n3" ] && [ "$sonly" = 0 ] && [ "$both" = 0 ] &&
    ok "--delete removes the messages stored by earlier runs without fetching them again" ||
    bad "--delete of known messages" "exit $rc, $(nfiles new) files; server-only $sonly, both $both"
[ "$(grep -c '^U ' "$STATE")" = 0 ] && ok "UIDs no longer on the server are pruned" ||
    bad "pruning" "$(grep -c '^U ' "$STATE") U lines left"

# --- delivery: Maildir (LF, Received), --keep-crlf, mbox, MDA, --max-size ----------
MC=$HERE/mailcheck.py
"$POP3GET" --plaintext-auth -q --maildir "$L/dl" "$(url dl)" 2>"$T/dl.err"; rc=$?
f1=$(find "$L/dl/new" -type f | head -1)
if [ "$rc" = 0 ] && python3 "$MC" maildir "$L/dl" "$SRV/expected/dl" >/dev/null 2>"$T/dl.why" &&
   ! grep -q $'\r' "$L"/dl/new/* && head -1 "$f1" | grep -q "^Received: from 127.0.0.1 by .* with POP3 (pop3get "; then
    ok "Maildir: LF line ends and a Received header by default, every message intact"
else
    bad "Maildir default form" "exit $rc" "$(head -3 "$T/dl.why" "$T/dl.err" 2>/dev/null)"
fi
"$POP3GET" --plaintext-auth -q --keep-crlf --maildir "$L/crlf" "$(url crlf)" 2>"$T/crlf.err"; rc=$?
if [ "$rc" = 0 ] && python3 "$MC" maildir "$L/crlf" "$SRV/expected/crlf" >/dev/null 2>"$T/crlf.why" &&
   [ "$(grep -lc $'\r$' "$L"/crlf/new/* | wc -l)" = "$COUNT" ]; then
    ok "--keep-crlf stores the wire's CRLF"
else
    bad "--keep-crlf" "exit $rc" "$(head -3 "$T/crlf.why" "$T/crlf.err" 2>/dev/null)"
fi
"$POP3GET" --plaintext-auth -q --mbox "$L/mbox" "$(url mb)" 2>"$T/mb.err"; rc=$?
python3 - "$L/mbox" "$SRV/expected/mb" >"$T/mb.out" 2>&1 <<'PY'
import mailbox, os, re, sys
box = mailbox.mbox(sys.argv[1])
exp = {}
for line in open(os.path.join(sys.argv[2], "manifest")):
    n, size, mid = line.split()
    exp[mid] = open(os.path.join(sys.argv[2], "%04d.eml" % int(n)), "rb").read()
seen = 0
for key in box.keys():
    data = box.get_bytes(key)
    data = re.sub(rb"\AReceived: [^\n]*\n\t[^\n]*\n", b"", data)
    data = re.sub(rb"(?m)^>(>*From )", rb"\1", data)          # mboxrd unquoting
    mid = re.search(rb"(?mi)^Message-ID:\s*(<[^>]*>)", data).group(1).decode()
    want = exp.pop(mid).replace(b"\r\n", b"\n")
    if data.rstrip(b"\n") != want.rstrip(b"\n"):
        sys.exit("message %s differs" % mid)
    seen += 1
if exp:
    sys.exit("%d messages missing" % len(exp))
print("ok %d" % seen)
PY
[ "$rc" = 0 ] && [ "$(cat "$T/mb.out")" = "ok $COUNT" ] && [ ! -e "$L/mbox.lock" ] &&
    ok "mbox: Python's mailbox module reads back all $COUNT messages, each intact (mboxrd)" ||
    bad "mbox" "exit $rc" "$(head -3 "$T/mb.out" "$T/mb.err")"
mkdir -p "$L/mda"
"$POP3GET" --plaintext-auth -q --delete --mda "cat > '$L/mda/'\$\$" "$(url mda)" 2>"$T/mda.err"; rc=$?
read -r total sonly stored both lost dups < <(python3 "$LOST" "$SRV" "$L" mda | cut -d' ' -f2-)
[ "$rc" = 0 ] && [ "$(ls "$L/mda" | wc -l)" = "$COUNT" ] && [ "$sonly$both" = 00 ] &&
    ok "--mda: one process per message, each deleted after it exited 0" ||
    bad "--mda" "exit $rc, $(ls "$L/mda" | wc -l) files, server-only $sonly" "$(head -2 "$T/mda.err")"
"$POP3GET" --plaintext-auth -q --delete --mda "cat >/dev/null; exit 1" "$(url mdafail)" 2>"$T/mdaf.err"; rc=$?
[ "$rc" = 69 ] && [ "$(python3 "$LOST" "$SRV" "$L" mdafail | cut -d' ' -f3)" = "$COUNT" ] &&
    ok "the MDA failing keeps every message on the server (exit 69)" ||
    bad "MDA failing" "exit $rc" "$(head -2 "$T/mdaf.err")"
"$POP3GET" --plaintext-auth -q --delete --mda "cat >/dev/null; exit 75" "$(url mdatemp)" 2>"$T/mdat.err"; rc=$?
[ "$rc" = 75 ] && [ "$(python3 "$LOST" "$SRV" "$L" mdatemp | cut -d' ' -f3)" = "$COUNT" ] &&
    ok "an MDA saying 75 (try later): exit 75, every message kept" ||
    bad "MDA 75" "exit $rc" "$(head -2 "$T/mdat.err")"
# Message 1 refused for good (1), the others "try later" (75): 75 wins.
"$POP3GET" --plaintext-auth --delete --mda \
    'c=$(grep -c "^Message-ID: <mdamix\.0001@"); [ "$c" = 0 ] && exit 75; exit 1' \
    "$(url mdamix)" 2>"$T/mdam.err" >/dev/null; rc=$?
[ "$rc" = 75 ] && [ "$(python3 "$LOST" "$SRV" "$L" mdamix | cut -d' ' -f3)" = "$COUNT" ] &&
    grep -q "message 1 not delivered: --mda exited 1;" "$T/mdam.err" &&
    grep -q "not delivered: --mda exited 75 (try later)" "$T/mdam.err" &&
    ok "an MDA refusing one message (1), then the others (75): exit 75, both said, all kept" ||
    bad "MDA 1 then 75" "exit $rc" "$(head -4 "$T/mdam.err")"
"$POP3GET" --plaintext-auth -q --delete --mda 'cat >/dev/null; kill -9 $$' "$(url mdasig)" \
    2>"$T/mdas.err"; rc=$?
[ "$rc" = 69 ] && [ "$(python3 "$LOST" "$SRV" "$L" mdasig | cut -d' ' -f3)" = "$COUNT" ] &&
    grep -q "not delivered: --mda was killed by signal 9" "$T/mdas.err" &&
    ok "an MDA killed by a signal: said so, exit 69, every message kept" ||
    bad "MDA killed" "exit $rc" "$(head -2 "$T/mdas.err")"
med=$(sort -n -k2 "$SRV/expected/big/manifest" | awk -v c="$COUNT" 'NR == int(c / 2) { print $2 }')
small=$(awk -v m="$med" '$2 <= m' "$SRV/expected/big/manifest" | wc -l)
"$POP3GET" --plaintext-auth --max-size "$med" --maildir "$L/big" "$(url big)" 2>"$T/big.err"; rc=$?
[ "$rc" = 0 ] && [ "$(nfiles big)" = "$small" ] &&
    [ "$(grep -c "over --max-size" "$T/big.err")" = $((COUNT - small)) ] &&
    ok "--max-size $med: the $small messages up to it fetched, the others reported and left" ||
    bad "--max-size" "exit $rc, $(nfiles big) stored, $small expected" "$(head -2 "$T/big.err")"

# --- a configuration file with two accounts, fetched at once -------------------------
CFG=$WORK/config
cat >"$CFG" <<CONF
# two accounts on one server
defaults
  tls off
  plaintext_auth on
account one
  host 127.0.0.1
  port $PORT
  user acc1
  password pw
  delivery maildir $L/acc1
account two
  host 127.0.0.1
  port $PORT
  user acc2
  passwordeval printf pw
  delivery mbox $L/acc2.mbox
  keep off
CONF
chmod 600 "$CFG"
"$POP3GET" -C "$CFG" --all-accounts >"$T/cfg.out" 2>"$T/cfg.err"; rc=$?
n2=$(python3 -c 'import mailbox, sys; print(len(mailbox.mbox(sys.argv[1])))' "$L/acc2.mbox" 2>/dev/null)
read -r _ sonly2 _ both2 _ _ < <(python3 "$LOST" "$SRV" "$L" acc2 | cut -d' ' -f2-)
if [ "$rc" = 0 ] && [ "$(nfiles acc1)" = "$COUNT" ] && [ "$n2" = "$COUNT" ] && [ "$sonly2$both2" = 00 ]; then
    ok "--all-accounts: account one into a Maildir, account two into an mbox with keep off (deleted)"
else
    bad "two accounts" "exit $rc, $(nfiles acc1) and $n2 stored; acc2 on server $sonly2 + $both2" "$(head -3 "$T/cfg.err")"
fi
"$POP3GET" -C "$CFG" one two >/dev/null 2>"$T/cfg2.err"; rc=$?
[ "$rc" = 0 ] && [ "$(nfiles acc1)" = "$COUNT" ] && ok "naming the accounts: nothing new the second time" ||
    bad "accounts by name" "exit $rc" "$(head -2 "$T/cfg2.err")"
# At once: both sessions are open before either ends (-v trace: both
# connections are made before the first QUIT).
rm -rf "$L/acc1v" "$XDG_STATE_HOME.v"
XDG_STATE_HOME=$XDG_STATE_HOME.v "$POP3GET" -v -C "$CFG" --all-accounts >/dev/null 2>"$T/cfg.trace"
python3 - "$T/cfg.trace" >"$T/cfg.order" <<'PY'
import sys
t = open(sys.argv[1], errors="replace").read().splitlines()
conn = [i for i, l in enumerate(t) if l.startswith("* connecting to")]
quits = [i for i, l in enumerate(t) if l == "C: QUIT"]
print("concurrent" if len(conn) == 2 and len(quits) == 2 and max(conn) < min(quits)
      else "sequential %s %s" % (conn, quits))
PY
[ "$(cat "$T/cfg.order")" = concurrent ] && ok "... the two sessions ran at once on one poll loop" ||
    bad "two accounts at once" "$(cat "$T/cfg.order")"
"$POP3GET" -C "$CFG" three >/dev/null 2>"$T/cfg3.err"; rc=$?
[ "$rc" = 64 ] && grep -q "no account 'three'" "$T/cfg3.err" && ok "an unknown account is a usage error naming it" ||
    bad "unknown account" "exit $rc" "$(head -2 "$T/cfg3.err")"
chmod 644 "$CFG"
"$POP3GET" -C "$CFG" one >/dev/null 2>"$T/cfg4.err"; rc=$?
[ "$rc" = 78 ] && grep -q "chmod 600" "$T/cfg4.err" &&
    ok "a configuration file with a password that others can read is refused (78)" ||
    bad "config permissions" "exit $rc" "$(head -2 "$T/cfg4.err")"

# --- secure by default: no password in clear text ------------------------------------
"$POP3GET" -v --list "$(url lock)" >"$T/clear.out" 2>"$T/clear.err"; rc=$?
if [ "$rc" = 69 ] && grep -q -- "--plaintext-auth" "$T/clear.err" &&
   ! grep -q "^C: \(USER\|PASS\)" "$T/clear.err"; then
    ok "a server without TLS: the password is not sent unless --plaintext-auth (exit 69, says what to do)"
else
    bad "clear-text password refused" "exit $rc" "$(grep -v '^S:' "$T/clear.err" | head -5)"
fi
"$POP3GET" --apop --list "$(url lock)" >"$T/apop.out" 2>"$T/apop.err"; rc=$?
[ "$rc" = 0 ] && [ "$(wc -l < "$T/apop.out")" = "$COUNT" ] &&
    ok "APOP needs no --plaintext-auth" || bad "APOP in clear" "exit $rc" "$(head -2 "$T/apop.err")"

# --- password sources: ~/.netrc, a command, the terminal ----------------------------
H=$WORK/home
mkdir -p "$H"
printf 'machine other.example login x password y\nmachine 127.0.0.1\n  login lock password pw\n' >"$H/.netrc"
chmod 600 "$H/.netrc"
HOME=$H "$POP3GET" --plaintext-auth --list "pop3://127.0.0.1:$PORT" >"$T/netrc.out" 2>"$T/netrc.err"; rc=$?
[ "$rc" = 0 ] && [ "$(wc -l < "$T/netrc.out")" = "$COUNT" ] &&
    ok "~/.netrc gives user and password" || bad "~/.netrc" "exit $rc" "$(head -2 "$T/netrc.err")"
chmod 644 "$H/.netrc"
HOME=$H "$POP3GET" --plaintext-auth --list "pop3://lock@127.0.0.1:$PORT" >/dev/null 2>"$T/netrc2.err"; rc=$?
[ "$rc" = 78 ] && grep -q "chmod 600" "$T/netrc2.err" &&
    ok "a ~/.netrc others can read is refused (exit 78)" || bad "~/.netrc permissions" "exit $rc" "$(head -2 "$T/netrc2.err")"
rm -f "$H/.netrc"
HOME=$H "$POP3GET" --plaintext-auth --password-command 'printf "pw\nnot this\n"' --list \
    "pop3://lock@127.0.0.1:$PORT" >"$T/pwcmd.out" 2>"$T/pwcmd.err"; rc=$?
[ "$rc" = 0 ] && [ "$(wc -l < "$T/pwcmd.out")" = "$COUNT" ] &&
    ok "--password-command: its first line is the password" || bad "--password-command" "exit $rc" "$(head -2 "$T/pwcmd.err")"
HOME=$H "$POP3GET" --plaintext-auth --password-command 'exit 3' --list \
    "pop3://lock@127.0.0.1:$PORT" >/dev/null 2>"$T/pwcmd2.err"; rc=$?
[ "$rc" = 75 ] && ok "a failing --password-command: exit 75, nothing sent" ||
    bad "--password-command failing" "exit $rc" "$(head -2 "$T/pwcmd2.err")"
HOME=$H python3 - "$POP3GET" "pop3://lock@127.0.0.1:$PORT" "$COUNT" >"$T/pty.out" 2>&1 <<'PY'
import os, pty, signal, sys, time
signal.alarm(60)  # never hang the test run
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "--plaintext-auth", "--list", sys.argv[2]])
out = b""
def more(until, secs=20):
    global out
    end = time.time() + secs
    while until not in out and time.time() < end:
        try:
            d = os.read(fd, 4096)
        except OSError:
            break
        if not d:
            break
        out += d
more(b"Password for lock@127.0.0.1: ")
if b"Password for" not in out:
    sys.exit("no prompt: %r" % out)
os.write(fd, b"pw\n")
more(b"\n%s " % sys.argv[3].encode())
_, st = os.waitpid(pid, 0)
try:
    out += os.read(fd, 65536)
except OSError:
    pass
after = out.split(b"Password for", 1)[1]
lines = [l for l in after.split(b"\r\n") if l[:1].isdigit()]
print("exit=%d lines=%d echoed=%d" % (os.waitstatus_to_exitcode(st), len(lines), b"pw" in after))
PY
[ "$(tail -1 "$T/pty.out")" = "exit=0 lines=$COUNT echoed=0" ] &&
    ok "the password prompt on a terminal (pty), without echo" || bad "prompt through a pty" "$(tail -3 "$T/pty.out")"

# --- the lock --------------------------------------------------------------------
"$POP3GET" --plaintext-auth --list "$(url lock)" >/dev/null 2>&1
mkdir -p "$XDG_STATE_HOME/pop3get/uidl"
LOCKF=$XDG_STATE_HOME/pop3get/uidl/lock@127.0.0.1:$PORT.lock
python3 - "$LOCKF" "$POP3GET" "$L/lock" "$(url lock)" >"$T/lock.out" 2>&1 <<'PY'
import fcntl, subprocess, sys
f = open(sys.argv[1], "a+")
fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
p = subprocess.run([sys.argv[2], "--plaintext-auth", "--maildir", sys.argv[3], sys.argv[4]],
                   capture_output=True, text=True, timeout=30)
print(p.returncode)
print(p.stderr)
PY
if [ "$(head -1 "$T/lock.out")" = 75 ] && grep -q "another pop3get run" "$T/lock.out" &&
   [ "$(nfiles lock)" = 0 ]; then
    ok "a second run on a locked account exits 75 and says why"
else
    bad "account lock" "$(head -3 "$T/lock.out")"
fi
"$POP3GET" --plaintext-auth --maildir "$L/lock" "$(url lock)" >/dev/null 2>&1 && [ "$(nfiles lock)" = "$COUNT" ] &&
    ok "... and the account works once the lock is released" || bad "after the lock"

# --- interrupted, then run again ----------------------------------------------------
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
t0=$(now_ms)
"$POP3GET" --plaintext-auth --all --maildir "$WORK/timing" "$(url lock)" >/dev/null 2>&1 || die "timing run failed"
T_MS=$(( $(now_ms) - t0 ))
[ "$T_MS" -lt 20 ] && T_MS=20
echo "pop3get.sh: an uninterrupted run takes ${T_MS} ms"

# kill_then_rerun USER SIGNAL DELAY_MS [--delete]: run, signal, run again.
kill_then_rerun() {
    local u=$1 sig=$2 d=$3 del=${4:-}
    "$POP3GET" --plaintext-auth $del --maildir "$L/$u" "$(url "$u")" >/dev/null 2>"$T/$u.err1" </dev/null &
    local pid=$!
    sleep "$(printf '%d.%03d' $((d / 1000)) $((d % 1000)))"
    kill -s "$sig" "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    RC1=$?
    "$POP3GET" --plaintext-auth $del --maildir "$L/$u" "$(url "$u")" >/dev/null 2>"$T/$u.err2" </dev/null
    RC2=$?
}

check_rerun() { # USER WHAT DELETE
    local u=$1 what=$2 del=$3 total sonly stored both lost dups
    read -r total sonly stored both lost dups < <(counts "$u")
    local why=""
    [ "$RC2" = 0 ] || why="rerun exit $RC2: $(head -2 "$T/$u.err2")"
    [ "$lost" = 0 ] || why="$why; $lost lost"
    [ "$dups" = 0 ] || why="$why; $dups stored twice"
    [ $((stored + both)) = "$total" ] || why="$why; only $((stored + both)) of $total stored"
    if [ -n "$del" ] && [ "$sonly$both" != 00 ]; then why="$why; left on the server: $sonly + $both"; fi
    if [ -n "$(ls -A "$L/$u/tmp" 2>/dev/null)" ]; then why="$why; files left in tmp/"; fi
    case $RC1 in 0|137|75) ;; *) why="$why; first run exit $RC1" ;; esac
    if [ -z "$why" ]; then return 0; fi
    bad "$what" "${why#; }"
    return 1
}

fails=0
for i in $(seq 1 "$KILLS"); do
    d=$(( T_MS * (i - 1) / KILLS ))
    kill_then_rerun "k$i" KILL "$d"
    check_rerun "k$i" "SIGKILL at ${d} ms, then a rerun (keep)" "" || fails=$((fails + 1))
    kill_then_rerun "d$i" KILL "$d" --delete
    check_rerun "d$i" "SIGKILL at ${d} ms, then a rerun (--delete)" 1 || fails=$((fails + 1))
done
[ "$fails" = 0 ] && ok "SIGKILL at $KILLS points over a run, with and without --delete, then a rerun: 0 lost, 0 stored twice"

# --- mbox: killed at each fsync, then run again ------------------------------------
# The moment a kill at random rarely hits: the mbox appended (and synced)
# but its UIDs not yet recorded. strace kills pop3get (SIGKILL) at its Nth
# fsync, for each N of a whole run (the journal's, the mbox's, the state's);
# the rerun must lose nothing and bring nothing twice.
command -v strace >/dev/null || die "strace missing (run scripts/deps.sh)"
strace -f -qq -o "$T/mbox.trace" -e trace=fsync -- "$POP3GET" --plaintext-auth --all \
    --mbox "$WORK/fsyncs.mbox" "$(url lock)" >/dev/null 2>&1 </dev/null
NF=$(grep -c 'fsync(' "$T/mbox.trace")
[ "$NF" -ge 3 ] && [ "$NF" -le "$MBOX_KILLS" ] || die "an mbox run made $NF fsyncs (3..$MBOX_KILLS expected)"
mbox_kill() { # USER N [--delete]
    local u=$1 n=$2 del=${3:-}
    # shellcheck disable=SC2086
    (strace -f -qq -o /dev/null -e trace=fsync -e "inject=fsync:signal=KILL:when=$n" -- \
        "$POP3GET" --plaintext-auth $del --mbox "$L/$u" "$(url "$u")" >/dev/null 2>"$T/$u.err1" </dev/null
     echo $? >"$T/$u.rc1") 2>/dev/null # no "Killed" line from the shell
    RC1=$(cat "$T/$u.rc1")
    # shellcheck disable=SC2086
    "$POP3GET" --plaintext-auth $del --mbox "$L/$u" "$(url "$u")" >/dev/null 2>"$T/$u.err2" </dev/null
    RC2=$?
}
fails=0
for n in $(seq 1 "$NF"); do
    mbox_kill "mk$n" "$n"
    check_rerun "mk$n" "mbox: SIGKILL at fsync $n of $NF, then a rerun (keep)" "" || fails=$((fails + 1))
    mbox_kill "md$n" "$n" --delete
    check_rerun "md$n" "mbox: SIGKILL at fsync $n of $NF, then a rerun (--delete)" 1 || fails=$((fails + 1))
done
[ "$fails" = 0 ] && ok "mbox: SIGKILL at each of the $NF fsyncs of a run, with and without --delete, then a rerun: 0 lost, 0 stored twice"

kill_then_rerun intr INT $(( T_MS / 2 )) --delete
grep -q "interrupted" "$T/intr.err1" || [ "$RC1" = 0 ] || bad "SIGINT message" "$(head -2 "$T/intr.err1")"
check_rerun intr "Ctrl-C (SIGINT) mid-run, then a rerun (--delete)" 1 &&
    ok "Ctrl-C mid-run (exit $RC1), then a rerun: 0 lost, 0 stored twice, tmp/ empty"

echo "pop3get.sh: $PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
