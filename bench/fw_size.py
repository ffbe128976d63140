#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""fw_size.py - text/data/bss of a firmware image per component, read from
the GNU ld map file written next to it (build/fw/NAME.map).

  fw_size.py MAP [MAP ...]

Components, by the object each input section came from:
  pop3      src/ and port/ (engine, MD5 adapter, TLS decorator, lwIP port)
  lwIP      Debian's lwip source (core, IPv4, Ethernet, altcp_tls glue)
  Mbed TLS  Debian's mbedtls 2.28 source, firmware configuration
  board     examples/lwip_superloop: main.c and board/mps2_an386 (and the CA)
  libc      newlib-nano and libgcc
text is flash (code, read-only data, the .data image), data is initialised
RAM, bss zeroed RAM; the stack and the simulated flash store are listed
apart. Only what the linker kept (--gc-sections) is counted."""
import re
import sys

COMPONENTS = ("pop3", "lwIP", "Mbed TLS", "board", "libc")


def component(path):
    if "libmbedtls-" in path:
        return "Mbed TLS"
    if "/lwip/" in path:
        return "lwIP"
    if "/pop3/src/" in path or "/pop3/port/" in path:
        return "pop3"
    if "/pop3/examples/" in path or "board_ca" in path:
        return "board"
    return "libc"


def parse(path):
    sizes = {c: {"text": 0, "data": 0, "bss": 0} for c in COMPONENTS}
    extra = {"stack": 0, "store": 0}
    out = None
    pending = None
    started = False
    for line in open(path, encoding="utf-8", errors="replace"):
        if line.startswith("Linker script and memory map"):
            started = True
            continue
        if not started:
            continue
        m = re.match(r"^(\.[\w.]+)\s+0x[0-9a-f]+\s+0x([0-9a-f]+)", line)
        if m:
            out = m.group(1)
            if out == ".stack":
                extra["stack"] = int(m.group(2), 16)
            elif out == ".simflash":
                extra["store"] = int(m.group(2), 16)
            continue
        m = re.match(r"^(\.[\w.]+)\s*$", line)
        if m:
            out = m.group(1)
            continue
        m = re.match(r"^ (\S+)\s*$", line)
        if m:
            pending = m.group(1)
            continue
        m = re.match(r"^ (\S+)?\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$", line)
        if not m or (m.group(1) is None and pending is None):
            pending = None
            continue
        pending = None
        size, obj = int(m.group(3), 16), m.group(4)
        kind = {".text": "text", ".ARM.exidx": "text", ".data": "data", ".bss": "bss"}.get(out)
        if kind is None or size == 0:
            continue
        sizes[component(obj)][kind] += size
        if kind == "data":
            sizes[component(obj)]["text"] += size  # its image is in flash too
    return sizes, extra


def main():
    for path in sys.argv[1:]:
        sizes, extra = parse(path)
        print(f"{path}:")
        print(f"  {'component':10} {'text':>8} {'data':>6} {'bss':>7}")
        tot = {"text": 0, "data": 0, "bss": 0}
        for c in COMPONENTS:
            s = sizes[c]
            if not any(s.values()):
                continue
            print(f"  {c:10} {s['text']:8} {s['data']:6} {s['bss']:7}")
            for k in tot:
                tot[k] += s[k]
        print(f"  {'total':10} {tot['text']:8} {tot['data']:6} {tot['bss']:7}"
              f"   (+ stack {extra['stack']}, simulated flash store {extra['store']})")


main()
