#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tlsfake.py - small servers for the TLS and SASL integration tests.

    tlsfake.py MODE PORTFILE LOGFILE [ARGS]

Listens on 127.0.0.1 (free port written to PORTFILE), serves one client
per connection until killed, and appends every octet a client sent to
LOGFILE (so a test can prove what was, or was not, sent).

Modes:
  strip UPSTREAM_PORT     man in the middle in front of a real server: relays
                          both ways but deletes the STLS line from CAPA
  refuse UPSTREAM_PORT    man in the middle: answers STLS itself with -ERR
  inject CERT KEY         answers STLS with "+OK" and, in the same segment,
                          "+OK injected" before any TLS
  introspect TOKEN        HTTP token introspection service for Dovecot's
                          oauth2 passdb (introspection_mode = get): GET
                          .../TOKEN[&...] says {"active": true, "username":
                          "alice"} for TOKEN, {"active": false} otherwise;
                          LOGFILE gets the request paths
  oauth CERT KEY TOKEN [HOST]
                          POP3S server offering SASL XOAUTH2 and OAUTHBEARER;
                          accepts USER alice with bearer TOKEN (OAUTHBEARER:
                          with host=HOST, default localhost, and port= this
                          server's port), serves an
                          empty maildrop; a wrong token gets the error
                          challenge, then -ERR [AUTH]. LOGFILE also gets a
                          line "SNI=<name>" per handshake ("SNI=-" when the
                          client sent no server name)

Only the standard library is used.
"""

import base64
import json
import socket
import ssl
import sys

from fakeserver import serve_forever, write_port


def log_octets(path, data):
    with open(path, "ab") as f:
        f.write(data)


def readline(conn, buf, log):
    while b"\r\n" not in buf[0]:
        chunk = conn.recv(4096)
        if not chunk:
            return None
        log_octets(log, chunk)
        buf[0] += chunk
    line, buf[0] = buf[0].split(b"\r\n", 1)
    return line


def mitm(client, up_port, mode, log):
    up = socket.create_connection(("127.0.0.1", up_port))
    cbuf, ubuf = [b""], [b""]
    devnull = "/dev/null"

    def up_line():
        return readline(up, ubuf, devnull)

    greeting = up_line()
    client.sendall(greeting + b"\r\n")
    while True:
        line = readline(client, cbuf, log)
        if line is None:
            break
        cmd = line.split(b" ", 1)[0].upper()
        if cmd == b"STLS" and mode == "refuse":
            client.sendall(b"-ERR TLS not available right now\r\n")
            continue
        up.sendall(line + b"\r\n")
        status = up_line()
        if status is None:
            break
        client.sendall(status + b"\r\n")
        multi = status.startswith(b"+OK") and cmd in (b"CAPA", b"LIST", b"UIDL", b"RETR", b"TOP")
        while multi:
            l = up_line()
            if l is None or l == b".":
                client.sendall(b".\r\n")
                break
            if cmd == b"CAPA" and l.upper() == b"STLS" and mode == "strip":
                continue  # the downgrade
            client.sendall(l + b"\r\n")
        if cmd == b"QUIT":
            break
    up.close()


def oauth(conn, token, log, host):
    buf = [b""]
    conn.sendall(b"+OK fake POP3S ready\r\n")
    # RFC 7628 sec. 3.1: OAUTHBEARER names the server (host= and port=) as
    # the client dialled it.
    want = {
        "XOAUTH2": "user=alice\x01auth=Bearer %s\x01\x01" % token,
        "OAUTHBEARER": "n,a=alice,\x01host=%s\x01port=%d\x01auth=Bearer %s\x01\x01"
                       % (host, conn.getsockname()[1], token),
    }
    authed = False
    while True:
        line = readline(conn, buf, log)
        if line is None:
            return
        parts = line.decode("latin-1").split(" ")
        cmd = parts[0].upper()
        if cmd == "CAPA":
            conn.sendall(b"+OK\r\nUSER\r\nSASL XOAUTH2 OAUTHBEARER\r\n"
                         b"RESP-CODES\r\nAUTH-RESP-CODE\r\n.\r\n")
        elif cmd == "AUTH" and len(parts) >= 2 and parts[1].upper() in want:
            mech = parts[1].upper()
            if len(parts) >= 3:
                ir = parts[2]
            else:
                conn.sendall(b"+ \r\n")
                ir = (readline(conn, buf, log) or b"").decode("latin-1")
            try:
                got = base64.b64decode(ir, validate=True).decode("latin-1")
            except Exception:
                got = None
            if got == want[mech]:
                authed = True
                conn.sendall(b"+OK Logged in.\r\n")
                continue
            err = {"status": "invalid_token", "scope": "mail"}
            conn.sendall(b"+ " + base64.b64encode(json.dumps(err).encode()) + b"\r\n")
            reply = readline(conn, buf, log)
            expect = b"" if mech == "XOAUTH2" else b"AQ=="
            if reply != expect:
                conn.sendall(b"-ERR protocol: wrong reply to the error challenge\r\n")
            else:
                conn.sendall(b"-ERR [AUTH] invalid token\r\n")
        elif cmd == "LIST" and authed:
            conn.sendall(b"+OK 0 messages\r\n.\r\n")
        elif cmd == "STAT" and authed:
            conn.sendall(b"+OK 0 0\r\n")
        elif cmd == "QUIT":
            conn.sendall(b"+OK bye\r\n")
            return
        else:
            conn.sendall(b"-ERR unknown command\r\n")


def inject(conn, log):
    buf = [b""]
    conn.sendall(b"+OK fake ready\r\n")
    while True:
        line = readline(conn, buf, log)
        if line is None:
            return
        cmd = line.split(b" ", 1)[0].upper()
        if cmd == b"CAPA":
            conn.sendall(b"+OK\r\nSTLS\r\nUSER\r\n.\r\n")
        elif cmd == b"STLS":
            # One segment: the +OK and a forged reply the client must not
            # take as coming from after the handshake.
            conn.sendall(b"+OK begin TLS\r\n+OK injected\r\n")
        elif cmd == b"QUIT":
            conn.sendall(b"+OK bye\r\n")
            return
        else:
            conn.sendall(b"-ERR no\r\n")


def introspect(portfile, log, token):
    import http.server
    import urllib.parse

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            path = urllib.parse.urlparse(self.path).path
            got = path.rsplit("/", 1)[-1].split("&", 1)[0]
            log_octets(log, ("GET %s\n" % path).encode())
            body = {"active": True, "username": "alice"} if got == token else {"active": False}
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    write_port(portfile, srv.server_address[1])
    srv.serve_forever()


def main():
    mode, portfile, log = sys.argv[1], sys.argv[2], sys.argv[3]
    args = sys.argv[4:]
    if mode == "introspect":
        introspect(portfile, log, args[0])
        return
    ctx = None
    if mode == "oauth":
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args[0], args[1])

        def sni(sock, name, context):
            log_octets(log, ("SNI=%s\n" % (name if name is not None else "-")).encode())

        ctx.sni_callback = sni
    def serve(conn):
        if mode in ("strip", "refuse"):
            mitm(conn, int(args[0]), mode, log)
        elif mode == "inject":
            inject(conn, log)
        elif mode == "oauth":
            with ctx.wrap_socket(conn, server_side=True) as tconn:
                oauth(tconn, args[2], log, args[3] if len(args) > 3 else "localhost")

    serve_forever(portfile, serve, 8, (OSError, ssl.SSLError))


if __name__ == "__main__":
    main()
