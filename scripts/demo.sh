#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# demo.sh - pop3get against a real POP3 server, end to end (`make demo`).
#
# Starts a private Dovecot on 127.0.0.1 (tests/integration/dovecot.sh) with a
# few sample messages (tests/integration/mkmaildrop.py), shows the mailbox
# with pop3get --list/--uidl/--top, fetches everything into a Maildir with
# pop3get --maildir, prints what arrived, and stops Dovecot again.
#
#   DEMO_MAILDIR=dir   where to store the mail (default: build/demo-maildir)
#   POP3GET=path       the client (default: build/pop3get)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
IT=$ROOT/tests/integration
POP3GET=${POP3GET:-$ROOT/build/pop3get}
MAILDIR=${DEMO_MAILDIR:-$ROOT/build/demo-maildir}

[ -x "$POP3GET" ] || { echo "demo: $POP3GET not built; run make" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pop3-demo.XXXXXX")
export XDG_STATE_HOME=$WORK/state # pop3get remembers what it fetched here
chmod 0711 "$WORK"
cleanup() {
    bash "$IT/dovecot.sh" stop "$WORK/server" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

if [ -t 1 ]; then
    step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
else
    step() { printf '\n== %s\n' "$*"; }
fi

step "Starting a private Dovecot (config, mail and log in $WORK/server)"
PORT=$(bash "$IT/dovecot.sh" start "$WORK/server" alice:secret)
echo "listening on 127.0.0.1:$PORT; greeting: $(cat "$WORK/server/greeting")"
python3 "$IT/mkmaildrop.py" "$WORK/server" alice --set demo

# The password goes through the environment, not the command line.
export POP3_PASSWORD=secret
URL="pop3://alice@127.0.0.1:$PORT"

step "pop3get --plaintext-auth --list $URL   (test server: no TLS)"
"$POP3GET" --plaintext-auth --list "$URL"

step "pop3get --plaintext-auth --uidl $URL"
"$POP3GET" --plaintext-auth --uidl "$URL"

step "pop3get --apop --top 3:2 $URL   (APOP login; headers and 2 body lines of message 3)"
"$POP3GET" --apop --top 3:2 "$URL"

rm -rf "$MAILDIR"
step "pop3get --plaintext-auth -v --maildir $MAILDIR $URL"
"$POP3GET" --plaintext-auth -v --maildir "$MAILDIR" "$URL" 2>&1 | sed -e 's/^/  /'
echo "  (C: what pop3get sent, S: status and listing lines from the server;"
echo "   the message bodies went to the Maildir, the password is masked)"

step "What arrived in $MAILDIR"
n=0
for f in "$MAILDIR"/new/* "$MAILDIR"/cur/*; do
    [ -f "$f" ] || continue
    n=$((n + 1))
    echo "-- $(basename "$f") ($(wc -c < "$f") octets)"
    # Header lines of interest, then the first body line.
    tr -d '\r' < "$f" | awk '
        /^$/ { body = 1; next }
        !body && /^(From|Subject|Date|Message-ID):/ { print "   " $0 }
        body { print "   | " $0; exit }'
done
echo
echo "$n messages fetched into $MAILDIR"
python3 "$IT/mailcheck.py" maildir "$MAILDIR" "$WORK/server/expected/alice" |
    sed 's/^maildir ok: \(.*\)/each one octet-for-octet what the server holds (\1)/'
echo "The messages are still on the server (pop3get deletes only with --delete)."

step "Stopping Dovecot"
bash "$IT/dovecot.sh" stop "$WORK/server"
echo "done"
