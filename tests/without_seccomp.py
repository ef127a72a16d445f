"""Run a command where no more seccomp filters can be installed, as in a sandbox that forbids them.

`python tests/without_seccomp.py COMMAND ARGS...` loads a filter under which seccomp() and prctl(PR_SET_SECCOMP)
fail with EPERM (everything else is allowed), then replaces itself with the command, which inherits it.
"""
import errno
import os
import sys

import pyseccomp as seccomp

PR_SET_SECCOMP = 22

if __name__ == "__main__":
    rules = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    rules.add_rule(seccomp.ERRNO(errno.EPERM), "seccomp")
    rules.add_rule(seccomp.ERRNO(errno.EPERM), "prctl", seccomp.Arg(0, seccomp.EQ, PR_SET_SECCOMP))
    rules.load()
    os.execv(sys.argv[1], sys.argv[1:])
