#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""run.py - every guarantee has a test that notices when it is broken.

    python3 tests/mutants/run.py [--only NAME[,NAME...]] [--table FILE]

Copies the checkout's tracked files into build/mutants/tree, builds and
runs the tests there once unmutated (all must pass), then applies each
mutation of tests/mutants/mutants.py alone: its FIND text, which must occur
in FILE exactly once, is replaced by REPLACE, the tree is rebuilt and the
tests named for it run. A mutant is killed when one of them fails. It
survives when they all pass; it is stale when FIND no longer matches the
source (someone changed the code: update the mutation), and stillborn when
the mutated tree does not compile. Anything but killed fails the run.

Prints a table (also build/mutants/table.md, or FILE) of mutant, guarantee,
tests and outcome. Standard library only.
"""
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
from mutants import MUTANTS, TESTS  # noqa: E402

WORK = os.path.join(ROOT, "build", "mutants")
TREE = os.path.join(WORK, "tree")
MAKE = [os.environ.get("MAKE", "make"), "--no-print-directory",
        "LWIP_SRC=%s" % os.path.join(ROOT, "build", "lwip-src")]
TIMEOUT = int(os.environ.get("MUTANT_TIMEOUT", "300"))


def copy_tree():
    """The checkout's files (tracked, and new ones not ignored) as they are
    now; files gone from the checkout go from the tree too (build/ stays)."""
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                           cwd=ROOT, check=True, capture_output=True).stdout.split(b"\0")
    want = set()
    for f in files:
        if not f:
            continue
        rel = f.decode()
        src, dst = os.path.join(ROOT, rel), os.path.join(TREE, rel)
        if not os.path.isfile(src):
            continue          # deleted in the working tree
        want.add(rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if not os.path.exists(dst) or open(src, "rb").read() != open(dst, "rb").read():
            shutil.copy2(src, dst)
    for d, dirs, names in os.walk(TREE):
        rel_d = os.path.relpath(d, TREE)
        if rel_d == "build" or rel_d.startswith("build" + os.sep):
            dirs[:] = []
            continue
        for n in names:
            rel = os.path.normpath(os.path.join(rel_d, n))
            if rel not in want:
                os.unlink(os.path.join(d, n))


def build(targets, log):
    r = subprocess.run(MAKE + ["-C", TREE] + targets, stdout=log, stderr=subprocess.STDOUT)
    return r.returncode == 0


def run_test(key, log):
    """0 when the test passed, else its exit status (124 for a timeout)."""
    _, cmd = TESTS[key]
    env = dict(os.environ, POP3GET=os.path.join(TREE, "build", "pop3get"),
               POP3_SKIP_LOG=os.path.join(WORK, "skips.log"))
    try:
        r = subprocess.run(["bash", "-c", cmd], cwd=TREE, env=env, stdout=log,
                           stderr=subprocess.STDOUT, timeout=TIMEOUT)
        return r.returncode
    except subprocess.TimeoutExpired:
        return 124


def main(argv):
    only = None
    table_file = os.path.join(WORK, "table.md")
    i = 1
    while i < len(argv):
        if argv[i] == "--only":
            only = set(argv[i + 1].split(","))
            i += 2
        elif argv[i] == "--table":
            table_file = argv[i + 1]
            i += 2
        else:
            sys.stderr.write(__doc__)
            return 64
    names = [m[0] for m in MUTANTS]
    if len(set(names)) != len(names):
        print("mutants: duplicate names")
        return 1
    todo = [m for m in MUTANTS if only is None or m[0] in only]
    os.makedirs(TREE, exist_ok=True)
    copy_tree()
    t0 = time.time()
    keys = sorted({k for m in todo for k in m[5]})
    with open(os.path.join(WORK, "baseline.log"), "w") as log:
        if not build(sorted({t for k in keys for t in TESTS[k][0]}), log):
            print("mutants: the unmutated tree does not build (build/mutants/baseline.log)")
            return 1
        for k in keys:
            rc = run_test(k, log)
            if rc != 0:
                print("mutants: test %s fails on the unmutated tree (exit %d, build/mutants/baseline.log)"
                      % (k, rc))
                return 1
    print("mutants: baseline built and passed in %.0f s; %d mutants" % (time.time() - t0, len(todo)))
    rows, bad = [], 0
    for name, why, path, find, replace, keys in todo:
        full = os.path.join(TREE, path)
        orig = open(full).read()
        n = orig.count(find)
        t1 = time.time()
        outcome, by = None, ""
        if n != 1:
            outcome = "STALE (pattern found %d times)" % n
        else:
            with open(full, "w") as f:
                f.write(orig.replace(find, replace))
            with open(os.path.join(WORK, name + ".log"), "w") as log:
                if not build(sorted({t for k in keys for t in TESTS[k][0]}), log):
                    outcome = "STILLBORN (does not compile)"
                else:
                    for k in keys:
                        rc = run_test(k, log)
                        if rc != 0:
                            outcome, by = "killed", "%s (exit %d)" % (k, rc)
                            break
                    else:
                        outcome = "SURVIVED"
            with open(full, "w") as f:
                f.write(orig)
        if outcome != "killed":
            bad += 1
        print("%-40s %-10s %s %s (%.0f s)" % (name, outcome.split()[0], by, "" if outcome == "killed"
                                           else outcome, time.time() - t1), flush=True)
        rows.append((name, why, path, ", ".join(keys), outcome, by))
    out = ["| mutant | guarantee it breaks | file | tests run | outcome |", "|---|---|---|---|---|"]
    for name, why, path, keys, outcome, by in rows:
        out.append("| `%s` | %s | %s | %s | %s |" % (name, why, path, keys,
                                                    "killed by " + by if outcome == "killed" else
                                                    "**" + outcome + "**"))
    text = "\n".join(out) + "\n"
    os.makedirs(os.path.dirname(os.path.abspath(table_file)), exist_ok=True)
    with open(table_file, "w") as f:
        f.write(text)
    killed = len(rows) - bad
    print("mutants: %d of %d killed in %.0f s; table in %s" % (killed, len(rows), time.time() - t0,
                                                           os.path.relpath(table_file, ROOT)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
