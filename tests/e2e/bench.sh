# bench/run.sh keeps working: with small counts (BENCH_QUICK) it measures
# and prints the figures it can without the whole suite, each beside its
# limit. The figures themselves are not judged here: they are the script's
# to print, run by hand (README, "Benchmark").
source "$(dirname "$0")/lib.sh"

expect_rc 0 env BENCH_QUICK=1 bash "$SRC/bench/run.sh" "$(dirname "$(dirname "$WSFAULT")")"
assert_contains out.txt "(1) suite: not run (BENCH_QUICK)"
grep -qE '^\(3\) 50 faulted connections, 50 at a time: wsfault [0-9.]+ us CPU each .* ratio [0-9.]+ \(limit 1\.50\)$' out.txt ||
  fail "no figure (3) for 50 connections"
grep -qE '^\(3\) 400 faulted connections, 50 at a time: .* \(limit 1\.50\)$' out.txt || fail "no figure (3) for 400"
grep -qE '^    with the capture: ([0-9.]+ us CPU each, -?[0-9.]+ us of it the capture.s .*|not run .*)$' out.txt ||
  fail "no line for the capture's cost"
grep -qE '^\(4\) wait error over 220 waits: p50 -?[0-9]+ us, p99 -?[0-9]+ us \(limit 200 us at p99\)$' out.txt ||
  fail "no figure (4)"
grep -qE '^\(5\) 400 stalled connections: wsfault.s peak RSS [0-9.]+ MiB \(limit 64 MiB; its timeline: [0-9]+ events kept, (none|[0-9]+) dropped\)$' out.txt ||
  fail "no figure (5)"
echo "ok: bench/run.sh prints its figures"
