#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""hostile.py - hostile POP3 servers over real TCP against pop3get.

    python3 tests/hostile/hostile.py [POP3GET [SCRIPT...]]   (make hostile)

make hostile runs it twice: on build/pop3get (with the memory bound) and
on build/asan/pop3get (ASan+UBSan, MAX_RSS_KB=0: no memory bound).

Each script below is a small server on 127.0.0.1 that misbehaves in one
way. pop3get runs against it with --timeout 2 and must end with the exit
status the script states (sysexits: 0 ok, 69 unavailable, 75 temporary
failure, 76 protocol error), print the engine's error text (pop3_strerror)
the script names, and:
  - not crash (no signal, no sanitizer report on stderr),
  - not hang: it is killed after HANG_S seconds, which fails the script,
  - stay within MAX_RSS_KB of memory (peak RSS from wait4()), whatever the
    server sends - a server that streams endless octets must not make the
    client buffer them,
  - never send QUIT after a protocol error (RFC 1939 sec. 6: QUIT would
    commit deletions; the engine closes instead, so the server rolls back).
Standard library only; servers run in threads of this process.
"""
import os
import resource
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
HANG_S = 15
# Distinctive, so any copy of it (or of its base64 forms in AUTH PLAIN and
# AUTH LOGIN) in pop3get's stderr - -v traces, error texts - is found.
PASSWORD = "Hst1le-Pa55w0rd"
SECRETS = [PASSWORD, "SHN0MWxlLVBhNTV3MHJk", "AHUASHN0MWxlLVBhNTV3MHJk"]
# pop3get's own footprint is about 2 MB (libc, Mbed TLS, a 64 KB stdio
# buffer); a server must not be able to add to it: a 64 MB body and a
# million listing lines are among the scripts.
# MAX_RSS_KB=0 skips the check (a sanitizer build has its own overhead).
MAX_RSS_KB = int(os.environ.get("MAX_RSS_KB", "8192"))

GREET = b"+OK hostile test server <1.2@localhost>\r\n"
BODY1 = b"Subject: one\r\n\r\nfirst message\r\n"
BODY2 = b"Subject: two\r\n\r\nsecond message\r\n"


class Conn:
    """One client connection: read command lines, write replies."""

    def __init__(self, sock):
        self.s = sock
        self.buf = b""
        self.cmds = []  # every command line received
        self.mark = 0   # len(cmds) when the server misbehaved

    def send(self, data):
        try:
            self.s.sendall(data)
            return True
        except OSError:
            return False

    def cmd(self, timeout=10):
        """Next command line (upper-cased verb first), None on EOF."""
        self.s.settimeout(timeout)
        while b"\n" not in self.buf:
            try:
                d = self.s.recv(4096)
            except OSError:
                return None
            if not d:
                return None
            self.buf += d
        line, self.buf = self.buf.split(b"\n", 1)
        line = line.rstrip(b"\r").decode("latin-1")
        self.cmds.append(line)
        return line

    def drain(self, timeout=3):
        """Read (and record) commands until the client closes."""
        while self.cmd(timeout) is not None:
            pass


def standard(c, cmd, capa=b"USER\r\nUIDL\r\nTOP\r\n"):
    """A well-behaved answer to cmd; None if the verb is unknown."""
    verb = cmd.split(" ")[0].upper()
    if verb == "CAPA":
        return b"+OK\r\n" + capa + b".\r\n"
    if verb in ("USER", "PASS", "APOP", "NOOP", "RSET", "DELE"):
        return b"+OK\r\n"
    if verb == "STAT":
        return b"+OK 2 %d\r\n" % (len(BODY1) + len(BODY2))
    if verb == "LIST":
        return b"+OK\r\n1 %d\r\n2 %d\r\n.\r\n" % (len(BODY1), len(BODY2))
    if verb == "UIDL":
        return b"+OK\r\n1 aaa\r\n2 bbb\r\n.\r\n"
    if verb == "RETR":
        n = cmd.split(" ")[1]
        return b"+OK\r\n" + (BODY1 if n == "1" else BODY2) + b".\r\n"
    if verb == "QUIT":
        return b"+OK bye\r\n"
    return None


def serve_until(c, verb, capa=b"USER\r\nUIDL\r\nTOP\r\n"):
    """Greet and answer normally until the client sends `verb`; return
    that command line (None if the client went away first)."""
    c.send(GREET)
    while True:
        cmd = c.cmd()
        if cmd is None:
            return None
        if cmd.split(" ")[0].upper() == verb:
            c.mark = len(c.cmds)
            return cmd
        c.send(standard(c, cmd, capa) or b"-ERR unknown\r\n")


def serve_with(c, special, capa=b"USER\r\nUIDL\r\nTOP\r\n", greet=GREET):
    """Greet, then answer every command normally (standard() with capa)
    except where special(c, cmd, verb) returns octets to send instead
    (True: it sent them itself; "stop": end the session); ends after QUIT."""
    c.send(greet)
    while True:
        cmd = c.cmd()
        if cmd is None:
            return
        v = cmd.split(" ")[0].upper()
        r = special(c, cmd, v)
        if r == "stop":
            return
        if r is None:
            r = standard(c, cmd, capa) or b"-ERR\r\n"
        if r is not True:
            c.send(r)
        if v == "QUIT":
            return


def answer_then_drain(verb, reply, timeout=3):
    """A script: answer normally until the client sends verb, answer that
    with reply, then read until the client closes."""
    def script(c):
        if serve_until(c, verb) is not None:
            c.send(reply)
            c.drain(timeout)
    return script


def rst(c):
    """Close with a TCP RST (SO_LINGER 0) instead of a FIN."""
    c.s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.s.close()


# --- the scripts --------------------------------------------------------------
# name: (server function, pop3get arguments, exit status, error text or None)

def s_long_greeting(c):
    c.send(b"+OK " + b"x" * 5000 + b"\r\n")
    c.drain()

def s_endless_greeting(c):
    # Octets as fast as the client takes them, never a line end.
    c.send(b"+OK ")
    chunk = b"y" * 65536
    t = time.time()
    while time.time() - t < 5 and c.send(chunk):
        pass

def s_nul_in_greeting(c):
    c.send(b"+OK hello\x00world\r\n")
    c.drain()

def s_data_before_greeting(c):
    c.send(b"* garbage before the greeting\r\n" + GREET)
    c.drain()

def s_bare_lf(c):
    # Bare LF line ends throughout: tolerated, the listing is right.
    def special(c, cmd, v):
        return (standard(c, cmd) or b"-ERR\r\n").replace(b"\r\n", b"\n")
    serve_with(c, special, greet=GREET.replace(b"\r\n", b"\n"))

def s_list_never_ends(c):
    if serve_until(c, "LIST") is not None:
        c.send(b"+OK\r\n1 100\r\n2 200\r\n3 3")
        time.sleep(0.2)
        c.s.close()

def s_rst_in_retr(c):
    if serve_until(c, "RETR") is not None:
        c.send(b"+OK\r\nSubject: cut\r\n\r\nhalf of the bo")
        time.sleep(0.2)
        rst(c)

def s_trickle_greeting(c):
    for b in GREET:
        if not c.send(bytes([b])):
            return
        time.sleep(1)

def s_trickle_list(c):
    if serve_until(c, "LIST") is not None:
        for b in b"+OK\r\n1 100 and a line that never ends in time":
            if not c.send(bytes([b])):
                return
            time.sleep(1)

s_stat_overflow32 = answer_then_drain("STAT", b"+OK 4294967296 100\r\n")

s_stat_overflow64 = answer_then_drain("STAT", b"+OK 2 18446744073709551616\r\n")

s_list_overflow64 = answer_then_drain("LIST", b"+OK\r\n1 99999999999999999999999\r\n.\r\n")

s_stat_negative = answer_then_drain("STAT", b"+OK -1 100\r\n")

s_list_non_numeric = answer_then_drain("LIST", b"+OK\r\none 100\r\n.\r\n")

s_ok_garbage = answer_then_drain("STAT", b"+OKAY\x01\x02\xff\r\n")

def s_list_disagrees_with_stat(c):
    # STAT says 2 messages, LIST shows 3, and RETR 2 is refused as if it did
    # not exist: pop3get reports the refusal (exit 69); message 1, stored,
    # may be deleted, message 2 stays on the server.
    def special(c, cmd, v):
        if v == "LIST":
            return b"+OK\r\n1 10\r\n2 20\r\n3 30\r\n.\r\n"
        if v == "RETR" and cmd.endswith(" 2"):
            return b"-ERR no such message\r\n"
        return None
    serve_with(c, special)

def s_unsolicited_reply(c):
    # Replies to commands never sent, right after the greeting, in the same
    # segment. pop3get queues CAPA from the greeting event, but the engine
    # matches a reply only to a command the transport took, and pop3get
    # reads before it writes: the stray line answers nothing (UNEXPECTED,
    # exit 76) and no command leaves.
    c.send(GREET + b"+OK nobody asked\r\n+OK me neither\r\n")
    c.drain()

def s_extra_after_quit(c):
    def special(c, cmd, v):
        if cmd.upper() != "QUIT":
            return None
        c.send(b"+OK bye\r\n+OK and more\r\nGARBAGE" + b"z" * 10000)
        time.sleep(0.3)
        return "stop"
    serve_with(c, special)

def s_pipelining_out_of_step(c):
    # Claims PIPELINING; answers RETR 1, holds the reply to the pipelined
    # RETR 2 until DELE 1 has arrived, then answers RETR 2 with a status
    # line that is not one. The client must stop without QUIT, so the
    # server rolls DELE 1 back (RFC 1939 sec. 6); message 1 is also stored.
    retr2 = []

    def special(c, cmd, v):
        if v == "RETR" and cmd.endswith(" 2"):
            retr2.append(cmd)
            return True
        if v == "DELE" and retr2:
            c.mark = len(c.cmds)
            c.send(b"+OKAY here it comes\r\n")
            c.drain()
            return "stop"
        return None
    serve_with(c, special, b"USER\r\nPIPELINING\r\nUIDL\r\n")

def s_huge_body(c):
    # A 64 MB message at full speed: streamed, never buffered.
    if serve_until(c, "RETR") is not None:
        c.send(b"+OK\r\n")
        line = b"z" * 998 + b"\r\n"
        block = line * 1024
        for _ in range(64):
            if not c.send(block):
                return
        c.send(b".\r\n")
        cmd = c.cmd()
        if cmd is not None:
            c.send(standard(c, cmd) or b"-ERR\r\n")

def s_huge_listing(c):
    # A million listing lines: delivered one by one, never collected.
    if serve_until(c, "LIST") is not None:
        c.send(b"+OK\r\n")
        for k in range(100):
            c.send(b"".join(b"%d 1000\r\n" % (k * 10000 + i + 1) for i in range(10000)))
        c.send(b".\r\n")
        cmd = c.cmd()
        if cmd is not None:
            c.send(standard(c, cmd) or b"-ERR\r\n")

SASL_CAPA = b"USER\r\nSASL PLAIN LOGIN\r\n"

def s_sasl_plain_verbose(c):
    # AUTH PLAIN with -v: the trace must mask the initial response.
    serve_with(c, lambda c, cmd, v: b"+OK\r\n" if v == "AUTH" else None, SASL_CAPA)

def s_sasl_login_verbose(c):
    # AUTH LOGIN with -v: user and password go as answers to "+ " lines.
    def special(c, cmd, v):
        if v != "AUTH":
            return None
        c.send(b"+ VXNlcm5hbWU6\r\n")
        c.cmd()
        c.send(b"+ UGFzc3dvcmQ6\r\n")
        c.cmd()
        return b"+OK\r\n"
    serve_with(c, special, SASL_CAPA)

def s_refused_greeting_in_use(c):
    c.send(b"-ERR [IN-USE] maildrop locked\r\n")
    c.drain()

def s_close_mid_greeting(c):
    c.send(b"+OK hal")
    time.sleep(0.2)
    c.s.close()

# -ERR to QUIT, then silence without closing: the session is over, and
# --timeout bounds every wait anyway; pop3get must not sit on the server's
# idle timer (600 s).
s_quit_err_silent = answer_then_drain("QUIT", b"-ERR not now\r\n", 12)

BIG3 = b"Subject: big\r\n\r\n" + (b"x" * 998 + b"\r\n") * 200

def s_file_size_limit(c):
    # Two small messages, then one of 200 KB, against pop3get under a 64 KB
    # file size limit (ulimit -f): EFBIG, exit 74 with a message, no QUIT
    # (nothing deleted), the two stored messages in new/, nothing in tmp/.
    def special(c, cmd, v):
        if v == "STAT":
            return b"+OK 3 %d\r\n" % (len(BODY1) + len(BODY2) + len(BIG3))
        if v == "RETR" and cmd.endswith(" 3"):
            return b"+OK\r\n" + BIG3 + b".\r\n"
        return None
    serve_with(c, special)

def s_not_pop3(c):
    # Not a POP3 server at all: its first line is shown, made safe.
    c.send(b"SSH-2.0-OpenSSH_9.2p1 \x1b[31mDebian\r\n")
    c.drain()

def s_sigint_mid_message(c):
    # Message 1 whole, then message 2 trickles until pop3get is sent
    # SIGINT (SIGNAL below): exit 75 "interrupted", no QUIT (nothing
    # deleted), message 1 in new/, nothing in tmp/.
    c.send(GREET)
    while True:
        cmd = c.cmd()
        if cmd is None:
            return
        if cmd.upper() == "RETR 2":
            c.send(b"+OK\r\nSubject: slow\r\n")
            for _ in range(100):
                if not c.send(b"x"):
                    return
                time.sleep(0.1)
            return
        c.send(standard(c, cmd) or b"-ERR\r\n")


# --- issue: nothing lost, nothing injected -------------------------------

FORGED = b"Subject: forged\r\n\r\nhi\n.\n+OK 5 octets\r\nfake\n.x\r\n"


def s_lf_dot_lf_inside_body(c):
    # A bare LF "." LF inside message 1 is content (RFC 1939: lines end in
    # CRLF), not the end of the message: a sender must not be able to end
    # a message early and append a forged reply. Both messages are stored,
    # the first one whole.
    def special(c, cmd, v):
        if v == "STAT":
            return b"+OK 2 %d\r\n" % (len(FORGED) + len(BODY2))
        if v == "LIST":
            return b"+OK\r\n1 %d\r\n2 %d\r\n.\r\n" % (len(FORGED), len(BODY2))
        if v == "RETR" and cmd.endswith(" 1"):
            return b"+OK\r\n" + FORGED + b".\r\n"
        return None
    serve_with(c, special)

def check_forged_stored(maildir):
    new = os.path.join(maildir, "new")
    bodies = [open(os.path.join(new, f), "rb").read() for f in sorted(os.listdir(new))] \
        if os.path.isdir(new) else []
    if not any(b"+OK 5 octets" in b and b"\n.\n" in b and b"\n.x" in b for b in bodies):
        return ["message 1 was not stored whole (bare-LF dot line taken as its end?)"]
    return []

def s_lf_only_bodies(c):
    # LF-only line ends in a body: CRLF "." CRLF never comes, so the reply
    # never ends. The reply timeout ends the session; nothing is stored,
    # nothing deleted, no QUIT.
    def special(c, cmd, v):
        if v != "RETR":
            return None
        c.mark = len(c.cmds)
        c.send(b"+OK\nSubject: lf\n\nbody\n.\n")
        c.drain()
        return "stop"
    serve_with(c, special)

def s_replies_before_commands(c):
    # Every reply of a --list session at once, before any command arrived:
    # none of them may be matched (the server received nothing).
    c.send(GREET + b"+OK\r\nUSER\r\n.\r\n+OK\r\n+OK\r\n+OK\r\n1 10\r\n2 20\r\n.\r\n+OK bye\r\n")
    c.drain()

def s_err_to_quit(c):
    # -ERR to QUIT: the session is over; pop3get must not wait for more.
    def special(c, cmd, v):
        if v != "QUIT":
            return None
        c.send(b"-ERR [SYS/TEMP] some deleted messages not removed\r\n")
        time.sleep(8)
        return "stop"
    serve_with(c, special)

def stray_after(verbs):
    """An unsolicited "+OK" right after the reply to the first command in
    verbs, in its own segment once the next command is on its way: every
    later reply would shift by one. It must be caught before anything is
    stored or deleted."""
    seen = []

    def special(c, cmd, v):
        if v not in verbs or seen:
            return None
        seen.append(v)
        c.send(standard(c, cmd) or b"-ERR\r\n")
        c.mark = len(c.cmds)
        time.sleep(0.3)
        c.send(b"+OK\r\n")
        return True
    return lambda c: serve_with(c, special)

s_extra_ok_after_pass = stray_after(("PASS",))
s_extra_ok_after_first_transaction = stray_after(("STAT", "LIST", "UIDL"))

def s_trickle_retr(c):
    # RETR answered one octet every 0.25 s: every octet restarts the reply
    # timer, so only the low-speed rule (--speed-limit) ends it.
    def special(c, cmd, v):
        if v != "RETR":
            return None
        c.mark = len(c.cmds)
        c.send(b"+OK\r\n")
        for ch in BODY1 * 20:
            if not c.send(bytes([ch])):
                break
            time.sleep(0.25)
        return "stop"
    serve_with(c, special)

def s_no_uidl(c):
    # A server without UIDL: -ERR to it. pop3get says so and fetches every
    # message (or, with --require-uidl, nothing).
    serve_with(c, lambda c, cmd, v: b"-ERR no UIDL here\r\n" if v == "UIDL" else None, b"USER\r\n")


LIST = ["--list"]
MAILDIR = ["--maildir", "@MAILDIR@", "--delete"]

SCRIPTS = {
    "long_greeting": (s_long_greeting, LIST, 76, "longer than the line buffer"),
    "endless_greeting": (s_endless_greeting, LIST, 76, "longer than the line buffer"),
    "nul_in_greeting": (s_nul_in_greeting, LIST, 76, "malformed server reply"),
    "data_before_greeting": (s_data_before_greeting, LIST, 76, "malformed server reply"),
    "bare_lf": (s_bare_lf, LIST, 0, None),
    "list_never_ends": (s_list_never_ends, LIST, 76, "closed inside a multi-line reply"),
    "rst_in_retr": (s_rst_in_retr, MAILDIR, 75, None),
    "trickle_greeting": (s_trickle_greeting, LIST, 75, "timed out waiting for the greeting"),
    "trickle_list": (s_trickle_list, LIST, 75, "timed out waiting for a reply"),
    "stat_overflow32": (s_stat_overflow32, MAILDIR, 76, "out of range"),
    "stat_overflow64": (s_stat_overflow64, MAILDIR, 76, "out of range"),
    "list_overflow64": (s_list_overflow64, LIST, 76, "out of range"),
    "stat_negative": (s_stat_negative, MAILDIR, 76, "out of range"),
    "list_non_numeric": (s_list_non_numeric, LIST, 76, "out of range"),
    "ok_garbage": (s_ok_garbage, MAILDIR, 76, "malformed server reply"),
    "list_disagrees_with_stat": (s_list_disagrees_with_stat, MAILDIR, 69, "no such message"),
    "unsolicited_reply": (s_unsolicited_reply, LIST, 76, "server sent a reply no command asked for"),
    "extra_after_quit": (s_extra_after_quit, LIST, 0, None),
    "pipelining_out_of_step": (s_pipelining_out_of_step, MAILDIR, 76, "malformed server reply"),
    "refused_greeting_in_use": (s_refused_greeting_in_use, LIST, 75, "IN-USE"),
    "close_mid_greeting": (s_close_mid_greeting, LIST, 69, "server closed the connection"),
    "huge_body": (s_huge_body, ["--msg", "1"], 0, None),
    "sasl_plain_verbose": (s_sasl_plain_verbose, ["-v", "--auth", "PLAIN", "--list"], 0, "AUTH PLAIN"),
    "sasl_login_verbose": (s_sasl_login_verbose, ["-v", "--auth", "LOGIN", "--list"], 0, "AUTH LOGIN"),
    "user_pass_verbose_garbage": (s_ok_garbage, ["-v"] + MAILDIR, 76, "PASS"),
    "huge_listing": (s_huge_listing, LIST, 0, None),
    "quit_err_silent": (s_quit_err_silent, LIST, 75, "QUIT: not now"),
    "file_size_limit": (s_file_size_limit, MAILDIR, 74, "File too large"),
    "lf_dot_lf_inside_body": (s_lf_dot_lf_inside_body, MAILDIR, 0, None),
    "lf_only_bodies": (s_lf_only_bodies, MAILDIR, 75, "timed out waiting for a reply"),
    "replies_before_commands": (s_replies_before_commands, LIST, 76, "server sent a reply no command asked for"),
    "err_to_quit": (s_err_to_quit, MAILDIR, 75, "QUIT"),
    "extra_ok_after_pass": (s_extra_ok_after_pass, MAILDIR, 76, None),
    "extra_ok_after_first_transaction": (s_extra_ok_after_first_transaction, MAILDIR, 76, None),
    "trickle_retr": (s_trickle_retr, ["--speed-limit", "100", "--speed-time", "2"] + MAILDIR,
                     75, "too little for too long"),
    "not_pop3": (s_not_pop3, LIST, 76, 'its first line: "SSH-2.0-OpenSSH_9.2p1 ?[31mDebian"'),
    "sigint_mid_message": (s_sigint_mid_message, MAILDIR, 75, "interrupted: stopped by SIGINT"),
    "no_uidl": (s_no_uidl, MAILDIR, 0, "the server has no UIDL: every message is fetched"),
    "no_uidl_required": (s_no_uidl, ["--require-uidl"] + MAILDIR, 69, "--require-uidl"),
}

# Longest run (s) where a script must end well before HANG_S.
MAX_SECS = {"quit_err_silent": 5, "err_to_quit": 4}
# RLIMIT_FSIZE (octets) for pop3get.
FSIZE = {"file_size_limit": 65536}
# Maildir files expected in new/ afterwards (and none in tmp/).
STORED = {"file_size_limit": 2, "sigint_mid_message": 1, "no_uidl": 2, "no_uidl_required": 0}
# A signal sent to pop3get this many seconds after it started.
SIGNAL = {"sigint_mid_message": (signal.SIGINT, 1.5)}


def children(pid):
    """pop3get runs under /usr/bin/time (which ignores SIGINT): its pid."""
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []

# Checks of what was stored, beyond the exit status.
POST = {"lf_dot_lf_inside_body": check_forged_stored}
# Commands the client must never have sent, and at most this many messages
# may be in the Maildir (a shifted session must store nothing).
FORBID = {"no_uidl_required": "RETR", "lf_only_bodies": "DELE", "replies_before_commands": "LIST",
          "extra_ok_after_pass": "DELE", "extra_ok_after_first_transaction": "DELE",
          "trickle_retr": "DELE"}
MAX_STORED = {"lf_only_bodies": 0, "extra_ok_after_pass": 0,
              "extra_ok_after_first_transaction": 0, "trickle_retr": 0}

# A command the client must have sent, so a script cannot pass trivially.
REQUIRE = {"sasl_plain_verbose": "AUTH", "sasl_login_verbose": "AUTH",
           "user_pass_verbose_garbage": "PASS", "pipelining_out_of_step": "DELE", "rst_in_retr": "RETR",
           "trickle_list": "LIST", "huge_body": "QUIT", "huge_listing": "QUIT",
           "bare_lf": "QUIT", "extra_after_quit": "QUIT",
           "lf_dot_lf_inside_body": "DELE", "lf_only_bodies": "RETR", "err_to_quit": "QUIT",
           "extra_ok_after_pass": "PASS", "extra_ok_after_first_transaction": "STAT",
           "trickle_retr": "RETR"}

# Scripts with more than one acceptable exit status, or where QUIT after
# the failure is right. RST: the port reports a reset (75) or, if the FIN
# raced it, a truncated reply (76). list_disagrees_with_stat: -ERR to RETR
# is an answer, not a broken session; QUIT commits only the DELE of the
# message that was stored. no_uidl_required: QUIT after -ERR to UIDL
# commits nothing (no DELE was sent; FORBID checks no RETR either).
ALT_RC = {"rst_in_retr": (75, 76), "list_disagrees_with_stat": (69,),
          "err_to_quit": (75,), "no_uidl_required": (69,)}


def run_script(pop3get, name, tmp):
    fn, args, want_rc, want_text = SCRIPTS[name]
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(4)
    port = ls.getsockname()[1]
    conns = []

    def server():
        try:
            s, _ = ls.accept()
        except OSError:
            return
        c = Conn(s)
        conns.append(c)
        try:
            fn(c)
        except OSError:
            pass
        finally:
            try:
                c.s.close()
            except OSError:
                pass

    th = threading.Thread(target=server, daemon=True)
    th.start()
    maildir = os.path.join(tmp, name)
    argv = [pop3get, "--timeout", "2", "--plaintext-auth"] + [a.replace("@MAILDIR@", maildir) for a in args]
    argv.append("pop3://u:%s@127.0.0.1:%d" % (PASSWORD, port))
    errf = os.path.join(tmp, name + ".err")
    t0 = time.time()
    rssf = os.path.join(tmp, name + ".rss")
    # GNU time measures the peak RSS of pop3get alone (a child forked from
    # this Python process would report Python's own pages too).
    argv = ["/usr/bin/time", "-q", "-f", "%M", "-o", rssf] + argv
    with open(errf, "wb") as err, open(os.devnull, "wb") as out:
        lim = FSIZE.get(name)
        # Each script its own only-new-mail state: the servers differ.
        env = dict(os.environ, XDG_STATE_HOME=os.path.join(tmp, name + ".state"))
        p = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env,
                             preexec_fn=(lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (lim, lim)))
                             if lim else None)
        killed = []
        timer = threading.Timer(HANG_S, lambda: (killed.append(1), p.kill()))
        timer.start()
        if name in SIGNAL:
            sig, after = SIGNAL[name]
            time.sleep(after)
            for kid in children(p.pid):
                os.kill(kid, sig)
        p.wait()
        timer.cancel()
    secs = time.time() - t0
    status = p.returncode
    try:
        maxrss = int(open(rssf).read().split()[-1])
    except (OSError, ValueError, IndexError):
        maxrss = 0
    ls.close()
    th.join(5)
    stderr = open(errf, "rb").read().decode("latin-1")
    problems = []
    rc = status
    sig = open(rssf).read() if os.path.exists(rssf) else ""
    if killed:
        problems.append("hung: killed after %d s" % HANG_S)
    elif "signal" in sig or rc > 128:
        problems.append("killed by a signal: %s" % sig.strip()[:80])
    if "Sanitizer" in stderr or "runtime error" in stderr:
        problems.append("sanitizer report")
    ok_rcs = ALT_RC.get(name, (want_rc,))
    if not killed and rc not in ok_rcs:
        problems.append("exit %d, expected %s" % (rc, "/".join(map(str, ok_rcs))))
    for secret in SECRETS:
        if secret in stderr:
            problems.append("the password (%s) is in stderr" % secret)
    if want_text and want_text not in stderr:
        problems.append("no '%s' in stderr" % want_text)
    if MAX_RSS_KB and (maxrss == 0 or maxrss > MAX_RSS_KB):
        problems.append("peak RSS %d kB, bound %d kB" % (maxrss, MAX_RSS_KB))
    cmds = conns[0].cmds if conns else []
    mark = conns[0].mark if conns else 0
    verbs = [x.split(" ")[0].upper() for x in cmds]
    if name in REQUIRE and REQUIRE[name] not in verbs:
        problems.append("the client never sent %s" % REQUIRE[name])
    if name in MAX_SECS and secs > MAX_SECS[name]:
        problems.append("took %.1f s, bound %d s" % (secs, MAX_SECS[name]))
    if name in STORED:
        for sub, want in (("new", STORED[name]), ("tmp", 0)):
            d = os.path.join(maildir, sub)
            got = len(os.listdir(d)) if os.path.isdir(d) else -1
            if got != want:
                problems.append("%d files in %s/, expected %d" % (got, sub, want))
    if rc in (69, 74, 75, 76) and "QUIT" in verbs[mark:] and name not in ALT_RC:
        problems.append("QUIT sent after an error (would commit deletions)")
    if "QUIT" in verbs and "DELE" in verbs:
        # Every deleted message must be stored (fsync'd) first.
        new = os.path.join(maildir, "new")
        stored = len(os.listdir(new)) if os.path.isdir(new) else 0
        if stored < verbs.count("DELE"):
            problems.append("%d DELE but %d stored" % (verbs.count("DELE"), stored))
    if name in FORBID and FORBID[name] in verbs:
        problems.append("the client sent %s" % FORBID[name])
    if name in MAX_STORED:
        new = os.path.join(maildir, "new")
        stored = len(os.listdir(new)) if os.path.isdir(new) else 0
        if stored > MAX_STORED[name]:
            problems.append("%d messages stored, at most %d allowed" % (stored, MAX_STORED[name]))
    if name in POST:
        problems += POST[name](maildir)
    last = stderr.strip().splitlines()[-1] if stderr.strip() else ""
    return problems, rc, secs, maxrss, last, cmds


def main():
    import tempfile
    pop3get = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "pop3get")
    names = sys.argv[2:] or list(SCRIPTS)
    if not os.access(pop3get, os.X_OK):
        sys.exit("hostile: %s not built (run make)" % pop3get)
    fails = 0
    with tempfile.TemporaryDirectory(prefix="pop3-hostile.") as tmp:
        for name in names:
            problems, rc, secs, rss, last, cmds = run_script(pop3get, name, tmp)
            tag = "FAIL" if problems else "ok  "
            print("%s %-26s exit %-3d %5.1f s %6d kB  %s" % (tag, name, rc, secs, rss, last[:70]))
            for p in problems:
                print("       " + p)
            if problems:
                print("       commands: %s" % " | ".join(cmds)[:300])
                fails += 1
    print("hostile: %d of %d scripts passed" % (len(names) - fails, len(names)))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
