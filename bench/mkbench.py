#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""mkbench.py - fill a Dovecot Maildir with one of the benchmark maildrops.

    mkbench.py --set small|large|mixed|tiny [--seed N] DIR USER [USER...]

Sets (from the benchmark issue):
  small   2000 messages of about 2 KB
  large   20 messages of about 5 MB
  mixed   500 messages, sizes log-uniform between 500 B and 1 MB
  tiny    20 messages of about 2 KB (bench-smoke and the scale part)

Every message has ordinary 76-character text lines, some lines that start
with a dot (dot-stuffed on the wire) and 8-bit octets (UTF-8 words). The
messages are written like tests/integration/mkmaildrop.py writes them (same
file names, same owner handling), and DIR/expected/USER/summary gets one
line "COUNT OCTETS": the number of messages and the sum of their sizes as a
POP3 RETR returns them (CRLF line ends, dot-unstuffed). Clients are checked
against that summary. Deterministic for a given seed.
"""

import argparse
import math
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "integration"))
import mkmaildrop  # noqa: E402  (Message, owner_of, write_file, BASE_TIME)

ALPHA = ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 ")
UTF8_WORDS = ["Grüße", "Köln", "façade", "naïve", "smørrebrød", "Ærø",
              "Ελληνικά", "русский", "日本語"]


def line_pool(rng, n=2048):
    """Distinct body lines of 76 octets: mostly text, some 8-bit, some with
    leading dots (one in 64), a few lone dots."""
    pool = []
    for i in range(n):
        if i % 64 == 1:
            s = "." + "".join(rng.choice(ALPHA) for _ in range(75))
        elif i % 256 == 3:
            s = "."
        elif i % 16 == 5:
            words = []
            while len(" ".join(words).encode()) < 70:
                words.append(rng.choice(UTF8_WORDS))
            s = " ".join(words)
        else:
            s = "".join(rng.choice(ALPHA) for _ in range(76))
        pool.append(s.encode("utf-8"))
    return pool


def body(rng, pool, size):
    """About size octets (with CRLF line ends on the wire)."""
    out = []
    total = 0
    # rng.choices in bulk: fast enough for 100 MB.
    while total < size:
        need = max(1, (size - total) // 78 + 1)
        for s in rng.choices(pool, k=need):
            out.append(s)
            total += len(s) + 2
            if total >= size:
                break
    return b"\n".join(out) + b"\n"


def sizes_for(name, rng):
    if name == "small":
        return [2048] * 2000
    if name == "tiny":
        return [2048] * 20
    if name == "large":
        return [5 * 1024 * 1024] * 20
    if name == "mixed":
        lo, hi = math.log(500), math.log(1024 * 1024)
        return [int(math.exp(rng.uniform(lo, hi))) for _ in range(500)]
    raise SystemExit("mkbench.py: unknown set %s" % name)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir")
    ap.add_argument("users", nargs="+", metavar="user")
    ap.add_argument("--set", required=True,
                    choices=("small", "large", "mixed", "tiny"))
    ap.add_argument("--seed", type=int, default=1939)
    a = ap.parse_args()

    owner = mkmaildrop.owner_of(a.dir)
    pool = line_pool(random.Random("%d/%s/pool" % (a.seed, a.set)))
    for user in a.users:
        fill(a, user, owner, pool)


def fill(a, user, owner, pool):
    rng = random.Random("%d/%s/bench" % (a.seed, a.set))
    md = os.path.join(a.dir, "mail", user)
    for sub in ("new", "cur", "tmp"):
        os.makedirs(os.path.join(md, sub), exist_ok=True)
        if owner:
            os.chown(os.path.join(md, sub), *owner)
    if owner:
        os.chown(md, *owner)
    if any(os.listdir(os.path.join(md, s)) for s in ("new", "cur")):
        sys.exit("mkbench.py: %s already holds mail" % md)

    total = 0
    sizes = sizes_for(a.set, rng)
    for n, size in enumerate(sizes, 1):
        m = mkmaildrop.Message(user, n, "Bench %s %d" % (a.set, n), b"\n",
                               charset="utf-8", cte="8bit")
        head = len(m.wire_bytes()) - 2          # header block + blank line
        m.body = body(rng, pool, max(80, size - head))
        name = "%d.M%06dP%d.%s" % (mkmaildrop.BASE_TIME + n, n, a.seed,
                                   "pop3bench")
        mkmaildrop.write_file(os.path.join(md, "new", name), m.disk_bytes(),
                              owner)
        total += len(m.wire_bytes())
    exp = os.path.join(a.dir, "expected", user)
    os.makedirs(exp, exist_ok=True)
    with open(os.path.join(exp, "summary"), "w") as f:
        f.write("%d %d\n" % (len(sizes), total))
    print("mkbench.py: %s: %d messages for %s (%d octets on the wire)"
          % (a.set, len(sizes), user, total))


if __name__ == "__main__":
    main()
