# A target that never becomes ready gives an error verdict that quotes its
# log, within its ready deadline (not a hang), and leaves no process behind;
# one that exits at once says how it ended.
source "$(dirname "$0")/lib.sh"

start=$(date +%s)
expect_rc 1 "$WSFAULT" run --target "$SRC/tests/data/targets/never-ready.target" --results r.json \
  "$SRC/scenarios/close/clean-peer-initiated.wsf" "$SRC/scenarios/rst/after-handshake.wsf"
elapsed=$(($(date +%s) - start))
[ $elapsed -lt 10 ] || fail "took ${elapsed}s: the ready deadline is 1s"
assert_contains out.txt "ERROR Peer-initiated clean close"
assert_contains out.txt "target 'never-ready' not ready after 1s: no line on stderr matched /listening/"
assert_contains out.txt "| never-ready: loading configuration"
assert_contains out.txt "0 passed, 0 failed, 2 errors"
[ "$(json '[s["verdict"] for s in d["scenarios"]]' r.json)" = "['error', 'error']" ] ||
  fail "verdicts in results.json"
no_process "sleep 3131"

expect_rc 1 "$WSFAULT" run --target "$SRC/tests/data/targets/exits-at-once.target" \
  --results r2.json "$SRC/scenarios/close/clean-peer-initiated.wsf"
assert_contains out.txt "target 'exits-at-once' exited with status 3 before it was ready"
assert_contains out.txt "| exits-at-once: port already taken"
echo "ok: not-ready and early-exit targets give error verdicts with their log"
