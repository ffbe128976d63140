#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""order.py - was every DELE sent only after its message was durable?

    order.py STRACE_LOG MAILDIR MANIFEST

STRACE_LOG is `strace -f -y -s 65536 -o LOG pop3get --delete --maildir
MAILDIR ...` (write, sendto, sendmsg, fsync, fdatasync, rename, renameat,
renameat2, link, linkat, syncfs traced). MANIFEST is mkmaildrop.py's "N SIZE
MESSAGE-ID" list: message N on the server carries MESSAGE-ID.

Events are taken in the order the calls returned. The durability point of
message N is reached when, all before the octets "DELE N\\r\\n" left the
socket:
  - the file holding it was fsync'd (or fdatasync'd) after its last write,
    or a syncfs on a descriptor inside MAILDIR (its file system) returned
    after that write and before the rename,
  - it was renamed (or linked) into MAILDIR/new or MAILDIR/cur, and
  - that directory was fsync'd after the rename.
The file is the one found in MAILDIR/new or cur at the end with N's
Message-ID, followed back through its renames. A DELE for a message not in
MAILDIR at the end is a violation too.

Prints one line per DELE and a summary; exit 0 when every DELE was after
its message's durability point, 1 otherwise, 2 when the log cannot be read
(no DELE sent at all counts as readable: the caller decides).
Also prints "injected: SYSCALL PATH ERRNO" for each fault strace injected.
Standard library only.
"""
import os
import re
import sys

LINE = re.compile(r"^(\d+)\s+(.*)$")
CALL = re.compile(r"^([a-z0-9_]+)\((.*)$")
RESUMED = re.compile(r"^<\.\.\. ([a-z0-9_]+) resumed>(.*)$")
RET = re.compile(r"\)\s+=\s+(-?\d+|\?)(?:\s+(\w+))?.*$")
FD = re.compile(r"^(?:-?\d+)<((?:[^>\\]|\\.)*)>")
MSGID = re.compile(rb"(?im)^message-id:[ \t]*(<[^>\r\n]*>)")


def unescape(s):
    """strace's C-style string escapes to bytes."""
    out = bytearray()
    i = 0
    while i < len(s):
        c = s[i]
        if c != "\\":
            out += c.encode("latin-1", "replace")
            i += 1
            continue
        n = s[i + 1]
        if n == "x":
            out.append(int(s[i + 2:i + 4], 16))
            i += 4
        elif n in "01234567":
            j = i + 1
            while j < len(s) and j < i + 4 and s[j] in "01234567":
                j += 1
            out.append(int(s[i + 1:j], 8) & 0xFF)
            i = j
        else:
            out += {"n": b"\n", "r": b"\r", "t": b"\t", "v": b"\v", "f": b"\f",
                    "\\": b"\\", '"': b'"'}.get(n, n.encode())
            i += 2
    return bytes(out)


def strings(args):
    """The quoted strings of an argument list, unescaped, in order."""
    return [unescape(m) for m in re.findall(r'"((?:[^"\\]|\\.)*)"', args)]


def fd_path(arg):
    m = FD.match(arg.strip())
    return unescape(m.group(1)).decode("utf-8", "replace") if m else None


def parse(log):
    """Yield (seq, syscall, args, ret, errno_name, injected) in completion order."""
    pending = {}
    seq = 0
    with open(log, encoding="latin-1") as f:
        for raw in f:
            raw = raw.rstrip("\n")
            m = LINE.match(raw)
            if not m:
                continue
            pid, rest = m.groups()
            r = RESUMED.match(rest)
            if r:
                name, tail = r.groups()
                rest = name + "(" + pending.pop((pid, name), "") + tail
            elif rest.endswith("<unfinished ...>"):
                c = CALL.match(rest)
                if c:
                    pending[(pid, c.group(1))] = c.group(2)[:-len("<unfinished ...>")].rstrip()
                continue
            c = CALL.match(rest)
            if not c:
                continue
            name, tail = c.groups()
            rm = RET.search(tail)
            if not rm:
                continue
            args = tail[:rm.start()]
            ret = rm.group(1)
            seq += 1
            yield (seq, name, args, None if ret == "?" else int(ret), rm.group(2),
                   "(INJECTED)" in tail[rm.start():])


def split_args(args):
    """Top-level comma split (strings may hold commas)."""
    out, cur, q, depth, i = [], "", False, 0, 0
    while i < len(args):
        ch = args[i]
        if q:
            cur += ch
            if ch == "\\" and i + 1 < len(args):
                cur += args[i + 1]
                i += 1
            elif ch == '"':
                q = False
        elif ch == '"':
            q = True
            cur += ch
        elif ch in "[{":
            depth += 1
            cur += ch
        elif ch in "]}":
            depth -= 1
            cur += ch
        elif ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
        i += 1
    if cur.strip():
        out.append(cur.strip())
    return out


def path_arg(dirarg, patharg):
    p = strings(patharg)
    p = p[0].decode("utf-8", "replace") if p else ""
    if p.startswith("/") or dirarg is None:
        return os.path.normpath(p)
    base = fd_path(dirarg) if not dirarg.startswith("AT_FDCWD") else os.getcwd()
    return os.path.normpath(os.path.join(base or "", p))


def main():
    if len(sys.argv) != 4:
        sys.stderr.write(__doc__)
        return 2
    log, maildir, manifest = sys.argv[1:]
    maildir = os.path.realpath(maildir)
    ids = {}
    with open(manifest) as f:
        for line in f:
            if line.strip():
                n, _, mid = line.split()
                ids[int(n)] = mid

    last_write = {}     # path -> seq of its last write
    synced = {}         # path -> seqs of successful fsyncs
    fs_synced = []      # seqs of successful syncfs of MAILDIR's file system
    renamed = {}        # new path -> (old path, seq)
    sent = {}           # socket -> octets sent so far
    deles = []          # (seq, n)
    injected = []
    for seq, name, args, ret, err, inj in parse(log):
        a = split_args(args)
        if inj:
            p = fd_path(a[0]) if a else None
            if name.startswith("rename") or name.startswith("link"):
                p = path_arg(None, a[0]) if name in ("rename", "link") else path_arg(a[0], a[1])
            injected.append((name, p, err))
        if ret is None or ret < 0:
            continue
        if name in ("write", "pwrite64", "writev", "sendto", "sendmsg"):
            p = fd_path(a[0]) if a else None
            if p is None:
                continue
            if p.startswith("socket:") or p.startswith("TCP") or p.startswith("UNIX"):
                data = b"".join(strings(args))[:ret]
                buf = sent.get(p, b"") + data
                before = sent.get(p, b"")
                sent[p] = buf
                for m in re.finditer(rb"(?:(?<=\r\n)|^)DELE (\d+)\r\n", buf):
                    if m.end() > len(before):
                        deles.append((seq, int(m.group(1))))
            elif os.path.realpath(p).startswith(maildir + os.sep):
                last_write[os.path.realpath(p)] = seq
        elif name in ("fsync", "fdatasync"):
            p = fd_path(a[0])
            if p:
                synced.setdefault(os.path.realpath(p), []).append(seq)
        elif name == "syncfs":
            p = fd_path(a[0])
            if p and (os.path.realpath(p) + os.sep).startswith(maildir + os.sep):
                fs_synced.append(seq)
        elif name in ("rename", "link"):
            renamed[path_arg(None, a[1])] = (path_arg(None, a[0]), seq)
        elif name in ("renameat", "renameat2", "linkat"):
            renamed[path_arg(a[2], a[3])] = (path_arg(a[0], a[1]), seq)

    # Where each message ended up.
    where = {}
    for sub in ("new", "cur"):
        d = os.path.join(maildir, sub)
        for fn in (os.listdir(d) if os.path.isdir(d) else []):
            path = os.path.join(d, fn)
            with open(path, "rb") as f:
                m = MSGID.search(f.read(16384))
            if m:
                where[m.group(1).decode("latin-1")] = path

    def synced_between(path, lo, hi):
        return any(lo < s < hi for s in synced.get(path, []))

    bad = 0
    for seq, n in deles:
        mid = ids.get(n)
        final = where.get(mid)
        why = None
        if final is None:
            why = "not in the Maildir at the end"
        else:
            chain = [final]
            when = None
            while chain[-1] in renamed and len(chain) < 8:
                old, t = renamed[chain[-1]]
                when = t if when is None else when
                chain.append(old)
            if when is None:
                why = "never renamed or linked into %s" % os.path.dirname(final)
            elif when > seq:
                why = "renamed into place after the DELE"
            else:
                wrote = max([last_write.get(p, 0) for p in chain])
                if (not any(synced_between(p, wrote, seq) for p in chain) and
                        not any(wrote < t < when for t in fs_synced)):
                    why = ("file not fsync'd after its last write, before the DELE, "
                           "nor its file system synced before the rename")
                elif not synced_between(os.path.dirname(final), when, seq):
                    why = "%s not fsync'd after the rename, before the DELE" % (
                        os.path.basename(os.path.dirname(final)))
        if why:
            bad += 1
            print("VIOLATION DELE %d (%s): %s" % (n, mid, why))
        else:
            print("ok DELE %d after its message was durable" % n)
    for name, p, err in injected:
        print("injected: %s %s %s" % (name, p, err))
    print("summary: %d DELE, %d violations, %d faults injected" % (len(deles), bad, len(injected)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
