#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""badsrv.py - POP3 servers that end sessions badly, for the lwIP tests
(run inside the test's network namespace only).

    badsrv.py MODE BIND_ADDR PORTFILE INFOFILE

Listens on BIND_ADDR (a free port, written to PORTFILE) and serves one
connection, then exits:
  cut    answers CAPA (empty list), USER, PASS, STAT (1 message), then RETR 1
         with 300 000 octets of body lines and closes the connection (FIN)
         without the terminating ".": the client must see every octet, then
         POP3_ERR_TRUNCATED. INFOFILE gets the number of body octets sent.
  reset  greets, reads one command, and resets the connection (RST): the
         client must see POP3_ERR_RESET.
"""
import socket
import struct
import sys


def lines(conn):
    buf = b""
    while True:
        while b"\n" not in buf:
            chunk = conn.recv(4096)
            if not chunk:
                return
            buf += chunk
        line, buf = buf.split(b"\n", 1)
        yield line.rstrip(b"\r").decode("latin-1")


def serve_cut(conn, info):
    conn.sendall(b"+OK badsrv ready\r\n")
    for line in lines(conn):
        cmd = line.split(" ")[0].upper()
        if cmd == "CAPA":
            conn.sendall(b"+OK\r\n.\r\n")
        elif cmd in ("USER", "PASS"):
            conn.sendall(b"+OK\r\n")
        elif cmd == "STAT":
            conn.sendall(b"+OK 1 400000\r\n")
        elif cmd == "RETR":
            body = b"".join(b"line %06d of a message that never ends\r\n" % i
                            for i in range(7000))[:300000]
            conn.sendall(b"+OK\r\n" + body)
            with open(info, "w") as f:
                f.write("%d\n" % len(body))
            conn.shutdown(socket.SHUT_WR)
            for _ in lines(conn):
                pass
            return
        else:
            conn.sendall(b"-ERR unexpected\r\n")


def serve_reset(conn, info):
    conn.sendall(b"+OK badsrv ready\r\n")
    conn.recv(512)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with open(info, "w") as f:
        f.write("reset\n")


def main():
    if len(sys.argv) != 5 or sys.argv[1] not in ("cut", "reset"):
        sys.exit(__doc__)
    mode, bind, portfile, info = sys.argv[1:]
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((bind, 0))
    ls.listen(1)
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    import os
    os.rename(portfile + ".tmp", portfile)
    ls.settimeout(120)
    conn, _ = ls.accept()
    conn.settimeout(60)
    try:
        (serve_cut if mode == "cut" else serve_reset)(conn, info)
    except OSError:
        pass
    finally:
        conn.close()
        ls.close()


if __name__ == "__main__":
    main()
