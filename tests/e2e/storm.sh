# wsfault storm: many connections ending badly at one target. Against a
# correct server it finds nothing and says its seed; against a server with
# a racy crash it stops, shrinks the round and writes a case that `run`
# reproduces; the same seed makes the same storm; bad options exit 2.
source "$(dirname "$0")/lib.sh"
LWS="$SRC/targets/lws-echo.target"

# Usage errors: exit 2, nothing run.
expect_rc 2 "$WSFAULT" storm --connections 10
assert_contains out.txt "give a target"
expect_rc 2 "$WSFAULT" storm --target "$LWS" --faults rst=2,boom=1
assert_contains out.txt "unknown kind 'boom'"
expect_rc 2 "$WSFAULT" storm --target "$LWS" --concurrency 0
expect_rc 2 "$WSFAULT" storm --target "$LWS" --duration 10
expect_rc 2 "$WSFAULT" storm --target "$LWS" --seed abc
assert_contains out.txt "wsfault: --seed abc: expected a number"
expect_rc 0 "$WSFAULT" storm --help
assert_contains out.txt "--faults LIST"

# (a) lws-echo weathers 300 connections: exit 0, the seed printed, the
# rounds counted in results.json and none listed.
expect_rc 0 "$WSFAULT" storm --target "$LWS" --connections 300 --seed 1234 --no-capture \
  --results a.json --case a-case.wsf --report a-report
assert_contains out.txt "wsfault storm: seed 1234 against lws-echo"
assert_contains out.txt "no trouble: 300 connections in 15 rounds, seed 1234"
[ ! -e a-case.wsf ] || fail "a case was written though nothing failed"
[ -s a-report/index.html ] || fail "no report of a storm that found nothing"
if grep -q "runtime error" out.txt; then fail "undefined behaviour"; fi
[ "$(json '(d["storm"]["seed"], d["storm"]["rounds"], d["storm"]["passed_rounds"], d["storm"]["concurrency"], len(d["scenarios"]))' a.json)" = \
  "('1234', 15, 15, 20, 0)" ] || fail "storm summary: $(json 'd["storm"]' a.json)"
# The progress line, plain with stdout a pipe, never an escape byte.
assert_contains out.txt "storm: 300 connections ("
if grep -q $'\033' out.txt; then fail "escape bytes with stdout a pipe"; fi
# On a terminal the progress line is overwritten in place (script(1)
# gives the pty, as in terminal.sh).
SHELL=/bin/bash script -qfec "$(printf '%q ' "$WSFAULT" storm --target "$LWS" --connections 200 \
  --no-capture --results t.json)" /dev/null </dev/null >tty.txt 2>&1 || fail "storm under a pty: $(cat tty.txt)"
grep -q $'\r\033\[Kstorm: ' tty.txt || fail "no progress line overwritten in place: $(cat -A tty.txt)"
assert_contains tty.txt "no trouble: 200 connections in 10 rounds"

# A seed printed without --seed is one that can be given back.
expect_rc 0 "$WSFAULT" storm --target "$LWS" --connections 20 --no-capture --results s.json
grep -qE '^wsfault storm: seed [0-9]+ against' out.txt || fail "no seed printed"

# (b) A server that crashes now and then when it answers a Close: found
# within 10s, exit 1, the case written; run --until-fail makes it crash.
# --duration 10s and exit 1: found within 10 s.
RACE="$SRC/targets/zoo/close-race.target"
expect_rc 1 "$WSFAULT" storm --target "$RACE" --duration 10s --connections 100000 --seed 77 \
  --no-capture --results b.json --case b-case.wsf --report b-report
assert_contains out.txt "trouble in round"
assert_contains out.txt "seed 77"
assert_contains out.txt "case: b-case.wsf"
[ -f b-case.wsf ] || fail "no case written"
assert_contains b-case.wsf "# Made by wsfault storm: seed 77, round "
assert_contains b-case.wsf "# run it with: wsfault run --target $RACE --until-fail b-case.wsf"
# The failing round and the shrink's runs are entries; passing rounds are
# counted.
[ "$(json 'd["scenarios"][0]["verdict"] in ("fail", "error") and d["storm"]["failing_round"] == d["storm"]["passed_rounds"] + 1' b.json)" = True ] ||
  fail "results: $(json 'd["storm"]' b.json)"
[ -s b-report/index.html ] || fail "no report"
end=$(date +%s)
expect_rc 1 timeout 20 "$WSFAULT" run --target "$RACE" --no-capture --results c.json --until-fail b-case.wsf
rerun=$(( $(date +%s) - end ))
[ "$rerun" -le 10 ] || fail "run --until-fail took ${rerun}s to fail"
assert_contains out.txt "killed by signal ABRT"

# (c) Deterministic: a server that asserts on an RST while closing. The
# round shrinks to one close-rst connection, which fails every re-run.
expect_rc 1 "$WSFAULT" storm --target "$SRC/targets/zoo/assert-on-rst-closing.target" --seed 42 \
  --reruns 3 --no-capture --results d.json --case d-case.wsf
assert_contains out.txt "trouble in round 1 (connections 1-20), seed 42: FAIL"
assert_contains out.txt "case: d-case.wsf (1 connection: close-rst; it failed 3 of 3 re-runs)"
assert_contains d-case.wsf "c1: send close 1000"
expect_rc 1 "$WSFAULT" run --target "$SRC/targets/zoo/assert-on-rst-closing.target" --no-capture \
  --results e.json d-case.wsf

# The same seed makes the same storm: the same rounds, the same case.
expect_rc 1 "$WSFAULT" storm --target "$SRC/targets/zoo/assert-on-rst-closing.target" --seed 42 \
  --reruns 3 --no-capture --results d2.json --case d2-case.wsf
diff d-case.wsf <(sed 's/d2-case/d-case/' d2-case.wsf) || fail "same seed, another case"

# A target that does not start is no finding: exit 1, no case.
expect_rc 1 "$WSFAULT" storm --target "$SRC/tests/data/targets/exits-at-once.target" \
  --no-capture --results x.json --case x-case.wsf
assert_contains out.txt "the target did not start"
if grep -q "trouble in round" out.txt; then fail "a failed start taken for trouble"; fi
[ ! -e x-case.wsf ] || fail "a case written for a target that did not start"
[ "$(json '[s["verdict"] for s in d["scenarios"]]' x.json)" = "['error']" ] || fail "the failed start is not listed"

# Ctrl-C: exit 130, the results so far written.
"$WSFAULT" storm --target "$LWS" --connections 100000 --no-capture --results i.json >i.txt 2>&1 &
pid=$!
sleep 2
interrupt $pid i.txt
[ "$(json 'd["interrupted"]' i.json)" = True ] || fail "not marked interrupted"
assert_contains i.txt "interrupted: "
# Ctrl-C while shrinking (a thousand re-runs a set take many seconds):
# exit 130, the smallest failing set so far written as the case.
"$WSFAULT" storm --target "$RACE" --connections 100000 --reruns 1000 --no-capture \
  --results j.json --case j-case.wsf >j.txt 2>&1 &
pid=$!
for _ in $(seq 300); do
  grep -q '^shrinking:' j.txt && break
  sleep 0.05
done
grep -q '^shrinking:' j.txt || fail "no trouble found to shrink: $(cat j.txt)"
interrupt $pid j.txt
assert_contains j-case.wsf "# Made by wsfault storm: seed "
[ "$(json '(d["interrupted"], d["storm"]["case"])' j.json)" = "(True, 'j-case.wsf')" ] ||
  fail "interrupted shrink: $(json 'd["storm"]' j.json)"
echo "ok: storm"
