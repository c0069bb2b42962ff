"""Runs lws-echo as its child and dies of SIGINT the way a Python server
with no handler for it does: Python raises KeyboardInterrupt, prints its
traceback and ends. With --raise NAME it raises that exception instead, a
traceback that is an alarm whatever signal came before it.

Usage: sigint_wrapper.py LWS_ECHO PORT [--raise NAME]"""
import signal
import subprocess
import sys

child = subprocess.Popen([sys.argv[1], "--port", sys.argv[2]])
if len(sys.argv) > 4 and sys.argv[3] == "--raise":
    name = sys.argv[4]

    def other(signum, frame):
        raise getattr(__builtins__, name, RuntimeError)("on SIGINT")

    signal.signal(signal.SIGINT, other)
child.wait()
