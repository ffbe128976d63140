#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# nothing_lost.sh - pop3get --maildir --delete against Dovecot, interrupted
# at many points; no message may end up neither on the server nor stored.
#
#   bash tests/hostile/nothing_lost.sh        (make nothing-lost)
#
# A private Dovecot (tests/integration/dovecot.sh) gets one user per run,
# each with its own maildrop of COUNT messages (mkmaildrop.py --set many),
# so every run starts fresh and no session lock is shared. Two ways to cut:
#   kill   pop3get is killed with SIGKILL after a delay spread evenly over
#          the duration of an uninterrupted run (KILLS runs; a run that
#          was faster this time ends normally);
#   cut    the connection goes through fakeserver.py's cutting proxy, which
#          drops both sides after N octets from the server, N spread evenly
#          over the octets of a whole session (CUTS runs).
#   stray  fakeserver.py's stray proxy slips an unsolicited "+OK" line in
#          right after reply number N (the greeting is 0), N spread over
#          the replies of a whole session (STRAYS runs): every later reply
#          would be one off; the engine must notice before anything is
#          stored or deleted wrongly;
#   lfbody the lfbody proxy sends the bodies from RETR reply number N on
#          with LF line ends, ".\n" terminators included (LFBODIES runs):
#          that reply never ends, the reply timeout ends the session,
#          nothing is deleted;
#   inject the garble proxy slips bare-LF lines "\n.\n+OK 1 octets\n" into
#          the first body (once alone, then cut at 3 points after it):
#          content, stored with the message; every stored message must be
#          its own octets (injected.py).
# After all runs (and a settling pause, so Dovecot has finished any QUIT
# it got), lostcount.py sorts every message into: only on the server,
# only stored, both (a duplicate on the next run - acceptable in POP3
# without UIDL tracking, but counted), or lost (fails the test). A message
# stored twice locally fails the test; so does a lostcount.py that does not
# answer for every run, an exit status outside the set expected for the
# kind of run, and too little progress (see below). A summary line gives
# the totals.
#
# Environment: POP3GET (default build/pop3get), KILLS (30), CUTS (30),
# STRAYS (12), LFBODIES (4), COUNT (25), KEEP=1 keeps the work directory.
# A stray run caught before a body (76) and an LF-only run must leave every
# message on the server; killed and cut runs must, together, have stored an
# eighth of their mail (a third to a half is typical).
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
INT=$ROOT/tests/integration
POP3GET=${POP3GET:-$ROOT/build/pop3get}
KILLS=${KILLS:-30}
CUTS=${CUTS:-30}
COUNT=${COUNT:-25}
STRAYS=${STRAYS:-12}
LFBODIES=${LFBODIES:-4}

die() { echo "nothing-lost: $*" >&2; exit 1; }
[ -x "$POP3GET" ] || die "$POP3GET not built (run make)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pop3-lost.XXXXXX") || die "mktemp failed"
SRV=$WORK/server
mkdir -p "$SRV" "$WORK/local"
export XDG_STATE_HOME=$WORK/state # pop3get's only-new-mail state
chmod 0711 "$WORK"
FAKE_PID=
cleanup() {
    [ -n "$FAKE_PID" ] && kill "$FAKE_PID" 2>/dev/null
    bash "$INT/dovecot.sh" stop "$SRV" >/dev/null 2>&1 || true
    if [ "${KEEP:-0}" = 1 ]; then echo "nothing-lost: kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

users=(ref0:pw ref:pw)
for i in $(seq 1 "$KILLS"); do users+=("k$i:pw"); done
for i in $(seq 1 "$CUTS"); do users+=("c$i:pw"); done
for i in $(seq 1 "$STRAYS"); do users+=("s$i:pw"); done
for i in $(seq 1 "$LFBODIES"); do users+=("l$i:pw"); done
INJECTS=("" 2000 6000 11000) # bodyinject, alone and cut after N octets
for i in "${!INJECTS[@]}"; do users+=("g$i:pw"); done
PORT=$(bash "$INT/dovecot.sh" start "$SRV" "${users[@]}") || die "could not start Dovecot"
# All maildrops from one interpreter (Python start-up dominates otherwise).
python3 "$INT/mkmaildrop.py" "$SRV" "${users[@]%%:*}" --set many --count "$COUNT" >/dev/null ||
    die "mkmaildrop failed"

# Exit statuses a run may end with: a killed run 137 (SIGKILL) or 0 (it
# finished first); a cut run 0 (cut after the end), 69 (connection lost
# before the greeting), 75 (reply timeout), 76 (connection lost mid-session).
# Anything else (a crash, a usage error, a local I/O error) fails.
# A stray line: 76 (caught: the session ends without QUIT) whenever a
# message body follows it (stray_body: the body's first line, or a body
# line read as a status line, gives the shift away); after the last RETR
# reply only DELE and QUIT replies are left, where POP3 (no tags) cannot
# tell a shifted +OK, so 0 is possible there - nothing is lost, every DELE
# was for a stored message. An LF-only body: 75 (reply timeout).
rc_allowed() {
    case $1 in
    kill) echo "0 137" ;; cut) echo "0 69 75 76" ;; stray) echo "0 76" ;; stray_body) echo "76" ;; lfbody) echo "75" ;;
    inject) echo "0 76" ;; inject_cut) echo "0 69 75 76" ;;
    *) echo "" ;;
    esac
}
rc_expected() { local c; for c in $(rc_allowed "$1"); do [ "$2" = "$c" ] && return 0; done; return 1; }
# Runs whose session must be found out before QUIT: nothing deleted.
keeps_all() { case $1 in stray_body|lfbody) return 0 ;; *) return 1 ;; esac; }

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# Reference: whole runs, for the duration and octet count. The first one
# warms Dovecot up (its auth and pop3 processes start then) and is not timed.
"$POP3GET" --plaintext-auth --maildir "$WORK/local/ref0" --delete "pop3://ref0:pw@127.0.0.1:$PORT" \
    >/dev/null 2>"$WORK/ref0.err" </dev/null || die "warm-up run failed: $(cat "$WORK/ref0.err")"
t0=$(now_ms)
"$POP3GET" --plaintext-auth --maildir "$WORK/local/ref" --delete "pop3://ref:pw@127.0.0.1:$PORT" \
    >/dev/null 2>"$WORK/ref.err" </dev/null || die "reference run failed: $(cat "$WORK/ref.err")"
T_MS=$(( $(now_ms) - t0 ))
[ "$T_MS" -lt 20 ] && T_MS=20
read -r _ total sonly stored both lost dups < <(python3 "$HERE/lostcount.py" \
    "$SRV" "$WORK/local" ref)
[ "$stored" = "$COUNT" ] || die "reference run stored $stored of $COUNT"
OCTETS=$(awk '{ s += $2 + 40 } END { print s + 400 }' "$SRV/expected/ref/manifest")
echo "nothing-lost: Dovecot on 127.0.0.1:$PORT; $COUNT messages per run; whole run ${T_MS} ms, ~$OCTETS octets"

T_SONLY=0 T_STORED=0 T_BOTH=0 T_LOST=0 T_DUPS=0 T_MSGS=0 P_MSGS=0 P_STORED=0
declare -A RCS=()
FAILS=0

# What each run was: "USER KIND WHERE RC", accounted for at the end.
RUNS=()
for i in $(seq 1 "$KILLS"); do
    u=k$i
    d_ms=$(( T_MS * (i - 1) / KILLS ))
    "$POP3GET" --plaintext-auth --maildir "$WORK/local/$u" --delete "pop3://$u:pw@127.0.0.1:$PORT" \
        >/dev/null 2>"$WORK/$u.err" </dev/null &
    pid=$!
    sleep "$(printf '%d.%03d' $((d_ms / 1000)) $((d_ms % 1000)))"
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    rc=$?
    RUNS+=("$u kill at_${d_ms}_ms $rc")
done

# through_fake USER TIMEOUT MODE ARGS...: one pop3get run for USER (--timeout
# TIMEOUT) through fakeserver.py MODE ARGS in front of Dovecot; its exit
# status in RC, the proxy's port file in PF.
through_fake() {
    local u=$1 t=$2
    PF=$WORK/fake.$u.port
    python3 "$INT/fakeserver.py" "$3" "$PF" "$PORT" "${@:4}" 2>>"$WORK/fake.err" &
    FAKE_PID=$!
    for _ in $(seq 1 100); do [ -s "$PF" ] && break; sleep 0.05; done
    [ -s "$PF" ] || die "fakeserver.py $3 did not start"
    timeout 60 "$POP3GET" --plaintext-auth --timeout "$t" --maildir "$WORK/local/$u" --delete \
        "pop3://$u:pw@127.0.0.1:$(cat "$PF")" >/dev/null 2>"$WORK/$u.err" </dev/null
    RC=$?
    kill "$FAKE_PID" 2>/dev/null; wait "$FAKE_PID" 2>/dev/null; FAKE_PID=
}

for i in $(seq 1 "$CUTS"); do
    u=c$i
    cut=$(( OCTETS * (i - 1) / CUTS ))
    through_fake "$u" 10 cut "$cut"
    RUNS+=("$u cut after_${cut}_octets $RC")
done

# garble KIND USER N [MODE ARGS...]: one run through an injecting proxy,
# fakeserver.py MODE (default KIND) with ARGS (default N).
garble() {
    local kind=$1 u=$2 n=$3
    shift 3
    [ $# -gt 0 ] || set -- "$kind" "$n"
    through_fake "$u" 2 "$@"
    # A stray line with a message body after it must be caught.
    [ "$kind" = stray ] && [ -e "$PF.body" ] && kind=stray_body
    RUNS+=("$u $kind $kind@$n $RC")
}
# Replies in a whole session: greeting, CAPA, USER, PASS, STAT, a listing
# or two, a RETR and a DELE per message, QUIT.
REPLIES=$(( 2 * COUNT + 8 ))
for i in $(seq 1 "$STRAYS"); do garble stray "s$i" $(( REPLIES * (i - 1) / STRAYS )); done
for i in $(seq 1 "$LFBODIES"); do garble lfbody "l$i" $(( 1 + (COUNT - 1) * (i - 1) / LFBODIES )); done
for i in "${!INJECTS[@]}"; do
    n=${INJECTS[$i]}
    # shellcheck disable=SC2086
    garble "inject${n:+_cut}" "g$i" "${n:-0}" garble bodyinject $n
done

sleep 1 # Dovecot finishes any QUIT it got (expunge) or rolls back
declare -A KIND=()
for r in "${RUNS[@]}"; do
    read -r u kind where rc <<<"$r"
    KIND[$u]="$kind $where $rc"
    RCS[$rc]=$(( ${RCS[$rc]:-0} + 1 ))
done
# lostcount.py must answer for every run; a crash or a short answer fails.
python3 "$HERE/lostcount.py" "$SRV" "$WORK/local" "${!KIND[@]}" >"$WORK/counts" 2>"$WORK/counts.err" ||
    die "lostcount.py failed: $(head -c 600 "$WORK/counts.err")"
[ "$(grep -c . "$WORK/counts")" -eq "${#KIND[@]}" ] ||
    die "lostcount.py answered for $(grep -c . "$WORK/counts") of ${#KIND[@]} runs"
while read -r u total sonly stored both lost dups; do
    T_MSGS=$((T_MSGS + total)) T_SONLY=$((T_SONLY + sonly)) T_STORED=$((T_STORED + stored))
    T_BOTH=$((T_BOTH + both)) T_LOST=$((T_LOST + lost)) T_DUPS=$((T_DUPS + dups))
    if [ "$total" -ne "$COUNT" ]; then
        FAILS=$((FAILS + 1)); echo "FAIL ${KIND[$u]}: manifest of $u has $total messages, not $COUNT"
    fi
    if [ "$lost" -ne 0 ]; then
        FAILS=$((FAILS + 1))
        echo "FAIL ${KIND[$u]}: $lost of $total messages lost (server-only $sonly, stored $stored, both $both)"
    fi
    if [ "$dups" -ne 0 ]; then
        FAILS=$((FAILS + 1))
        echo "FAIL ${KIND[$u]}: $dups messages stored twice locally"
    fi
    read -r kind where rc <<<"${KIND[$u]}"
    case $kind in kill|cut) P_MSGS=$((P_MSGS + total)) P_STORED=$((P_STORED + stored + both)) ;; esac
    if keeps_all "$kind" && [ "$stored" -ne 0 ]; then
        FAILS=$((FAILS + 1))
        echo "FAIL ${KIND[$u]}: $stored messages deleted on the server, none may be"
    fi
    case $kind in inject*)
        # The injected lines are content: every stored message is its own
        # octets, the first one (when the run got that far) with them in.
        if ! python3 "$HERE/injected.py" "$WORK/local/$u" "$SRV/expected/$u" "$rc" >"$WORK/$u.inj" 2>&1; then
            FAILS=$((FAILS + 1)); echo "FAIL ${KIND[$u]}: $(head -n 3 "$WORK/$u.inj" | tr '\n' ' ')"
        fi ;;
    esac
    if ! rc_expected "$kind" "$rc"; then
        FAILS=$((FAILS + 1))
        echo "FAIL ${KIND[$u]}: pop3get exit status $rc is none of those expected for a $kind run ($(rc_allowed "$kind"))"
    fi
done < "$WORK/counts"

codes=""
for k in $(printf '%s\n' "${!RCS[@]}" | sort -n); do codes+=" exit $k: ${RCS[$k]};"; done
echo "nothing-lost: $((KILLS + CUTS + STRAYS + LFBODIES + ${#INJECTS[@]})) interrupted runs ($KILLS kill -9, $CUTS cut connections, $STRAYS stray replies, $LFBODIES LF-only bodies, ${#INJECTS[@]} injected body lines), $T_MSGS messages:"
echo "  only on the server $T_SONLY, only stored $T_STORED, both (duplicates) $T_BOTH, lost $T_LOST, extra local copies $T_DUPS"
echo "  pop3get exit statuses:$codes (137 = killed); killed and cut runs stored $P_STORED of $P_MSGS"
# Progress: interrupted runs at evenly spread points must, together, have
# stored a good part of the mail and committed deletions for some of it; a
# pop3get that stores or deletes nothing would otherwise pass. (Killed and
# cut runs stop at points spread over a whole run: a third to a half of
# their messages get stored; an eighth is the bound.)
if [ $(( P_STORED * 8 )) -lt "$P_MSGS" ]; then
    FAILS=$((FAILS + 1))
    echo "FAIL progress: killed and cut runs stored only $P_STORED of $P_MSGS messages (at least an eighth expected)"
fi
if [ "$T_STORED" -lt "$COUNT" ]; then
    FAILS=$((FAILS + 1))
    echo "FAIL progress: only $T_STORED messages stored and deleted from the server (at least $COUNT expected)"
fi
if [ "$FAILS" -ne 0 ] || [ "$T_LOST" -ne 0 ] || [ "$T_DUPS" -ne 0 ]; then
    echo "nothing-lost: FAIL ($FAILS failed checks)"
    exit 1
fi
echo "nothing-lost: no message lost, none stored twice"
