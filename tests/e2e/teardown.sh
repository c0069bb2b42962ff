# The scenario's end: a connection left open is ended by wsfault's teardown
# (a Close 1000, then FIN), and what the target does about it is noted, not
# judged as the scenario's doing; a Close the scenario sends itself is the
# scenario's. A frame cut short is followed by FIN only.
source "$(dirname "$0")/lib.sh"
T="$SRC/tests/data/targets/traceback-on-close.target"
D="$SRC/tests/data/teardown"

expect_rc 0 "$WSFAULT" run --target "$T" --results open.json "$D/left-open.wsf"
assert_contains out.txt "1 passed, 0 failed, 0 errors"
steps=$(json '[e["what"] for e in d["scenarios"][0]["timeline"] if e["kind"] in ("step","note")]' open.json)
case $steps in *teardown*alarm-noted*) ;; *) fail "no teardown, then a noted alarm: $steps" ;; esac
[ "$(json '[e["detail"] for e in d["scenarios"][0]["timeline"] if e["kind"]=="frame" and e["dir"]=="peer>target" and e["what"]=="close"]' open.json)" = "['close 1000']" ] ||
  fail "the teardown did not send Close 1000"

expect_rc 1 "$WSFAULT" run --target "$T" --results own.json "$D/closes-itself.wsf"
assert_contains out.txt "no alarm in the target's output (implicit)"
assert_contains out.txt '"ERROR:close:a client closed" (level error)'
[ "$(json '[e["what"] for e in d["scenarios"][0]["timeline"] if e["kind"]=="step"][-1]' own.json)" = "end" ] ||
  fail "a connection that is over needs no teardown"

expect_rc 0 "$WSFAULT" run --target "$T" --results cut.json "$D/cut-frame.wsf"
[ "$(json '[e["detail"] for e in d["scenarios"][0]["timeline"] if e["kind"]=="frame" and e["dir"]=="peer>target" and e["what"]=="close"]' cut.json)" = "[]" ] ||
  fail "a Close was sent behind half a frame"
assert_contains out.txt "1 passed"
json '[e["detail"] for e in d["scenarios"][0]["timeline"] if e["kind"]=="step" and e["what"]=="teardown"][0]' cut.json >td.txt
assert_contains td.txt "(FIN)"
echo "ok: the teardown ends open connections cleanly and is never the scenario's doing"
