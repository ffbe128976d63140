# SPDX-License-Identifier: MIT
"""skiplog.py - the Python side of tests/support/skip.sh: a check that
does not run says so, on stdout and in the shared skip log
($POP3_SKIP_LOG, build/skips.log by default)."""
import os

_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def skip(who, what, why):
    print("SKIP %s: %s (%s)" % (who, what, why), flush=True)
    log = os.environ.get("POP3_SKIP_LOG") or os.path.join(_ROOT, "build", "skips.log")
    os.makedirs(os.path.dirname(log), exist_ok=True)
    with open(log, "a") as f:
        f.write("%s: %s (%s)\n" % (who, what, why))
