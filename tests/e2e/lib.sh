# Shared by the end-to-end tests. Each test is a bash script run by ctest as
#   bash tests/e2e/NAME.sh WSFAULT_BINARY SOURCE_DIR
# and works in a fresh temporary folder that it removes at the end.
set -euo pipefail

WSFAULT=$1
SRC=$2
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# expect_rc STATUS COMMAND...: runs the command, its stdout and stderr
# together in out.txt (also shown in the test's log), and fails unless it
# exits with STATUS.
expect_rc() {
  local want=$1
  shift
  set +e
  "$@" >out.txt 2>&1
  local rc=$?
  set -e
  cat out.txt
  [ $rc -eq "$want" ] || fail "'$*' exited $rc, expected $want"
}

# assert_contains FILE TEXT: the file holds the text (fixed string).
assert_contains() {
  grep -qF -- "$2" "$1" || {
    echo "--- $1:" >&2
    cat "$1" >&2
    fail "$1 does not contain: $2"
  }
}

# json EXPR FILE: prints a Python expression evaluated on the parsed file
# (bound to d), e.g. json 'd["summary"]["passed"]' results.json
json() {
  python3 -c 'import json,sys; d=json.load(open(sys.argv[2])); print(eval(sys.argv[1]))' "$1" "$2"
}

# interrupt PID OUT: Ctrl-C for a wsfault run in the background, whose
# output goes to OUT: SIGINT, then it must exit 130.
interrupt() {
  kill -INT "$1"
  set +e
  wait "$1"
  local rc=$?
  set -e
  cat "$2"
  [ $rc -eq 130 ] || fail "exit status $rc after SIGINT, expected 130"
}

# no_process PATTERN: no process's command line matches (pgrep -f).
no_process() {
  if pgrep -f -- "$1" >/dev/null; then
    pgrep -af -- "$1" >&2
    fail "a process matching '$1' is still running"
  fi
}

# case_count DIR: how many cases the .wsf files under DIR make, counted
# from the files themselves: one per file, or the product of the numbers of
# values of its `with NAME in V...` lines.
case_count() {
  find "$1" -name '*.wsf' -exec awk '
    FNR == 1 && NR > 1 { total += n }
    FNR == 1 { n = 1 }
    $1 == "with" && $3 == "in" { n *= NF - 3 }
    END { if (NR) total += n; print total }' {} +
}
