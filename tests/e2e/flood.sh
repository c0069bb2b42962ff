# wsfault against every trick of the flood server
# (tests/data/flood/flood_server.py): floods of Close, empty and tiny
# frames, a 2^63-1 length, endless headers, garbage, a silent server, RST in
# the handshake, a wrong accept key, a 2 GiB message, endless log lines. For
# each, a few shipped scenarios with -j2 must finish in time with status 0
# or 1, give every scenario a verdict, keep wsfault's peak RSS and the
# results file under their budgets, and render as a report. The floods must
# be named: one flood note, and a verdict that says the server flooded.
source "$(dirname "$0")/lib.sh"

DATA=$SRC/tests/data/flood
S=$SRC/scenarios
# Ten connections in one scenario: their inboxes together have a budget.
SCENARIOS=("$S/rst/after-peer-close.wsf" "$S/close/clean-peer-initiated.wsf"
  "$S/handshake/trickled.wsf" "$S/shutdown/sigterm-ten-connections.wsf")
RSS_BUDGET_KIB=$((128 * 1024)) # wsfault's peak RSS (its largest process)
RESULTS_BUDGET=$((24 << 20))   # bytes of results.json for four scenarios (2 MiB of timeline each)
PER_TRICK_S=60
# FLOOD_SUITE=1 (the test e2e.flood-suite, label hostile-suite, out of CI):
# the whole shipped suite against each trick. The run keeps at most 128 MiB
# of timelines (then 512 KiB a scenario), on top of what one scenario holds.
if [ "${FLOOD_SUITE:-0}" = 1 ]; then
  SCENARIOS=("$S")
  # The parent holds every scenario's entry: the run's 64 MiB of timelines
  # and 256 KiB a scenario past it, as JSON (about twice the memory).
  RSS_BUDGET_KIB=$((320 * 1024))
  RESULTS_BUDGET=$(((64 << 20) * 5 / 2 + 121 * (256 << 10) * 5 / 2))
  PER_TRICK_S=900
fi
N_CASES=$("$WSFAULT" run --list "${SCENARIOS[@]}" | grep -c '\.wsf') || fail "cannot list the scenarios"
# The sanitizers' shadow memory and quarantine are not wsfault's: a
# sanitized build gets four times the budget, and its quarantine (freed
# memory ASan keeps, 256 MiB by default) is held to 16 MiB, else a flood's
# freed frames fill it to within a tenth of that budget.
if grep -qa __asan_init "$WSFAULT"; then
  RSS_BUDGET_KIB=$((4 * RSS_BUDGET_KIB))
  export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=16"
fi
[ -x /usr/bin/time ] || fail "/usr/bin/time is missing (Debian package time, ci/setup.sh)"

# FLOOD_MODES="close-flood log-flood" runs only these tricks.
MODES=${FLOOD_MODES:-close-flood empty-frame-flood tiny-frames huge-length endless-headers garbage
  silent rst-in-handshake wrong-accept 2gib-message log-flood}
for mode in $MODES; do
  set +e
  FLOOD_MODE=$mode /usr/bin/time -f %M -o rss.txt timeout "$PER_TRICK_S" "$WSFAULT" run \
    --target "$DATA/flood.target" -j2 --results "$mode.json" "${SCENARIOS[@]}" >"$mode.out" 2>&1
  rc=$?
  set -e
  rss=$(tail -1 rss.txt)
  size=$(stat -c %s "$mode.json" 2>/dev/null || echo 0)
  printf '%-18s exit %d  peak RSS %7s KiB (budget %d)  results %9s bytes (budget %d)\n' \
    "$mode" "$rc" "$rss" "$RSS_BUDGET_KIB" "$size" "$RESULTS_BUDGET"
  [ "$rc" -eq 0 ] || [ "$rc" -eq 1 ] || { cat "$mode.out"; fail "$mode: wsfault exited $rc"; }
  [ "$rss" -lt "$RSS_BUDGET_KIB" ] || fail "$mode: peak RSS $rss KiB over $RSS_BUDGET_KIB"
  [ "$size" -lt "$RESULTS_BUDGET" ] || fail "$mode: results.json of $size bytes"
  /usr/bin/python3 - "$mode.json" "$N_CASES" "$mode" <<'PY' || fail "$mode: see above"
import json, sys
d = json.load(open(sys.argv[1]))
sc = d["scenarios"]
assert len(sc) == int(sys.argv[2]), "%d scenarios in the results" % len(sc)
for s in sc:
    assert s.get("verdict") in ("pass", "fail", "error", "known", "skip", "non-strict", "info"), \
        s.get("verdict")
if sys.argv[3] in ("close-flood", "empty-frame-flood"):
    floods = [e for s in sc for e in s["timeline"] if e.get("what") == "flood"]
    assert floods, "no flood note"
    for s in sc:
        # One a connection at most, not one a read.
        n = sum(1 for e in s["timeline"] if e.get("what") == "flood")
        conns = max(2, len(s.get("connections") or []))
        assert n <= conns, "%d flood notes in one scenario of %d connections" % (n, conns)
    assert any("the server flooded:" in s.get("reason", "") for s in sc), "no verdict names it"
    assert any(s.get("timeline_dropped_by_kind", {}).get("frame") for s in sc), \
        "the flood is not summed up by kind"
if sys.argv[3] == "log-flood":
    notes = [e for s in sc for e in s["timeline"] if e.get("what") == "log-full"]
    assert notes, "no log-full note"
PY
  expect_rc 0 "$WSFAULT" report "$mode.json" -o "rep-$mode" >/dev/null
  [ -s "rep-$mode/index.html" ] || fail "$mode: no report page"
done
no_process flood_server.py
echo "flood: all tricks held"
