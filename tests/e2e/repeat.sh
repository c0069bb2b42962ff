# --repeat, --until-fail, --shuffle --seed and --shard. A defect that shows
# one time in 45 (zoo-raw --defect close-race) is found by --until-fail and
# reported with the try it failed on; a correct server survives the tries;
# a seed repeats an order and another seed gives another; the shards of a
# suite are disjoint, cover it, and merge into one column of one report.
source "$(dirname "$0")/lib.sh"

echo_t="$SRC/targets/lws-echo.target"
race_t="$SRC/targets/zoo/close-race.target"
close="$SRC/scenarios/close"

# The race: a crash within a bounded number of tries. Over close/ (about
# twenty answered Close frames per try) a try finds it with a chance of
# about 1 - (44/45)^20 = 36 %, so 200 tries miss it with a chance below
# 10^-38.
t0=$(date +%s%N)
expect_rc 1 "$WSFAULT" run --target "$race_t" --until-fail --repeat 200 --no-capture \
  --results race.json "$close"
ms=$((($(date +%s%N) - t0) / 1000000))
assert_contains out.txt "until one fails (at most 200 tries)"
grep -qE "^until-fail: .* failed on try [0-9]+, after [0-9]+ runs without a failure" out.txt ||
  fail "no until-fail line: $(tail -3 out.txt)"
assert_contains out.txt "killed by signal ABRT"
[ "$(json 'd["repeat"]["until_fail"]' race.json)" = True ] || fail "results.json: no repeat.until_fail"
tries=$(json 'd["repeat"]["tries"]' race.json)
n=$(json 'len([s for s in d["scenarios"] if s["try"] == 1])' race.json)
# The first try whole (it may itself hold the failure), later tries only
# their failures: the passes are counted, not listed.
[ "$(json 'd["repeat"]["runs"] - d["repeat"]["not_listed"] == len(d["scenarios"])' race.json)" = True ] ||
  fail "runs, not_listed and the entries do not add up"
[ "$(json 'all(s["verdict"] in ("fail", "error") for s in d["scenarios"] if s["try"] > 1)' race.json)" = True ] ||
  fail "a pass of a later try is listed"
[ "$(json 'any(s["verdict"] == "fail" for s in d["scenarios"])' race.json)" = True ] ||
  fail "no failed entry in race.json"
echo "close-race found on try $tries in $ms ms ($n cases per try)"

# A correct server: no failure in the tries, exit 0.
expect_rc 0 "$WSFAULT" run --target "$echo_t" --until-fail --repeat 3 -j 2 --no-capture \
  --results echo.json -f clean-peer-initiated -f max-length-reason "$close"
assert_contains out.txt "until-fail: no failure in 3 tries of"
assert_contains out.txt "try 3: no failure"
# --repeat lists every run, numbered.
expect_rc 0 "$WSFAULT" run --target "$echo_t" --repeat 2 --no-capture --results rep.json \
  -f clean-peer-initiated -f max-length-reason "$close"
m=$(json 'len(d["scenarios"])' rep.json)
[ "$m" -ge 2 ] && [ $((m % 2)) = 0 ] || fail "--repeat 2 listed $m runs"
[ "$(json 'sorted({s["try"] for s in d["scenarios"]})' rep.json)" = "[1, 2]" ] ||
  fail "runs not numbered 1 and 2"
assert_contains out.txt ", try 2)"

# --shuffle: the seed is printed and repeats the order; another seed
# reorders (22 cases: two seeds agree with a chance of 1 in 22!).
order() { json '[s["file"] + str(s.get("case")) for s in d["scenarios"]]' "$1"; }
expect_rc 0 "$WSFAULT" run --target "$echo_t" --shuffle --no-capture --results sh1.json "$close"
seed=$(grep -oE 'shuffled with seed [0-9]+' out.txt | grep -oE '[0-9]+$')
[ -n "$seed" ] || fail "no seed printed"
[ "$(json 'd["seed"]' sh1.json)" = "$seed" ] || fail "results.json lacks the seed"
expect_rc 0 "$WSFAULT" run --target "$echo_t" --shuffle --seed "$seed" --no-capture \
  --results sh2.json "$close"
[ "$(order sh1.json)" = "$(order sh2.json)" ] || fail "--seed $seed did not repeat the order"
expect_rc 0 "$WSFAULT" run --target "$echo_t" --shuffle --seed $((seed + 1)) --no-capture \
  --results sh3.json "$close"
[ "$(order sh1.json)" != "$(order sh3.json)" ] || fail "seeds $seed and $((seed + 1)) gave one order"
expect_rc 0 "$WSFAULT" run --target "$echo_t" --no-capture --results all.json "$close"
[ "$(json 'sorted(' "$(order sh1.json)" ')' all.json)" = "$(json 'sorted(' "$(order all.json)" ')' all.json)" ] ||
  fail "the shuffled run is not the same cases"

# --shard: three shares, disjoint, the whole suite between them, one column.
for i in 1 2 3; do
  expect_rc 0 "$WSFAULT" run --target "$echo_t" --shard $i/3 --no-capture \
    --results "shard$i/results.json" "$close"
  assert_contains out.txt "share $i of 3"
done
python3 - all.json shard1/results.json shard2/results.json shard3/results.json <<'PY' ||
import json, sys
key = lambda s: (s["file"], s.get("case"))
whole = [key(s) for s in json.load(open(sys.argv[1]))["scenarios"]]
shares = [[key(s) for s in json.load(open(p))["scenarios"]] for p in sys.argv[2:]]
assert sorted(sum(shares, [])) == sorted(whole), "the shares are not the suite"
assert all(len(set(a) & set(b)) == 0 for i, a in enumerate(shares) for b in shares[i + 1:])
assert max(map(len, shares)) - min(map(len, shares)) <= 1, "shares of uneven size"
PY
  fail "the shards do not split the suite"
expect_rc 0 "$WSFAULT" report shard1/results.json shard2/results.json shard3/results.json \
  -o merged --junit merged/junit.xml
[ "$(grep -o '<thead><tr><th>scenario</th>.*</tr></thead>' merged/index.html | head -1)" = \
  "<thead><tr><th>scenario</th><th>lws-echo</th></tr></thead>" ] ||
  fail "the shards are not one column: $(grep -o '<thead><tr><th>scenario</th>[^/]*' merged/index.html | head -1)"
assert_contains merged/index.html "3 of 3 shards against lws-echo"
[ "$(grep -c '<testcase ' merged/junit.xml)" = "$(json 'len(d["scenarios"])' all.json)" ] ||
  fail "the merged JUnit file does not hold every case"

# Bad uses: one line, exit 2.
expect_rc 2 "$WSFAULT" run --target "$echo_t" --seed 5 "$close"
assert_contains out.txt "wsfault: --seed S goes with --shuffle"
for bad in 0/3 4/3 3 a/b 1/0 "1/3x"; do
  expect_rc 2 "$WSFAULT" run --target "$echo_t" --shard "$bad" "$close"
  assert_contains out.txt "wsfault: --shard $bad: expected I/N"
done
for bad in 0 -1 x 1000001; do
  expect_rc 2 "$WSFAULT" run --target "$echo_t" --repeat "$bad" "$close"
  assert_contains out.txt "wsfault: --repeat $bad: expected a number of times"
done
expect_rc 2 "$WSFAULT" run --target "$echo_t" --shard 3/3 "$close/clean-peer-initiated.wsf"
assert_contains out.txt "wsfault: --shard 3/3: no scenario in this share (1 in all)"
echo "ok: until-fail, repeat, shuffle with its seed, shards merged"
