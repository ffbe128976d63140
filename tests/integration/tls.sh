#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tls.sh - TLS (POP3S, STLS) and SASL integration tests of build/pop3get
# (what `make tls-check` runs; part of `make check`).
#
# Makes a test CA, a server certificate for "localhost" and an unrelated
# second CA with openssl in a temporary directory (never kept), starts a
# private Dovecot with them (dovecot.sh --tls: STLS on one port, POP3S on
# another), then checks with certificate verification on:
#   - POP3S and STLS logins fetch the right octets;
#   - an IP address is checked against the certificate's iPAddress
#     entries only (127.0.0.1 and ::1 are; 127.0.0.2 is only a dNSName's
#     text) and never sent as SNI (RFC 6066 sec. 3), a host name is;
#   - a wrong host name or address and an untrusted CA are refused with
#     exit 78 before any login;
#   - the TLS version is TLS_VERSION when set (make tls36-check: TLSv1.3);
#   - every SASL mechanism logs in to Dovecot (PLAIN, LOGIN, CRAM-MD5,
#     XOAUTH2, OAUTHBEARER), Dovecot's log showing the mechanism and TLS;
#   - man-in-the-middle servers (tlsfake.py) that strip STLS from CAPA or
#     answer STLS with -ERR are refused under --stls=required and never
#     see the password; octets injected after +OK to STLS are refused;
#   - XOAUTH2 and OAUTHBEARER against Dovecot's oauth2 passdb, whose token
#     introspection service is tlsfake.py (it needs one; there is no OAuth
#     provider here), token right and wrong; and against a scripted POP3S
#     server that checks the exact SASL messages (OAUTHBEARER with the
#     host= and port= pairs of RFC 7628) and error challenges.
#
# Environment: POP3GET=path (default build/pop3get), KEEP=1 keeps the
# temporary directory, NO_VALGRIND=1 skips the memcheck run.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
POP3GET=${POP3GET:-$ROOT/build/pop3get}
TIMEOUT=${TIMEOUT:-60}
unset POP3_PASSWORD

die() { echo "tls: $*" >&2; exit 1; }
. "$ROOT/tests/support/skip.sh"
[ -x "$POP3GET" ] || die "$POP3GET not built (run make)"
command -v openssl >/dev/null || die "openssl missing (run scripts/deps.sh)"
command -v python3 >/dev/null || die "python3 missing (run scripts/deps.sh)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pop3-tls.XXXXXX") || die "mktemp failed"
SRV=$WORK/server
T=$WORK/out
export XDG_STATE_HOME=$WORK/state # pop3get's only-new-mail state
mkdir -p "$SRV" "$T"
chmod 0711 "$WORK"

FAKE_PIDS=()
cleanup() {
    local pid
    for pid in "${FAKE_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    bash "$HERE/dovecot.sh" stop "$SRV" >/dev/null 2>&1 || true
    if [ "${KEEP:-0}" = 1 ]; then echo "tls: kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PASS=0 FAIL=0 FAILED=()
ok() { PASS=$((PASS + 1)); echo "ok   $1"; }
bad() {
    FAIL=$((FAIL + 1)); FAILED+=("$1"); echo "FAIL $1"; shift
    local l; for l in "$@"; do printf '       %s\n' "$l"; done
}
err_tail() { [ -s "$T/$1.err" ] && sed -n '1,8p' "$T/$1.err" | sed 's/^/       | /'; true; }

# get NAME ARGS...: run pop3get; RC, $T/NAME.out, $T/NAME.err.
get() {
    local name=$1; shift
    timeout "$TIMEOUT" "$POP3GET" --all "$@" >"$T/$name.out" 2>"$T/$name.err" </dev/null
    RC=$?
    CMD="pop3get $*"
}
expect_rc() {
    local name=$1 want=$2 what=$3
    if [ "$RC" -eq "$want" ]; then ok "$what (exit $want)"; return 0; fi
    bad "$what" "$CMD" "exit $RC, expected $want"
    err_tail "$name"
    return 1
}
logins() { grep -c "Login: user=<$1>, method=$2, .*TLS" "$SRV/dovecot.log" || true; }
all_logins() { grep -c "Login: user=<" "$SRV/dovecot.log" || true; }

# --- certificates (test only, made now, deleted on exit) ----------------------
P=$WORK/pki
mkdir -p "$P"
ossl() { openssl "$@" >>"$P/openssl.log" 2>&1 || die "openssl $1 failed (see $P/openssl.log)"; }
ossl req -x509 -newkey rsa:2048 -nodes -keyout "$P/ca.key" -out "$P/ca.pem" \
    -days 2 -subj "/CN=pop3 test CA"
ossl req -x509 -newkey rsa:2048 -nodes -keyout "$P/other.key" -out "$P/other-ca.pem" \
    -days 2 -subj "/CN=pop3 unrelated CA"
ossl req -newkey rsa:2048 -nodes -keyout "$P/srv.key" -out "$P/srv.csr" -subj "/CN=localhost"
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1,DNS:127.0.0.2\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
    > "$P/ext.cnf"
ossl x509 -req -in "$P/srv.csr" -CA "$P/ca.pem" -CAkey "$P/ca.key" -CAcreateserial \
    -out "$P/srv.pem" -days 2 -extfile "$P/ext.cnf"
chmod 0755 "$P"
chmod 0644 "$P"/*.pem "$P"/*.key # Dovecot's processes read them; test keys only
mkdir -p "$P/capath"
cp "$P/ca.pem" "$P/capath/"

fake_start() { # MODE ARGS...
    local pf=$T/fake.$RANDOM.port
    FAKE_LOG=$T/fake.$RANDOM.log
    : > "$FAKE_LOG"
    python3 "$HERE/tlsfake.py" "$1" "$pf" "$FAKE_LOG" "${@:2}" 2>>"$T/tlsfake.err" &
    FAKE_PIDS+=("$!")
    local i
    for i in $(seq 1 100); do [ -s "$pf" ] && break; sleep 0.05; done
    FAKE_PORT=$(cat "$pf" 2>/dev/null) || die "tlsfake.py $1 did not start"
}

# Bearer tokens for Dovecot's oauth2 passdb are checked by a local
# introspection service (tlsfake.py introspect).
TOKEN="ya29.test-$RANDOM-token"
printf '%s\n' "$TOKEN" > "$T/token"
printf 'wrong-token\n' > "$T/badtoken"
fake_start introspect "$TOKEN"
INTROSPECT_LOG=$FAKE_LOG
PORT=$(POP3_TEST_LISTEN=127.0.0.2 bash "$HERE/dovecot.sh" start "$SRV" --tls "$P/srv.pem" "$P/srv.key" \
       --oauth2 "http://127.0.0.1:$FAKE_PORT/introspect/" alice:secret \
       bob:hunter2) || die "could not start Dovecot with TLS"
SPORT=$(cat "$SRV/port_pop3s")
python3 "$HERE/mkmaildrop.py" "$SRV" alice --set small || die "mkmaildrop alice"
EA=$SRV/expected/alice
echo "tls: Dovecot STLS on localhost:$PORT, POP3S on localhost:$SPORT ($WORK)"
getent hosts localhost >/dev/null || die "localhost does not resolve"

same() { cmp -s "$1" "$2"; }

# --- POP3S and STLS with verification ------------------------------------------
n0=$(logins alice CRAM-MD5)
get pop3s --cafile "$P/ca.pem" --msg 1 "pop3s://alice:secret@localhost:$SPORT"
if expect_rc pop3s 0 "POP3S with --cafile: message 1"; then
    same "$T/pop3s.out" "$EA/0001.eml" && ok "POP3S: message 1 octets match" ||
        bad "POP3S: message 1 differs" "$CMD"
    [ "$(logins alice CRAM-MD5)" -gt "$n0" ] &&
        ok "POP3S: Dovecot logged a CRAM-MD5 login over TLS (strongest offered)" ||
        bad "POP3S: no TLS CRAM-MD5 login in Dovecot's log"
fi

get stls --cafile "$P/ca.pem" --stls=required -v --msg 2 "pop3://alice:secret@localhost:$PORT"
if expect_rc stls 0 "STLS required: message 2"; then
    same "$T/stls.out" "$EA/0002.eml" && ok "STLS: message 2 octets match" ||
        bad "STLS: message 2 differs"
    # RFC 2595: CAPA again after TLS; credentials only after TLS.
    if awk '/^C: STLS/{s=1} /TLS established/{t=1} /^C: CAPA/{if(t)c=1}
            /^C: AUTH|^C: USER|^C: PASS/{if(!t)bad=1; else l=1}
            END{exit !(s && t && c && l && !bad)}' "$T/stls.err"; then
        ok "STLS: CAPA re-issued after the handshake, login only after TLS"
    else
        bad "STLS: wrong order in the trace" "$(tr '\n' '|' < "$T/stls.err")"
    fi
fi

if [ -n "${TLS_VERSION:-}" ]; then
    grep -q "^\* TLS established ($TLS_VERSION" "$T/stls.err" && ok "STLS negotiated $TLS_VERSION" ||
        bad "TLS version: want $TLS_VERSION" "$(grep 'TLS established' "$T/stls.err")"
fi

get capath --capath "$P/capath" --list "pop3s://alice:secret@localhost:$SPORT"
expect_rc capath 0 "POP3S with --capath DIR"
# Trust that cannot be loaded: a local error (74) naming it, nothing sent.
get cafile_missing --cafile "$P/no-such-ca.pem" --list "pop3s://alice:secret@localhost:$SPORT"
expect_rc cafile_missing 74 "--cafile naming a missing file" &&
    { grep -q "no-such-ca.pem" "$T/cafile_missing.err" && ok "... the error names the file" ||
      bad "--cafile missing: the error names the file" "$(cat "$T/cafile_missing.err")"; }
mkdir -p "$P/emptydir"
get capath_empty --capath "$P/emptydir" --list "pop3s://alice:secret@localhost:$SPORT"
expect_rc capath_empty 74 "--capath naming a directory without certificates" &&
    { grep -qi "no CA certificate" "$T/capath_empty.err" && ok "... the error says no CA was loaded" ||
      bad "--capath empty: the error says no CA was loaded" "$(cat "$T/capath_empty.err")"; }
printf 'not a certificate\n' > "$P/garbage.pem"
get cafile_garbage --cafile "$P/garbage.pem" --list "pop3s://alice:secret@localhost:$SPORT"
expect_rc cafile_garbage 74 "--cafile naming a file that holds no certificate"
# For STLS the CA certificates are read only once the server said +OK to
# STLS: a missing --cafile still fails before any password is sent.
get cafile_missing_stls --cafile "$P/no-such-ca.pem" --stls=required -v --list \
    "pop3://alice:secret@localhost:$PORT"
expect_rc cafile_missing_stls 74 "STLS with --cafile naming a missing file" &&
    { grep -q "no-such-ca.pem" "$T/cafile_missing_stls.err" && grep -q "^C: STLS" "$T/cafile_missing_stls.err" &&
      ! grep -q "^C: \(PASS\|AUTH\|USER\)" "$T/cafile_missing_stls.err" &&
      ok "... read after +OK to STLS: the error names the file, no login was sent" ||
      bad "STLS --cafile missing" "$(cat "$T/cafile_missing_stls.err")"; }
get stlsopt --cafile "$P/ca.pem" --stls --list "pop3://alice:secret@localhost:$PORT"
expect_rc stlsopt 0 "STLS opportunistic (--stls) on a server that offers it"

# --- IP addresses: iPAddress entries only (RFC 6125 sec. 6.2.1) -------------------
get ip4 --cafile "$P/ca.pem" --msg 1 "pop3s://alice:secret@127.0.0.1:$SPORT"
expect_rc ip4 0 "POP3S to 127.0.0.1, an iPAddress of the certificate" &&
    { same "$T/ip4.out" "$EA/0001.eml" || bad "POP3S to 127.0.0.1: message 1 differs"; }
get ip4stls --cafile "$P/ca.pem" --stls=required --list "pop3://alice:secret@127.0.0.1:$PORT"
expect_rc ip4stls 0 "STLS to 127.0.0.1, an iPAddress of the certificate"
if [ "$(cat "$SRV/family")" = 6 ]; then
    get ip6 --cafile "$P/ca.pem" --list "pop3s://alice:secret@[::1]:$SPORT"
    expect_rc ip6 0 "POP3S to [::1], an iPAddress of the certificate"
else
    skip tls "POP3S to [::1], an iPAddress of the certificate" "no IPv6 loopback"
fi

# --- refused certificates: exit 78, no login ------------------------------------
n0=$(all_logins)
get wrongname --cafile "$P/ca.pem" --list "pop3s://alice:secret@127.0.0.2:$SPORT"
expect_rc wrongname 78 "POP3S to 127.0.0.2 (in the certificate only as dNSName text) refused" &&
    { grep -q "another host name" "$T/wrongname.err" && ok "wrong host name: clear message" ||
      bad "wrong host name: message" "$(cat "$T/wrongname.err")"; }
get wrongname2 --cafile "$P/ca.pem" --stls=required --list "pop3://alice:secret@127.0.0.2:$PORT"
expect_rc wrongname2 78 "STLS to 127.0.0.2: wrong address refused"
get untrusted --cafile "$P/other-ca.pem" --list "pop3s://alice:secret@localhost:$SPORT"
expect_rc untrusted 78 "POP3S with a certificate from an untrusted CA refused" &&
    { grep -q "trusted CA" "$T/untrusted.err" && ok "untrusted CA: clear message" ||
      bad "untrusted CA: message" "$(cat "$T/untrusted.err")"; }
get untrusted2 --stls=required --list "pop3://alice:secret@localhost:$PORT"
expect_rc untrusted2 78 "STLS with the system CAs (test CA not among them) refused"
[ "$(all_logins)" -eq "$n0" ] && ok "no login reached Dovecot from a refused certificate" ||
    bad "a login happened despite a refused certificate"

get insecure --insecure --list "pop3s://alice:secret@127.0.0.2:$SPORT"
expect_rc insecure 0 "--insecure skips verification" &&
    { grep -q "WARNING: --insecure" "$T/insecure.err" && ok "--insecure warns on stderr" ||
      bad "--insecure printed no warning"; }

# --- every SASL mechanism Dovecot offers, over TLS ------------------------------
for mech in PLAIN LOGIN CRAM-MD5; do
    n0=$(logins alice "$mech")
    get "sasl-$mech" --cafile "$P/ca.pem" --auth "$mech" --list "pop3s://alice:secret@localhost:$SPORT"
    if expect_rc "sasl-$mech" 0 "SASL $mech over POP3S"; then
        [ "$(logins alice "$mech")" -gt "$n0" ] && ok "Dovecot logged method=$mech over TLS" ||
            bad "no method=$mech login in Dovecot's log"
    fi
done
get sasl-bad --cafile "$P/ca.pem" --auth CRAM-MD5 --list "pop3s://alice:wrong@localhost:$SPORT"
expect_rc sasl-bad 77 "SASL CRAM-MD5 with a wrong password refused" &&
    { grep -q "AUTH" "$T/sasl-bad.err" && ok "refusal names AUTH: $(head -1 "$T/sasl-bad.err")" ||
      bad "refusal message" "$(cat "$T/sasl-bad.err")"; }
# Secure by default: pop3:// upgrades with STLS without being asked.
n0=$(grep -c "TLS" "$SRV/dovecot.log" || true)
"$POP3GET" -v --cafile "$P/ca.pem" --list "pop3://alice:secret@localhost:$PORT" \
    >"$T/stls-default.out" 2>"$T/stls-default.err" </dev/null
RC=$?; CMD="pop3get -v --list pop3://... (no --stls, no --plaintext-auth)"
expect_rc stls-default 0 "pop3:// uses STLS unasked" &&
    { grep -q "^C: STLS" "$T/stls-default.err" && grep -q "^\* TLS established" "$T/stls-default.err" &&
      ! grep -q "^C: \(USER\|PASS\|AUTH\)" <(sed '/TLS established/q' "$T/stls-default.err") &&
      ok "... STLS before any credential, then the login inside TLS" ||
      bad "STLS unasked" "$(grep '^[C*]' "$T/stls-default.err" | tr '\n' '|')"; }
# A certificate that does not verify is not silently skipped.
"$POP3GET" --list "pop3://alice:secret@localhost:$PORT" >/dev/null 2>"$T/stls-untrusted.err" </dev/null
RC=$?; CMD="pop3get --list pop3://... (STLS offered, CA not trusted)"
expect_rc stls-untrusted 78 "STLS by default with an untrusted certificate"
# In clear text the automatic choice never takes PLAIN or LOGIN.
get clear-auto -v --stls=no --list "pop3://alice:secret@localhost:$PORT"
expect_rc clear-auto 0 "clear text, automatic mechanism" &&
    { grep -q "^C: AUTH CRAM-MD5" "$T/clear-auto.err" && ok "clear text: CRAM-MD5 chosen, not PLAIN" ||
      bad "clear text: mechanism" "$(grep '^C: ' "$T/clear-auto.err" | tr '\n' '|')"; }

# --- man in the middle: STLS stripped or refused ----------------------------------
for mode in strip refuse; do
    fake_start "$mode" "$PORT"
    get "mitm-$mode" --cafile "$P/ca.pem" --stls=required --list \
        "pop3://alice:secret@localhost:$FAKE_PORT"
    expect_rc "mitm-$mode" 69 "man in the middle ($mode STLS) refused under --stls=required"
    # The proxy logs what the client sent it: CAPA must be there (the
    # client did talk to it), and for "refuse" the STLS it refused.
    want=CAPA; [ "$mode" = refuse ] && want=STLS
    if grep -qaE "secret|PASS|AUTH|USER" "$FAKE_LOG"; then
        bad "MITM ($mode) saw credentials or a login" "$(tr '\r\n' '  ' < "$FAKE_LOG")"
    elif ! grep -qa "^CAPA" "$FAKE_LOG" || ! grep -qa "^$want" "$FAKE_LOG"; then
        bad "MITM ($mode): the proxy's log lacks the client's CAPA/$want" "log: $(tr '\r\n' '  ' < "$FAKE_LOG")"
    else
        ok "MITM ($mode) saw only: $(tr '\r\n' ' ' < "$FAKE_LOG" | tr -s ' ')"
    fi
done
fake_start strip "$PORT"
get mitm-opt --stls --list "pop3://alice:secret@localhost:$FAKE_PORT"
expect_rc mitm-opt 0 "--stls (opportunistic) continues in clear text when STLS is missing"
# The default (no --plaintext-auth): STLS stripped, so no password leaves.
fake_start strip "$PORT"
# (--auth USER: the automatic choice would take CRAM-MD5, allowed in clear.)
"$POP3GET" --auth USER --list "pop3://alice:secret@localhost:$FAKE_PORT" >/dev/null \
    2>"$T/mitm-default.err" </dev/null
RC=$?; CMD="pop3get --auth USER --list pop3://... through a proxy that strips STLS"
expect_rc mitm-default 69 "STLS stripped: the password is not sent in clear by default" &&
    { ! grep -qaE "secret|PASS|USER|AUTH" "$FAKE_LOG" && grep -q -- "--plaintext-auth" "$T/mitm-default.err" &&
      ok "... the proxy saw no credential; the error names --plaintext-auth" ||
      bad "STLS stripped, default" "log: $(tr '\r\n' '  ' < "$FAKE_LOG")" "$(cat "$T/mitm-default.err")"; }

fake_start inject
get inject --cafile "$P/ca.pem" --stls=required --list "pop3://alice:secret@localhost:$FAKE_PORT"
expect_rc inject 76 "octets after +OK to STLS, before TLS, refused" &&
    { grep -qi "STLS" "$T/inject.err" && ok "injection: $(head -1 "$T/inject.err")" ||
      bad "injection message" "$(cat "$T/inject.err")"; }

# --- OAuth bearer tokens: Dovecot's oauth2 passdb ----------------------------------
for mech in XOAUTH2 OAUTHBEARER; do
    n0=$(logins alice "$mech")
    get "dove-$mech" --cafile "$P/ca.pem" --auth "$mech" --oauth2-token-file "$T/token" \
        --msg 3 "pop3s://alice@localhost:$SPORT"
    if expect_rc "dove-$mech" 0 "Dovecot: SASL $mech with the right token"; then
        same "$T/dove-$mech.out" "$EA/0003.eml" && ok "Dovecot $mech: message 3 octets match" ||
            bad "Dovecot $mech: message 3 differs"
        [ "$(logins alice "$mech")" -gt "$n0" ] && ok "Dovecot logged method=$mech over TLS" ||
            bad "no method=$mech login in Dovecot's log"
    fi
    get "dovebad-$mech" --cafile "$P/ca.pem" --auth "$mech" --oauth2-token-file "$T/badtoken" \
        --list "pop3s://alice@localhost:$SPORT"
    expect_rc "dovebad-$mech" 77 "Dovecot: SASL $mech with a wrong token refused"
done
grep -q "/introspect/$TOKEN" "$INTROSPECT_LOG" && grep -q "/introspect/wrong-token" "$INTROSPECT_LOG" &&
    ok "Dovecot asked the introspection service about both tokens" ||
    bad "introspection service log" "$(cat "$INTROSPECT_LOG")"

# --- OAuth bearer tokens: scripted POP3S server (exact messages) --------------------
fake_start oauth "$P/srv.pem" "$P/srv.key" "$TOKEN"
for mech in XOAUTH2 OAUTHBEARER; do
    get "oauth-$mech" --cafile "$P/ca.pem" --auth "$mech" --oauth2-token-file "$T/token" \
        --list "pop3s://alice@localhost:$FAKE_PORT"
    expect_rc "oauth-$mech" 0 "SASL $mech with the right token"
    get "oauthbad-$mech" --cafile "$P/ca.pem" --auth "$mech" --oauth2-token-file "$T/badtoken" \
        --list "pop3s://alice@localhost:$FAKE_PORT"
    expect_rc "oauthbad-$mech" 77 "SASL $mech with a wrong token refused" &&
        { grep -q "invalid token" "$T/oauthbad-$mech.err" && ok "$mech refusal carries the server text" ||
          bad "$mech refusal text" "$(cat "$T/oauthbad-$mech.err")"; }
done
get oauth-auto --cafile "$P/ca.pem" --oauth2-token-file "$T/token" --list -v \
    "pop3s://alice@localhost:$FAKE_PORT"
expect_rc oauth-auto 0 "token without --auth: OAUTHBEARER chosen from CAPA" &&
    { grep -q "^C: AUTH OAUTHBEARER \*\*\*\*" "$T/oauth-auto.err" &&
      ! grep -q "$TOKEN" "$T/oauth-auto.err" && ok "trace masks the bearer token" ||
      bad "trace of the token login" "$(grep '^C: ' "$T/oauth-auto.err" | tr '\n' '|')"; }

# --- SNI: the host name, never an address (RFC 6066 sec. 3) -------------------------
fake_start oauth "$P/srv.pem" "$P/srv.key" "$TOKEN"
get sni-name --cafile "$P/ca.pem" --oauth2-token-file "$T/token" --list "pop3s://alice@localhost:$FAKE_PORT"
expect_rc sni-name 0 "POP3S to localhost (scripted server)" &&
    { [ "$(grep -a '^SNI=' "$FAKE_LOG")" = "SNI=localhost" ] && ok "SNI sent: localhost" ||
      bad "SNI for localhost" "$(grep -a '^SNI=' "$FAKE_LOG" | tr '\n' ' ')"; }
fake_start oauth "$P/srv.pem" "$P/srv.key" "$TOKEN" 127.0.0.1
get sni-ip --cafile "$P/ca.pem" --oauth2-token-file "$T/token" --list "pop3s://alice@127.0.0.1:$FAKE_PORT"
expect_rc sni-ip 0 "POP3S to 127.0.0.1 (scripted server)" &&
    { [ "$(grep -a '^SNI=' "$FAKE_LOG")" = "SNI=-" ] && ok "no SNI for an IP address" ||
      bad "SNI for 127.0.0.1" "$(grep -a '^SNI=' "$FAKE_LOG" | tr '\n' ' ')"; }

# --- memcheck of one TLS session --------------------------------------------------
if [ "${NO_VALGRIND:-0}" != 1 ] && command -v valgrind >/dev/null; then
    timeout 120 valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
        "$POP3GET" --cafile "$P/ca.pem" --stls=required --msg 1 "pop3://alice:secret@localhost:$PORT" \
        >"$T/vg.out" 2>"$T/vg.err" </dev/null
    RC=$?
    CMD="valgrind pop3get --stls=required"
    expect_rc vg 0 "valgrind: STLS session clean" && { same "$T/vg.out" "$EA/0001.eml" ||
        bad "valgrind run: message differs"; }
else
    skip tls "valgrind: STLS session clean" "valgrind not installed or NO_VALGRIND=1"
fi

echo "tls: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ] || { printf 'tls: failed: %s\n' "${FAILED[@]}"; exit 1; }
