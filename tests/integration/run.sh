#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run.sh - integration tests of build/pop3get against a private Dovecot.
#
#   bash tests/integration/run.sh          (what `make integration` runs)
#
# Starts Dovecot on 127.0.0.1 in a temporary directory (tests/integration/
# dovecot.sh), fills two maildrops with known messages (mkmaildrop.py),
# checks that fixture with a reference client (mailcheck.py), then runs
# pop3get in every mode and compares what it prints or stores with the
# expected octets. Dovecot is stopped on exit, whatever happens.
#
# Environment:
#   POP3GET=path      client under test (default: build/pop3get)
#   KEEP=1            keep the temporary directory for inspection
#   NO_VALGRIND=1     skip the memcheck run
#   BIG_MB=N          size of the big message (default 5)
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
POP3GET=${POP3GET:-$ROOT/build/pop3get}
BIG_MB=${BIG_MB:-5}
TIMEOUT=${TIMEOUT:-120}
unset POP3_PASSWORD

die() { echo "integration: $*" >&2; exit 1; }
. "$ROOT/tests/support/skip.sh"

[ -x "$POP3GET" ] || die "$POP3GET not built (run make)"
command -v python3 >/dev/null || die "python3 missing (run scripts/deps.sh)"
command -v dovecot >/dev/null || [ -x /usr/sbin/dovecot ] ||
    die "dovecot missing (run scripts/deps.sh)"
HAVE_CURL=0; command -v curl >/dev/null && HAVE_CURL=1

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pop3-integration.XXXXXX") || die "mktemp failed"
SRV=$WORK/server          # Dovecot's directory
T=$WORK/out               # outputs of each run
# pop3get's only-new-mail state stays in the work directory; --all (in get)
# because these tests fetch the same maildrops again and again.
export XDG_STATE_HOME=$WORK/state
mkdir -p "$SRV" "$T"
chmod 0711 "$WORK"        # Dovecot's unprivileged processes pass through it

FAKE_PIDS=()
cleanup() {
    local pid
    for pid in "${FAKE_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    bash "$HERE/dovecot.sh" stop "$SRV" >/dev/null 2>&1 || true
    if [ "${KEEP:-0}" = 1 ]; then
        echo "integration: kept $WORK"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- results ---------------------------------------------------------------
PASS=0
FAIL=0
FAILED=()
ok() { PASS=$((PASS + 1)); echo "ok   $1"; }
bad() {
    FAIL=$((FAIL + 1)); FAILED+=("$1"); echo "FAIL $1"
    shift
    local l
    for l in "$@"; do printf '       %s\n' "$l"; done
}
# Show the end of a run's stderr after a failure.
err_tail() { [ -s "$T/$1.err" ] && sed -n '1,12p' "$T/$1.err" | sed 's/^/       | /'; true; }

# get NAME ARGS...: run pop3get; stdout in $T/NAME.out, stderr in
# $T/NAME.err, exit status in RC (124 = killed by the timeout).
get() {
    local name=$1; shift
    timeout "$TIMEOUT" "$POP3GET" --all --plaintext-auth "$@" >"$T/$name.out" 2>"$T/$name.err" </dev/null
    RC=$?
    CMD="pop3get --all --plaintext-auth $*"
}
# fake_start MODE [ARGS]: start fakeserver.py; sets FAKE_PID and FAKE_PORT.
fake_start() {
    local pf
    pf=$T/fake.$RANDOM.port
    FAKE_PF=$pf
    python3 "$HERE/fakeserver.py" "$1" "$pf" "${@:2}" 2>>"$T/fakeserver.err" &
    FAKE_PID=$!
    FAKE_PIDS+=("$FAKE_PID")
    local i
    for i in $(seq 1 100); do
        [ -s "$pf" ] && break
        sleep 0.05
    done
    FAKE_PORT=$(cat "$pf" 2>/dev/null) || die "fakeserver.py $1 did not start"
}
fake_stop() {
    kill "$FAKE_PID" 2>/dev/null || true
    wait "$FAKE_PID" 2>/dev/null || true
}

# rc_is NAME WANT [what]: like expect_rc, but silent when it matches.
rc_is() {
    local name=$1 want=$2 what=${3:-$1}
    [ "$RC" -eq "$want" ] && return 0
    local why="exit $RC, expected $want"
    [ "$RC" -eq 124 ] && why="hung: killed after ${TIMEOUT}s"
    bad "$what" "$CMD" "$why"
    err_tail "$name"
    return 1
}
# expect_rc NAME WANT [what]: check the exit status of the last get.
expect_rc() {
    local name=$1 want=$2 what=${3:-$1}
    if [ "$RC" -eq "$want" ]; then
        ok "$what (exit $want)"
        return 0
    fi
    local why="exit $RC, expected $want"
    [ "$RC" -eq 124 ] && why="hung: killed after ${TIMEOUT}s"
    bad "$what" "$CMD" "$why"
    err_tail "$name"
    return 1
}

# --- the server ---------------------------------------------------------------
PASSWORD_C='Corr3ct-H0rse-Battery'   # distinctive, so grep finds any leak
PASSWORD_D='p@ss%w/rd#?'              # needs percent-encoding in a URL
PASSWORD_D_URL='p%40ss%25w%2Frd%23%3F'
PORT=$(bash "$HERE/dovecot.sh" start "$SRV" alice:secret bob:hunter2 \
       "carol:$PASSWORD_C" "dave:$PASSWORD_D" erin:many) ||
    die "could not start Dovecot"
FAMILY=$(cat "$SRV/family")
echo "integration: Dovecot on 127.0.0.1:$PORT ($WORK)"
echo "integration: client $POP3GET"

python3 "$HERE/mkmaildrop.py" "$SRV" alice --big-mb "$BIG_MB" || die "mkmaildrop alice"
python3 "$HERE/mkmaildrop.py" "$SRV" bob --set small || die "mkmaildrop bob"
python3 "$HERE/mkmaildrop.py" "$SRV" carol --set small --seed 7 || die "mkmaildrop carol"
python3 "$HERE/mkmaildrop.py" "$SRV" dave --set small --seed 8 || die "mkmaildrop dave"
python3 "$HERE/mkmaildrop.py" "$SRV" erin --set many --count 300 || die "mkmaildrop erin"
EE=$SRV/expected/erin
EA=$SRV/expected/alice
EB=$SRV/expected/bob
NA=$(wc -l < "$EA/manifest")
H=127.0.0.1:$PORT
URL=pop3://alice:secret@$H

# The fixture itself, through a reference client: if this fails, the test
# data or Dovecot is wrong, not pop3get.
python3 "$HERE/mailcheck.py" server "$PORT" alice secret "$EA" >/dev/null ||
    die "fixture check failed: Dovecot does not serve what mkmaildrop.py expects"
python3 "$HERE/mailcheck.py" server "$PORT" bob hunter2 "$EB" >/dev/null ||
    die "fixture check failed for bob"
grep -q '<.*@.*>' "$SRV/greeting" ||
    die "Dovecot's greeting has no APOP timestamp: $(cat "$SRV/greeting")"
ok "fixture: Dovecot serves $NA messages for alice as expected"

# Count logins of a method in Dovecot's log (server-side proof of APOP).
logins() { grep -c "Login: user=<$1>, method=$2," "$SRV/dovecot.log" || true; }

# --- login ----------------------------------------------------------------
get list_user --list "$URL"
if expect_rc list_user 0 "USER/PASS login and --list"; then
    awk '{print $1, $2}' "$EA/manifest" > "$T/list.want"
    if cmp -s "$T/list_user.out" "$T/list.want"; then
        ok "--list prints one 'N SIZE' line per message, sizes as Dovecot's"
    else
        bad "--list output" "$CMD" "diff (got vs expected):" \
            "$(diff "$T/list_user.out" "$T/list.want" | head -n 10)"
    fi
    [ "$HAVE_CURL" = 1 ] || skip integration "--list equals curl's LIST" "curl not installed"
    if [ "$HAVE_CURL" = 1 ]; then
        curl -sS -X LIST "pop3://alice:secret@$H/" | tr -d '\r' > "$T/list.curl"
        if cmp -s "$T/list_user.out" "$T/list.curl"; then
            ok "--list equals curl's LIST"
        else
            bad "--list equals curl's LIST" \
                "$(diff "$T/list_user.out" "$T/list.curl" | head -n 10)"
        fi
    fi
    n=$(grep -c . "$T/list_user.out")
    if [ "$n" -eq "$NA" ]; then ok "--list count is $NA"; else bad "--list count" "got $n, want $NA"; fi
fi

before=$(logins alice APOP)
get apop --apop --list "$URL"
if expect_rc apop 0 "APOP login and --list"; then
    after=$(logins alice APOP)
    if [ "$after" -gt "$before" ]; then
        ok "--apop: Dovecot logged an APOP login"
    else
        bad "--apop: Dovecot logged an APOP login" \
            "no 'method=APOP' login for alice in the server log"
    fi
    cmp -s "$T/apop.out" "$T/list.want" && ok "--apop --list output" ||
        bad "--apop --list output" "$(diff "$T/apop.out" "$T/list.want" | head -n 5)"
fi

get user_opt -u alice --list "pop3://$H"
RC_SAVE=$RC
POP3_PASSWORD=secret get env_pass -u alice --list "pop3://$H"
expect_rc env_pass 0 "-u USER with POP3_PASSWORD" &&
    { cmp -s "$T/env_pass.out" "$T/list.want" && ok "POP3_PASSWORD: --list output" ||
      bad "POP3_PASSWORD: --list output"; }
RC=$RC_SAVE
expect_rc user_opt 64 "-u USER without any password is a usage error"

printf 'secret\n' > "$T/passfile"
get pass_file -u alice --pass-file "$T/passfile" --list "pop3://$H"
expect_rc pass_file 0 "--pass-file (password followed by a newline)" &&
    { cmp -s "$T/pass_file.out" "$T/list.want" && ok "--pass-file: --list output" ||
      bad "--pass-file: --list output"; }
printf 'secret' > "$T/passfile.nonl"
get pass_file2 -u alice --pass-file "$T/passfile.nonl" --list "pop3://$H"
expect_rc pass_file2 0 "--pass-file (no newline)"
get pass_file_missing -u alice --pass-file "$T/no-such-file" --list "pop3://$H"
[ "$RC" -eq 74 ] && ok "--pass-file with a missing file is a local I/O error (74)" ||
    bad "--pass-file with a missing file exits 74" "exit $RC"

# Second user, and the login of the second user in the URL user part.
get bob_list --list "pop3://bob:hunter2@$H"
expect_rc bob_list 0 "second user (bob) --list" &&
    { [ "$(grep -c . "$T/bob_list.out")" -eq "$(wc -l < "$EB/manifest")" ] &&
      ok "bob: message count" || bad "bob: message count" "$(cat "$T/bob_list.out")"; }

# --- UIDL -------------------------------------------------------------------
get uidl --uidl "$URL"
if expect_rc uidl 0 "--uidl"; then
    lines=$(grep -c . "$T/uidl.out")
    uniq_ids=$(awk '{print $2}' "$T/uidl.out" | sort -u | grep -c .)
    nums=$(awk '{print $1}' "$T/uidl.out" | tr '\n' ' ')
    want_nums=$(seq 1 "$NA" | tr '\n' ' ')
    if [ "$lines" -eq "$NA" ] && [ "$uniq_ids" -eq "$NA" ] && [ "$nums" = "$want_nums" ] &&
       awk 'NF != 2 { b = 1 } END { exit b }' "$T/uidl.out"; then
        ok "--uidl: $NA 'N UID' lines, unique IDs"
    else
        bad "--uidl: one line per message with unique IDs" \
            "lines=$lines unique=$uniq_ids numbers=$nums" "$(head -n 3 "$T/uidl.out")"
    fi
    [ "$HAVE_CURL" = 1 ] || skip integration "--uidl equals curl's UIDL" "curl not installed"
    if [ "$HAVE_CURL" = 1 ]; then
        curl -sS -X UIDL "pop3://alice:secret@$H/" | tr -d '\r' > "$T/uidl.curl"
        cmp -s "$T/uidl.out" "$T/uidl.curl" && ok "--uidl equals curl's UIDL" ||
            bad "--uidl equals curl's UIDL" "$(diff "$T/uidl.out" "$T/uidl.curl" | head -n 6)"
    fi
    get uidl2 --uidl "$URL"
    cmp -s "$T/uidl.out" "$T/uidl2.out" && ok "--uidl is stable across sessions" ||
        bad "--uidl is stable across sessions"
fi

# --- TOP --------------------------------------------------------------------
for n in 1 2 3 4 6 7 12; do
    for l in 0 5; do
        exp=$EA/$(printf %04d "$n").eml
        get "top_${n}_$l" --top "$n:$l" "$URL"
        rc_is "top_${n}_$l" 0 "--top $n:$l" || continue
        if python3 "$HERE/mailcheck.py" top "$T/top_${n}_$l.out" "$exp" "$l" 2>"$T/top.why"; then
            ok "--top $n:$l gives the header and $l body lines"
        else
            bad "--top $n:$l output" "$CMD" "$(cat "$T/top.why")"
        fi
        [ "$HAVE_CURL" = 1 ] || [ "$n" -gt 2 ] || skip integration "--top $n:$l equals curl's TOP" "curl not installed"
        if [ "$HAVE_CURL" = 1 ] && [ "$n" -le 2 ]; then
            curl -sS -X "TOP $n $l" "pop3://alice:secret@$H/" > "$T/top.curl"
            cmp -s "$T/top_${n}_$l.out" "$T/top.curl" && ok "--top $n:$l equals curl's TOP" ||
                bad "--top $n:$l equals curl's TOP"
        fi
    done
done

# --- RETR -------------------------------------------------------------------
retr_ok=0
for n in $(seq 1 "$NA"); do
    exp=$EA/$(printf %04d "$n").eml
    get "retr_$n" "$URL/$n"
    rc_is "retr_$n" 0 "/$n" || continue
    if cmp -s "$T/retr_$n.out" "$exp"; then
        retr_ok=$((retr_ok + 1))
    else
        bad "/$n equals the expected octets" "$CMD" \
            "$(cmp "$T/retr_$n.out" "$exp" 2>&1 | head -n 1)" \
            "sizes: got $(wc -c < "$T/retr_$n.out"), want $(wc -c < "$exp")"
    fi
done
[ "$retr_ok" -eq "$NA" ] && ok "/N: all $NA messages byte-exact (dot lines, 8-bit, CRLF, empty body, long lines)"
big=$(awk '$2 > 1000000 {print $1; exit}' "$EA/manifest")
if [ -n "$big" ] && cmp -s "$T/retr_$big.out" "$EA/$(printf %04d "$big").eml"; then
    ok "/$big: the $BIG_MB MB message byte-exact"
else
    bad "/$big: the $BIG_MB MB message byte-exact"
fi
if [ -w /dev/full ]; then
    timeout "$TIMEOUT" "$POP3GET" --plaintext-auth --list "$URL" >/dev/full 2>"$T/full.err" </dev/null
    RC=$?; CMD="pop3get --list $URL >/dev/full"
    expect_rc full 74 "stdout full (/dev/full)"
else
    skip integration "stdout full (/dev/full)" "/dev/full is not writable here"
fi
get msg_opt --msg 2 "$URL"
expect_rc msg_opt 0 "--msg 2" &&
    { cmp -s "$T/msg_opt.out" "$EA/0002.eml" && ok "--msg 2 equals /2" || bad "--msg 2 output"; }
get discard --discard "$URL"
want_discard="$NA messages, $(awk '{s += $2} END {print s}' "$EA/manifest") octets"
expect_rc discard 0 "--discard" &&
    { [ "$(cat "$T/discard.out")" = "$want_discard" ] &&
          ok "--discard counts every message and octet ($want_discard)" ||
          bad "--discard counts every message and octet" "$(cat "$T/discard.out"), want $want_discard"; }
get discard_del --discard --delete "$URL"
expect_rc discard_del 64 "--discard with --delete (nothing stored, nothing deleted)"
get msg_none "$URL/$((NA + 50))"
expect_rc msg_none 69 "/$((NA + 50)) (no such message: -ERR to RETR)" &&
    { [ ! -s "$T/msg_none.out" ] && ok "... and prints nothing" ||
      bad "/$((NA + 50)) (no such message) prints nothing" "$(head -c 200 "$T/msg_none.out")"; }
if [ "$FAMILY" = 6 ]; then
    get ipv6 "pop3://alice:secret@[::1]:$PORT/1"
    expect_rc ipv6 0 "IPv6 literal [::1]" &&
        { cmp -s "$T/ipv6.out" "$EA/0001.eml" && ok "[::1]: message 1" || bad "[::1]: message 1"; }
else
    skip integration "IPv6 literal [::1]" "Dovecot could not listen on ::1 here"
fi

# --- verbose trace and passwords ---------------------------------------------
get trace -v --list "pop3://carol:$PASSWORD_C@$H"
if expect_rc trace 0 "-v --list (carol)"; then
    grep -q LIST "$T/trace.err" && ok "-v traces the protocol on stderr" ||
        bad "-v traces the protocol on stderr" "no LIST in: $(head -c 300 "$T/trace.err")"
    grep -qF "$PASSWORD_C" "$T/trace.err" "$T/trace.out" &&
        bad "-v never shows the password" "$(grep -F "$PASSWORD_C" "$T/trace.err" | head -n 2)" ||
        ok "-v never shows the password (USER/PASS)"
fi
get trace_apop -v --apop --list "pop3://carol:$PASSWORD_C@$H"
if expect_rc trace_apop 0 "-v --apop --list (carol)"; then
    grep -q APOP "$T/trace_apop.err" && ok "-v --apop trace shows APOP" ||
        bad "-v --apop trace shows APOP"
    grep -qF "$PASSWORD_C" "$T/trace_apop.err" "$T/trace_apop.out" &&
        bad "-v --apop never shows the password" ||
        ok "-v never shows the password (APOP)"
fi
WRONG='Wr0ng-Passw0rd-Zebra'
get wrong -v --list "pop3://carol:$WRONG@$H"
expect_rc wrong 77 "wrong password"
grep -qF "$WRONG" "$T/wrong.err" "$T/wrong.out" &&
    bad "-v with a wrong password never shows it" "$(grep -F "$WRONG" "$T/wrong.err" | head -n 2)" ||
    ok "-v with a wrong password never shows it"
get wrong_apop -v --apop --list "pop3://carol:$WRONG@$H"
expect_rc wrong_apop 77 "wrong password with --apop"
grep -qF "$WRONG" "$T/wrong_apop.err" "$T/wrong_apop.out" &&
    bad "-v --apop with a wrong password never shows it" ||
    ok "-v --apop with a wrong password never shows it"
get nouser --list "pop3://nosuchuser:whatever@$H"
expect_rc nouser 77 "unknown user"

# A maildrop locked by another session: -ERR [IN-USE] is a temporary failure.
python3 - "$PORT" "$POP3GET" "pop3://bob:hunter2@$H" >"$T/inuse.out" 2>&1 <<'EOF'
import socket, subprocess, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=30)
f = s.makefile("rb")
f.readline()
for cmd in (b"USER bob", b"PASS hunter2"):
    s.sendall(cmd + b"\r\n")
    if not f.readline().startswith(b"+OK"):
        sys.exit("holder could not log in")
r = subprocess.run([sys.argv[2], "--plaintext-auth", "--list", sys.argv[3]], capture_output=True,
                   timeout=60, stdin=subprocess.DEVNULL)
print("rc=%d" % r.returncode)
sys.stdout.write(r.stderr.decode("utf-8", "replace"))
s.sendall(b"QUIT\r\n")
f.readline()
EOF
RC=$(sed -n 's/^rc=//p' "$T/inuse.out" | head -n 1)
RC=${RC:-255}
CMD="pop3get --list pop3://bob:hunter2@$H (while another session holds bob's maildrop)"
cp "$T/inuse.out" "$T/inuse.err"
expect_rc inuse 75 "a maildrop locked by another session ([IN-USE])"

# --- errors -----------------------------------------------------------------
closed=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
get closed --list "pop3://alice:secret@127.0.0.1:$closed"
expect_rc closed 75 "connecting to a closed port (try later, like mpop)"
if grep -q "Connection refused" "$T/closed.err"; then ok "the refusal names the system's reason"
else bad "the refusal names the system's reason" "$CMD"; err_tail closed; fi
# Name resolution never leaves the machine: the lookup runs in a namespace
# whose only resolver is dnsd.py on its own 127.0.0.1 (tests/support/nodns.sh).
mkdir -p "$T/dns"
timeout "$TIMEOUT" bash "$ROOT/tests/support/nodns.sh" "$T/dns" "$POP3GET" --plaintext-auth --list \
    "pop3://alice:secret@nonexistent.invalid" >"$T/unknown_host.out" 2>"$T/unknown_host.err" </dev/null
RC=$?; CMD="pop3get --list pop3://alice:secret@nonexistent.invalid (private resolver)"
if [ "$RC" -eq 125 ]; then
    skip integration "unknown host" "$(tail -n 1 "$T/unknown_host.err")"
elif expect_rc unknown_host 68 "unknown host (NXDOMAIN from the test's own resolver)"; then
    grep -q " nonexistent.invalid$" "$T/dns/dns.log" 2>/dev/null &&
        ok "... the query went to the test's resolver" ||
        bad "unknown host: the test's resolver saw no query" "$(cat "$T/dns/dns.log" 2>/dev/null)"
fi
get usage_none
expect_rc usage_none 64 "no arguments"
get usage_opt --no-such-option "$URL"
expect_rc usage_opt 64 "unknown option"
get usage_scheme --list "http://alice:s3cr3t-in-url@$H/"
expect_rc usage_scheme 64 "not a pop3:// URL"
! grep -q "s3cr3t-in-url" "$T/usage_scheme.err" && ok "usage error does not echo the URL's password" ||
    bad "usage error does not echo the URL's password" "$(cat "$T/usage_scheme.err")"
get usage_two_urls --list "$URL" "pop3://alice:s3cr3t-in-url@$H/"
expect_rc usage_two_urls 64 "two URLs"
! grep -q "s3cr3t-in-url" "$T/usage_two_urls.err" && ok "second URL's password not echoed" ||
    bad "second URL's password not echoed" "$(cat "$T/usage_two_urls.err")"
get usage_top --top nonsense "$URL"
expect_rc usage_top 64 "--top without N:LINES"
get usage_msg "$URL/0"
expect_rc usage_msg 64 "message number 0"

# --- credentials and addresses ------------------------------------------------
get pct --list "pop3://dave:$PASSWORD_D_URL@$H"
expect_rc pct 0 "percent-encoded password in the URL"
get pf_beats --pass-file "$T/passfile" --list "pop3://alice:not-this-one@$H"
expect_rc pf_beats 0 "--pass-file beats the URL password"
if getent ahostsv4 localhost 2>/dev/null | grep -q '^127\.0\.0\.1 '; then
    get host_name -4 --list "pop3://alice:secret@localhost:$PORT"
    expect_rc host_name 0 "-4 with a host name (localhost)"
else
    skip integration "-4 with a host name" "localhost does not resolve to 127.0.0.1 here"
fi
if [ "$FAMILY" = 6 ]; then
    get v6only -6 --list "pop3://alice:secret@[::1]:$PORT"
    expect_rc v6only 0 "-6 with [::1]"
else
    skip integration "-6 with [::1]" "Dovecot could not listen on ::1 here"
fi

# --- misbehaving servers --------------------------------------------------------
fake_start silent
t0=$(date +%s)
"$POP3GET" --plaintext-auth --timeout 2 --list "pop3://carol:$PASSWORD_C@127.0.0.1:$FAKE_PORT" \
    >"$T/silent.out" 2>"$T/silent.err" </dev/null &
pid=$!
# Read its argument list once it has masked the password (its first
# moments), while it waits for the greeting (2 s).
sleep 0.3
for i in $(seq 1 10); do
    tr '\0' ' ' < "/proc/$pid/cmdline" > "$T/silent.cmdline" 2>/dev/null
    grep -q -- '--list' "$T/silent.cmdline" && break
    sleep 0.1
done
for i in $(seq 1 300); do               # give it 30 s at most
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
kill "$pid" 2>/dev/null
wait "$pid"; RC=$?
CMD="pop3get --timeout 2 --list pop3://carol:...@127.0.0.1:$FAKE_PORT (silent server)"
elapsed=$(( $(date +%s) - t0 ))
expect_rc silent 75 "--timeout 2 against a server that never greets"
[ "$elapsed" -le 10 ] && ok "... gave up after ${elapsed}s" ||
    bad "--timeout 2 gives up in time" "took ${elapsed}s"
if ! grep -q -- '--list' "$T/silent.cmdline" 2>/dev/null; then
    bad "the URL password is hidden from the process list" "could not read /proc/$pid/cmdline while it ran"
elif grep -qF "$PASSWORD_C" "$T/silent.cmdline"; then
    bad "the URL password is hidden from the process list" "$(cat "$T/silent.cmdline")"
elif ! grep -q "pop3://carol" "$T/silent.cmdline"; then
    bad "the URL password is hidden from the process list" "the URL itself is gone: $(cat "$T/silent.cmdline")"
else
    ok "the URL password is hidden from the process list ($(cat "$T/silent.cmdline" | sed 's/.*pop3:/pop3:/'))"
fi
fake_stop

fake_start garbage
get garbage --timeout 5 --list "pop3://alice:secret@127.0.0.1:$FAKE_PORT"
expect_rc garbage 76 "a server that does not speak POP3"
fake_stop
fake_start close
get closed_early --timeout 5 --list "pop3://alice:secret@127.0.0.1:$FAKE_PORT"
expect_rc closed_early 69 "a server that closes before the greeting"
fake_stop
fake_start truncate
get truncated --timeout 5 --list "pop3://alice:secret@127.0.0.1:$FAKE_PORT"
expect_rc truncated 76 "a connection closed inside a listing"
get no_timestamp --timeout 5 --apop --list "pop3://alice:secret@127.0.0.1:$FAKE_PORT"
expect_rc no_timestamp 77 "--apop when the greeting has no <timestamp>"
fake_stop

# --- bytes split every which way ----------------------------------------------
fake_start proxy "$PORT"
PH=127.0.0.1:$FAKE_PORT
get proxy_maildir --maildir "$WORK/maildir-proxy" "pop3://alice:secret@$PH"
expect_rc proxy_maildir 0 "--maildir through a proxy that splits replies at random" &&
    { python3 "$HERE/mailcheck.py" maildir "$WORK/maildir-proxy" "$EA" >/dev/null 2>"$T/proxy.why" &&
      ok "... every message stored exactly" || bad "--maildir through the proxy" "$(cat "$T/proxy.why")"; }
get proxy_uidl --uidl "pop3://alice:secret@$PH"
expect_rc proxy_uidl 0 "--uidl through the proxy" &&
    { cmp -s "$T/proxy_uidl.out" "$T/uidl.out" && ok "... same listing as direct" ||
      bad "--uidl through the proxy equals direct"; }
get proxy_top --top 2:3 "pop3://alice:secret@$PH"
expect_rc proxy_top 0 "--top 2:3 through the proxy" &&
    { python3 "$HERE/mailcheck.py" top "$T/proxy_top.out" "$EA/0002.eml" 3 2>"$T/pt.why" &&
      ok "... header and 3 lines" || bad "--top 2:3 through the proxy" "$(cat "$T/pt.why")"; }
fake_stop

# --- one command at a time: no PIPELINING, or no CAPA at all -------------------
# fakeserver.py's own small server closes the connection on any command sent
# before the previous reply is complete.
for q in nopipe nocapa; do
    case $q in
        nopipe) what="a server without PIPELINING" ;;
        nocapa) what="a server that rejects CAPA" ;;
    esac
    fake_start "$q" "$EA"
    QU="pop3://alice:secret@127.0.0.1:$FAKE_PORT"
    get "${q}_uidl" --apop --uidl "$QU"
    expect_rc "${q}_uidl" 0 "$what: --apop --uidl" &&
        { [ "$(grep -c . "$T/${q}_uidl.out")" -eq "$NA" ] && ok "... $NA lines" ||
          bad "$what: --uidl lines" "$(head -n 3 "$T/${q}_uidl.out")"; }
    get "${q}_top" --top 2:5 "$QU"
    expect_rc "${q}_top" 0 "$what: --top 2:5" &&
        { python3 "$HERE/mailcheck.py" top "$T/${q}_top.out" "$EA/0002.eml" 5 2>"$T/q.why" &&
          ok "... header and 5 lines" || bad "$what: --top 2:5" "$(cat "$T/q.why")"; }
    get "${q}_md" --delete --maildir "$WORK/maildir-$q" "$QU"
    if expect_rc "${q}_md" 0 "$what: --delete --maildir"; then
        python3 "$HERE/mailcheck.py" maildir "$WORK/maildir-$q" "$EA" >/dev/null 2>"$T/q.why" &&
            ok "... every message stored exactly" || bad "$what: --maildir" "$(cat "$T/q.why")"
        [ "$(sort -n "$FAKE_PF.deleted" 2>/dev/null | tr '\n' ' ')" = "$(seq 1 "$NA" | tr '\n' ' ')" ] &&
            ok "... and all $NA deleted at QUIT" ||
            bad "$what: --delete deletes all at QUIT" "deleted: $(tr '\n' ' ' < "$FAKE_PF.deleted" 2>/dev/null)"
    fi
    if [ -s "$FAKE_PF.violations" ]; then
        bad "$what: no command before the previous reply" "$(head -n 2 "$FAKE_PF.violations")"
    elif ! grep -qx RETR "$FAKE_PF.log" 2>/dev/null; then
        bad "$what: the server's command log has no RETR" "$(tr '\n' ' ' < "$FAKE_PF.log" 2>/dev/null)"
    else
        ok "... $(grep -c . "$FAKE_PF.log") commands, none sent before the previous reply"
    fi
    fake_stop
done

# --- a connection lost in the middle: nothing deleted, nothing half-stored ---
fake_start cut "$PORT" 2000000
get cut --delete --maildir "$WORK/maildir-cut" "pop3://alice:secret@127.0.0.1:$FAKE_PORT"
expect_rc cut 76 "--delete --maildir with the connection lost mid-message"
fake_stop
# Every message before the big one was complete before the cut.
BEFORE_BIG=$(( big - 1 ))
python3 "$HERE/mailcheck.py" subset "$WORK/maildir-cut" "$EA" "$BEFORE_BIG" >"$T/cut.ok" 2>"$T/cut.why" &&
    ok "... what was stored is complete ($(sed 's/^maildir ok: //' "$T/cut.ok"))" ||
    bad "after a lost connection, stored messages are complete" "$(cat "$T/cut.why")"
python3 "$HERE/mailcheck.py" server "$PORT" alice secret "$EA" >/dev/null 2>"$T/cut2.why" &&
    ok "... and the server deleted nothing (no QUIT, no UPDATE state)" ||
    bad "a connection lost before QUIT deletes nothing" "$(cat "$T/cut2.why")"

# --- a server that stops answering in the middle: the reply timeout ----------
fake_start stall "$PORT" 1000000
t0=$(date +%s)
get stall --timeout 2 --delete --maildir "$WORK/maildir-stall" "pop3://alice:secret@127.0.0.1:$FAKE_PORT"
elapsed=$(( $(date +%s) - t0 ))
expect_rc stall 75 "--timeout 2 with a server that stalls mid-message"
[ "$elapsed" -le 15 ] && ok "... gave up after ${elapsed}s" ||
    bad "a stalled transfer times out in time" "took ${elapsed}s"
fake_stop
python3 "$HERE/mailcheck.py" subset "$WORK/maildir-stall" "$EA" "$BEFORE_BIG" >/dev/null 2>"$T/stall.why" &&
    ok "... what was stored is complete" || bad "after a stall, stored messages are complete" "$(cat "$T/stall.why")"
python3 "$HERE/mailcheck.py" server "$PORT" alice secret "$EA" >/dev/null 2>"$T/stall2.why" &&
    ok "... and the server deleted nothing" ||
    bad "a stalled session deletes nothing" "$(cat "$T/stall2.why")"

# --- Maildir ------------------------------------------------------------------
MD=$WORK/maildir-keep
get maildir --maildir "$MD" "$URL"
if expect_rc maildir 0 "--maildir (alice, $NA messages)"; then
    if python3 "$HERE/mailcheck.py" maildir "$MD" "$EA" >/dev/null 2>"$T/maildir.why"; then
        ok "--maildir: every message stored, each equal to its expected copy"
    else
        bad "--maildir stores every message exactly" "$(cat "$T/maildir.why")"
    fi
fi
if python3 "$HERE/mailcheck.py" server "$PORT" alice secret "$EA" >/dev/null 2>"$T/keep.why"; then
    ok "without --delete the messages stay on the server"
else
    bad "without --delete the messages stay on the server" "$(cat "$T/keep.why")"
fi

# Nothing is lost: when storing fails, nothing is deleted.
: > "$WORK/not-a-dir"
get store_fail --delete --maildir "$WORK/not-a-dir/sub" "$URL"
expect_rc store_fail 74 "--maildir into an unusable path"
if python3 "$HERE/mailcheck.py" server "$PORT" alice secret "$EA" >/dev/null 2>"$T/keep2.why"; then
    ok "a failed store deletes nothing"
else
    bad "a failed store deletes nothing" "$(cat "$T/keep2.why")"
fi

if [ "${NO_VALGRIND:-0}" != 1 ] && command -v valgrind >/dev/null; then
    VG=$WORK/maildir-valgrind
    timeout 900 valgrind -q --error-exitcode=99 --leak-check=full \
        --errors-for-leak-kinds=definite,indirect --track-origins=yes \
        "$POP3GET" --all --plaintext-auth --maildir "$VG" "$URL" >"$T/valgrind.out" 2>"$T/valgrind.err" </dev/null
    RC=$?
    CMD="valgrind pop3get --maildir $VG $URL"
    if [ "$RC" -eq 0 ] && python3 "$HERE/mailcheck.py" maildir "$VG" "$EA" >/dev/null 2>&1; then
        ok "--maildir under valgrind memcheck: no errors, all stored"
    else
        bad "--maildir under valgrind memcheck" "$CMD" "exit $RC"
        sed -n '1,30p' "$T/valgrind.err" | sed 's/^/       | /'
    fi
elif grep -qaE '__asan_init|__ubsan_handle' "$POP3GET"; then
    echo "valgrind memcheck: not for a sanitizer build (the sanitizer scan below stands for it)"
else
    skip integration "valgrind memcheck" "valgrind not installed or NO_VALGRIND=1"
fi

get bob_maildir --maildir "$WORK/maildir-bob" "pop3://bob:hunter2@$H"
expect_rc bob_maildir 0 "--maildir (bob)" &&
    { python3 "$HERE/mailcheck.py" maildir "$WORK/maildir-bob" "$EB" >/dev/null 2>"$T/bob.why" &&
      ok "--maildir (bob): all stored exactly" || bad "--maildir (bob)" "$(cat "$T/bob.why")"; }

# --- many messages: more than any pipeline window ------------------------------
NE=$(wc -l < "$EE/manifest")
get erin_list --list "pop3://erin:many@$H"
expect_rc erin_list 0 "--list of $NE messages" &&
    { awk '{print $1, $2}' "$EE/manifest" | cmp -s - "$T/erin_list.out" &&
      ok "... all $NE sizes right" || bad "--list of $NE messages" "$(wc -l < "$T/erin_list.out") lines"; }
get erin_uidl --uidl "pop3://erin:many@$H"
expect_rc erin_uidl 0 "--uidl of $NE messages" &&
    { [ "$(awk '{print $2}' "$T/erin_uidl.out" | sort -u | grep -c .)" -eq "$NE" ] &&
      ok "... $NE unique IDs" || bad "--uidl of $NE messages: unique IDs"; }
get erin_delete --delete --maildir "$WORK/maildir-erin" "pop3://erin:many@$H"
if expect_rc erin_delete 0 "--delete --maildir of $NE messages"; then
    python3 "$HERE/mailcheck.py" maildir "$WORK/maildir-erin" "$EE" >/dev/null 2>"$T/erin.why" &&
        ok "... all $NE stored exactly" || bad "--maildir of $NE messages" "$(cat "$T/erin.why")"
    left=$(find "$SRV/mail/erin/new" "$SRV/mail/erin/cur" -type f | wc -l)
    [ "$left" -eq 0 ] && ok "... and deleted from the server" ||
        bad "--delete of $NE messages empties the server" "$left files left"
fi

# --- delete -------------------------------------------------------------------
MDD=$WORK/maildir-delete
get delete --delete --maildir "$MDD" "$URL"
if expect_rc delete 0 "--delete --maildir"; then
    python3 "$HERE/mailcheck.py" maildir "$MDD" "$EA" >/dev/null 2>"$T/del.why" &&
        ok "--delete: the local Maildir has every message, exactly" ||
        bad "--delete: the local Maildir has every message" "$(cat "$T/del.why")"
    left=$(find "$SRV/mail/alice/new" "$SRV/mail/alice/cur" -type f | wc -l)
    [ "$left" -eq 0 ] && ok "--delete: the server Maildir is empty" ||
        bad "--delete: the server Maildir is empty" "$left files left"
    get after_delete --list "$URL"
    expect_rc after_delete 0 "--list after --delete" &&
        { [ ! -s "$T/after_delete.out" ] && ok "--list after --delete prints nothing" ||
          bad "--list after --delete prints nothing" "$(head -n 3 "$T/after_delete.out")"; }
    get empty_maildir --maildir "$WORK/maildir-empty" "$URL"
    expect_rc empty_maildir 0 "--maildir of an empty maildrop"
fi

# --- a sanitizer build of pop3get (POP3GET=...) reports into stderr ---------------
if grep -qaE '__asan_init|__ubsan_handle' "$POP3GET"; then
    if grep -lE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T"/*.err > "$T/san.files" 2>/dev/null; then
        bad "no sanitizer reports" "in: $(tr '\n' ' ' < "$T/san.files")"
    else
        ok "no sanitizer reports in any run"
    fi
else
    echo "sanitizer scan: not for a plain build (valgrind above stands for it; make integration runs both)"
fi

# --- the server's view ------------------------------------------------------
if grep -E ' (Error|Panic|Fatal): ' "$SRV/dovecot.log" | grep -v 'auth failed' > "$T/server.errors"; [ -s "$T/server.errors" ]; then
    bad "Dovecot logged no errors" "$(head -n 5 "$T/server.errors")"
else
    ok "Dovecot logged no errors"
fi

echo
if [ "$FAIL" -gt 0 ]; then
    echo "integration: failed checks:"
    printf '  - %s\n' "${FAILED[@]}"
    [ "${KEEP:-0}" = 1 ] || echo "  (KEEP=1 keeps the outputs and the server log)"
fi
echo "integration: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
