#!/usr/bin/env bash
# wsfault's benchmark: five figures, each printed beside its limit, all
# measured in this one run against lws-echo (ratios, not absolute times, so
# that a slower machine does not change the verdict). The sixth, the size
# and load time of a big merged report, is bench/report.sh's.
#
#   bash bench/run.sh [BUILD_DIR]     (default: build/, made with ci/build.sh if missing)
#
# BENCH_BIG=N sets the large connection count (default 10000; the fd limit is
# raised to fit). BENCH_QUICK=1 uses small counts and skips the suite: the
# test bench.quick runs it so, to keep this script working.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$src/build}" 2>/dev/null && pwd || echo "${1:-$src/build}")
[ -x "$build/bin/wsfault" ] && [ -x "$build/bin/minloop" ] || bash "$src/ci/build.sh" "$build"
W=$build/bin/wsfault
big=${BENCH_BIG:-10000}
small=200
[ -n "${BENCH_QUICK:-}" ] && big=400 && small=50
# A descriptor per connection in wsfault, another in the server, and room.
ulimit -n $((big + 1024)) 2>/dev/null || {
  echo "bench: cannot raise the fd limit to $((big + 1024)) (the hard limit is $(ulimit -Hn); set BENCH_BIG lower)" >&2
  exit 1
}
work=$(mktemp -d)
trap 'rm -rf "$work"; [ -n "${echo_pid:-}" ] && kill "$echo_pid" 2>/dev/null; true' EXIT
cd "$work"
target="$src/targets/lws-echo.target"
printf 'wsfault benchmark: %s, %s cores, %s\n' "$(uname -r)" "$(nproc)" "$("$W" --version)"

# ---- (1) the suite, serially and with two workers, beside the floor ----
if [ -z "${BENCH_QUICK:-}" ]; then
  t0=$(date +%s%N)
  "$W" run --target "$target" -j 1 --results serial.json "$src/scenarios" >serial.out || true
  t1=$(date +%s%N)
  "$W" run --target "$target" -j 2 --results j2.json "$src/scenarios" >j2.out || true
  t2=$(date +%s%N)
  python3 - serial.json j2.json $(((t1 - t0) / 1000)) $(((t2 - t1) / 1000)) <<'PY'
import json, sys
s, j = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
serial, par = int(sys.argv[3]) / 1e6, int(sys.argv[4]) / 1e6
durs = [x['duration_us'] / 1e6 for x in s['scenarios']]
floor = max(max(durs), sum(durs) / 2)
print(f"(1) suite, {len(durs)} cases: serial {serial:.2f} s, -j 2 {par:.2f} s; floor {floor:.2f} s "
      f"(the longer of the longest case, {max(durs):.2f} s, and the cases' sum over 2 workers, "
      f"{sum(durs) / 2:.2f} s): -j 2 / floor = {par / floor:.2f} (limit 1.20)")
cpu = [x['cpu_us'] for x in s['scenarios']]
print(f"(2) harness CPU beyond the waits: {sum(cpu) / len(cpu) / 1000:.2f} ms per case on average, "
      f"{max(cpu) / 1000:.2f} ms at most ({sum(cpu) / 1e6:.2f} s for the serial run of "
      f"{serial:.2f} s; no limit set)")
PY
else
  echo "(1) suite: not run (BENCH_QUICK)"
  echo "(2) harness CPU per case: not run (BENCH_QUICK)"
fi

# ---- (3) CPU per faulted connection, against the minimal epoll loop ----
cat >warm.wsf <<'WSF'
scenario "Warm-up: the target is up before the measured scenario"
connect
handshake
close
WSF
# N connections, C at a time (a set of C per round): connect, handshake,
# RST. More than a few thousand SYNs at once overflow the listen backlog
# (somaxconn), and that would measure the kernel's SYN retries.
faults() { # N C
  {
    echo "scenario \"$1 connections, $2 at a time: connect, handshake, RST\""
    echo "repeat $(($1 / $2))"
    echo "connect $2 as r\${i}c*"
    echo "r\${i}c*: handshake"
    echo "r\${i}c*: rst"
    echo "end"
  } >"faults-$1.wsf"
}
"$build/bin/lws-echo" --port 0 >echo.log 2>&1 &
echo_pid=$!
for _ in $(seq 100); do grep -q "listening on" echo.log && break; sleep 0.05; done
port=$(grep -oE 'listening on [^ ]*:[0-9]+' echo.log | grep -oE '[0-9]+$' | head -1)
[ -n "$port" ] || { cat echo.log >&2; echo "bench: lws-echo did not start" >&2; exit 1; }
conc=$small
# The minimal loop captures nothing: wsfault is measured without its capture
# too (--no-capture), and the capture's own cost is printed beside it from
# the run that also gives (4) its fault-to-wire figure.
for n in $small $big; do
  faults "$n" "$conc"
  "$W" run --target "$target" -j 1 --no-capture --results "faults-$n.json" warm.wsf \
    "faults-$n.wsf" >"faults-$n.out" ||
    { cat "faults-$n.out" >&2; echo "bench: the $n-connection scenario failed" >&2; exit 1; }
  "$build/bin/minloop" "$port" "$n" "$conc" >"min-$n.out"
  python3 - "faults-$n.json" "min-$n.out" "$n" "$conc" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))['scenarios'][1]
n = int(sys.argv[3])
words = open(sys.argv[2]).read().split()
mcpu, mwall = int(words[2]), int(words[5])
ours = d['cpu_us'] / n
theirs = mcpu / n
print(f"(3) {n} faulted connections, {sys.argv[4]} at a time: wsfault {ours:.1f} us CPU each ({n / (d['duration_us'] / 1e6):.0f}/s "
      f"in the scenario), minimal loop {theirs:.1f} us ({n / (mwall / 1e6):.0f}/s): "
      f"ratio {ours / theirs:.2f} (limit 1.50)")
PY
done
"$W" run --target "$target" -j 1 --results "capture-$small.json" warm.wsf "faults-$small.wsf" \
  >"capture-$small.out" ||
  { cat "capture-$small.out" >&2; echo "bench: the captured $small-connection scenario failed" >&2; exit 1; }
python3 - "capture-$small.json" "faults-$small.json" "$small" <<'PY'
import json, sys
cap, bare = (json.load(open(p))['scenarios'][1] for p in sys.argv[1:3])
n = int(sys.argv[3])
if 'pcap' in cap:
    print(f"    with the capture: {cap['cpu_us'] / n:.1f} us CPU each, {(cap['cpu_us'] - bare['cpu_us']) / n:.1f} us "
          f"of it the capture's (every packet written and decoded into the timeline; no limit set)")
else:
    print("    with the capture: not run (capture needs root or CAP_NET_RAW)")
PY

# ---- (4) wait error, and fault-to-wire error ----
{
  echo 'scenario "Waits of three lengths"'
  echo 'connect'
  echo 'handshake'
  echo 'repeat 100'
  echo 'wait 250us'
  echo 'wait 1ms'
  echo 'end'
  echo 'repeat 20'
  echo 'wait 50ms'
  echo 'end'
} >waits.wsf
"$W" run --target "$target" -j 1 --results waits.json warm.wsf waits.wsf >waits.out
python3 - waits.json "capture-$small.json" <<'PY'
import json, re, sys
tl = json.load(open(sys.argv[1]))['scenarios'][1]['timeline']
# Each step's line, then the end of the scenario: a wait lasts until the next.
steps = [e for e in tl if e['kind'] == 'step' and e['what'] in ('step', 'end', 'teardown')]
unit = {'us': 1, 'ms': 1000, 's': 1000000}
late = []
for a, b in zip(steps, steps[1:]):
    m = re.search(r': wait (\d+)(us|ms|s)$', a['detail'])
    if m:
        late.append(b['t_us'] - a['t_us'] - int(m.group(1)) * unit[m.group(2)])
late.sort()
pct = lambda xs, p: xs[min(len(xs) - 1, int(len(xs) * p))]
print(f"(4) wait error over {len(late)} waits: p50 {pct(late, .5)} us, p99 {pct(late, .99)} us (limit 200 us at p99)")
sc = json.load(open(sys.argv[2]))['scenarios'][1]
f = sc.get('faults', [])
d = sorted(x['delta_us'] for x in f)
n = sum(e['kind'] == 'fault' and e['what'] == 'rst' for e in sc['timeline'])
drops = [e['detail'].split()[0] for e in sc['timeline'] if e['what'] == 'capture-drops']
lost = f", the capture dropped {drops[0]} packets" if drops else ""
if d:
    print(f"    fault to wire over {len(d)} of {n} RSTs{lost}: p50 {pct(d, .5)} us, "
          f"p99 {pct(d, .99)} us (no limit set)")
else:
    print("    fault to wire: no capture in this run (capture needs root or CAP_NET_RAW)")
PY

# ---- (5) peak RSS holding many stalled connections ----
# Opened 500 at a time (the listen backlog, as above), then all held.
{
  echo "scenario \"$big stalled connections held open\""
  echo "repeat $((big / 500 > 0 ? big / 500 : 1))"
  echo "connect $((big < 500 ? big : 500)) as s\${i}c* within 60s"
  echo "s\${i}c*: handshake within 60s"
  echo "s\${i}c*: stall read"
  echo "end"
  echo "wait 1s"
} >stalled.wsf
"$W" run --target "$target" -j 1 --no-capture --results stalled.json warm.wsf stalled.wsf >stalled.out ||
  { cat stalled.out >&2; echo "bench: the stalled scenario failed" >&2; exit 1; }
python3 - stalled.json "$big" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))['scenarios'][1]
kept = f"{len(d['timeline'])} events kept" + (f", {d['timeline_dropped']} dropped"
                                               if d.get('timeline_dropped') else ", none dropped")
print(f"(5) {sys.argv[2]} stalled connections: wsfault's peak RSS {d['peak_rss_kib'] / 1024:.1f} MiB "
      f"(limit 64 MiB; its timeline: {kept})")
PY
