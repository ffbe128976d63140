#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# dovecot.sh - a private Dovecot POP3 server for the tests.
#
#   dovecot.sh start DIR [USER:PASS ...]   start; prints the port, also in DIR/port
#   dovecot.sh start DIR --tls CERT KEY [--oauth2 URL] [USER:PASS ...]
#                                          the same with TLS: STLS on the port,
#                                          POP3S on DIR/port_pop3s, CRAM-MD5 too;
#                                          --oauth2: XOAUTH2 and OAUTHBEARER with
#                                          bearer tokens checked by GET URL<token>
#                                          (a token introspection service)
#   dovecot.sh stop DIR                    stop it (the master PID only) and clean up
#   dovecot.sh status DIR                  exit 0 when it is running
#
# Everything lives in DIR: the config (DIR/dovecot.conf), runtime sockets
# (DIR/run), state (DIR/state), the log (DIR/dovecot.log), the password file
# (DIR/users) and the mail (DIR/mail/USER, Maildir). The system config in
# /etc/dovecot is never read. It listens on 127.0.0.1 (and ::1 when the
# machine has IPv6 loopback: DIR/family says 6, else 4) only, on a free TCP
# port chosen at start; POP3_TEST_LISTEN="ADDR[, ADDR]" adds addresses. Without USER:PASS arguments the users are alice:secret and
# bob:hunter2. Several instances with different DIRs can run at once.
# $POP3_TEST_DOVECOT_EXTRA, when set, names a file appended to the config
# (the benchmark raises process and client limits with it).
#
# The mail belongs to whoever runs this script, except for root: Dovecot
# refuses to touch mail as uid 0, so then it belongs to the account named by
# $POP3_TEST_MAIL_USER (default nobody). DIR/mailowner holds "UID GID";
# whatever puts files into DIR/mail must give them that owner
# (mkmaildrop.py does).
#
# Authentication: USER/PASS, APOP and SASL PLAIN/LOGIN, all over plain text
# (ssl = no; this is loopback-only test rig). APOP needs the passwords in
# plain text, hence the {PLAIN} scheme, and makes Dovecot put a <timestamp>
# in its greeting.
set -euo pipefail

die() { echo "dovecot.sh: $*" >&2; exit 1; }

DOVECOT=${DOVECOT:-$(command -v dovecot || echo /usr/sbin/dovecot)}
# Owner of the mail when run as root (Dovecot refuses uid 0 for mail).
MAIL_USER=${POP3_TEST_MAIL_USER:-nobody}

usage() {
    echo "usage: dovecot.sh start DIR [USER:PASS ...] | stop DIR | status DIR" >&2
    exit 64
}

# Print a TCP port that nothing listens on right now, on 127.0.0.1 and, when
# the machine has IPv6 loopback, on ::1 too; then "6" if ::1 works, else "4".
free_port() {
    python3 - <<'EOF'
import socket
def v6_ok():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False
v6 = v6_ok()
for _ in range(50):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    try:
        if v6:
            with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s6:
                s6.bind(("::1", port))
    except OSError:
        continue
    finally:
        s.close()
    print(port, 6 if v6 else 4)
    break
EOF
}

# Wait until the server sends its greeting on 127.0.0.1:$1; print it.
wait_greeting() {
    python3 - "$1" <<'EOF'
import socket, sys, time
port = int(sys.argv[1])
deadline = time.time() + 15
while True:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=3) as s:
            data = b""
            while not data.endswith(b"\r\n"):
                chunk = s.recv(512)
                if not chunk:
                    break
                data += chunk
            if data.startswith(b"+OK"):
                s.sendall(b"QUIT\r\n")
                print(data.decode("latin-1").strip())
                sys.exit(0)
    except OSError:
        pass
    if time.time() > deadline:
        sys.exit(1)
    time.sleep(0.1)
EOF
}

master_pid() {
    local f="$1/run/master.pid"
    [ -s "$f" ] || return 1
    local pid
    pid=$(tr -dc 0-9 < "$f")
    [ -n "$pid" ] || return 1
    echo "$pid"
}

is_running() {
    local pid
    pid=$(master_pid "$1") || return 1
    kill -0 "$pid" 2>/dev/null
}

write_conf() {
    local dir="$1" port="$2" family="$3" sport="${4:-0}"
    local addrs="127.0.0.1"
    [ "$family" = 6 ] && addrs="127.0.0.1, ::1"
    # Extra listen addresses, e.g. a namespace's tap address (tests/lwip).
    [ -n "${POP3_TEST_LISTEN:-}" ] && addrs="$addrs, $POP3_TEST_LISTEN"
    local uid gid user group
    uid=$(id -u); gid=$(id -g)
    user=$(id -un); group=$(id -gn)
    local muid mgid
    read -r muid mgid < "$dir/mailowner"

    local internal_user=dovecot login_user=dovenull chroot_login="login"
    local extra=""
    if [ "$uid" -ne 0 ]; then
        # Not root: every Dovecot process runs as us, and nothing can chroot.
        internal_user=$user
        login_user=$user
        chroot_login=""
        extra="default_internal_group = $group"
    else
        getent passwd dovecot >/dev/null || internal_user=root
        getent passwd dovenull >/dev/null || login_user=nobody
    fi

    # --tls: a certificate made by the caller; STLS on the POP3 port and
    # POP3S on a second one. CRAM-MD5 needs the plain-text passwords, which
    # the passdb has anyway.
    local ssl_conf="ssl = no" extra_mechs=""
    if [ -n "${TLS_CERT:-}" ]; then
        ssl_conf="ssl = yes
ssl_cert = <$TLS_CERT
ssl_key = <$TLS_KEY
ssl_min_protocol = TLSv1.2"
        extra_mechs=" cram-md5"
    fi
    # --oauth2: Dovecot's oauth2 passdb asks the introspection URL about
    # each bearer token (introspection_mode = get appends the token).
    local oauth_passdb=""
    if [ -n "${OAUTH2_URL:-}" ]; then
        extra_mechs="$extra_mechs xoauth2 oauthbearer"
        printf '%s\n' "introspection_mode = get" "introspection_url = $OAUTH2_URL" \
            "username_attribute = username" "active_attribute = active" \
            "active_value = true" > "$dir/oauth2.conf"
        chmod 0644 "$dir/oauth2.conf"
        oauth_passdb="passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = $dir/oauth2.conf
}"
    fi

    cat > "$dir/dovecot.conf" <<EOF
# Private test instance; generated by tests/integration/dovecot.sh.
instance_name = pop3test-$port
base_dir = $dir/run
state_dir = $dir/state
log_path = $dir/dovecot.log
info_log_path = $dir/dovecot.log
debug_log_path = $dir/dovecot.log
auth_verbose = yes

listen = $addrs
protocols = pop3
$ssl_conf
disable_plaintext_auth = no
auth_mechanisms = plain login apop$extra_mechs

default_internal_user = $internal_user
default_login_user = $login_user
$extra
first_valid_uid = 0
first_valid_gid = 0
mail_location = maildir:$dir/mail/%u
pop3_uidl_format = %08Xu%08Xv
# RFC 1939 sec. 8: one session at a time per maildrop; a second login gets
# "-ERR [IN-USE]" (RFC 2449 sec. 8.1.1).
pop3_lock_session = yes

passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dir/users
}
$oauth_passdb
userdb {
  driver = static
  args = uid=$muid gid=$mgid home=$dir/home/%u
}

service pop3-login {
  chroot = $chroot_login
  inet_listener pop3 {
    address = $addrs
    port = $port
  }
  inet_listener pop3s {
    address = $addrs
    port = $sport
  }
}
service anvil {
  chroot = ${chroot_login:+empty}
  # No auth penalty: the tests log in with wrong passwords on purpose, and
  # the penalty would slow every later login from 127.0.0.1 by up to 15 s.
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service imap-login {
  inet_listener imap {
    port = 0
  }
  inet_listener imaps {
    port = 0
  }
}
EOF
}

cmd_start() {
    local dir="$1"; shift
    TLS_CERT="" TLS_KEY=""
    if [ "${1:-}" = --tls ]; then
        [ $# -ge 3 ] || usage
        TLS_CERT=$(cd "$(dirname "$2")" && pwd -P)/$(basename "$2")
        TLS_KEY=$(cd "$(dirname "$3")" && pwd -P)/$(basename "$3")
        shift 3
    fi
    OAUTH2_URL=""
    if [ "${1:-}" = --oauth2 ]; then
        [ $# -ge 2 ] || usage
        OAUTH2_URL=$2
        shift 2
    fi
    [ -d "$dir" ] || mkdir -p "$dir"
    dir=$(cd "$dir" && pwd -P)
    is_running "$dir" && die "already running in $dir (pid $(master_pid "$dir"))"
    [ -x "$DOVECOT" ] || die "dovecot not found (run scripts/deps.sh)"

    local users=("$@")
    [ "${#users[@]}" -gt 0 ] || users=(alice:secret bob:hunter2)

    mkdir -p "$dir/run" "$dir/state" "$dir/mail" "$dir/home"
    : > "$dir/users"
    local u name
    for u in "${users[@]}"; do
        name=${u%%:*}
        [ "$name" != "$u" ] || die "user '$u' is not USER:PASS"
        printf '%s:{PLAIN}%s\n' "$name" "${u#*:}" >> "$dir/users"
        mkdir -p "$dir/mail/$name/new" "$dir/mail/$name/cur" \
                 "$dir/mail/$name/tmp" "$dir/home/$name"
    done
    if [ "$(id -u)" -eq 0 ]; then
        # Dovecot never runs mail processes as root ("Mail access not
        # allowed for root"), so the mail belongs to an unprivileged account.
        # The auth process runs as the dovecot user: it must reach the
        # password file. Test passwords only.
        local muid mgid
        muid=$(id -u "$MAIL_USER") || die "no user $MAIL_USER for the mail"
        mgid=$(id -g "$MAIL_USER")
        echo "$muid $mgid" > "$dir/mailowner"
        chown -R "$muid:$mgid" "$dir/mail" "$dir/home"
        chmod 0711 "$dir"
        chmod 0755 "$dir/mail" "$dir/home"
        chmod 0644 "$dir/users"
        # ... and so must the mail owner reach the mail: every directory
        # above DIR must be searchable by others.
        local up="$dir"
        while [ "$up" != / ]; do
            up=$(dirname "$up")
            if [ $(( 0$(stat -c %a "$up") & 1 )) -eq 0 ]; then
                die "$up is not searchable by others (mode $(stat -c %a "$up")), so Dovecot's unprivileged processes cannot reach $dir; chmod o+x $up or use another DIR"
            fi
        done
    else
        echo "$(id -u) $(id -g)" > "$dir/mailowner"
    fi

    local try port sport
    for try in 1 2 3 4 5; do
        read -r port family < <(free_port)
        sport=0
        if [ -n "$TLS_CERT" ]; then
            read -r sport _ < <(free_port)
            [ "$sport" != "$port" ] || continue
        fi
        [ -n "$port" ] || die "could not find a free port"
        write_conf "$dir" "$port" "$family" "$sport"
        if [ -n "${POP3_TEST_DOVECOT_EXTRA:-}" ]; then
            cat "$POP3_TEST_DOVECOT_EXTRA" >> "$dir/dovecot.conf"
        fi
        if ! "$DOVECOT" -c "$dir/dovecot.conf" 2>>"$dir/dovecot.log"; then
            tail -n 20 "$dir/dovecot.log" >&2 || true
            die "dovecot failed to start (config $dir/dovecot.conf)"
        fi
        if greeting=$(wait_greeting "$port"); then
            echo "$port" > "$dir/port"
            [ "$sport" = 0 ] || echo "$sport" > "$dir/port_pop3s"
            echo "$family" > "$dir/family"
            echo "$greeting" > "$dir/greeting"
            echo "$port"
            return 0
        fi
        # Lost a race for the port, or a slow start: stop and retry.
        if grep -q "Address already in use" "$dir/dovecot.log" 2>/dev/null; then
            cmd_stop "$dir" || true
            continue
        fi
        cmd_stop "$dir" || true
        tail -n 20 "$dir/dovecot.log" >&2 || true
        die "dovecot did not answer on 127.0.0.1:$port"
    done
    die "no free port found after $try tries"
}

cmd_stop() {
    local dir="$1" pid i
    [ -d "$dir" ] || return 0
    if pid=$(master_pid "$dir") && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for i in $(seq 1 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            echo "dovecot.sh: master $pid did not exit; killing it" >&2
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    rm -rf "$dir/run"
    rm -f "$dir/port" "$dir/family" "$dir/port_pop3s"
}

[ $# -ge 2 ] || usage
case "$1" in
    start) shift; cmd_start "$@" ;;
    stop) cmd_stop "$2" ;;
    status) is_running "$2" ;;
    *) usage ;;
esac
