#!/bin/sh
# A launcher in front of the server, as many deployments have one: a shell
# that forks the server and waits for it, without exec. For
# tests/e2e/whole-target.sh: what wsfault measures and signals must reach
# forked_server.py, not only this shell.
trap 'echo "launcher: got SIGUSR1" >&2' USR1
trap 'kill -TERM "$child" 2>/dev/null; wait "$child"; exit 0' TERM
python3 -u "$(dirname "$0")/forked_server.py" "$@" &
child=$!
# A trapped signal ends a wait early: wait again while the server runs.
while kill -0 "$child" 2>/dev/null; do
  wait "$child"
done
