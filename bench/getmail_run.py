#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""getmail_run.py - run the installed getmail with its wait for a delivery
child made race-free; everything else is getmail's own code.

    getmail_run.py [getmail's options]

getmail 6 (Debian 12 ships 6.18.11) forks a child for every delivery, then
installs its SIGCHLD handler and waits on a condition that the handler
signals. A child that exits before the parent waits (fast on loopback, as
root more so) wakes nobody: getmail waits out its timeout (180 s by
default) and then fails the run with "waiting child pid N timed out"
(getmail6 issue 226). On the benchmark's 2000-message maildrop this hit
within the first two runs. Here the parent waits for the child with
waitpid() instead; the exit status is judged as getmail judges it.
"""

import os
import runpy
import shutil
import sys

from getmailcore import baseclasses
from getmailcore.exceptions import getmailOperationError


def _no_handler(self):
    """The SIGCHLD handler is not needed: waitpid() reaps the child."""


def _waitpid(self, childpid):
    _, status = os.waitpid(childpid, 0)
    if os.WIFSIGNALED(status):
        raise getmailOperationError("child pid %d killed by signal %d"
                                    % (childpid, os.WTERMSIG(status)))
    if not os.WIFEXITED(status):
        raise getmailOperationError("child pid %d failed to exit" % childpid)
    return os.WEXITSTATUS(status)


def main():
    exe = shutil.which("getmail")
    if exe is None:
        sys.exit("getmail_run.py: getmail not installed")
    baseclasses.ForkingBase._prepare_child = _no_handler
    baseclasses.ForkingBase._wait_for_child = _waitpid
    sys.argv[0] = exe
    runpy.run_path(exe, run_name="__main__")


if __name__ == "__main__":
    main()
