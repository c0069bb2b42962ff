#!/usr/bin/env bash
# The report's benchmark, figure (6): a merged report of 10 servers × 150
# cases, its page's size and its load time in headless Chromium, each beside
# its limit (20 MB, 2 s).
#
#   bash bench/report.sh [BUILD_DIR] [RESULTS.json]
#
# The suite is run once against lws-echo with -j 2 (or RESULTS.json, a run
# already made, is taken); ten results files are derived from it, each with
# a target of its own name and the cases repeated under other file names up
# to 150: derived data, which is what a size and load benchmark needs. They
# are merged with `wsfault report --link-captures` (the captures stay where
# the run left them); the load time is the best of three. BENCH_BEFORE=WSFAULT renders the same files with
# another build too (the one before the page was made to scale; it copies
# the captures, as it cannot link them), for the figures before and after.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$src/build}" 2>/dev/null && pwd || echo "${1:-$src/build}")
given=${2:+$(realpath "$2")}
[ -x "$build/bin/wsfault" ] || bash "$src/ci/build.sh" "$build"
W=$build/bin/wsfault
work=$(mktemp -d)
trap '[ -n "${BENCH_KEEP:-}" ] || rm -rf "$work"' EXIT
cd "$work"

if [ -n "$given" ]; then
  run=$given
else
  "$W" run --target "$src/targets/lws-echo.target" -j 2 --results suite/results.json \
    "$src/scenarios" >suite.out || true
  run=$work/suite/results.json
fi

# Ten servers, 150 cases each. A file's captures are the run's (linked).
/usr/bin/python3 - "$run" <<'PY'
import copy, json, os, sys
run = sys.argv[1]
d = json.load(open(run))
cases = d["scenarios"]
base = os.path.dirname(os.path.abspath(run))
for k in range(1, 11):
    out = copy.copy(d)
    out["target"] = dict(d["target"], name="server-%02d" % k)
    scs = []
    for i in range(150):
        s = dict(cases[i % len(cases)])
        again = i // len(cases)
        if again:
            s["file"] = s["file"][:-len(".wsf")] + "-%d.wsf" % (again + 1)
            s["name"] = "%s (%d)" % (s["name"], again + 1)
        if "pcap" in s:
            s["pcap"] = os.path.join(base, s["pcap"])
        scs.append(s)
    out["scenarios"] = scs
    os.makedirs("s%02d" % k)
    with open("s%02d/results.json" % k, "w") as f:
        json.dump(out, f)
PY
files=(s*/results.json)
events=$(/usr/bin/python3 -c 'import json,sys; print(sum(len(s.get("timeline", [])) for s in json.load(open(sys.argv[1]))["scenarios"]))' s01/results.json)

figure() { # LABEL WSFAULT [OPTIONS]
  local label=$1 w=$2
  shift 2
  local t0 t1
  t0=$(date +%s%N)
  "$w" report "${files[@]}" -o "rep-$label" "$@" >"rep-$label.out"
  t1=$(date +%s%N)
  local size
  size=$(stat -c %s "rep-$label/index.html")
  # The best of three loads: the machine may be shared, and a load slowed
  # by other work says nothing of the page.
  local load=""
  for try in 1 2 3; do
    /usr/bin/python3 "$src/tests/e2e/browser_check.py" "rep-$label/index.html" --timeout 600 \
      --screenshot "$label.png" --load-time >"load-$label-$try.txt" 2>&1 || true
    load+=" $(grep -oE '^load: [0-9.]+' "load-$label-$try.txt" | grep -oE '[0-9.]+$' || echo 999)"
  done
  load=$(printf '%s\n' $load | sort -n | head -1)
  printf '(6) %s: %d results files × 150 cases (%s events in each): index.html %.1f MB (limit 20 MB), ' \
    "$label" "${#files[@]}" "$events" "$(echo "$size / 1000000" | bc -l)"
  printf 'load %s s in headless Chromium (best of 3; limit 2 s); rendered in %.1f s\n' \
    "$load" "$(echo "($t1 - $t0) / 1000000000" | bc -l)"
}
if [ -n "${BENCH_BEFORE:-}" ]; then
  figure before "$BENCH_BEFORE"
fi
figure after "$W" --link-captures
