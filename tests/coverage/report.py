#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""report.py - line coverage per source file from gcov, with floors.

    report.py BUILD_DIR [--table FILE] [--unreachable FILE]

Runs `gcov --json-format --stdout` on every .gcda under BUILD_DIR (from the
checkout's root, where the sources were compiled) and merges the results per
source file: a line counts as executable when any compilation of the file
has it, as covered when any run executed it (the engine is compiled into
the library, the lean test and the lwIP tests: each adds what it ran).

FILE (--unreachable, default tests/coverage/unreachable.txt) lists lines
that no test can reach, one per line: "path<TAB>anchor<TAB>count<TAB>reason",
meaning the line holding the text anchor (which must occur on exactly one
line of path) and the count-1 lines after it. They are taken out of the
executable lines; an anchor that is not found once, or a listed line that
ran after all or is not executable, fails the report (the list stays true
when the code moves, and fails loudly when it changes).

Floors: every file under src/ and port/ 90% of its lines together, and each
group (src/, port/, examples/pop3get/) on its own; examples/pop3get/ 80%.
Prints a Markdown table (also into --table FILE) and exits 1 when a floor is
not met, 2 when there is nothing to report. Standard library only.
"""
import json
import os
import subprocess
import sys

GROUPS = [("src/", 90.0), ("port/", 90.0), ("examples/pop3get/", 80.0)]


def gcov_json(gcda):
    r = subprocess.run(["gcov", "--json-format", "--stdout", gcda],
                       capture_output=True, text=True)
    out = []
    for chunk in r.stdout.splitlines():
        chunk = chunk.strip()
        if chunk.startswith("{"):
            out.append(json.loads(chunk))
    return out


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    build = argv[1]
    table_out = None
    unreach_file = os.path.join("tests", "coverage", "unreachable.txt")
    i = 2
    while i < len(argv):
        if argv[i] == "--table":
            table_out = argv[i + 1]
        elif argv[i] == "--unreachable":
            unreach_file = argv[i + 1]
        i += 2
    lines = {}      # file -> {line: covered?}
    for d, _, files in os.walk(build):
        for f in files:
            if not f.endswith(".gcda"):
                continue
            for doc in gcov_json(os.path.join(d, f)):
                for fe in doc.get("files", []):
                    path = os.path.normpath(fe["file"])
                    if os.path.isabs(path):
                        path = os.path.relpath(path)
                    if not any(path.startswith(g) for g, _ in GROUPS):
                        continue
                    m = lines.setdefault(path, {})
                    for ln in fe["lines"]:
                        m[ln["line_number"]] = m.get(ln["line_number"], False) or ln["count"] > 0
    if not lines:
        print("coverage: no gcov data under %s" % build)
        return 2
    unreach = {}
    problems = []
    if os.path.exists(unreach_file):
        for raw in open(unreach_file):
            raw = raw.rstrip("\n")
            if not raw.strip() or raw.startswith("#"):
                continue
            path, anchor, count, why = raw.split("\t", 3)
            src = open(path).read().split("\n")
            hits = [i + 1 for i, l in enumerate(src) if anchor in l]
            if len(hits) != 1:
                problems.append("%s: anchor %r found on %d lines, not 1" % (path, anchor, len(hits)))
                continue
            for k in range(int(count)):
                unreach.setdefault(path, {})[hits[0] + k] = why
    for path, lns in unreach.items():
        for ln in lns:
            m = lines.get(path, {})
            if ln not in m:
                problems.append("%s:%d is listed as unreachable but is not an executable line" % (path, ln))
            elif m[ln]:
                problems.append("%s:%d is listed as unreachable but ran" % (path, ln))
            else:
                del m[ln]
    rows = []
    group_tot = {g: [0, 0] for g, _ in GROUPS}
    for path in sorted(lines):
        m = lines[path]
        n, c = len(m), sum(1 for v in m.values() if v)
        for g, _ in GROUPS:
            if path.startswith(g):
                group_tot[g][0] += n
                group_tot[g][1] += c
        rows.append((path, n, c, sorted(k for k, v in m.items() if not v)))
    out = ["| file | lines | covered | % | unreachable (listed) |", "|---|---|---|---|---|"]
    for path, n, c, _ in rows:
        out.append("| %s | %d | %d | %.1f | %d |" % (path, n, c, 100.0 * c / n if n else 100.0,
                                                     len(unreach.get(path, {}))))
    fails = []
    for g, floor in GROUPS:
        n, c = group_tot[g]
        pct = 100.0 * c / n if n else 0.0
        out.append("| **%s (floor %.0f%%)** | %d | %d | **%.1f** | |" % (g, floor, n, c, pct))
        if pct < floor:
            fails.append("%s: %.1f%% of lines, floor %.0f%%" % (g, pct, floor))
    text = "\n".join(out) + "\n"
    print(text)
    if table_out:
        with open(table_out, "w") as f:
            f.write(text)
        with open(table_out + ".missed", "w") as f:
            for path, _, _, missed in rows:
                if missed:
                    f.write("%s: %s\n" % (path, " ".join(map(str, missed))))
    for p in problems:
        print("coverage: FAIL %s" % p)
    for f in fails:
        print("coverage: FAIL %s" % f)
    if problems or fails:
        return 1
    print("coverage: every floor met")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
