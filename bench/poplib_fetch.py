#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""poplib_fetch.py - the Python standard library's POP3 client as a peer.

    poplib_fetch.py HOST PORT USER PASS

USER/PASS login, STAT, RETR of every message (one command at a time, which
is all poplib does), QUIT. The bytes are dropped; prints "N messages,
B octets" where B counts each returned line plus its CRLF (poplib has
already removed the dot-stuffing).
"""
import poplib
import sys


def main():
    host, port, user, password = sys.argv[1:5]
    p = poplib.POP3(host, int(port), timeout=120)
    p.user(user)
    p.pass_(password)
    count, _ = p.stat()
    octets = 0
    for n in range(1, count + 1):
        _, lines, _ = p.retr(n)
        octets += sum(len(line) + 2 for line in lines)
    p.quit()
    print("%d messages, %d octets" % (count, octets))


if __name__ == "__main__":
    main()
