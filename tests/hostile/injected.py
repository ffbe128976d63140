#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""injected.py - after fakeserver.py's "bodyinject": is every stored message
its own octets? For nothing_lost.sh.

    injected.py MAILDIR EXPDIR RC

Each file in MAILDIR/new and cur, after the Received: field pop3get puts
on top, must equal the expected message with its Message-ID
(EXPDIR/NNNN.eml), with CRLF or (pop3get's default delivery) LF line ends,
except that one of them may carry the injected bare-LF lines right before
its "Subject: " line; when RC is 0 (the session ran to its end) exactly one
must. Exit 1 with the reason otherwise.
"""
import os
import re
import sys

PAYLOAD = b"\n.\n+OK 1 octets\n"
ID = re.compile(rb"(?im)^message-id:[ \t]*(<[^>\r\n]*>)")
RECEIVED = re.compile(rb"\AReceived:[^\n]*\n(?:[ \t][^\n]*\n)*")


def forms(exp):
    """The expected octets as delivered: CRLF kept, or LF line ends."""
    return (exp, exp.replace(b"\r\n", b"\n"))


def main():
    maildir, expdir, rc = sys.argv[1], sys.argv[2], sys.argv[3]
    want = {}
    for line in open(os.path.join(expdir, "manifest")):
        n, _, mid = line.split()
        want[mid] = open(os.path.join(expdir, "%04d.eml" % int(n)), "rb").read()
    injected = 0
    for sub in ("new", "cur"):
        d = os.path.join(maildir, sub)
        for fn in sorted(os.listdir(d)) if os.path.isdir(d) else []:
            data = RECEIVED.sub(b"", open(os.path.join(d, fn), "rb").read(), count=1)
            m = ID.search(data)
            exp = want.get(m.group(1).decode("latin-1")) if m else None
            if exp is None:
                sys.exit("%s: no known Message-ID" % fn)
            if data in forms(exp):
                continue
            if data in [f.replace(b"Subject: ", PAYLOAD + b"Subject: ", 1) for f in forms(exp)]:
                injected += 1
                continue
            sys.exit("%s (%s): stored octets are neither the message nor the message "
                     "with the injected lines" % (fn, m.group(1).decode("latin-1")))
    if injected > 1 or (rc == "0" and injected != 1):
        sys.exit("%d messages carry the injected lines (exit %s)" % (injected, rc))
    print("ok: %d injected" % injected)


if __name__ == "__main__":
    main()
