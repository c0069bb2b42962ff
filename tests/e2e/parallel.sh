# -j N: workers, each with its own target on its own port. The same verdicts
# as a serial run, in the same order, with the same captures; Ctrl-C keeps
# what finished and leaves no worker or target behind, nor does SIGKILL of
# wsfault; bad -j values and -j with --url are usage errors.
source "$(dirname "$0")/lib.sh"

# lws-echo under a name of this test's own, so that the targets of tests
# running beside it are not taken for its leftovers.
me="lws-echo-parallel-$$"
cp "$(dirname "$WSFAULT")/lws-echo" "$me"
sed "s#\${bindir}/lws-echo#$PWD/$me#" "$SRC/targets/lws-echo.target" >echo.target
grep -q "$me" echo.target || fail "echo.target does not run $me"

dirs=("$SRC/scenarios/close" "$SRC/scenarios/rst" "$SRC/scenarios/shutdown")
expect_rc 0 "$WSFAULT" run --target echo.target -j 1 --results serial.json \
  "${dirs[@]}"
mv out.txt serial.txt
expect_rc 0 "$WSFAULT" run --target echo.target -j 2 --results parallel.json \
  "${dirs[@]}"
assert_contains out.txt "scenarios against lws-echo, 2 workers"

# Same cases, order and verdicts; the printed lines in the run's order too.
each='[(s["file"], s.get("case"), s["verdict"]) for s in d["scenarios"]]'
[ "$(json "$each" serial.json)" = "$(json "$each" parallel.json)" ] ||
  fail "the verdicts of -j 2 differ from -j 1"
n=$(json 'len(d["scenarios"])' parallel.json)
[ "$n" -ge 60 ] || fail "only $n cases"
[ "$(grep -cE '^\[ *[0-9]+/' out.txt)" = "$n" ] || fail "not one line per case"
grep -oE '^\[ *[0-9]+' out.txt | tr -d '[ ' >order.txt
seq 1 "$n" | cmp -s - order.txt || fail "lines out of the run's order: $(tr '\n' ' ' <order.txt)"
[ "$(json 'd["workers"]' parallel.json)" = 2 ] || fail "results.json does not say 2 workers"
[ "$(json '"workers" in d' serial.json)" = False ] || fail "a serial run says workers"
# Each case's own pcap, named by its place in the run, whichever worker ran it.
[ "$(json '[s["pcap"].rsplit("/", 1)[1][:4] for s in d["scenarios"]]' parallel.json)" = \
  "$(json '["%03d-" % (i + 1) for i in range(len(d["scenarios"]))]' parallel.json)" ] ||
  fail "pcap names do not follow the run's order"
# Two targets, one per worker: two pids on the timelines.
[ "$(json 'len({e["detail"].split(",")[0] for s in d["scenarios"] for e in s["timeline"] if e["kind"] == "target" and e["what"] == "ready"})' parallel.json)" -ge 2 ] ||
  fail "the workers did not each start a target"
no_process "$me --port"

# Ctrl-C: the scenarios in flight end as interrupted, what finished is kept.
cp "$SRC/tests/data/long-wait.wsf" long.wsf
cp long.wsf long2.wsf
"$WSFAULT" run --target echo.target -j 2 --results int.json \
  "$SRC/scenarios/close/clean-peer-initiated.wsf" long.wsf long2.wsf >int.txt 2>&1 &
pid=$!
for _ in $(seq 200); do
  [ "$(pgrep -f "$me --port" | wc -l)" -ge 2 ] && grep -q '^\[1/3\] PASS' int.txt && break
  sleep 0.05
done
sleep 0.5
interrupt $pid int.txt
assert_contains int.txt "interrupted: 3 of 3 scenarios run"
[ "$(json '[s["verdict"] for s in d["scenarios"]]' int.json)" = "['pass', 'error', 'error']" ] ||
  fail "verdicts after SIGINT: $(json '[s["verdict"] for s in d["scenarios"]]' int.json)"
sleep 0.2
no_process "$me --port"
no_process "results int.json"

# SIGKILL of wsfault: each worker ends its scenario and its target, and
# the workers' folder in TMPDIR goes with the last of them.
mkdir tmp
TMPDIR=$PWD/tmp "$WSFAULT" run --target echo.target -j 2 --results kill.json long.wsf \
  long2.wsf >kill.txt 2>&1 &
pid=$!
for _ in $(seq 200); do
  [ "$(pgrep -f "$me --port" | wc -l)" -ge 2 ] && break
  sleep 0.05
done
kill -9 $pid
for _ in $(seq 100); do
  pgrep -f "$me --port" >/dev/null || pgrep -f "results kill.json" >/dev/null || break
  sleep 0.05
done
no_process "$me --port"
no_process "results kill.json"
[ -z "$(ls -A tmp)" ] || fail "left in TMPDIR after SIGKILL: $(ls -A tmp)"

# A worker killed in the middle of a scenario: that scenario is an error
# that says so, in results.json like any other, and the run goes on.
"$WSFAULT" run --target echo.target -j 2 --results lost.json long.wsf \
  "$SRC/scenarios/close/clean-peer-initiated.wsf" >lost.txt 2>&1 &
pid=$!
victim=""
# Both workers start a target; the one given the short scenario finishes
# it and, with no scenario left, ends: the worker left is in the long wait.
seen2=""
for _ in $(seq 200); do
  n_up=$(pgrep -f "$me --port" | wc -l || true)
  [ "$n_up" -ge 2 ] && seen2=1
  [ -n "$seen2" ] && [ "$n_up" = 1 ] && break
  sleep 0.05
done
for w in $(pgrep -P $pid); do
  [ "$(pgrep -P "$w" | wc -l)" -ge 1 ] && victim=$w
done
[ -n "$victim" ] || fail "no worker of wsfault $pid found"
kill -9 "$victim"
rc=0
wait $pid || rc=$?
[ "$rc" = 1 ] || fail "exit $rc after a worker was killed (expected 1): $(cat lost.txt)"
[ "$(json '[s["verdict"] for s in d["scenarios"]]' lost.json)" = "['error', 'pass']" ] ||
  fail "verdicts with a killed worker: $(json '[s["verdict"] for s in d["scenarios"]]' lost.json)"
assert_contains lost.txt "killed by signal 9 while running scenario 1: no verdict"
[ "$(json 'd["scenarios"][0]["name"]' lost.json)" = "A long wait, to be interrupted" ] ||
  fail "the lost scenario's entry is not named"
json 'd["scenarios"][0]["reason"]' lost.json | grep -q "killed by signal 9" ||
  fail "the lost scenario's reason: $(json 'd["scenarios"][0]["reason"]' lost.json)"
for _ in $(seq 100); do
  pgrep -f "$me --port" >/dev/null || break
  sleep 0.05
done
no_process "$me --port"

expect_rc 2 "$WSFAULT" run --target echo.target -j 0 long.wsf
assert_contains out.txt "wsfault: -j 0: expected a number of workers from 1 to 64"
echo "ok: $n cases alike at -j 1 and -j 2; Ctrl-C and SIGKILL leave nothing behind; a killed worker is an error entry"
