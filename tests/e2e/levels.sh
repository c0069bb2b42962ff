# Verdicts by the RFC's words: an informational miss gives the verdict info
# and exit 0; where the RFC allows a choice (7.1.7: a Close before TCP ends
# is a SHOULD) the server that drops TCP is non-strict, not failed, and the
# one that waits for the Close reply gets it; a named bound takes the
# target file's value, the command line's over it, and says where from.
source "$(dirname "$0")/lib.sh"
D="$SRC/tests/data/levels"

expect_rc 0 "$WSFAULT" run --target "$SRC/targets/lws-echo.target" --results info.json "$D/info.wsf"
assert_contains out.txt "INFO  Close 1000 answered"
assert_contains out.txt "info close 1001 within 1s (informational)"
assert_contains out.txt "0 passed, 0 failed, 0 errors (and 1 info)"
[ "$(json 'd["summary"]["info"]' info.json)" = 1 ] || fail "summary.info"
[ "$(json '[c["level"]+":"+c["result"] for c in d["scenarios"][0]["checks"]]' info.json)" = \
  "['must:pass', 'info:info', 'must:pass']" ] || fail "levels and results of the checks"

# drop-correct drops TCP on a protocol error: allowed, but not what 7.1.7
# recommends.
expect_rc 0 "$WSFAULT" run --target "$SRC/targets/zoo/drop-correct.target" --results drop.json \
  "$SRC/scenarios/protocol/reserved-opcode.wsf"
assert_contains out.txt "NON-STRICT Reserved opcode 3"
assert_contains out.txt "no Close frame: the target closed TCP"
[ "$(json '[c["level"]+":"+c["result"] for c in d["scenarios"][0]["checks"]]' drop.json)" = \
  "['must:pass', 'must:pass', 'should:non-strict']" ] || fail "drop-correct's checks"
# patient-correct sends Close 1002 and waits 10 s for the reply: it gets it
# and closes TCP at once.
expect_rc 0 "$WSFAULT" run --target "$SRC/targets/zoo/patient-correct.target" --results patient.json \
  "$SRC/scenarios/protocol/reserved-opcode.wsf"
assert_contains out.txt "1 passed, 0 failed, 0 errors"
[ "$(json '[e["what"] for e in d["scenarios"][0]["timeline"] if e["kind"]=="note"]' patient.json)" != "[]" ] ||
  fail "no note on the timeline"
json '[e["detail"] for e in d["scenarios"][0]["timeline"] if e["kind"]=="note" and e["what"]=="reply"]' patient.json >reply.txt
assert_contains reply.txt "the peer answers the target's Close"
# Had the peer not answered, the server's 10 s wait would be in the
# scenario; half of it leaves room for a slow (sanitized, loaded) machine.
[ "$(json 'd["scenarios"][0]["duration_us"] < 5000000' patient.json)" = True ] ||
  fail "the scenario waited on the server's close timeout ($(json 'd["scenarios"][0]["duration_us"]' patient.json) us)"

# The bound from the target file, then from the command line.
expect_rc 1 "$WSFAULT" run --target "$D/lws-echo-bound.target" --results b1.json "$D/bound.wsf"
assert_contains out.txt "within 400ms (handshake-timeout = 300ms ($D/lws-echo-bound.target:8) + 100ms slack)"
expect_rc 1 "$WSFAULT" run --target "$D/lws-echo-bound.target" --bound handshake-timeout=200ms \
  --results b2.json "$D/bound.wsf"
assert_contains out.txt "within 300ms (handshake-timeout = 200ms (--bound) + 100ms slack)"
expect_rc 2 "$WSFAULT" run --target "$D/lws-echo-bound.target" --bound handshake=1s "$D/bound.wsf"
assert_contains out.txt "wsfault: --bound handshake=1s: unknown bound 'handshake'"
echo "ok: levels, RFC alternatives and named bounds"
