# A 101 whose Sec-WebSocket-Accept is missing or answers another key is a
# failed handshake (RFC 6455 4.1): the handshake check fails the scenario
# and says which accept key came and which was expected. The server is
# tests/data/subprotocol_echo.py in modes wrong-accept and no-accept; with
# the right key (mode echo) the same scenario passes.
source "$(dirname "$0")/lib.sh"

DATA=$SRC/tests/data
ECHO=$SRC/scenarios/close/clean-peer-initiated.wsf

expect_rc 0 "$WSFAULT" run --no-capture --target "$DATA/targets/subprotocol-echo-proto.target" \
  --results right.json "$ECHO"
assert_contains out.txt "1 passed, 0 failed, 0 errors"

expect_rc 1 "$WSFAULT" run --no-capture --target "$DATA/targets/subprotocol-wrong-accept.target" \
  --results wrong.json "$ECHO"
assert_contains out.txt 'actual:   101 with Sec-WebSocket-Accept "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" (expected "'
[ "$(json 'd["summary"]["failed"]' wrong.json)" = 1 ] || fail "wrong accept: not one failed scenario"

expect_rc 1 "$WSFAULT" run --no-capture --target "$DATA/targets/subprotocol-no-accept.target" \
  --results none.json "$ECHO"
assert_contains out.txt 'actual:   101 with Sec-WebSocket-Accept "" (expected "'
[ "$(json 'd["summary"]["failed"]' none.json)" = 1 ] || fail "no accept: not one failed scenario"

