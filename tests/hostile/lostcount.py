#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""lostcount.py - where did each message go? For nothing_lost.sh.

    lostcount.py SRV LOCAL USER...

For each USER: SRV/expected/USER/manifest is mkmaildrop.py's "N SIZE
MESSAGE-ID" list. A message counts as on the server when a file in
SRV/mail/USER/{new,cur} carries its Message-ID, and as stored when a file
in LOCAL/USER/{new,cur} does (tmp/ holds unfinished deliveries, which do
not count), or, when LOCAL/USER is a file, a message of that mbox. Prints one line per user:

    USER total server_only stored_only both lost local_dups

"both" is a message stored and still on the server (it will be fetched
again: a duplicate, acceptable in POP3 without UIDL tracking); "lost" is
neither, which must never happen; local_dups counts extra local copies.
"""
import mailbox
import os
import re
import sys

ID = re.compile(rb"^Message-ID:\s*(<[^>\r\n]*>)", re.I | re.M)


def ids_in(maildir):
    found = {}
    if os.path.isfile(maildir):  # an mbox
        for msg in mailbox.mbox(maildir, create=False):
            m = ID.search(msg.as_bytes()[:8192])
            if m:
                k = m.group(1).decode("latin-1")
                found[k] = found.get(k, 0) + 1
        return found
    for sub in ("new", "cur"):
        d = os.path.join(maildir, sub)
        if not os.path.isdir(d):
            continue
        for name in os.listdir(d):
            try:
                with open(os.path.join(d, name), "rb") as f:
                    head = f.read(8192)
            except OSError:
                continue  # expunged while we looked
            m = ID.search(head)
            if m:
                k = m.group(1).decode("latin-1")
                found[k] = found.get(k, 0) + 1
    return found


def count(manifest, server, local):
    want = [line.split()[2] for line in open(manifest) if line.strip()]
    srv, loc = ids_in(server), ids_in(local)
    server_only = stored_only = both = lost = 0
    for mid in want:
        s, l = mid in srv, mid in loc
        if s and l:
            both += 1
        elif s:
            server_only += 1
        elif l:
            stored_only += 1
        else:
            lost += 1
    dups = sum(n - 1 for n in loc.values() if n > 1)
    return len(want), server_only, stored_only, both, lost, dups


def main():
    srv, local = sys.argv[1:3]
    for user in sys.argv[3:]:
        r = count(os.path.join(srv, "expected", user, "manifest"),
                  os.path.join(srv, "mail", user), os.path.join(local, user))
        print(user, *r)


if __name__ == "__main__":
    main()
