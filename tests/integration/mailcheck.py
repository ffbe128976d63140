#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""mailcheck.py - compare what a POP3 client fetched with what mkmaildrop.py made.

    mailcheck.py server PORT USER PASS EXPDIR
        Talk POP3 to 127.0.0.1:PORT directly (a reference client in a few
        lines): LIST sizes and every RETR, dot-unstuffed, must equal
        EXPDIR/manifest and EXPDIR/NNNN.eml. Checks the fixture itself, so a
        failure later is the client's and not the test data's.
    mailcheck.py maildir MAILDIR EXPDIR
        Every file in MAILDIR/new and MAILDIR/cur must equal, octet for octet,
        the expected message with the same Message-ID, and every expected
        message must be there exactly once. A file may begin with the
        Received header pop3get adds (two lines, naming pop3get) and may have
        LF line ends where the message had CRLF (pop3get's default; with
        --keep-crlf it keeps the wire's CRLF): then it must equal the
        expected message converted the same way.
    mailcheck.py subset MAILDIR EXPDIR MIN
        The same, except that expected messages may be missing (after a
        transfer that was cut off): whatever was stored must be complete,
        and at least MIN messages must be there. A missing Maildir fails.
    mailcheck.py top FILE EXPFILE LINES
        FILE must be what TOP returns for EXPFILE: the header, the empty
        line, and the first LINES lines of the body.
    mailcheck.py msgid FILE
        Print the Message-ID of a message.

Exit status 0 when everything matches, 1 with a message on stderr when not.
Standard library only.
"""

import os
import re
import socket
import sys
import time


def fail(msg):
    sys.stderr.write("mailcheck: %s\n" % msg)
    sys.exit(1)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def msgid_of(data):
    head = data.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    m = re.search(rb"(?im)^message-id:[ \t]*(<[^>\r\n]*>)", head)
    return m.group(1).decode("latin-1") if m else None


def manifest(expdir):
    out = []
    with open(os.path.join(expdir, "manifest")) as f:
        for line in f:
            n, size, mid = line.split()
            out.append((int(n), int(size), mid))
    return out


def first_difference(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return min(len(a), len(b))


def describe_mismatch(got, want):
    i = first_difference(got, want)
    why = "got %d octets, expected %d; first difference at offset %d" % (
        len(got), len(want), i)
    if got.replace(b"\r\n", b"\n") == want.replace(b"\r\n", b"\n"):
        why += " (equal apart from line endings: CRLF vs LF)"
    else:
        why += ": got %r, expected %r" % (got[max(0, i - 8):i + 16],
                                          want[max(0, i - 8):i + 16])
    return why


# --- a minimal reference POP3 client ---------------------------------------

class Pop3:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.buf = b""
        self.status()

    def line(self):
        while b"\r\n" not in self.buf:
            chunk = self.s.recv(65536)
            if not chunk:
                fail("server closed the connection")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def status(self, may_fail=False):
        line = self.line()
        if not line.startswith(b"+OK") and not may_fail:
            fail("server said %r" % line)
        return line

    def cmd(self, text, may_fail=False):
        self.s.sendall(text.encode() + b"\r\n")
        return self.status(may_fail)

    def close(self):
        self.s.close()

    def multi(self, text):
        self.cmd(text)
        out = []
        while True:
            line = self.line()
            if line == b".":
                return out
            if line.startswith(b"."):
                line = line[1:]
            out.append(line)


def cmd_server(port, user, password, expdir):
    exp = manifest(expdir)
    # A session that a client just dropped may hold the maildrop lock for a
    # moment, until the server notices (longer on a loaded machine): retry
    # on [IN-USE].
    deadline = time.time() + 30
    while True:
        p = Pop3(int(port))
        p.cmd("USER " + user)
        reply = p.cmd("PASS " + password, may_fail=True)
        if reply.startswith(b"+OK"):
            break
        p.close()
        if b"[IN-USE]" not in reply or time.time() > deadline:
            fail("server said %r" % reply)
        time.sleep(0.2)
    stat = p.cmd("STAT").split()
    if int(stat[1]) != len(exp):
        fail("server has %s messages, expected %d" % (stat[1], len(exp)))
    listing = {}
    for line in p.multi("LIST"):
        n, size = line.split()
        listing[int(n)] = int(size)
    for n, size, mid in exp:
        if listing.get(n) != size:
            fail("LIST %d: server says %s octets, expected %d"
                 % (n, listing.get(n), size))
        got = b"".join(l + b"\r\n" for l in p.multi("RETR %d" % n))
        want = read(os.path.join(expdir, "%04d.eml" % n))
        if got != want:
            fail("RETR %d (%s): %s" % (n, mid, describe_mismatch(got, want)))
        if len(got) != size:
            fail("RETR %d: %d octets but LIST said %d" % (n, len(got), size))
    p.cmd("QUIT")
    print("server fixture ok: %d messages" % len(exp))


RECEIVED = re.compile(rb"^Received: from [^\r\n]* with POP3 \(pop3get [^\r\n]*\r?\n\t[^\r\n]*\r?\n")


def as_stored(data, want):
    """pop3get's Received header off the file; the expected message with
    LF line ends when the file has them (no CRLF at all)."""
    m = RECEIVED.match(data)
    if m:
        crlf = m.group(0).endswith(b"\r\n")
        data = data[m.end():]
        if not crlf:
            want = want.replace(b"\r\n", b"\n")
    return data, want


def cmd_subset(maildir, expdir, minimum):
    cmd_maildir(maildir, expdir, subset=True, minimum=int(minimum))


def cmd_maildir(maildir, expdir, subset=False, minimum=0):
    exp = {mid: (n, size) for n, size, mid in manifest(expdir)}
    for sub in ("new", "cur", "tmp"):
        if not os.path.isdir(os.path.join(maildir, sub)):
            fail("%s is not a Maildir (no %s/)" % (maildir, sub))
    seen = {}
    files = []
    for sub in ("new", "cur"):
        d = os.path.join(maildir, sub)
        if os.path.isdir(d):
            files += [os.path.join(d, f) for f in sorted(os.listdir(d))
                      if not f.startswith(".")]
    errors = []
    for path in files:
        data = read(path)
        mid = msgid_of(data)
        if mid is None:
            errors.append("%s: no Message-ID header" % path)
            continue
        if mid not in exp:
            errors.append("%s: unexpected Message-ID %s" % (path, mid))
            continue
        if mid in seen:
            errors.append("%s: %s stored twice (also %s)"
                          % (path, mid, seen[mid]))
            continue
        seen[mid] = path
        n = exp[mid][0]
        want = read(os.path.join(expdir, "%04d.eml" % n))
        data, want = as_stored(data, want)
        if data != want:
            errors.append("%s (message %d, %s): %s"
                          % (path, n, mid, describe_mismatch(data, want)))
    missing = sorted(exp[m][0] for m in exp if m not in seen)
    if subset and len(seen) < minimum:
        errors.append("only %d messages stored in %s, at least %d expected"
                      % (len(seen), maildir, minimum))
    if missing and not subset:
        errors.append("%d messages missing from %s: %s%s"
                      % (len(missing), maildir, " ".join(map(str, missing[:20])),
                         " ..." if len(missing) > 20 else ""))
    tmp = os.path.join(maildir, "tmp")
    if os.path.isdir(tmp) and os.listdir(tmp):
        errors.append("%s is not empty: %s" % (tmp, os.listdir(tmp)))
    if errors:
        fail("\n  ".join(["maildir does not match:"] + errors))
    print("maildir ok: %d messages%s" % (
        len(files), " (%d missing)" % len(missing) if subset else ""))


def top_of(data, lines):
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        return data
    body_lines = body.split(b"\r\n")[:-1] if body else []
    return head + b"\r\n\r\n" + b"".join(
        l + b"\r\n" for l in body_lines[:int(lines)])


def cmd_top(path, exppath, lines):
    got = read(path)
    want = top_of(read(exppath), lines)
    if got != want:
        fail("TOP %s: %s" % (lines, describe_mismatch(got, want)))


def cmd_msgid(path):
    mid = msgid_of(read(path))
    if mid is None:
        fail("%s: no Message-ID" % path)
    print(mid)


def main(argv):
    cmds = {"server": (cmd_server, 4), "maildir": (cmd_maildir, 2),
            "subset": (cmd_subset, 3),
            "top": (cmd_top, 3), "msgid": (cmd_msgid, 1)}
    if len(argv) < 2 or argv[1] not in cmds or len(argv) - 2 != cmds[argv[1]][1]:
        sys.stderr.write(__doc__)
        sys.exit(64)
    fn, _ = cmds[argv[1]]
    fn(*argv[2:])


if __name__ == "__main__":
    main(sys.argv)
