"""Runs lws-echo as its child and dies of SIGINT the way a Python server
with no handler for it does: Python raises KeyboardInterrupt, prints its
traceback and ends. With --raise NAME it raises that exception instead, a
traceback that is an alarm whatever signal came before it. With --interleave
it prints such a traceback with a line of another process in its middle, as
when its child writes to the same stderr while it dies.

Usage: sigint_wrapper.py LWS_ECHO PORT [--raise NAME | --interleave]"""
import os
import signal
import subprocess
import sys

# The handlers are in place before the child starts: its ready line is what
# lets the scenario send SIGINT, which must not come before them.
if len(sys.argv) > 4 and sys.argv[3] == "--raise":
    name = sys.argv[4]

    def other(signum, frame):
        raise getattr(__builtins__, name, RuntimeError)("on SIGINT")

    signal.signal(signal.SIGINT, other)
if len(sys.argv) > 3 and sys.argv[3] == "--interleave":

    def interleaved(signum, frame):
        for line in ("Traceback (most recent call last):",
                     '  File "sigint_wrapper.py", line 40, in <module>',
                     "lws-echo: conn 1 closed",
                     "    child.wait()",
                     "KeyboardInterrupt"):
            sys.stderr.write(line + "\n")
            sys.stderr.flush()
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)

    signal.signal(signal.SIGINT, interleaved)
child = subprocess.Popen([sys.argv[1], "--port", sys.argv[2]])
child.wait()
