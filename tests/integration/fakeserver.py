#!/usr/bin/env python3
"""fakeserver.py - misbehaving POP3 peers and a chopping proxy, for run.sh.

    fakeserver.py MODE PORTFILE [UPSTREAM_PORT [CUT_AFTER]]

Listens on 127.0.0.1 on a free port, writes the port to PORTFILE, and serves
connections until killed. MODE:

    silent     accept and never say anything (greeting timeout)
    garbage    answer with a line that is not POP3
    close      accept and close at once, before any greeting
    truncate   a proper greeting and login, then LIST stops mid-listing
               and the connection closes
    proxy      forward to 127.0.0.1:UPSTREAM_PORT, handing the server's
               bytes to the client in pieces of random size (1..1500 octets,
               TCP_NODELAY, the odd pause), so every split a real network can
               produce is likely to happen somewhere
    cut        like proxy, but drop both connections once CUT_AFTER octets
               have come from the server (a connection lost mid-transfer)

Standard library only.
"""

import random
import socket
import sys
import threading
import time


def recv_line(conn):
    data = b""
    while not data.endswith(b"\r\n"):
        c = conn.recv(1)
        if not c:
            return None
        data += c
    return data


def serve_silent(conn):
    try:
        while conn.recv(4096):
            pass
    except OSError:
        pass


def serve_garbage(conn):
    conn.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")
    time.sleep(0.5)


def serve_close(conn):
    pass


def serve_truncate(conn):
    conn.sendall(b"+OK fake server ready\r\n")
    while True:
        line = recv_line(conn)
        if line is None:
            return
        verb = line.split()[0].upper() if line.split() else b""
        if verb == b"CAPA":
            conn.sendall(b"+OK\r\nUSER\r\nUIDL\r\nTOP\r\n.\r\n")
        elif verb in (b"USER", b"PASS", b"NOOP"):
            conn.sendall(b"+OK\r\n")
        elif verb == b"STAT":
            conn.sendall(b"+OK 3 300\r\n")
        elif verb in (b"LIST", b"UIDL", b"RETR", b"TOP"):
            conn.sendall(b"+OK\r\n1 100\r\n2 10")   # and no more
            return
        elif verb == b"QUIT":
            conn.sendall(b"+OK bye\r\n")
            return
        else:
            conn.sendall(b"-ERR unknown\r\n")


class Relay:
    def __init__(self, upstream, cut_after=None, seed=0):
        self.upstream = upstream
        self.cut_after = cut_after
        self.rng = random.Random(seed)

    def __call__(self, conn):
        up = socket.create_connection(("127.0.0.1", self.upstream))
        for s in (conn, up):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        done = threading.Event()

        def client_to_server():
            try:
                while not done.is_set():
                    data = conn.recv(65536)
                    if not data:
                        break
                    up.sendall(data)
            except OSError:
                pass
            done.set()

        t = threading.Thread(target=client_to_server, daemon=True)
        t.start()
        sent = 0
        try:
            while not done.is_set():
                data = up.recv(65536)
                if not data:
                    break
                i = 0
                while i < len(data):
                    n = self.rng.randint(1, 1500)
                    piece = data[i:i + n]
                    if self.cut_after is not None and sent + len(piece) >= self.cut_after:
                        conn.sendall(piece[:self.cut_after - sent])
                        raise ConnectionAbortedError
                    conn.sendall(piece)
                    sent += len(piece)
                    i += n
                    if self.rng.random() < 0.002:
                        time.sleep(0.01)
        except OSError:
            pass
        done.set()
        for s in (up, conn):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()


def main():
    if len(sys.argv) < 3:
        sys.stderr.write(__doc__)
        sys.exit(64)
    mode, portfile = sys.argv[1], sys.argv[2]
    handlers = {"silent": serve_silent, "garbage": serve_garbage,
                "close": serve_close, "truncate": serve_truncate}
    if mode == "proxy":
        handler = Relay(int(sys.argv[3]))
    elif mode == "cut":
        handler = Relay(int(sys.argv[3]), cut_after=int(sys.argv[4]))
    elif mode in handlers:
        handler = handlers[mode]
    else:
        sys.exit("fakeserver.py: unknown mode %s" % mode)

    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(16)
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    import os
    os.rename(portfile + ".tmp", portfile)

    def run(conn):
        try:
            handler(conn)
        except OSError:
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass

    while True:
        conn, _ = ls.accept()
        threading.Thread(target=run, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
