#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bootcfg.py - write the settings block the MPS2 AN386 firmware reads at
boot (struct bootcfg in examples/lwip_superloop/board/mps2_an386/board.c);
QEMU puts it into RAM with -device loader,file=OUT,addr=0x203ff000.

  bootcfg.py OUT IP MASK HOST PORT USER PASS TLS TLS_NAME SESSIONS PAUSE_MS STORE_DELAY_MS [DNS [MEASURE]]

TLS: plain, pop3s or stls. DNS: the name server (0.0.0.0: none, HOST is
an address). MEASURE 1: the firmware prints each message's cost. The 32-octet seed for the board's test-only
entropy source comes from os.urandom."""
import ipaddress
import os
import struct
import sys

TLS = {"plain": 0, "pop3s": 1, "stls": 2}


def field(s, n):
    b = s.encode()
    if len(b) >= n or b"\0" in b:
        sys.exit(f"bootcfg.py: {s!r} does not fit in {n - 1} octets")
    return b


def main():
    if len(sys.argv) not in (13, 14, 15):
        sys.exit(__doc__)
    out, ip, mask, host, port, user, pw, tls, name, sessions, pause, delay = sys.argv[1:13]
    dns = sys.argv[13] if len(sys.argv) > 13 else "0.0.0.0"
    measure = int(sys.argv[14]) if len(sys.argv) > 14 else 0
    blob = struct.pack(
        "<II4s4s4s4sHBBIII64s64s64s64s32s",
        0x57463350, 1,
        ipaddress.IPv4Address(ip).packed, ipaddress.IPv4Address(mask).packed,
        bytes(4), ipaddress.IPv4Address(dns).packed,
        int(port), TLS[tls], measure,
        int(sessions), int(pause), int(delay),
        field(host, 64), field(name, 64), field(user, 64), field(pw, 64),
        os.urandom(32))
    with open(out, "wb") as f:
        f.write(blob)


main()
