# The alarms every scenario checks: a server that logs a traceback when a
# client resets fails with the line and its time as evidence; the same server
# with that line ignored in its target file passes; an alarm the target file
# adds fails a scenario the defaults let pass.
source "$(dirname "$0")/lib.sh"

expect_rc 1 "$WSFAULT" run --target "$SRC/targets/zoo/traceback-on-reset.target" --results r.json \
  "$SRC/scenarios/rst/after-handshake.wsf"
assert_contains out.txt "FAIL  RST right after the handshake"
assert_contains out.txt "no alarm in the target's output (implicit)"
assert_contains out.txt "expected: no log record at warning or above (or of unknown level) matching an alarm pattern, nor a crash at any level"
# The zoo server's lines carry no level: the record (its first line, then
# the traceback) is of unknown level, so it fails.
assert_contains out.txt ': "zoo-websockets: connection handler failed" (level unknown), whose line at +'
assert_contains out.txt ': "Traceback (most recent call last):" matches /Traceback/'
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

# Levels: a traceback logged at DEBUG with its header line is noted, not
# failing (a note on the timeline, the line marked "noted" in the report);
# the same record at ERROR fails, quoting its first line and the line that
# matched.
leveled_target() { # NAME LEVEL
  sed "s/^name .*/name $1/; s|^command .*|command  /bin/sh -c \"printf '$2:app:handled a reset\\\\nTraceback (most recent call last):\\\\n  File x.py, line 1, in f\\\\nValueError: x\\\\n' >\&2; exec $(dirname "$WSFAULT")/lws-echo --port \${port}\"|" \
    "$SRC/targets/lws-echo.target" >"$1.target"
}
leveled_target debug-traceback DEBUG
expect_rc 0 "$WSFAULT" run --target debug-traceback.target --results r4.json \
  "$SRC/scenarios/close/clean-peer-initiated.wsf"
assert_contains out.txt "1 passed, 0 failed, 0 errors"
[ "$(json '[e["detail"] for e in d["scenarios"][0]["timeline"] if e.get("what") == "alarm-noted"][0]' r4.json)" = \
  '/Traceback/ in a record at level debug, below warning, so not failing: "DEBUG:app:handled a reset", at its line "Traceback (most recent call last):"' ] ||
  fail "the DEBUG traceback should be noted on the timeline"
[ "$(json '[e.get("mark") for e in d["scenarios"][0]["timeline"] if "Traceback" in e.get("detail","") and e["kind"] == "log"]' r4.json)" = "['noted']" ] ||
  fail "the DEBUG traceback's line should be marked noted"
"$WSFAULT" report r4.json -o rep4 >/dev/null
# A passing scenario's log is held back in the page until it is opened.
/usr/bin/python3 "$SRC/tests/e2e/held_back.py" rep4/index.html >rep4.html
assert_contains rep4.html '<li class="noted">'
assert_contains rep4.html '(alarm noted, not failing)'

leveled_target error-traceback ERROR
expect_rc 1 "$WSFAULT" run --target error-traceback.target --results r5.json \
  "$SRC/scenarios/close/clean-peer-initiated.wsf"
assert_contains out.txt ': "ERROR:app:handled a reset" (level error), whose line at +'
assert_contains out.txt ': "Traceback (most recent call last):" matches /Traceback/'
# SIGINT sent by the scenario: a Python server with no handler for it prints
# a KeyboardInterrupt traceback and dies of it, Python's default answer to
# that signal. Noted, not failing; any other traceback after it still fails.
expect_rc 0 "$WSFAULT" run --target "$SRC/tests/data/targets/python-sigint.target" --results r6.json \
  "$SRC/scenarios/shutdown/sigint-ten-connections.wsf"
assert_contains out.txt "1 passed, 0 failed, 0 errors"
[ "$(json '[e["detail"].split(":")[0] for e in d["scenarios"][0]["timeline"] if e.get("what") == "alarm-noted"]' r6.json)" = \
  "[\"/Traceback/ in a KeyboardInterrupt traceback after the scenario's own SIGINT (Python's default answer to it), so not failing\"]" ] ||
  fail "the KeyboardInterrupt traceback should be noted on the timeline"
# The same traceback with another process's line in its middle (the server
# the wrapper runs, writing to the same stderr as it closes): still noted.
expect_rc 0 "$WSFAULT" run --target "$SRC/tests/data/targets/python-sigint-interleaved.target" \
  --results r8.json "$SRC/scenarios/shutdown/sigint-ten-connections.wsf"
assert_contains out.txt "1 passed, 0 failed, 0 errors"
expect_rc 1 "$WSFAULT" run --target "$SRC/tests/data/targets/python-sigint-valueerror.target" \
  --results r7.json "$SRC/scenarios/shutdown/sigint-ten-connections.wsf"
assert_contains out.txt ': "Traceback (most recent call last):" matches /Traceback/'
echo "ok: alarms fail with evidence, ignore relaxes, alarm adds, levels below warning are noted, Python's SIGINT traceback is noted"
