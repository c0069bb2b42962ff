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

# make_cert DIR [SAN]: a self-signed EC certificate and its key for TLS
# tests, DIR/cert.pem and DIR/key.pem, made now and never kept: for
# 127.0.0.1 and localhost unless SAN says otherwise.
make_cert() {
  mkdir -p "$1"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj /CN=wsfault-test -addext "subjectAltName=${2:-IP:127.0.0.1,DNS:localhost}" \
    -keyout "$1/key.pem" -out "$1/cert.pem" 2>/dev/null || fail "openssl cannot make a certificate"
}

# start_lws_tls DIR: lws-echo in TLS mode with DIR's certificate on a free
# port, in the background; sets LWS_PID and LWS_PORT.
start_lws_tls() {
  : >lws.err
  "$(dirname "$WSFAULT")/lws-echo" --port 0 --tls-cert "$1/cert.pem" --tls-key "$1/key.pem" \
    2>>lws.err &
  LWS_PID=$!
  LWS_PORT=
  for _ in $(seq 100); do
    LWS_PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' lws.err)
    [ -n "$LWS_PORT" ] && return 0
    sleep 0.05
  done
  cat lws.err >&2
  fail "lws-echo in TLS mode did not start"
}
