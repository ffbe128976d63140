#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench.py - the pop3 benchmark: pop3get next to its peers, the engine
alone, the firmware footprint and many sessions in one thread.

    bench.py [--smoke] [--parts 1,2,3,4,5] [--runs N] [--out FILE]
             [--update-doc BENCHMARKS.md]

Run by `make bench` (full: every part, results written to
bench/results/latest.md and a dated copy, BENCHMARKS.md updated) and
`make bench-smoke` (a tiny maildrop, one run per figure, every client's
result still verified; part of `make check`). Build products live under
build/bench/; the private Dovecot in a fresh directory under $TMPDIR (mode
0711, so its unprivileged processes reach it from any checkout), removed at
the end. Everything talks to 127.0.0.1 only.

Parts (see BENCHMARKS.md for what each measures):
  1 fetch speed against peers (loopback)
  2 the small maildrop at 20 ms round-trip time (bench/relay.py)
  3 engine cost (bench/engine.c; callgrind instruction counts)
  4 footprint on Cortex-M4 (arm-none-eabi-gcc -Os)
  5 scale: K sessions in one thread (bench/scale.c)

Exit status: 0 when every client's result was verified (targets missed are
reported, not failures), 1 when a result was wrong or a tool failed.
"""

import argparse
import datetime
import glob
import mailbox
import os
import platform
import pwd
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "tests", "support"))
import skiplog  # noqa: E402

T0 = time.time()
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
B = os.path.join(ROOT, "build", "bench")
PASS = "benchpw"
NETX_TEXT, NETX_TEXT_MD5, NETX_CLIENT = 4058, 6136, 576
WARM_UP = True       # bench-smoke turns it off
SMOKE = False

failures = []
out_lines = []


def emit(s=""):
    print(s, flush=True)
    out_lines.append(s)


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, capture_output=True,
                          **kw).stdout


def tool_version(cmd):
    try:
        r = subprocess.run(cmd, text=True, capture_output=True, timeout=10)
        s = (r.stdout or r.stderr).strip().splitlines()
        s = [x for x in s if "WARNING" not in x]
        return s[0].strip() if s else "?"
    except (OSError, subprocess.SubprocessError):
        return "missing"


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


# --- running one measured command ------------------------------------------

class Result:
    def __init__(self, wall, cpu, rss_kb, out, err, rc):
        self.wall, self.cpu, self.rss_kb = wall, cpu, rss_kb
        self.out, self.err, self.rc = out, err, rc


def run_measured(argv, env=None, stdout_count=False, timeout=900):
    """Run argv under build/bench-runrss; wall time here, CPU time (user+sys
    of it and its waited-for children) and peak RSS from the wrapper's
    wait4(). stdout_count: stdout goes to a pipe that this process drains
    and counts (the bytes are not kept)."""
    outf = os.path.join(B, "tmp", "stdout")
    errf = os.path.join(B, "tmp", "stderr")
    rssf = os.path.join(B, "tmp", "rusage")
    if os.path.exists(rssf):
        os.unlink(rssf)
    argv = [os.path.join(ROOT, "build", "bench-runrss"), rssf] + list(argv)
    e = dict(os.environ)
    if env:
        e.update(env)
    with open(errf, "wb") as ferr:
        if stdout_count:
            t0 = time.perf_counter()
            p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=ferr,
                                 env=e)
            n = 0
            while True:
                chunk = p.stdout.read1(1 << 20)
                if not chunk:
                    break
                n += len(chunk)
            _, status, ru = os.wait4(p.pid, 0)
            t1 = time.perf_counter()
            p.returncode = os.waitstatus_to_exitcode(status)
            out = "%d" % n
        else:
            with open(outf, "wb") as fout:
                t0 = time.perf_counter()
                p = subprocess.Popen(argv, stdout=fout, stderr=ferr, env=e)
                _, status, ru = os.wait4(p.pid, 0)
                t1 = time.perf_counter()
                p.returncode = os.waitstatus_to_exitcode(status)
            with open(outf, "rb") as f:
                out = f.read().decode("utf-8", "replace")
    with open(errf, "rb") as f:
        err = f.read().decode("utf-8", "replace")
    try:
        with open(rssf) as f:
            rss, ut, st = f.read().split()
        cpu, maxrss = float(ut) + float(st), int(rss)
    except (OSError, ValueError):
        cpu, maxrss = ru.ru_utime + ru.ru_stime, ru.ru_maxrss
    return Result(t1 - t0, cpu, maxrss, out, err, p.returncode)


def degraded(why):
    """A part of the benchmark that could not be built: a failure."""
    failures.append(why)
    emit("<!-- FAILED: %s -->" % why)


def not_run(what, why):
    """A figure left out because a tool is missing: loud, and logged in
    the shared skip log (tests/support/skiplog.py) by a smoke run."""
    emit("<!-- not measured: %s (%s) -->" % (what, why))
    sys.stderr.write("bench: not measured: %s (%s)\n" % (what, why))
    if SMOKE:
        skiplog.skip("bench-smoke", what, why)


def measure(name, runs, setup, argv_fn, verify, **kw):
    """Warm-up, then timed runs (median). Each run is verified."""
    samples = []
    warm = WARM_UP
    while True:
        setup()
        # What the set-up (and the run before) left to write back - a
        # removed Maildir of 2000 files, the server's own writes - goes to
        # disk now, not inside the next client's timed run (a client that
        # syncs would otherwise pay for it).
        os.sync()
        r = run_measured(argv_fn(), **kw)
        ok, why = verify(r)
        if not ok:
            failures.append("%s: %s" % (name, why))
            emit("<!-- %s failed: %s -->" % (name, why))
            return None
        if warm:
            warm = False
            continue
        samples.append(r)
        if len(samples) >= runs:
            break
    med = lambda xs: statistics.median(xs)
    return {
        "wall": med([s.wall for s in samples]),
        "cpu": med([s.cpu for s in samples]),
        "rss": med([s.rss_kb for s in samples]) / 1024.0,
        "n": len(samples),
    }


# --- the private Dovecot ----------------------------------------------------

class Dovecot:
    # Its directory is a fresh one under $TMPDIR (mode 0711), not under
    # build/: Dovecot's unprivileged processes must reach it, and a checkout
    # may sit below a private directory (a 0700 home).
    def __init__(self, sets, scale_users, tls=False):
        self.dir = None
        self.sets = sets
        self.scale_users = scale_users
        self.port = None
        # tls: a second instance for the POP3S rows, with a certificate
        # from a CA made for this run (make_pki); STLS on self.port,
        # implicit TLS on self.sport; clients trust self.cafile.
        self.tls = tls
        self.sport = None
        self.cafile = None
        self.top = None

    def start(self):
        script = os.path.join(ROOT, "tests", "integration", "dovecot.sh")
        self.stop()
        self.top = tempfile.mkdtemp(prefix="pop3-bench.%d." % os.getpid())
        os.chmod(self.top, 0o711)
        self.dir = os.path.join(self.top, "dovecot")
        users = ["%s:%s" % (s, PASS) for s in self.sets]
        if not self.tls:
            # "<set>del": the same maildrop, refilled before each --delete run.
            users += ["%sdel:%s" % (s, PASS) for s in self.sets]
        users += ["s%04d:%s" % (i, PASS)
                  for i in range(1, self.scale_users + 1)]
        env = dict(os.environ)
        env["POP3_TEST_DOVECOT_EXTRA"] = os.path.join(ROOT, "bench",
                                                      "dovecot-limits.conf")
        tls_args = []
        if self.tls:
            self.cafile, cert, key = make_pki(os.path.join(self.top, "pki"))
            tls_args = ["--tls", cert, key]
        self.port = subprocess.run(["bash", script, "start", self.dir] +
                                   tls_args + users,
                                   check=True, text=True, capture_output=True,
                                   env=env).stdout.strip().splitlines()[-1]
        if self.tls:
            with open(os.path.join(self.dir, "port_pop3s")) as f:
                self.sport = f.read().strip()
        mk = os.path.join(ROOT, "bench", "mkbench.py")
        for s in self.sets:
            sh([sys.executable, mk, "--set", s, self.dir, s])
        if self.scale_users:
            sh([sys.executable, mk, "--set", "tiny", self.dir] +
               ["s%04d" % i for i in range(1, self.scale_users + 1)])

    def refill(self, s):
        """Give user <s>del a fresh copy of maildrop s (Dovecot's own index
        files go too: a --delete run emptied the mailbox)."""
        md = os.path.join(self.dir, "mail", s + "del")
        shutil.rmtree(md, ignore_errors=True)
        sh([sys.executable, os.path.join(ROOT, "bench", "mkbench.py"),
            "--set", s, self.dir, s + "del"])

    def expected(self, user):
        with open(os.path.join(self.dir, "expected", user, "summary")) as f:
            n, octets = f.read().split()
        return int(n), int(octets)

    def stop(self):
        if self.dir is None:
            return
        script = os.path.join(ROOT, "tests", "integration", "dovecot.sh")
        subprocess.run(["bash", script, "stop", self.dir], capture_output=True)
        shutil.rmtree(self.top, ignore_errors=True)
        self.dir = self.top = None

    def mail_owner(self):
        """(uid, gid) that Dovecot's mail belongs to: the runner, or an
        unprivileged account when the benchmark runs as root."""
        with open(os.path.join(self.dir, "mailowner")) as f:
            uid, gid = f.read().split()
        return int(uid), int(gid)


def make_pki(d):
    """A test CA and a server certificate for 127.0.0.1 (an iPAddress
    entry, as tests/integration/tls.sh makes them), made now with openssl
    and removed with the Dovecot directory. Returns (CA file, certificate,
    key); readable by Dovecot's unprivileged processes (test keys only)."""
    os.makedirs(d)
    ca, cakey = os.path.join(d, "ca.pem"), os.path.join(d, "ca.key")
    cert, key = os.path.join(d, "srv.pem"), os.path.join(d, "srv.key")
    csr, ext = os.path.join(d, "srv.csr"), os.path.join(d, "ext.cnf")
    with open(ext, "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n"
                "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n")
    for argv in (["req", "-x509", "-newkey", "rsa:2048", "-nodes",
                  "-keyout", cakey, "-out", ca, "-days", "2",
                  "-subj", "/CN=pop3 bench CA"],
                 ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                  "-out", csr, "-subj", "/CN=localhost"],
                 ["x509", "-req", "-in", csr, "-CA", ca, "-CAkey", cakey,
                  "-CAcreateserial", "-out", cert, "-days", "2",
                  "-extfile", ext]):
        sh(["openssl"] + argv)
    os.chmod(d, 0o755)
    for f in (ca, cert, key):
        os.chmod(f, 0o644)
    return ca, cert, key


# --- clients -----------------------------------------------------------------

def fresh_dir(path, maildir=False):
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    if maildir:
        for s in ("tmp", "new", "cur"):
            os.makedirs(os.path.join(path, s))


def parse_summary(out):
    m = re.search(r"(\d+) messages, (\d+) octets", out)
    return (int(m.group(1)), int(m.group(2))) if m else (None, None)


# The trace field pop3get puts in front of every message it delivers
# (pg_received(): one line and one folded continuation line).
POP3GET_RECEIVED = re.compile(rb"\AReceived: from [^\n]* with POP3 \(pop3get [^\n]*\n"
                              rb"(?:[ \t][^\n]*\n)*")


def wire_octets(d):
    """Octets of a stored message as RETR returned it: CRLF line ends
    whether the client stored LF or CRLF, without pop3get's Received:."""
    d = POP3GET_RECEIVED.sub(b"", d, count=1)
    return len(d) + d.count(b"\n") - d.count(b"\r\n")


def maildir_totals(path):
    """Messages and octets in a Maildir (wire_octets() of each file)."""
    n = octets = 0
    for sub in ("new", "cur"):
        for f in glob.glob(os.path.join(path, sub, "*")):
            with open(f, "rb") as fh:
                octets += wire_octets(fh.read())
            n += 1
    return n, octets


# mboxrd (pop3get and mpop write it): a body line ">*From " got one more
# ">" in front; reading back takes one away.
MBOXRD_QUOTED = re.compile(rb"(?m)^>(>*From )")


def mbox_totals(path):
    """Messages and octets in an mbox file, read back with Python's
    mailbox module (which splits at "From " lines and drops the blank
    line before each), mboxrd-unquoted, counted like maildir_totals()."""
    n = octets = 0
    try:
        box = mailbox.mbox(path, create=False)
    except (OSError, mailbox.Error) as e:
        return "unreadable (%s)" % e
    try:
        for key in box.iterkeys():
            octets += wire_octets(MBOXRD_QUOTED.sub(rb"\1", box.get_bytes(key)))
            n += 1
    finally:
        box.close()
    return n, octets


def check(want, got, what):
    if got == want:
        return True, ""
    return False, "%s: got %s, expected %s" % (what, got, want)


def verifier(want, got, what="messages, octets"):
    """A run's check: exit 0, then got(result) equal to want (a value or
    a function returning it)."""
    def verify(r):
        if r.rc != 0:
            return False, "exit %d: %s" % (r.rc, r.err.strip()[-300:])
        return check(want() if callable(want) else want, got(r), what)
    return verify


class Client:
    """name, argv builder, verifier; setup() runs before each run.
    runs_factor: this row takes that many times the timed runs (cheap
    rows whose figures lie close together). loopback_only: left out of
    part 2 (a row that would take minutes there and show nothing new)."""

    def __init__(self, name, needs=None, runs_factor=1, loopback_only=False):
        self.name = name
        self.needs = needs
        self.runs_factor = runs_factor
        self.loopback_only = loopback_only
        self.setup = lambda: None
        self.kw = {}

    def available(self):
        return self.needs is None or shutil.which(self.needs) is not None


def write_mpoprc(path, host, port, user, delivery, uidls, only_new=False,
                 cafile=None):
    """An mpop configuration: keep everything, no Received header;
    cafile: POP3S (implicit TLS) trusting that CA, default authentication;
    else clear text with USER/PASS."""
    if cafile:
        tls = "tls on\ntls_starttls off\ntls_trust_file %s\n" % cafile
    else:
        tls = "tls off\nauth user\n"
    with open(path, "w") as f:
        f.write("defaults\n%saccount bench\n"
                "host %s\nport %s\nuser %s\npassword %s\nkeep on\n"
                "only_new %s\nreceived_header off\n"
                "delivery %s\nuidls_file %s\n"
                % (tls, host, port, user, PASS,
                   "on" if only_new else "off", delivery, uidls))
    os.chmod(path, 0o600)


def write_getmailrc(gdir, host, port, user, md, read_all, deliver_as):
    """A getmail rcfile in its own --getmaildir gdir (which also holds its
    oldmail state): SimplePOP3Retriever, Maildir destination, nothing
    deleted, no header added (the maildrop's messages carry Return-Path).
    deliver_as: the account getmail delivers as when run as root (it
    refuses to deliver as root), else None."""
    os.makedirs(gdir, exist_ok=True)
    with open(os.path.join(gdir, "getmailrc"), "w") as f:
        f.write("[retriever]\ntype = SimplePOP3Retriever\nserver = %s\n"
                "port = %s\nusername = %s\npassword = %s\n\n"
                "[destination]\ntype = Maildir\npath = %s/\n%s\n"
                "[options]\nread_all = %s\ndelete = false\nverbose = 0\n"
                "delivered_to = false\nreceived = false\n"
                % (host, port, user, PASS, md,
                   "user = %s\n" % deliver_as if deliver_as else "",
                   "true" if read_all else "false"))
    os.chmod(os.path.join(gdir, "getmailrc"), 0o600)


def make_clients(host, port, user, expected, work, dc=None, tdc=None,
                 relayed=False):
    """The clients of one maildrop. dc: the Dovecot (refills, mail owner);
    tdc: the POP3S Dovecot when this maildrop gets POP3S rows; relayed:
    for part 2 (20 ms), which leaves out the rows marked loopback_only."""
    n_exp, oct_exp = expected
    bp = os.path.join(ROOT, "build")
    pg = os.path.join(bp, "pop3get")
    md = os.path.join(work, "maildir")
    mbox = os.path.join(work, "mbox")
    env = {"POP3_PASSWORD": PASS, "XDG_STATE_HOME": os.path.join(work, "state")}
    url = "pop3://%s@%s:%s/" % (user, host, port)
    want = (n_exp, oct_exp)
    clients = []
    summary_verify = verifier(want, lambda r: parse_summary(r.out))
    v_maildir = verifier(want, lambda r: maildir_totals(md))
    v_mbox = verifier(want, lambda r: mbox_totals(mbox))

    def fresh_mbox():
        if os.path.exists(mbox):
            os.unlink(mbox)

    c = Client("wire limit")
    c.argv = lambda: [os.path.join(bp, "wirelimit"), host, port, user, PASS]
    c.verify = summary_verify
    clients.append(c)

    c = Client("pop3get --discard")
    c.argv = lambda: [pg, "--plaintext-auth", "--discard", url]
    c.verify = summary_verify
    c.kw = {"env": env}
    clients.append(c)

    c = Client("pop3get --maildir")
    c.setup = lambda: fresh_dir(md)
    # --all: the same maildrop again on every run (only-new-mail state
    # would make the second run fetch nothing).
    c.argv = lambda: [pg, "--all", "--plaintext-auth", "--maildir", md, url]
    c.verify = v_maildir
    c.kw = {"env": env}
    clients.append(c)

    c = Client("pop3get --mbox")
    c.setup = fresh_mbox
    c.argv = lambda: [pg, "--all", "--plaintext-auth", "--mbox", mbox, url]
    c.verify = v_mbox
    c.kw = {"env": env}
    clients.append(c)

    # --delete: DELE after each stored message, then QUIT, which waits
    # for every DELE's reply (one round trip: QUIT commits only a session
    # whose replies all matched). The mailbox is refilled before each run.
    if dc is not None:
        c = Client("pop3get --maildir --delete")
        durl = "pop3://%sdel@%s:%s/" % (user, host, port)

        def del_setup():
            fresh_dir(md)
            dc.refill(user)
        c.setup = del_setup
        c.argv = lambda: [pg, "--all", "--plaintext-auth", "--maildir", md,
                          "--delete", durl]
        c.verify = verifier(lambda: dc.expected(user + "del"),
                            lambda r: maildir_totals(md))
        c.kw = {"env": env}
        clients.append(c)

    rc = os.path.join(work, "mpoprc")

    def mpop_client(name, mport, delivery, fresh, verify, cafile=None):
        """mpop fetching everything again on each run (only_new off)."""
        c = Client(name, "mpop")

        def setup():
            fresh()
            write_mpoprc(rc, host, mport, user, delivery,
                         os.path.join(work, "mpop-uidls"), cafile=cafile)
        c.setup = setup
        c.argv = lambda: ["mpop", "-q", "-C", rc, "bench"]
        c.verify = verify
        return c
    clients.append(mpop_client("mpop (maildir)", port, "maildir %s" % md,
                               lambda: fresh_dir(md, maildir=True),
                               v_maildir))
    clients.append(mpop_client("mpop (mbox)", port, "mbox %s" % mbox,
                               fresh_mbox, v_mbox))

    # getmail refuses to deliver as root: then it delivers as the account
    # that owns Dovecot's mail, into a Maildir under Dovecot's directory
    # (reachable by that account from any checkout).
    gm_as = None
    gm_base = work
    if dc is not None and os.getuid() == 0:
        gm_owner = dc.mail_owner()
        gm_as = pwd.getpwuid(gm_owner[0]).pw_name
        gm_base = os.path.join(dc.top, "getmail")
        os.makedirs(gm_base, exist_ok=True)

    def gm_maildir(path):
        fresh_dir(path, maildir=True)
        if gm_as:
            for d in (path, os.path.join(path, "tmp"),
                      os.path.join(path, "new"), os.path.join(path, "cur")):
                os.chown(d, *gm_owner)

    def getmail_argv(gdir, race_free=True):
        """getmail with its getmaildir; race_free: through
        bench/getmail_run.py (a run that delivers), with the interpreter
        named in getmail's own #! line (its modules are that one's)."""
        argv = ["getmail", "--getmaildir", gdir, "--rcfile", "getmailrc"]
        if not race_free:
            return argv
        with open(shutil.which("getmail")) as f:
            interp = f.readline()[2:].split()
        return interp + [os.path.join(ROOT, "bench", "getmail_run.py")] + \
            argv[1:]

    # One RETR at a time and a forked delivery per message: about 70 s a
    # run at 20 ms (poplib's table row shows the same round trips).
    c = Client("getmail (maildir)", "getmail", loopback_only=True)
    gmd = os.path.join(gm_base, "maildir")
    gdir = os.path.join(work, "getmail")

    def gm_setup():
        gm_maildir(gmd)
        write_getmailrc(gdir, host, port, user, gmd, True, gm_as)
    c.setup = gm_setup
    c.argv = lambda: getmail_argv(gdir)
    c.verify = verifier(want, lambda r: maildir_totals(gmd))
    clients.append(c)

    # "Second run, nothing new": how long a client takes to learn that
    # there is nothing to fetch (UIDL against the state of a first,
    # untimed run). Each takes four times the runs: the figures are close.
    md2 = os.path.join(work, "maildir-seen")
    env2 = dict(env, XDG_STATE_HOME=os.path.join(work, "state-seen"))
    seen_what = "messages, octets (none new)"
    c = Client("pop3get second run (nothing new)", runs_factor=4)
    first = []

    def pg_seen_setup():
        if not first:
            fresh_dir(md2)
            subprocess.run([pg, "-q", "--plaintext-auth", "--maildir", md2,
                            url], env=dict(os.environ, **env2), check=True)
            first.append(1)
    c.setup = pg_seen_setup
    c.argv = lambda: [pg, "-q", "--plaintext-auth", "--maildir", md2, url]
    c.verify = verifier(want, lambda r: maildir_totals(md2), seen_what)
    c.kw = {"env": env2}
    clients.append(c)

    # The same with TLS off, as mpop runs here (tls off): pop3get's
    # default for pop3:// is STLS when offered, for which it loads the
    # system's CA certificates before it connects.
    c = Client("pop3get --stls=no second run (nothing new)", runs_factor=4)
    c.setup = pg_seen_setup
    c.argv = lambda: [pg, "-q", "--stls=no", "--plaintext-auth", "--maildir",
                      md2, url]
    c.verify = verifier(want, lambda r: maildir_totals(md2), seen_what)
    c.kw = {"env": env2}
    clients.append(c)

    c = Client("mpop second run (nothing new)", "mpop", runs_factor=4)
    rc2 = os.path.join(work, "mpoprc-seen")
    mfirst = []

    def mpop_seen_setup():
        if mfirst:
            return
        fresh_dir(md2 + "-mpop", maildir=True)
        write_mpoprc(rc2, host, port, user, "maildir %s" % (md2 + "-mpop"),
                     os.path.join(work, "mpop-uidls-seen"), only_new=True)
        subprocess.run(["mpop", "-q", "-C", rc2, "bench"], check=True)
        mfirst.append(1)
    c.setup = mpop_seen_setup
    c.argv = lambda: ["mpop", "-q", "-C", rc2, "bench"]
    c.verify = verifier(want, lambda r: maildir_totals(md2 + "-mpop"),
                        seen_what)
    clients.append(c)

    c = Client("getmail second run (nothing new)", "getmail", runs_factor=4)
    gmd2 = os.path.join(gm_base, "maildir-seen")
    gdir2 = os.path.join(work, "getmail-seen")
    gfirst = []

    def gm_seen_setup():
        if gfirst:
            return
        gm_maildir(gmd2)
        write_getmailrc(gdir2, host, port, user, gmd2, False, gm_as)
        subprocess.run(getmail_argv(gdir2), check=True, capture_output=True)
        gfirst.append(1)
    c.setup = gm_seen_setup
    # Nothing to deliver, so no child to wait for: getmail as installed.
    c.argv = lambda: getmail_argv(gdir2, race_free=False)
    c.verify = verifier(want, lambda r: maildir_totals(gmd2), seen_what)
    clients.append(c)

    def curl_client(name, scheme, cport, extra, cwant):
        c = Client(name, "curl")
        c.argv = lambda: ["curl", "-sS", "--user", "%s:%s" % (user, PASS)] + \
            extra + ["%s://%s:%s/[1-%d]" % (scheme, host, cport, n_exp),
                     "-w", "%{stderr}%{exitcode}\\n"]
        # One "0" line per finished transfer; octets counted off the pipe.
        c.verify = verifier(cwant, lambda r: (
            len([x for x in r.err.split() if x == "0"]), int(r.out)))
        c.kw = {"stdout_count": True}
        return c
    clients.append(curl_client("curl (one connection)", "pop3", port, [],
                               want))

    c = Client("Python poplib")
    c.argv = lambda: [sys.executable,
                      os.path.join(ROOT, "bench", "poplib_fetch.py"),
                      host, port, user, PASS]
    c.verify = summary_verify
    clients.append(c)

    c = Client("fetchmail (bsmtp)", "fetchmail")
    frc = os.path.join(work, "fetchmailrc")
    bsmtp = os.path.join(work, "bsmtp")

    def fm_setup():
        for f in (bsmtp, os.path.join(work, "fetchids")):
            if os.path.exists(f):
                os.unlink(f)
        with open(frc, "w") as f:
            f.write('set no syslog\npoll %s service %s protocol pop3 '
                    'auth password timeout 120 no uidl\n'
                    '  user "%s" there with password "%s" is "root" here '
                    'sslproto "" keep fetchall no rewrite bsmtp "%s"\n'
                    % (host, port, user, PASS, bsmtp))
        os.chmod(frc, 0o600)
    c.setup = fm_setup
    c.argv = lambda: ["fetchmail", "-f", frc, "-i",
                      os.path.join(work, "fetchids")]

    def v_fm(r):
        # fetchmail rewrites headers (adds Received:, takes Return-Path), so
        # the octets are those it reports reading; the count is checked
        # in its log and in the BSMTP file it wrote.
        if r.rc != 0:
            return False, "exit %d: %s" % (r.rc, r.err.strip()[-300:])
        got = re.findall(r"reading message \S+ of \d+ \((\d+) octets\)",
                         r.out + r.err)
        with open(bsmtp, "rb") as f:
            records = len(re.findall(rb"(?m)^DATA\r?$", f.read()))
        return check((n_exp, oct_exp, n_exp),
                     (len(got), sum(int(x) for x in got), records),
                     "messages, octets, BSMTP records")
    c.verify = v_fm
    c.kw = {"env": {"FETCHMAILHOME": work}}
    clients.append(c)

    # POP3S (implicit TLS) against the second Dovecot, its certificate
    # checked against the run's test CA and 127.0.0.1 (an iPAddress entry).
    if tdc is not None:
        sport, ca = tdc.sport, tdc.cafile
        surl = "pop3s://%s@%s:%s/" % (user, host, sport)
        swant = lambda: tdc.expected(user)  # noqa: E731
        c = Client("pop3get (pop3s) --discard")
        c.argv = lambda: [pg, "--cafile", ca, "--discard", surl]
        c.verify = verifier(swant, lambda r: parse_summary(r.out))
        c.kw = {"env": env}
        clients.append(c)

        c = Client("pop3get (pop3s) --maildir")
        c.setup = lambda: fresh_dir(md)
        c.argv = lambda: [pg, "--all", "--cafile", ca, "--maildir", md, surl]
        c.verify = verifier(swant, lambda r: maildir_totals(md))
        c.kw = {"env": env}
        clients.append(c)

        clients.append(mpop_client(
            "mpop (pop3s, maildir)", sport, "maildir %s" % md,
            lambda: fresh_dir(md, maildir=True),
            verifier(swant, lambda r: maildir_totals(md)), cafile=ca))
        clients.append(curl_client("curl (pop3s, one connection)", "pop3s",
                                   sport, ["--cacert", ca], swant))
    if relayed:
        clients = [c for c in clients if not c.loopback_only]
    for c in clients:
        if not c.available():
            not_run("%s/%s" % (user, c.name), "%s not installed (bench/deps.sh)" % c.needs)
    return [c for c in clients if c.available()]


# --- part 1 and 2 ------------------------------------------------------------

def fmt(x, digits=2):
    return ("%%.%df" % digits) % x


def fetch_table(dc, sets, host, port, runs, title, wire_ref=None, tdc=None):
    emit("### %s" % title)
    emit("")
    emit("| maildrop | client | n | wall s | CPU s | peak RSS MB | MB/s | "
         "msgs/s | wall / wire limit |" +
         (" extra round trips / msg |" if wire_ref is not None else ""))
    emit("|---|---|---|---|---|---|---|---|---|" +
         ("---|" if wire_ref is not None else ""))
    results = {}
    for s in sets:
        n_exp, oct_exp = dc.expected(s)
        work = os.path.join(B, "work")
        fresh_dir(work)
        clients = make_clients(host, port, s, (n_exp, oct_exp), work, dc,
                               tdc if tdc is not None and s in tdc.sets
                               else None, relayed=wire_ref is not None)
        wire = None
        for c in clients:
            r = measure("%s/%s" % (s, c.name),
                        runs if SMOKE else runs * c.runs_factor, c.setup,
                        c.argv, c.verify, **c.kw)
            results[(s, c.name)] = r
            if r is None:
                emit("| %s | %s | - | failed | | | | | |" % (s, c.name))
                continue
            if c.name == "wire limit":
                wire = r["wall"]
            ratio = r["wall"] / wire if wire else float("nan")
            row = "| %s | %s | %d | %s | %s | %.1f | %.1f | %.0f | %.2fx |" % (
                s, c.name, r["n"], fmt(r["wall"], 3), fmt(r["cpu"], 3),
                r["rss"], oct_exp / 1e6 / r["wall"], n_exp / r["wall"], ratio)
            if wire_ref is not None:
                base = wire_ref.get((s, c.name))
                if base:
                    extra = (r["wall"] - base["wall"]) / (0.020 * n_exp)
                    row += " %.2f |" % max(extra, 0.0)  # noise, not < 0
                else:
                    row += " - |"
            emit(row)
    emit("")
    return results


# --- part 3 ------------------------------------------------------------------

def callgrind_ir(argv):
    outf = os.path.join(B, "tmp", "callgrind.out")
    subprocess.run(["valgrind", "--tool=callgrind",
                    "--toggle-collect=bench_feed*",
                    "--callgrind-out-file=" + outf] + argv,
                   check=True, capture_output=True)
    with open(outf) as f:
        for line in f:
            if line.startswith("totals:") or line.startswith("summary:"):
                return int(line.split()[1])
    raise RuntimeError("no callgrind totals")


def part3(smoke):
    exe = os.path.join(ROOT, "build", "bench-engine")
    emit("### 3. Engine cost (reply reader + engine, in-memory transport)")
    emit("")
    emit("| piece | body lines | engine MB/s | memchr+memcpy MB/s | engine "
         "instr/body byte | memchr+memcpy instr/byte | engine / limit |")
    emit("|---|---|---|---|---|---|---|")
    mb = "4" if smoke else "64"
    cg_mb = "1" if smoke else "8"
    res = {}
    for piece in (("1460",) if smoke else ("1460", "65536")):
        for kind in (("plain",) if smoke else ("plain", "dotted")):
            vals = {}
            for mode in ("engine", "baseline"):
                out = sh([exe, mode, piece, kind, mb, "1" if smoke else "5"])
                m = re.search(r"body_octets=(\d+) .*mbps=([\d.]+)", out)
                octets = int(m.group(1))
                vals[mode + "_mbps"] = float(m.group(2))
                cg = sh([exe, mode, piece, kind, cg_mb, "1"])
                cg_oct = int(re.search(r"body_octets=(\d+)", cg).group(1))
                ir = callgrind_ir([exe, mode, piece, kind, cg_mb, "1"])
                vals[mode + "_ipb"] = ir / cg_oct
                del octets
            res[(piece, kind)] = vals
            emit("| %s | %s | %.0f | %.0f | %.2f | %.3f | %.1fx |" % (
                piece, "76 chars" if kind == "plain"
                else "76 chars, every line dot-stuffed",
                vals["engine_mbps"], vals["baseline_mbps"],
                vals["engine_ipb"], vals["baseline_ipb"],
                vals["engine_ipb"] / vals["baseline_ipb"]))
    emit("")
    emit("The engine copies nothing: body data is handed out as slices of "
         "the input, so it can undercut memchr+memcpy. Under valgrind, "
         "glibc's memcpy of 64 KiB pieces runs `rep movsb`, counted once "
         "per iteration, which inflates the baseline's instructions there; "
         "MB/s is wall-clock on a shared machine (see the load average).")
    emit("")
    return res


# --- part 4 ------------------------------------------------------------------

CROSS = ["-std=c99", "-Os", "-mcpu=cortex-m4", "-mthumb",
         "-ffunction-sections", "-fdata-sections", "-fstack-usage",
         "-Iinclude", "-Isrc/md5", "-Isrc/core"]


def cross_objs(group, files, extra=()):
    d = os.path.join(B, "fp", group)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    objs = []
    for f in files:
        o = os.path.join(d, os.path.basename(f)[:-2] + ".o")
        subprocess.run(["arm-none-eabi-gcc"] + CROSS + list(extra) +
                       ["-c", f, "-o", o], check=True, cwd=ROOT,
                       capture_output=True, text=True)
        objs.append(o)
    return objs


def size_of(objs):
    t = d = b = 0
    for line in sh(["arm-none-eabi-size"] + objs).splitlines()[1:]:
        x = line.split()
        t, d, b = t + int(x[0]), d + int(x[1]), b + int(x[2])
    return t, d, b


def worst_frame(objs):
    best = (0, "-")
    for o in objs:
        su = o[:-2] + ".su"
        if not os.path.exists(su):
            continue
        for line in open(su):
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 2 and int(parts[1]) > best[0]:
                best = (int(parts[1]), parts[0].split(":")[-1] + " (" +
                        parts[2] + ")")
    return best


def undefined(objs):
    syms = set()
    defined = set()
    for line in sh(["arm-none-eabi-nm"] + objs).splitlines():
        x = line.split()
        if len(x) == 2 and x[0] == "U":
            syms.add(x[1])
        elif len(x) == 3:
            defined.add(x[2])
    return sorted(syms - defined)


def mbedtls_md5_src():
    for p in sorted(glob.glob(os.path.join(ROOT, "build", "mbedtls-src",
                                           "*", "library", "md5.c"))):
        return p
    return None


# The host's Mbed TLS config enables pthreads and files; a firmware build
# would not. Only the TLS transport and md5.c are compiled with it.
MBED_USER_CONFIG = """/* generated by bench/bench.py: firmware-like Mbed TLS options */
#undef MBEDTLS_THREADING_C
#undef MBEDTLS_THREADING_PTHREAD
#undef MBEDTLS_NET_C
#undef MBEDTLS_TIMING_C
#undef MBEDTLS_FS_IO
#undef MBEDTLS_HAVE_TIME_DATE
#undef MBEDTLS_HAVEGE_C
#undef MBEDTLS_PSA_ITS_FILE_C
#undef MBEDTLS_PSA_CRYPTO_STORAGE_C
"""


LINK_APP = r"""
#include "pop3.h"
#include "pop3_lwip.h"
static pop3_lwip port;
static pop3_client c;
static char line[POP3_LINE_MIN];
static uint8_t cmd[POP3_CMD_MAX];
static pop3_slot q[4];
static void bench_cb(pop3_client *cl, const pop3_event *ev, void *u)
{
    (void)u;
    switch (ev->type) {
    case POP3_EV_GREETING: pop3_client_login(cl, "u", "p", POP3_AUTH_USER); break;
    case POP3_EV_LOGIN: pop3_client_stat(cl); break;
    case POP3_EV_STAT: pop3_client_retr(cl, 1); break;
    case POP3_EV_MSG_END: pop3_client_dele(cl, 1); pop3_client_quit(cl); break;
    default: break;
    }
}
void bench_app(void)
{
    pop3_client_config cfg;
    pop3_lwip_init(&port);
    pop3_client_config_defaults(&cfg);
    cfg.transport = pop3_lwip_transport(&port);
    cfg.cb = bench_cb; cfg.line_buf = line; cfg.line_size = sizeof line;
    cfg.cmd_buf = cmd; cfg.cmd_size = sizeof cmd; cfg.queue = q; cfg.queue_len = 4;
    pop3_client_init(&c, &cfg);
    pop3_lwip_connect(&port, &c, "mail", 110);
    for (;;) pop3_lwip_poll(&port);
}
"""


def linked_size(lwip_inc, mbed_flags, knobs):
    """Text of engine + port/lwip functions and constants that a small
    firmware fetch loop keeps after --gc-sections, libgcc helpers they pull
    in included (lwIP itself, MD5 and the application left out of the
    sum)."""
    d = os.path.join(B, "fp", "linked-" + "-".join(knobs or ["default"]))
    os.makedirs(d, exist_ok=True)
    app = os.path.join(d, "app.c")
    with open(app, "w") as f:
        f.write(LINK_APP)
    elf = os.path.join(d, "app.elf")
    srcs = (glob.glob(os.path.join(ROOT, "src", "core", "*.c")) +
            glob.glob(os.path.join(ROOT, "port", "lwip", "pop3_lwip*.c")) +
            glob.glob(os.path.join(ROOT, "src", "md5", "*.c")))
    flags = [x for x in CROSS if x != "-fstack-usage"]
    flags += ["-D%s" % k for k in knobs]
    subprocess.run(["arm-none-eabi-gcc"] + flags + mbed_flags +
                   ["-Iport/lwip/nosys", "-Iport/lwip/cross", "-isystem",
                    lwip_inc, "-w", "-nostdlib", "-Wl,--gc-sections",
                    "-Wl,-e,bench_app", "-Wl,--unresolved-symbols=ignore-all",
                    app] + srcs + ["-lgcc", "-o", elf], check=True, cwd=ROOT,
                   capture_output=True)
    total = 0
    for line in sh(["arm-none-eabi-nm", "-S", "-t", "d", elf]).splitlines():
        x = line.split()
        if len(x) == 4 and x[2] in "tTrR" and not x[3].startswith(
                ("bench_", "pop3_md5", "mbedtls")):
            total += int(x[1])
    return total


def part4():
    emit("### 4. Footprint: arm-none-eabi-gcc -Os -mcpu=cortex-m4 -mthumb")
    emit("")
    os.makedirs(os.path.join(B, "fp"), exist_ok=True)
    ucfg = os.path.join(B, "fp", "mbedtls_user_config.h")
    with open(ucfg, "w") as f:
        f.write(MBED_USER_CONFIG)
    inc_dir = os.path.join(B, "fp", "inc")
    if not os.path.isdir(os.path.join(inc_dir, "mbedtls")):
        shutil.copytree("/usr/include/mbedtls",
                        os.path.join(inc_dir, "mbedtls"))
    mbed_flags = ["-isystem", inc_dir,
                  '-DMBEDTLS_USER_CONFIG_FILE="%s"' % ucfg]
    cfg_h = open(os.path.join(ROOT, "include",
                              "pop3_config_defaults.h")).read()
    sasl_knob = None
    m = re.search(r"#define\s+(POP3_\w*SASL\w*)\s", cfg_h)
    if m:
        sasl_knob = m.group(1)
    # The smallest build the engine offers (pop3_config_defaults.h).
    lean_knob = "POP3_LEAN" if re.search(r"#define\s+POP3_LEAN\s", cfg_h) else None
    core = sorted(glob.glob(os.path.join(ROOT, "src", "core", "*.c")))
    rows = []
    eng = cross_objs("engine", core)
    rows.append(("engine (src/core)", eng))
    eng_min = None
    if sasl_knob:
        eng_min = cross_objs("engine-nosasl", core, ["-D%s=0" % sasl_knob])
        rows.append(("engine, %s=0" % sasl_knob, eng_min))
    eng_lean = None
    if lean_knob:
        eng_lean = cross_objs("engine-lean", core, ["-D%s=1" % lean_knob])
        rows.append(("engine, %s=1 (no SASL, STLS, APOP, CAPA, UIDL/TOP, "
                     "response codes)" % lean_knob, eng_lean))
    md5 = cross_objs("md5", glob.glob(os.path.join(ROOT, "src", "md5",
                                                   "*.c")),
                     mbed_flags)
    rows.append(("md5 adapter (src/md5)", md5))
    src = mbedtls_md5_src()
    if src:
        inc = os.path.join(os.path.dirname(os.path.dirname(src)), "include")
        rows.append(("Mbed TLS md5.c (%s)" % os.path.basename(
            os.path.dirname(os.path.dirname(src))),
                     cross_objs("mbedmd5", [src], ["-I", inc, "-w",
                                '-DMBEDTLS_USER_CONFIG_FILE="%s"' % ucfg])))
    else:
        not_run("footprint of Mbed TLS md5.c", "no Mbed TLS source in build/mbedtls-src")
    # The lwIP port proper; src/nx/nx_lwip.c is the NetX shim's
    # lwIP glue, not needed by an lwIP application.
    lwip = sorted(glob.glob(os.path.join(ROOT, "port", "lwip", "pop3_lwip*.c")))
    lw = None
    lwip_inc = os.path.join(ROOT, "build", "lwip-src", "src", "include")
    if lwip and not os.path.isdir(lwip_inc):
        degraded("port/lwip: lwIP headers missing (make lwip-src)")
        lwip = []
    if lwip:
        try:
            lw = cross_objs("lwip", lwip, ["-Iport/lwip/nosys",
                                           "-Iport/lwip/cross", "-isystem",
                                           lwip_inc])
            rows.append(("port/lwip (NO_SYS=1 lwipopts.h)", lw))
        except subprocess.CalledProcessError as e:
            degraded("port/lwip did not cross-compile: %s"
                     % (e.stderr or "").strip().splitlines()[-1:])
            lwip = []
    # The shim proper; nx_posix.c and nx_lwip.c are its port hooks.
    nx = sorted(f for f in glob.glob(os.path.join(ROOT, "src", "nx", "*.c"))
                if os.path.basename(f) not in ("nx_posix.c", "nx_lwip.c"))
    if nx:
        try:
            rows.append(("NetX shim (src/nx)",
                         cross_objs("nx", nx, ["-w", "-Iinclude/netx", "-Isrc/nx"])))
        except subprocess.CalledProcessError:
            degraded("src/nx did not cross-compile on its own")
    tls = sorted(glob.glob(os.path.join(ROOT, "src", "transport",
                                        "pop3_transport_tls*.c")))
    if tls:
        try:
            rows.append(("TLS option (src/transport, POP3_TLS=1; Mbed TLS "
                         "ssl not counted)",
                         cross_objs("tls", tls, mbed_flags +
                                    ["-DPOP3_TLS=1", "-w"])))
        except subprocess.CalledProcessError:
            degraded("the TLS transport did not cross-compile")
    emit("| part | text | data | bss | worst stack frame (bytes, function) |")
    emit("|---|---|---|---|---|")
    sizes = {}
    for name, objs in rows:
        t, d, b = size_of(objs)
        sizes[name] = t
        w = worst_frame(objs)
        emit("| %s | %d | %d | %d | %d %s |" % (name, t, d, b, w[0], w[1]))
    if not lwip:
        emit("| port/lwip | missing (no port/lwip/*.c yet) | | | |")
    if not tls:
        emit("| TLS option | missing (no src/transport/pop3_transport_tls*.c)"
             " | | | |")
    linked = linked_lean = None
    if lw:
        linked = linked_size(lwip_inc, mbed_flags,
                             ["%s=0" % sasl_knob] if sasl_knob else [])
        emit("| engine + port/lwip as linked into a small firmware "
             "(USER/PASS, STAT, RETR, DELE, QUIT; --gc-sections%s) | %d | "
             "| | |" % (", %s=0" % sasl_knob if sasl_knob else "", linked))
        if lean_knob:
            linked_lean = linked_size(lwip_inc, mbed_flags,
                                      ["%s=1" % lean_knob])
            emit("| the same firmware with %s=1 | %d | | | |"
                 % (lean_knob, linked_lean))
    emit("| *NetX Duo POP3 client (reference)* | *%d (%d with its MD5)* | | "
         "| *%d bytes per client* |" % (NETX_TEXT, NETX_TEXT_MD5, NETX_CLIENT))
    emit("")

    # Largest functions of the engine.
    syms = []
    for line in sh(["arm-none-eabi-nm", "-S", "--size-sort", "-t", "d"] +
                   (eng_min or eng)).splitlines():
        x = line.split()
        if len(x) == 4 and x[2] in "tTrR":
            syms.append((int(x[1]), x[3], x[2]))
    syms.sort(reverse=True)
    emit("Largest engine symbols%s (text and read-only data): " % (
        " (%s=0)" % sasl_knob if eng_min else "") +
         ", ".join("%s %d" % (n, s) for s, n, _ in syms[:12]) + ".")
    emit("")

    # sizeof, from a probe object: array sizes are symbol sizes.
    probe = os.path.join(B, "fp", "probe.c")
    with open(probe, "w") as f:
        f.write('#include "pop3.h"\n'
                'char sz_pop3_client[sizeof(pop3_client)];\n'
                'char sz_pop3_slot[sizeof(pop3_slot)];\n'
                'char sz_pop3_event[sizeof(pop3_event)];\n'
                'char sz_line_min[POP3_LINE_MIN];\n'
                'char sz_cmd_max[POP3_CMD_MAX];\n')
    po = cross_objs("probe", [probe])
    sz = {}
    for line in sh(["arm-none-eabi-nm", "-S", "-t", "d"] + po).splitlines():
        x = line.split()
        if len(x) == 4 and x[3].startswith("sz_"):
            sz[x[3][3:]] = int(x[1])
    def libc_of(objs):
        return [u for u in undefined(objs)
                if not u.startswith(("pop3_", "mbedtls_", "tcp_", "altcp_",
                                     "pbuf_", "lwip_", "sys_", "ip", "dns_",
                                     "netif", "__aeabi", "__gnu"))]
    libc_full = libc_of(eng + (lw or []))
    libc = libc_of((eng_min or eng) + (lw or []))
    emit("| item | bytes |")
    emit("|---|---|")
    emit("| sizeof(pop3_client) | %d |" % sz.get("pop3_client", -1))
    emit("| sizeof(pop3_slot), one queue entry | %d |" % sz.get("pop3_slot",
                                                                 -1))
    emit("| line buffer, minimum (POP3_LINE_MIN) | %d |" % sz["line_min"])
    emit("| command buffer, minimum (POP3_CMD_MAX) | %d |" % sz["cmd_max"])
    emit("| sizeof(pop3_event) (on the stack per event) | %d |"
         % sz.get("pop3_event", -1))
    emit("")
    emit("libc functions the engine%s needs at link: %s%s; with SASL "
         "compiled in: %s." % (
             " and port/lwip" if lw else "", ", ".join(libc) or "none",
             " (%s=0)" % sasl_knob if eng_min else "",
             ", ".join(libc_full) or "none"))
    emit("")
    return {"sizes": sizes, "sz": sz, "libc": libc, "lwip": bool(lw),
            "linked": linked, "linked_lean": linked_lean,
            "eng_lean": size_of(eng_lean)[0] if eng_lean else None,
            "eng_min": size_of(eng_min)[0] if eng_min else None,
            "sasl_knob": sasl_knob, "top": syms[:12]}


# --- part 5 ------------------------------------------------------------------

def part5(dc, host, port, ks, runs):
    exe = os.path.join(ROOT, "build", "bench-scale")
    emit("### 5. Scale: K sessions in one thread (port/posix, poll())")
    emit("")
    emit("| K | n | total s | client CPU s | msgs/s | library bytes / session "
         "| client state | port bytes / session | process RSS growth / "
         "session |")
    emit("|---|---|---|---|---|---|---|---|---|")
    res = {}
    n_exp, oct_exp = dc.expected("s0001")
    for k in ks:
        vals = []

        def verify(r):
            if r.rc != 0:
                return False, "exit %d: %s" % (r.rc, r.err.strip()[-300:])
            m = dict(x.split("=") for x in r.out.split())
            vals.append(m)
            return check((k, k * n_exp, k * oct_exp),
                         (int(m["ok"]), int(m["msgs"]), int(m["octets"])),
                         "sessions ok, messages, octets")
        r = measure("scale K=%d" % k, runs, lambda: None,
                    lambda: [exe, host, port, "s", PASS, str(k)], verify)
        if r is None:
            emit("| %d | - | failed | | | | | | |" % k)
            continue
        m = vals[-1]
        secs = statistics.median(float(v["seconds"]) for v in vals[-r["n"]:])
        growth = (int(m["rss_kb_after"]) - int(m["rss_kb_before"])) * 1024 / k
        res[k] = {"secs": secs, "lib": int(m["lib_bytes"]),
                  "state": int(m["client_state"])}
        emit("| %d | %d | %.3f | %.3f | %.0f | %s | %s | %s | %.0f |" % (
            k, r["n"], secs, r["cpu"], k * n_exp / secs, m["lib_bytes"],
            m["client_state"], m["port_bytes"], growth))
    emit("")
    emit("Library bytes: sizeof(pop3_client) on this host + POP3_LINE_MIN "
         "line buffer + POP3_CMD_MAX command buffer + 8 queue slots "
         "(on Cortex-M4 the client state is smaller, see part 4). Port: "
         "sizeof(pop3_posix) with a 4 KB receive buffer. RSS growth at "
         "K = 1 is mostly libc's first allocations. Total time is "
         "dominated by Dovecot (a login and a mail process per session); "
         "client CPU is this process's user + system time.")
    emit("")
    return res


# --- targets -----------------------------------------------------------------

def targets(p1, p2, p3, p4, p5, sets):
    emit("### Targets")
    emit("")
    emit("| target | result | status |")
    emit("|---|---|---|")

    def row(t, res, ok):
        emit("| %s | %s | %s |" % (t, res, "met" if ok else "**not met**"))

    # Each peer is paired with the pop3get run doing the same work: mpop
    # stores into a Maildir with an fsync per message, like pop3get
    # --maildir; curl, poplib and fetchmail (BSMTP file, no fsync) keep
    # nothing durable, like pop3get --discard.
    # mpop's and getmail's Maildir and mpop's mbox pair with pop3get's
    # storing runs.
    pairs = [("mpop (maildir)", "pop3get --maildir"),
             ("mpop (mbox)", "pop3get --mbox"),
             ("getmail (maildir)", "pop3get --maildir"),
             ("curl (one connection)", "pop3get --discard"),
             ("Python poplib", "pop3get --discard"),
             ("fetchmail (bsmtp)", "pop3get --discard")]
    tls_pairs = [("mpop (pop3s, maildir)", "pop3get (pop3s) --maildir"),
                 ("curl (pop3s, one connection)", "pop3get (pop3s) --discard")]

    def faster(p, s, label, pairs, how):
        ratios = []
        for peer, mine in pairs:
            r, g = p.get((s, peer)), p.get((s, mine))
            if r and g:
                ratios.append((r["wall"] / g["wall"], peer, mine))
        if ratios:
            row("pop3get faster than every peer: %s, %s" % (s, label),
                "; ".join("%s %.2fx" % (peer, q) for q, peer, _ in ratios) +
                " (peer time / pop3get time; %s)" % how,
                min(ratios)[0] > 1.0)

    # The storage targets are about the small maildrop (a smoke run has
    # only the tiny one).
    store_set = "small" if "small" in sets else sets[0]
    for label, p in (("loopback", p1), ("20 ms RTT", p2)):
        if not p:
            continue
        for s in sets:
            if not p.get((s, "pop3get --discard")):
                continue
            faster(p, s, label, pairs,
                   "Maildir and mbox vs pop3get's run storing the same "
                   "way, the others vs --discard")
            if label == "loopback":
                faster(p, s, "POP3S", tls_pairs,
                       "mpop vs --maildir, curl vs --discard, both over "
                       "POP3S")
            gd = p.get((s, "pop3get --discard"))
            if label == "loopback" and s == store_set:
                for kind, mine, peer in (
                        ("a Maildir", "pop3get --maildir", "mpop (maildir)"),
                        ("an mbox file", "pop3get --mbox", "mpop (mbox)")):
                    g, m = p.get((s, mine)), p.get((s, peer))
                    if not g:
                        continue
                    q = g["wall"] / gd["wall"]
                    row("pop3get within 2x of its --discard run, storing "
                        "into %s: %s, loopback" % (kind, s),
                        "%.2fx (%.3f s against %.3f s)%s" % (
                            q, g["wall"], gd["wall"],
                            "; %s %.2fx" % (peer, m["wall"] / gd["wall"])
                            if m else ""), q <= 2.0)
            seen = [(p.get((s, "%s second run (nothing new)" % who)), who)
                    for who in ("pop3get", "mpop", "getmail")]
            if seen[0][0] and (seen[1][0] or seen[2][0]):
                mine = seen[0][0]["wall"]
                peers = [(r["wall"], who) for r, who in seen[1:] if r]
                row("pop3get second run faster than mpop's and getmail's: "
                    "%s, %s" % (s, label),
                    "; ".join("%s %.3f s" % (who, w)
                              for w, who in [(mine, "pop3get")] + peers) +
                    " (median of %d runs each)" % seen[0][0]["n"],
                    all(mine < w for w, _ in peers))
            g = p.get((s, "pop3get --maildir"))
            w = p.get((s, "wire limit"))
            if w and gd and label == "loopback":
                q = gd["wall"] / w["wall"]
                row("pop3get within 1.25x of the wire limit: %s, loopback" % s,
                    "%.2fx (discard sink)%s" % (
                        q, "; %.2fx into a Maildir (fsync)" %
                        (g["wall"] / w["wall"]) if g else ""), q <= 1.25)
    if p2:
        s = "small" if ("small", "wire limit") in p2 else sets[0]
        w, gd = p2.get((s, "wire limit")), p2.get((s, "pop3get --discard"))
        if w and gd:
            q = gd["wall"] / w["wall"]
            row("20 ms RTT, %s maildrop: within 1.5x of the wire limit" % s,
                "%.2fx" % q, q <= 1.5)
    if p3:
        ipb = p3[("1460", "plain")]["engine_ipb"]
        row("engine <= 1 instruction per body byte, 1460-byte pieces, "
            "76-char lines", "%.2f" % ipb, ipb <= 1.0)
    if p4:
        t = p4["sizes"]["engine (src/core)"]
        lw = p4["sizes"].get("port/lwip (NO_SYS=1 lwipopts.h)")
        if p4["eng_min"] is not None:
            t = p4["eng_min"]
        total = t + (lw or 0)
        # Judged on the smallest build, as a firmware links it (what it
        # pays); the sums of whole objects are printed beside it.
        best = p4["linked_lean"] or p4["linked"]
        lean_total = (p4["eng_lean"] + lw) if p4["eng_lean"] and lw else None
        row("engine + port/lwip <= 4096 bytes text (MD5 apart)",
            "%s as linked into a small fetch loop%s; whole objects: %s"
            "%d (engine %d%s)"
            % (best if best else "-",
               " (POP3_LEAN=1; %s in the default build)" % p4["linked"]
               if p4["linked_lean"] else "",
               "%d with POP3_LEAN=1, " % lean_total if lean_total else "",
               total, t,
               ", %s=0" % p4["sasl_knob"] if p4["eng_min"] is not None
               else ""),
            best is not None and best <= 4096 and lw is not None)
        st = p4["sz"].get("pop3_client", 9999)
        row("client state <= 128 bytes (plus the caller's line buffer)",
            "%d bytes" % st, st <= 128)
        allowed = {"memchr", "memcpy", "memmove", "memset", "memcmp",
                   "strlen"}
        extra = [x for x in p4["libc"] if x not in allowed]
        row("no libc beyond mem* / strlen (firmware build%s)" % (
            ", %s=0" % p4["sasl_knob"] if p4["sasl_knob"] else ""),
            ", ".join(p4["libc"]) or "none", not extra)
    if p5:
        k = max(p5)
        row("%d concurrent sessions in one thread, library memory < 1 KB "
            "per session" % k, "%d sessions ok, %d bytes per session"
            % (k, p5[k]["lib"]), k >= 1000 and p5[k]["lib"] < 1024)
    emit("")


# --- main --------------------------------------------------------------------

def build(smoke):
    """The binaries come from the Makefile (make bench / bench-smoke)."""
    for exe in ("pop3get", "wirelimit", "bench-engine", "bench-scale",
                "bench-runrss"):
        if not os.path.exists(os.path.join(ROOT, "build", exe)):
            sys.exit("bench.py: build/%s missing: run make bench-smoke or "
                     "make bench" % exe)


def header(smoke, runs):
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                         capture_output=True, text=True).stdout.strip()
    emit("## pop3 benchmark%s, %s" % (" (smoke)" if smoke else "",
                                      datetime.datetime.utcnow().strftime(
                                          "%Y-%m-%d %H:%M UTC")))
    emit("")
    emit("- machine: %s, %d CPUs, %s %s; load average at start %s" % (
        cpu, os.cpu_count(), platform.system(), platform.release(),
        loadavg()))
    emit("- commit %s; %s" % (rev or "?", tool_version(["cc", "--version"])))
    emit("- peers: %s; %s; %s; %s; Python %s poplib" % (
        tool_version(["mpop", "--version"]),
        tool_version(["getmail", "--version"]),
        tool_version(["curl", "--version"]).split(" (")[0],
        tool_version(["fetchmail", "--version"]).split("+")[0],
        platform.python_version()))
    emit("- server: Dovecot %s (private, 127.0.0.1); %s; %s" % (
        tool_version(["dovecot", "--version"]),
        tool_version(["valgrind", "--version"]),
        tool_version(["arm-none-eabi-gcc", "--version"])))
    if smoke:
        emit("- smoke run: one run per figure, no warm-up; the figures only "
             "show that every part works")
        emit("")
        return
    emit("- each figure: median of %d timed runs after one warm-up run "
         "(n says how many); every comparison is a ratio within this run"
         % runs)
    emit("")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--parts", default="1,2,3,4,5")
    ap.add_argument("--runs", type=int, default=None)
    ap.add_argument("--out")
    ap.add_argument("--update-doc")
    ap.add_argument("--sets", default=None)
    ap.add_argument("--scale", default=None,
                    help="K values for part 5, e.g. 1,100,1000")
    a = ap.parse_args()
    parts = {int(x) for x in a.parts.split(",")}
    runs = a.runs or (1 if a.smoke else 5)
    sets = (a.sets.split(",") if a.sets else
            (["tiny"] if a.smoke else ["small", "large", "mixed"]))
    ks = ([int(x) for x in a.scale.split(",")] if a.scale else
          ([1, 10] if a.smoke else [1, 100, 1000]))
    os.makedirs(os.path.join(B, "tmp"), exist_ok=True)
    global WARM_UP, SMOKE
    SMOKE = a.smoke
    WARM_UP = not a.smoke
    build(a.smoke)
    header(a.smoke, runs)

    dc = tdc = None
    relay = None
    p1 = p2 = p3 = p4 = p5 = None
    host = "127.0.0.1"
    try:
        if parts & {1, 2, 5}:
            t0 = time.time()
            need = set(sets) if parts & {1, 2} else set()
            if 2 in parts and not a.smoke:
                need.add("small")
            dc = Dovecot(sorted(need), max(ks) if 5 in parts else 0)
            dc.start()
            if parts & {1, 2}:
                # The POP3S rows: part 1's small maildrop (a smoke run's
                # tiny one), on a second instance offering TLS.
                tdc = Dovecot(["small"] if "small" in need
                              else sorted(need)[:1], 0, tls=True)
                try:
                    tdc.start()
                except (subprocess.CalledProcessError, OSError) as e:
                    degraded("the Dovecot for the POP3S rows did not start "
                             "(%s): %s" % (e, getattr(e, "stderr", "")))
                    tdc.stop()
                    tdc = None
            emit("<!-- Dovecot and maildrops ready in %.0f s -->"
                 % (time.time() - t0))
            emit("")
        if 1 in parts:
            emit("_%.0f s into the run; load average before part 1: %s._"
                 % (time.time() - T0, loadavg()))
            emit("")
            p1 = fetch_table(dc, sets, host, dc.port, runs,
                             "1. Fetch speed against peers (loopback)",
                             tdc=tdc)
        if 2 in parts:
            emit("_%.0f s into the run; load average before part 2: %s._"
                 % (time.time() - T0, loadavg()))
            emit("")
            pf = os.path.join(B, "tmp", "relay.port")
            if os.path.exists(pf):
                os.unlink(pf)
            relay = subprocess.Popen([sys.executable, os.path.join(
                ROOT, "bench", "relay.py"), pf, dc.port, "10"])
            for _ in range(100):
                if os.path.exists(pf):
                    break
                time.sleep(0.05)
            with open(pf) as f:
                rport = f.read().strip()
            lat_sets = ["tiny"] if a.smoke else ["small"]
            if p1 is None:
                p1 = fetch_table(dc, lat_sets, host, dc.port, runs,
                                 "1. Fetch speed against peers (loopback)",
                                 tdc=tdc)
            p2 = fetch_table(dc, lat_sets, host, rport, runs,
                             "2. Latency: 20 ms round trip (relay on "
                             "127.0.0.1, 10 ms each way)", wire_ref=p1)
            emit("Extra round trips per message: (wall at 20 ms - wall on "
                 "loopback) / (20 ms x messages), from the two tables above.")
            emit("")
        if 3 in parts:
            emit("_%.0f s into the run; load average before part 3: %s._"
                 % (time.time() - T0, loadavg()))
            emit("")
            p3 = part3(a.smoke)
        if 4 in parts:
            p4 = part4()
        if 5 in parts:
            emit("_%.0f s into the run; load average before part 5: %s._"
                 % (time.time() - T0, loadavg()))
            emit("")
            p5 = part5(dc, host, dc.port, ks, 1 if a.smoke else runs)
        targets(p1, p2, p3, p4, p5, sets)
        emit("_%.0f s in all._" % (time.time() - T0))
        emit("Load average at the end: %s." % loadavg())
    finally:
        if relay is not None:
            relay.send_signal(signal.SIGTERM)
            try:
                relay.wait(timeout=10)
            except subprocess.TimeoutExpired:
                relay.kill()
        for d in (dc, tdc):
            if d is not None:
                d.stop()
    if failures:
        emit("")
        emit("**Failed:** " + "; ".join(failures))
    text = "\n".join(out_lines) + "\n"
    if a.out:
        os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
        with open(a.out, "w") as f:
            f.write(text)
    if a.update_doc:
        doc = open(a.update_doc).read()
        start, end = "<!-- bench:begin -->", "<!-- bench:end -->"
        i, j = doc.find(start), doc.find(end)
        if i >= 0 and j > i:
            # One heading level down inside the document's own section.
            body = "\n".join("#" + x if x.startswith("#") else x
                             for x in text.splitlines()) + "\n"
            doc = doc[:i + len(start)] + "\n" + body + doc[j:]
            with open(a.update_doc, "w") as f:
                f.write(doc)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
