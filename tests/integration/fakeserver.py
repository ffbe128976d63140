#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
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
    stall      like cut, but keep the connection open and silent instead
               (a server that stops answering mid-transfer)
    stray      like proxy, but follows the replies (which command each
               answers, where multi-line ones end) and right after reply
               number CUT_AFTER (0: the greeting) slips in an unsolicited
               "+OK" line, in the same write: a server or an injector that
               shifts every later reply by one. PORTFILE.body is created
               when a RETR reply follows the stray line.
    lfbody     like stray, but from RETR reply number CUT_AFTER (1: the
               first) on, bodies go out with LF line ends, the terminator
               ".\n" included, as from a server that stores mail with LF
               and forgets to convert: a reply that never ends
    garble     like proxy, but bare-LF lines ("\n.\n+OK 1 octets\n")
               are slipped into the first message body, right before its
               "Subject: " line (GARBLE, the fourth argument, must be
               bodyinject): content for an engine that frames bodies by
               CRLF "." CRLF, a fake end and reply for one that does not.
               CUT_AFTER (optional fifth) drops both connections once that
               many octets went to the client.
    nopipe     a small POP3 server of its own (user alice, password secret,
    nocapa     APOP too) serving the messages of an expected/ directory
               (the third argument) made by mkmaildrop.py. nopipe does not
               advertise PIPELINING, nocapa answers CAPA with -ERR. Either
               way a client that sends a command before the previous reply
               was sent gets "-ERR [SYS/PERM] pipelining..." and the
               connection is closed. Early commands are noticed whether
               they share a read with the previous one or not: before each
               reply the server waits PIPE_WATCH seconds (0.02) for octets
               the client has no business sending yet. Every violation is
               appended to PORTFILE.violations, every command verb to
               PORTFILE.log. QUIT commits deletions: the numbers of the
               messages deleted are appended to PORTFILE.deleted.

Standard library only.
"""

import random
import select
import socket
import sys
import threading
import time


PIPE_WATCH = 0.02


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


class MiniPop3:
    """Just enough RFC 1939 to serve a maildrop made by mkmaildrop.py."""

    def __init__(self, expdir, quirk, portfile):
        import os
        self.msgs = []
        with open(os.path.join(expdir, "manifest")) as f:
            for line in f:
                n = int(line.split()[0])
                with open(os.path.join(expdir, "%04d.eml" % n), "rb") as m:
                    self.msgs.append(m.read())
        self.quirk = quirk
        self.deleted_file = portfile + ".deleted"
        self.violations_file = portfile + ".violations"
        self.log_file = portfile + ".log"
        self.lock = threading.Lock()

    def record(self, path, text):
        with self.lock, open(path, "a") as f:
            f.write(text + "\n")

    def early(self, conn, buf):
        """True if the client sent octets before the reply to its last
        command: already buffered, or arriving while we hold the reply."""
        if buf:
            return True
        r, _, _ = select.select([conn], [], [], PIPE_WATCH)
        if not r:
            return False
        try:
            return bool(conn.recv(1, socket.MSG_PEEK))
        except OSError:
            return False

    def __call__(self, conn):
        import hashlib
        import os
        ts = b"<%d.%d@fakeserver.invalid>" % (os.getpid(), time.time_ns())
        conn.sendall(b"+OK mini POP3 ready " + ts + b"\r\n")
        buf = b""
        user = None
        authed = False
        deleted = set()
        while True:
            while b"\r\n" not in buf:
                data = conn.recv(4096)
                if not data:
                    return
                buf += data
            line, buf = buf.split(b"\r\n", 1)
            parts = line.split(b" ")
            verb = parts[0].upper()
            self.record(self.log_file, verb.decode("latin-1"))
            if verb != b"QUIT" and self.early(conn, buf):
                self.record(self.violations_file,
                            "pipelining without PIPELINING: a command after %s "
                            "before its reply" % verb.decode("latin-1"))
                conn.sendall(b"-ERR [SYS/PERM] pipelining without PIPELINING\r\n")
                return
            args = parts[1:]

            def ok(text=b""):
                conn.sendall(b"+OK" + (b" " + text if text else b"") + b"\r\n")

            def err(text):
                conn.sendall(b"-ERR " + text + b"\r\n")

            def msgno(i=0):
                try:
                    n = int(args[i])
                except (IndexError, ValueError):
                    return None
                if 1 <= n <= len(self.msgs) and n not in deleted:
                    return n
                return None

            if verb == b"CAPA":
                if self.quirk == "nocapa":
                    err(b"unknown command")
                else:
                    conn.sendall(b"+OK\r\nUSER\r\nTOP\r\nUIDL\r\n"
                                 b"RESP-CODES\r\n.\r\n")
            elif verb == b"QUIT":
                if authed and deleted:
                    with self.lock, open(self.deleted_file, "a") as f:
                        f.write("".join("%d\n" % n for n in sorted(deleted)))
                ok(b"bye")
                return
            elif not authed:
                if verb == b"USER" and args:
                    user = args[0]
                    ok()
                elif verb == b"PASS" and user == b"alice" and \
                        line[5:] == b"secret":
                    authed = True
                    ok(b"logged in")
                elif verb == b"APOP" and len(args) == 2 and args[0] == b"alice" \
                        and args[1].decode() == hashlib.md5(ts + b"secret").hexdigest():
                    authed = True
                    ok(b"logged in")
                else:
                    user = None
                    err(b"[AUTH] authentication failed")
            elif verb == b"STAT":
                live = [i + 1 for i in range(len(self.msgs)) if i + 1 not in deleted]
                ok(b"%d %d" % (len(live), sum(len(self.msgs[n - 1]) for n in live)))
            elif verb in (b"LIST", b"UIDL"):
                def entry(n):
                    if verb == b"LIST":
                        return b"%d %d" % (n, len(self.msgs[n - 1]))
                    return b"%d mini-%04d" % (n, n)
                if args:
                    n = msgno()
                    if n is None:
                        err(b"no such message")
                    else:
                        ok(entry(n))
                else:
                    lines = [entry(i + 1) + b"\r\n" for i in range(len(self.msgs))
                             if i + 1 not in deleted]
                    conn.sendall(b"+OK\r\n" + b"".join(lines) + b".\r\n")
            elif verb in (b"RETR", b"TOP"):
                n = msgno()
                if n is None:
                    err(b"no such message")
                    continue
                data = self.msgs[n - 1]
                if verb == b"TOP":
                    head, _, body = data.partition(b"\r\n\r\n")
                    keep = int(args[1]) if len(args) > 1 else 0
                    body_lines = body.split(b"\r\n")[:-1]
                    data = head + b"\r\n\r\n" + b"".join(
                        l + b"\r\n" for l in body_lines[:keep])
                stuffed = b"".join(
                    (b"." + l if l.startswith(b".") else l) + b"\r\n"
                    for l in data.split(b"\r\n")[:-1])
                conn.sendall(b"+OK %d octets\r\n" % len(data) + stuffed + b".\r\n")
            elif verb == b"DELE":
                n = msgno()
                if n is None:
                    err(b"no such message")
                else:
                    deleted.add(n)
                    ok(b"deleted")
            elif verb == b"RSET":
                deleted.clear()
                ok()
            elif verb == b"NOOP":
                ok()
            else:
                err(b"unknown command")


class Garbler:
    """Slips PAYLOAD in before the first MARK of the server-to-client
    stream, whatever pieces it comes in."""

    KINDS = {"bodyinject": (b"Subject: ", b"\n.\n+OK 1 octets\n")}

    def __init__(self, kind):
        self.mark, self.payload = self.KINDS[kind]
        self.done = False
        self.held = b""

    def feed(self, data):
        if self.done:
            return data
        buf = self.held + data
        i = buf.find(self.mark)
        if i < 0:
            # Hold back only a tail that may be the start of the mark (a
            # reply ends in CRLF, which starts no mark: nothing waits).
            keep = 0
            for k in range(min(len(self.mark) - 1, len(buf)), 0, -1):
                if self.mark.startswith(buf[-k:]):
                    keep = k
                    break
            self.held = buf[len(buf) - keep:]
            return buf[:len(buf) - keep]
        self.done = True
        self.held = b""
        return buf[:i] + self.payload + buf[i:]


class Relay:
    def __init__(self, upstream, cut_after=None, stall=False, seed=0, garble=None):
        self.upstream = upstream
        self.cut_after = cut_after
        self.stall = stall
        self.rng = random.Random(seed)
        self.garble = garble

    def relay(self, conn, to_client, from_client=None):
        """Connect to the upstream server and forward the client's octets
        to it from a thread of their own (each piece handed to
        from_client(data) first); run to_client(up, done) in this one: it
        reads the server's side from up until done is set. Then close both
        connections."""
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
                    if from_client is not None:
                        from_client(data)
                    up.sendall(data)
            except OSError:
                pass
            done.set()

        threading.Thread(target=client_to_server, daemon=True).start()
        try:
            to_client(up, done)
        except OSError:
            pass
        done.set()
        for s in (up, conn):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def __call__(self, conn):
        garbler = Garbler(self.garble) if self.garble else None
        sent = 0

        def to_client(up, done):
            nonlocal sent
            while not done.is_set():
                data = up.recv(65536)
                if not data:
                    break
                if garbler is not None:
                    data = garbler.feed(data)
                i = 0
                while i < len(data):
                    n = self.rng.randint(1, 1500)
                    piece = data[i:i + n]
                    if self.cut_after is not None and sent + len(piece) >= self.cut_after:
                        conn.sendall(piece[:self.cut_after - sent])
                        if self.stall:
                            done.wait(600)   # until the client gives up
                        raise ConnectionAbortedError
                    conn.sendall(piece)
                    sent += len(piece)
                    i += n
                    if self.rng.random() < 0.002:
                        time.sleep(0.01)

        self.relay(conn, to_client)


def multi_line(cmd):
    """Whether +OK to command line cmd starts a multi-line reply."""
    words = cmd.split()
    if not words:
        return False
    v = words[0].upper()
    return v in ("CAPA", "RETR", "TOP") or (v in ("LIST", "UIDL") and len(words) == 1)


class Injector(Relay):
    """A relay that knows where each reply ends (from the commands it
    forwarded) and garbles the server's side at one chosen reply."""

    def __init__(self, upstream, kind, index, portfile):
        Relay.__init__(self, upstream)
        self.kind = kind
        self.index = index
        self.portfile = portfile

    def __call__(self, conn):
        cmds = []          # command lines forwarded, in order
        lock = threading.Lock()
        buf = b""

        def from_client(data):
            nonlocal buf
            buf += data
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                with lock:
                    cmds.append(line.rstrip(b"\r").decode("latin-1"))

        self.relay(conn, lambda up, done: self.forward_replies(conn, up, done, cmds, lock),
                   from_client)

    def forward_replies(self, conn, up, done, cmds, lock):
        """The server's octets to the client, garbled at reply self.index."""
        pending = b""
        replies = 0        # replies completed; the greeting is reply 0
        retrs = 0          # RETR replies begun
        body = None        # the command of the multi-line reply being read
        first = True       # the next line is a status line
        injected = noted = False
        while not done.is_set():
            data = up.recv(65536)
            if not data:
                break
            pending += data
            out = b""
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                line += b"\n"
                ended = False
                lf = False
                if body is not None:
                    lf = self.kind == "lfbody" and body == "RETR" and retrs >= self.index
                    if line == b".\r\n":
                        body, ended = None, True
                elif first:
                    first = False
                    ended = True
                else:
                    with lock:
                        cmd = cmds[replies - 1] if replies - 1 < len(cmds) else ""
                    if line.startswith(b"+OK") and multi_line(cmd):
                        body = cmd.split()[0].upper()
                        if body == "RETR":
                            retrs += 1
                            if injected and not noted:
                                # A message body comes after the stray
                                # line: the shift cannot go unnoticed.
                                noted = True
                                open(self.portfile + ".body", "w").close()
                    elif not line.startswith(b"+ "):
                        ended = True
                out += line.replace(b"\r\n", b"\n") if lf else line
                if ended:
                    replies += 1
                    if self.kind == "stray" and replies - 1 == self.index:
                        out += b"+OK\r\n"
                        injected = True
            if out:
                conn.sendall(out)


def write_port(portfile, port):
    """Writes port to portfile whole: a reader never sees half of it."""
    import os
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % port)
    os.rename(portfile + ".tmp", portfile)


def serve_forever(portfile, handler, backlog=16, errors=(OSError,)):
    """Listens on 127.0.0.1 on a free port (written to portfile) and runs
    handler(conn) for each connection in a thread of its own, until killed;
    an exception in errors ends that connection quietly. The connection is
    closed when handler returns. (tlsfake.py serves through this too.)"""
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(backlog)
    write_port(portfile, ls.getsockname()[1])

    def run(conn):
        try:
            handler(conn)
        except errors:
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass

    while True:
        conn, _ = ls.accept()
        threading.Thread(target=run, args=(conn,), daemon=True).start()


def main():
    if len(sys.argv) < 3:
        sys.stderr.write(__doc__)
        sys.exit(64)
    mode, portfile = sys.argv[1], sys.argv[2]
    handlers = {"silent": serve_silent, "garbage": serve_garbage,
                "close": serve_close, "truncate": serve_truncate}
    if mode == "proxy":
        handler = Relay(int(sys.argv[3]))
    elif mode == "garble":
        Garbler(sys.argv[4])  # an unknown kind fails here, before listening
        handler = Relay(int(sys.argv[3]), garble=sys.argv[4],
                        cut_after=int(sys.argv[5]) if len(sys.argv) > 5 else None)
    elif mode in ("cut", "stall"):
        handler = Relay(int(sys.argv[3]), cut_after=int(sys.argv[4]),
                        stall=(mode == "stall"))
    elif mode in ("stray", "lfbody"):
        handler = Injector(int(sys.argv[3]), mode, int(sys.argv[4]), portfile)
    elif mode in ("nopipe", "nocapa"):
        handler = MiniPop3(sys.argv[3], mode, portfile)
    elif mode in handlers:
        handler = handlers[mode]
    else:
        sys.exit("fakeserver.py: unknown mode %s" % mode)

    serve_forever(portfile, handler)


if __name__ == "__main__":
    main()
