#!/bin/sh
# A target's command that leaves a grandchild outside its process group:
# in a session of its own (setsid), ignoring SIGTERM, sleeping SECONDS
# (a number the test makes unique, to find it by). Then it becomes COMMAND.
#   escaping-grandchild.sh SECONDS COMMAND...
# For tests/e2e/no-orphans.sh.
secs=$1
shift
setsid sh -c 'trap "" TERM; exec sleep "$0"' "$secs" </dev/null >/dev/null 2>&1 &
exec "$@"
