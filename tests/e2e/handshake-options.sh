# Handshake options (header, subprotocol, origin, path) from a target file
# and the command line reach every handshake; the command line wins over the
# file, a scenario's own handshake options win over both; and the handshake
# check fails a 101 that selects a subprotocol or an extension the request
# did not offer (RFC 6455 4.1). The server, tests/data/subprotocol_echo.py,
# logs each request's path and headers and echoes only on "echo-proto".
source "$(dirname "$0")/lib.sh"

DATA=$SRC/tests/data
ECHO=$SRC/scenarios/close/clean-peer-initiated.wsf
OWN=$DATA/scenarios/subprotocol-own.wsf

# log_lines RESULTS: the server's log lines of every scenario, one a line.
log_lines() {
  python3 -c 'import json,sys
for s in json.load(open(sys.argv[1]))["scenarios"]:
    for e in s["timeline"]:
        if e["kind"] == "log": print(e["detail"])' "$1"
}

# Without the subprotocol the server does not echo: the scenario fails.
expect_rc 1 "$WSFAULT" run --no-capture --target "$DATA/targets/subprotocol-echo.target" \
  --results plain.json "$ECHO"
assert_contains out.txt 'expect text "hello" within 1s'
log_lines plain.json >plain.log
assert_contains plain.log "offered: none"
[ "$(json 'd["handshake"]' plain.json)" = "{'path': None, 'headers': []}" ] ||
  fail "results.json: handshake defaults of a run without any"

# With "subprotocol echo-proto" (and a header, origin and path) in the target
# file it passes; the scenario's own header replaces the file's, and its own
# path wins.
expect_rc 0 "$WSFAULT" run --no-capture --target "$DATA/targets/subprotocol-echo-proto.target" \
  --results file.json "$ECHO" "$OWN"
assert_contains out.txt "2 passed, 0 failed, 0 errors"
log_lines file.json >file.log
assert_contains file.log "request: GET /chat HTTP/1.1"
assert_contains file.log "header: Sec-WebSocket-Protocol: echo-proto"
assert_contains file.log "header: X-Test: from-file"
assert_contains file.log "header: Origin: http://example.test"
assert_contains file.log "request: GET /own HTTP/1.1"
assert_contains file.log "header: Sec-WebSocket-Protocol: other"
assert_contains file.log "offered: other"
[ "$(grep -c 'Sec-WebSocket-Protocol' file.log)" = 2 ] ||
  fail "the scenario's own Sec-WebSocket-Protocol was sent besides the default one"
[ "$(json 'd["handshake"]["path"]' file.json)" = "/chat" ] || fail "results.json: handshake.path"
[ "$(json 'd["handshake"]["headers"]' file.json)" = "['Sec-WebSocket-Protocol: echo-proto', 'X-Test: from-file', 'X-File-Only: kept', 'Origin: http://example.test']" ] ||
  fail "results.json: handshake.headers"

# The command line wins over the file: its header of the same name replaces
# the file's (the others stay), its path and origin replace the file's.
expect_rc 0 "$WSFAULT" run --no-capture --target "$DATA/targets/subprotocol-echo-proto.target" \
  --header 'X-Test: from-cli' --path /cli --origin http://cli.test --results cli.json "$ECHO"
log_lines cli.json >cli.log
assert_contains cli.log "request: GET /cli HTTP/1.1"
assert_contains cli.log "header: X-Test: from-cli"
assert_contains cli.log "header: X-File-Only: kept"
assert_contains cli.log "header: Origin: http://cli.test"
! grep -q "from-file" cli.log || fail "the file's X-Test was sent besides the command line's"

# --url with --subprotocol: a server wsfault does not start.
python3 -u "$DATA/subprotocol_echo.py" --port 0 2>server.log &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do grep -q "listening on" server.log && break; sleep 0.1; done
port=$(sed -n 's/.*listening on \([0-9]*\).*/\1/p' server.log)
[ -n "$port" ] || fail "the server did not start: $(cat server.log)"
expect_rc 1 "$WSFAULT" run --no-capture --url "ws://127.0.0.1:$port/" --results url0.json "$ECHO"
expect_rc 0 "$WSFAULT" run --no-capture --url "ws://127.0.0.1:$port/" --subprotocol echo-proto \
  --results url.json "$ECHO" "$OWN"
assert_contains out.txt "2 passed, 0 failed, 0 errors"
assert_contains server.log "offered: echo-proto"
[ "$(json 'd["handshake"]["headers"]' url.json)" = "['Sec-WebSocket-Protocol: echo-proto']" ] ||
  fail "results.json: handshake.headers with --url"
# Repeated, the subprotocols make one list.
expect_rc 0 "$WSFAULT" run --no-capture --url "ws://127.0.0.1:$port/" --subprotocol first \
  --subprotocol echo-proto --results url2.json "$ECHO"
assert_contains server.log "header: Sec-WebSocket-Protocol: first, echo-proto"

# A 101 that selects what the request did not offer fails the handshake.
expect_rc 1 "$WSFAULT" run --no-capture --target "$DATA/targets/subprotocol-wrong-protocol.target" \
  --results wrong.json "$ECHO"
assert_contains out.txt 'actual:   101 selecting subprotocol "not-offered", which the request did not offer (offered: "echo-proto")'
expect_rc 1 "$WSFAULT" run --no-capture --target "$DATA/targets/subprotocol-wrong-extension.target" \
  --results ext.json "$ECHO"
assert_contains out.txt 'actual:   101 selecting extension "permessage-deflate" (Sec-WebSocket-Extensions: "permessage-deflate"), which the request did not offer (offered: none)'

# Bad values on the command line are usage errors.
expect_rc 2 "$WSFAULT" run --url ws://127.0.0.1:1/ --header 'no colon' "$ECHO"
assert_contains out.txt "wsfault: --header: expected a \"Name: value\" header, found 'no colon'"
expect_rc 2 "$WSFAULT" run --url ws://127.0.0.1:1/ --header 'Host: x' "$ECHO"
assert_contains out.txt "wsfault: --header: expected a header other than those wsfault writes itself"
expect_rc 2 "$WSFAULT" run --url ws://127.0.0.1:1/ --subprotocol 'a b/c' "$ECHO"
assert_contains out.txt "wsfault: --subprotocol: expected a subprotocol name (a token"
expect_rc 2 "$WSFAULT" run --url ws://127.0.0.1:1/ --origin example.test "$ECHO"
assert_contains out.txt "wsfault: --origin: expected an origin such as http://example.test (or null), found 'example.test'"
expect_rc 2 "$WSFAULT" run --url ws://127.0.0.1:1/ --path chat "$ECHO"
assert_contains out.txt "wsfault: --path: expected a request path that starts with '/' and has no blanks, found 'chat'"
echo "ok: handshake options from the target file and the command line, and the offer check"
