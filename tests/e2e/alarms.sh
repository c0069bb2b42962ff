# The alarms every scenario checks: a server that logs a traceback when a
# client resets fails with the line and its time as evidence; the same server
# with that line ignored in its target file passes; an alarm the target file
# adds fails a scenario the defaults let pass.
source "$(dirname "$0")/lib.sh"

expect_rc 1 "$WSFAULT" run --target "$SRC/targets/zoo/traceback-on-reset.target" --results r.json \
  "$SRC/scenarios/rst/after-handshake.wsf"
assert_contains out.txt "FAIL  RST right after the handshake"
assert_contains out.txt "no alarm in the target's output (implicit)"
assert_contains out.txt "expected: no line matching an alarm pattern"
assert_contains out.txt ': "Traceback (most recent call last):", matching /Traceback/'
[ "$(json 'd["scenarios"][0]["checks"][-1]["result"]' r.json)" = "fail" ] || fail "check result"

expect_rc 0 "$WSFAULT" run --target "$SRC/tests/data/targets/traceback-relaxed.target" \
  --results r2.json "$SRC/scenarios/rst/after-handshake.wsf"
assert_contains out.txt "1 passed, 0 failed, 0 errors"
# The lines are still on the timeline: ignored for alarms, not hidden.
[ "$(json 'any("Traceback" in e.get("detail","") for e in d["scenarios"][0]["timeline"])' r2.json)" = "True" ] ||
  fail "the ignored traceback should still be on the timeline"

sed 's/^name .*/name lws-echo-strict/' "$SRC/targets/lws-echo.target" >strict.target
echo 'alarm log /close received/' >>strict.target
sed -i "s|\${bindir}|$(dirname "$WSFAULT")|" strict.target
expect_rc 1 "$WSFAULT" run --target strict.target --results r3.json \
  "$SRC/scenarios/close/clean-peer-initiated.wsf"
assert_contains out.txt "matching /close received/"
echo "ok: alarms fail with evidence, ignore relaxes, alarm adds"
