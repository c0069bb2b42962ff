# A 101 whose Sec-WebSocket-Accept is missing or answers another key is a
# failed handshake (RFC 6455 4.1): the handshake check fails the scenario
# and says which accept key came and which was expected. The server is
# tests/data/subprotocol_echo.py in modes wrong-accept and no-accept; with
# the right key (mode echo) the same scenario passes. It also checks that a
# failed frame expectation names the frame it waited for.
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

# Without its subprotocol the server echoes nothing: each failed
# expectation names the frame it waited for, any frame or a text frame.
expect_rc 1 "$WSFAULT" run --no-capture --target "$DATA/targets/subprotocol-echo.target" \
  --results quiet.json "$DATA/scenarios/expect-any-frame.wsf" "$ECHO"
assert_contains out.txt 'expected: any frame within 300ms'
assert_contains out.txt 'expected: text frame "hello" within 1s'
