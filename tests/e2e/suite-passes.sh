# The shipped suite against the reference target: every scenario passes
# but for its one known failure and one informational check (and the one
# skipped because lws-echo does not ping), results.json
# says so, and no target process outlives the run.
source "$(dirname "$0")/lib.sh"

expect_rc 0 "$WSFAULT" run --target "$SRC/targets/lws-echo.target" --results results.json \
  "$SRC/scenarios"

# Cases, not files: a file with a matrix makes one case per value.
total=$("$WSFAULT" run --list "$SRC/scenarios" | grep -c '\.wsf')
[ "$total" -ge 120 ] || fail "only $total shipped cases"
# lws-echo.target lists exactly one known failure (libwebsockets accepts
# unmasked client frames); libwebsockets stops reading while its output is
# blocked, so it does not see the FIN of a client behind a stalled read
# (informational: RFC 6455 is silent); and in after-close/large-message-
# close-ping its Close reply is lost to its own RST in some runs (info,
# implementation defined as in Autobahn 7.1.6). It sends no keepalive Pings
# and its target file declares no ping-interval: timeouts/unanswered-ping is
# skipped, saying why. Everything else must pass.
race=$(json '[s["verdict"] for s in d["scenarios"] if s["file"].endswith("after-close/large-message-close-ping.wsf")][0]' \
  results.json)
case $race in
pass) infos=1 ;;
info) infos=2 ;;
*) fail "after-close/large-message-close-ping: $race, expected pass or info" ;;
esac
expected=$((total - 1 - infos - 1))
assert_contains out.txt "$expected passed, 0 failed, 0 errors, 1 skipped (and 1 known failure, $infos info)"
assert_contains out.txt "skip: it needs ping-interval, which this server does not declare"
assert_contains out.txt "KNOWN Unmasked client frame"
assert_contains out.txt "INFO  FIN behind a stalled reader"
[ "$(json 'd["summary"]["passed"]' results.json)" = "$expected" ] || fail "summary.passed"
[ "$(json 'len(d["scenarios"])' results.json)" = "$total" ] || fail "scenario count"
[ "$(json '[s["file"].split("/scenarios/")[1] for s in d["scenarios"] if s["verdict"] != "pass" and not s["file"].endswith("large-message-close-ping.wsf")]' \
  results.json)" = "['protocol/unmasked-frame.wsf', 'stall/fin-behind-stalled-reader.wsf', 'timeouts/unanswered-ping.wsf']" ] ||
  fail "a verdict other than pass"
# Every scenario run has frames or TCP events on its timeline, not just steps.
[ "$(json 'all(any(e["kind"] in ("frame","tcp") for e in s["timeline"]) for s in d["scenarios"] if s["verdict"] != "skip")' \
  results.json)" = "True" ] || fail "a timeline without wire events"

# The target's pid is on the first scenario's timeline; it must be gone.
pid=$(json '[e for e in d["scenarios"][0]["timeline"] if e["kind"]=="target"][0]["detail"].split()[1].rstrip(",")' results.json)
[ -n "$pid" ] || fail "no target pid in the timeline"
if kill -0 "$pid" 2>/dev/null; then fail "target pid $pid still alive after the run"; fi
echo "ok: $expected of $total cases passed, 1 known failure, $infos info, 1 skipped; target $pid gone"
