#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""dnsd.py - a tiny DNS responder for the lwIP tests (runs inside the test's
network namespace only).

    dnsd.py BIND_ADDR NAME IPV4 READYFILE [LOGFILE]

Answers UDP queries on BIND_ADDR:53: an A query for NAME gets IPV4 (TTL 60),
any other query NXDOMAIN, anything unparsable is dropped. Writes READYFILE
once bound; with LOGFILE, appends "QTYPE NAME" for every query answered.
Standard library only; it serves until killed.
"""
import socket
import struct
import sys


def qname(data, off):
    labels = []
    while True:
        if off >= len(data):
            raise ValueError("truncated name")
        n = data[off]
        off += 1
        if n == 0:
            return ".".join(labels).lower(), off
        if n & 0xC0 or off + n > len(data):
            raise ValueError("compressed or truncated label")
        labels.append(data[off:off + n].decode("ascii", "replace"))
        off += n


def answer(query, name, ip):
    if len(query) < 12:
        return None
    txid, flags, qd = struct.unpack("!HHH", query[:6])
    if flags & 0x8000 or qd != 1:
        return None
    qn, off = qname(query, 12)
    if off + 4 > len(query):
        return None
    qtype, qclass = struct.unpack("!HH", query[off:off + 4])
    question = query[12:off + 4]
    rd = flags & 0x0100
    if qn == name and qtype == 1 and qclass == 1:
        hdr = struct.pack("!HHHHHH", txid, 0x8400 | rd, 1, 1, 0, 0)
        rr = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + socket.inet_aton(ip)
        return hdr + question + rr
    hdr = struct.pack("!HHHHHH", txid, 0x8403 | rd, 1, 0, 0, 0)
    return hdr + question


def main():
    if len(sys.argv) not in (5, 6):
        sys.exit(__doc__)
    bind, name, ip, ready = sys.argv[1:5]
    log = sys.argv[5] if len(sys.argv) == 6 else None
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((bind, 53))
    with open(ready, "w") as f:
        f.write("ready\n")
    name = name.lower().rstrip(".")
    while True:
        data, peer = s.recvfrom(1500)
        try:
            reply = answer(data, name, ip)
        except ValueError:
            reply = None
        if reply is not None:
            s.sendto(reply, peer)
            if log:
                with open(log, "a") as f:
                    qn, off = qname(data, 12)
                    f.write("%d %s\n" % (struct.unpack("!H", data[off:off + 2])[0], qn))


if __name__ == "__main__":
    main()
