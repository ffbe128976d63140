#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""mkmaildrop.py - fill a Dovecot Maildir with deterministic test messages.

    mkmaildrop.py [--set full|small|many|demo] [--seed N] [--big-mb MB]
                  [--count N] DIR USER [USER...]   (one maildrop per USER)

Sets: full (every hard case: dot lines, 8-bit, CRLF on disk, long lines, an
empty body, a big message), small (3 short messages), many (--count short
messages, default 300: more than any pipeline window), demo (5 readable ones).

Writes the messages into DIR/mail/USER/new/ and, for each, the exact octets
a POP3 RETR of it returns (after dot-unstuffing) into DIR/expected/USER/:

    DIR/expected/USER/NNNN.eml    message number NNNN (1-based), as retrieved
    DIR/expected/USER/manifest    "N SIZE MESSAGE-ID" per line

How Dovecot maps the stored file to the wire (checked against Dovecot 2.3
with curl): every line ending, LF or CRLF, goes out as CRLF; other octets,
8-bit included, go out unchanged; the size in LIST/STAT is the size with
CRLF line endings. A file that does not end in a newline gets a CRLF added
on the wire that LIST does not count, so every message here ends in one.
Messages are numbered in the order of their Maildir file names (Dovecot sorts
new/ by the time stamp at the start of the name), which is the order they are
generated in.

When run as root, the files get the owner in DIR/mailowner (written by
dovecot.sh), since Dovecot does not read mail as root.

Only the standard library is used; the same seed always gives the same bytes.
"""

import argparse
import os
import random
import sys

DOMAIN = "pop3test.invalid"
BASE_TIME = 1700000000
DATE_FMT = "%a, %d %b %Y %H:%M:%S +0000"

WORDS = ("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo "
         "lima mike november oscar papa quebec romeo sierra tango uniform "
         "victor whiskey xray yankee zulu mail client server octet line dot "
         "stuffing maildrop pipeline retrieve delete update state").split()


def rfc2822_date(t):
    import time
    return time.strftime(DATE_FMT, time.gmtime(t))


class Message:
    def __init__(self, user, n, subject, body, *, charset="us-ascii",
                 cte="7bit", crlf_on_disk=False, extra_headers=()):
        self.user = user
        self.n = n
        self.msgid = "<%s.%04d@%s>" % (user, n, DOMAIN)
        self.subject = subject
        self.body = body                  # bytes, LF line endings
        self.charset = charset
        self.cte = cte
        self.crlf_on_disk = crlf_on_disk
        self.extra_headers = list(extra_headers)

    def header_lines(self):
        h = [
            "Return-Path: <sender@%s>" % DOMAIN,
            "From: Test Sender <sender@%s>" % DOMAIN,
            "To: %s <%s@%s>" % (self.user.capitalize(), self.user, DOMAIN),
            "Subject: %s" % self.subject,
            "Date: %s" % rfc2822_date(BASE_TIME + 60 * self.n),
            "Message-ID: %s" % self.msgid,
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=%s" % self.charset,
            "Content-Transfer-Encoding: %s" % self.cte,
        ]
        h.extend(self.extra_headers)
        return [x.encode("ascii") for x in h]

    def lines(self):
        """The message as a list of lines without line endings."""
        body = self.body
        assert body.endswith(b"\n"), "every test message ends in a newline"
        return self.header_lines() + [b""] + body[:-1].split(b"\n")

    def disk_bytes(self):
        eol = b"\r\n" if self.crlf_on_disk else b"\n"
        return b"".join(line + eol for line in self.lines())

    def wire_bytes(self):
        """What RETR returns, dot-unstuffed: every line ends in CRLF."""
        return b"".join(line + b"\r\n" for line in self.lines())


def text_lines(rng, count, width=72):
    out = []
    for _ in range(count):
        words = []
        length = 0
        target = rng.randint(width // 3, width)
        while length < target:
            w = rng.choice(WORDS)
            words.append(w)
            length += len(w) + 1
        out.append(" ".join(words))
    return out


def body_of(lines):
    return ("\n".join(lines) + "\n").encode("utf-8")


def big_body(rng, size):
    """About size octets of text, deterministic; some lines start with dots."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    parts = []
    total = 0
    i = 0
    while total < size:
        if i % 997 == 0:
            line = "." * (1 + i % 3) + " dot line %d" % i
        elif i % 1499 == 0:
            line = "."
        else:
            line = "".join(rng.choice(alphabet) for _ in range(76))
        parts.append(line)
        total += len(line) + 2
        i += 1
    return body_of(parts)


def full_set(user, rng, big_mb):
    msgs = []

    def add(subject, body, **kw):
        msgs.append(Message(user, len(msgs) + 1, subject, body, **kw))

    add("Small plain text", body_of(["Hello %s," % user, "",
                                     "This is a short test message.",
                                     "-- ", "sender"]))
    add("Dot stuffing",
        body_of([".",
                 "The line above is a single dot; the next one is two.",
                 "..",
                 "...",
                 ".leading dot",
                 "..two leading dots",
                 " .space then dot",
                 "",
                 ".",
                 "The last line of this message is a single dot.",
                 "."]))
    add("UTF-8 body",
        ("Grüße aus Köln. Ça va? Ελληνικά, русский, 日本語, emoji 📬.\n"
         "Line with a no-break space:\u00a0here.\n"
         ".Ünicode after a leading dot\n").encode("utf-8"),
        charset="utf-8", cte="8bit")
    add("Latin-1 body",
        ("Déjà vu, naïve façade, smørrebrød, Ærøskøbing.\n"
         "All high octets: " + "".join(chr(c) for c in range(0xa0, 0x100))
         + "\n").encode("latin-1"),
        charset="iso-8859-1", cte="8bit")
    add("Stored with CRLF line endings",
        body_of(["This file is stored with CRLF on disk.",
                 ".",
                 "Dovecot sends it exactly like an LF file."]),
        crlf_on_disk=True)
    add("Empty body", b"\n")
    add("Long lines",
        body_of(["x" * 1000, "y" * 5000,
                 "".join(rng.choice("0123456789abcdef") for _ in range(20000))]))
    add("Many short lines", body_of(["%d" % i for i in range(1, 2001)]))
    for i in range(3):
        add("Small message %d" % (i + 1),
            body_of(text_lines(rng, rng.randint(3, 30))))
    add("Big message (%d MB)" % big_mb, big_body(rng, big_mb * 1024 * 1024),
        extra_headers=["X-Test-Size: %d MiB" % big_mb])
    add("After the big one", body_of(["Last message.", "."]))
    return msgs


def small_set(user, rng):
    msgs = []
    for i in range(3):
        msgs.append(Message(user, i + 1, "Note %d for %s" % (i + 1, user),
                            body_of(text_lines(rng, 3 + i) + ["."])))
    return msgs


def many_set(user, rng, count):
    return [Message(user, i + 1, "Message %d of %d" % (i + 1, count),
                    body_of(text_lines(rng, rng.randint(1, 8))
                            + (["."] if i % 7 == 0 else [])))
            for i in range(count)]


def demo_set(user, rng):
    msgs = []

    def add(subject, lines, **kw):
        msgs.append(Message(user, len(msgs) + 1, subject, body_of(lines), **kw))

    add("Welcome to the pop3 demo",
        ["Hello %s," % user, "",
         "this message came from a private Dovecot through pop3get.",
         "The other messages show what the engine takes care of."])
    add("Meeting notes", text_lines(rng, 8))
    add("A line that is just a dot follows",
        ["On the wire the next line is sent as '..' (dot-stuffed):", ".",
         "and pop3get stored it as a single dot again."])
    add("=?utf-8?q?Gr=C3=BC=C3=9Fe?= (8-bit UTF-8 body)",
        ["Schöne Grüße aus Köln!", "8-bit octets pass through untouched."],
        charset="utf-8", cte="8bit")
    add("Quarterly report", text_lines(rng, 12))
    return msgs


def owner_of(base):
    if os.geteuid() != 0:
        return None
    try:
        with open(os.path.join(base, "mailowner")) as f:
            uid, gid = (int(x) for x in f.read().split())
        return uid, gid
    except (OSError, ValueError):
        return None


def write_file(path, data, owner):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    if owner:
        os.chown(tmp, *owner)
    os.rename(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir", help="the Dovecot directory given to dovecot.sh")
    ap.add_argument("user", nargs="+", help="one maildrop per user")
    ap.add_argument("--set", choices=("full", "small", "many", "demo"),
                    default="full")
    ap.add_argument("--count", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1939)
    ap.add_argument("--big-mb", type=int, default=5)
    a = ap.parse_args()
    for user in a.user:
        make(a, user)


def make(a, user):
    rng = random.Random("%d/%s/%s" % (a.seed, user, a.set))
    if a.set == "full":
        msgs = full_set(user, rng, a.big_mb)
    elif a.set == "small":
        msgs = small_set(user, rng)
    elif a.set == "many":
        msgs = many_set(user, rng, a.count)
    else:
        msgs = demo_set(user, rng)

    owner = owner_of(a.dir)
    md = os.path.join(a.dir, "mail", user)
    for sub in ("new", "cur", "tmp"):
        os.makedirs(os.path.join(md, sub), exist_ok=True)
        if owner:
            os.chown(os.path.join(md, sub), *owner)
    if owner:
        os.chown(md, *owner)
    exp = os.path.join(a.dir, "expected", user)
    os.makedirs(exp, exist_ok=True)

    existing = [f for sub in ("new", "cur")
                for f in os.listdir(os.path.join(md, sub))]
    if existing:
        sys.exit("mkmaildrop.py: %s already holds mail" % md)

    manifest = []
    for m in msgs:
        # Dovecot numbers new mail in the order of the time stamp that
        # starts a Maildir file name.
        name = "%d.M%06dP%d.%s" % (BASE_TIME + m.n, m.n, a.seed, "pop3test")
        write_file(os.path.join(md, "new", name), m.disk_bytes(), owner)
        wire = m.wire_bytes()
        with open(os.path.join(exp, "%04d.eml" % m.n), "wb") as f:
            f.write(wire)
        manifest.append("%d %d %s" % (m.n, len(wire), m.msgid))
    with open(os.path.join(exp, "manifest"), "w") as f:
        f.write("\n".join(manifest) + "\n")
    print("mkmaildrop.py: %d messages for %s (%d octets on the wire)"
          % (len(msgs), user, sum(len(m.wire_bytes()) for m in msgs)))


if __name__ == "__main__":
    main()
