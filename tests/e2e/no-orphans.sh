# No target process outlives wsfault: not after Ctrl-C (its whole process
# group goes, grandchildren included, and the results so far are written),
# and not after wsfault itself is killed with SIGKILL (PR_SET_PDEATHSIG).
source "$(dirname "$0")/lib.sh"

cp "$SRC/tests/data/long-wait.wsf" long.wsf

# The target forks a grandchild (sleep 3132) before it becomes lws-echo.
"$WSFAULT" run --target "$SRC/tests/data/targets/with-grandchild.target" --results r.json \
  long.wsf >out.txt 2>&1 &
pid=$!
# Interrupt only once the scenario is inside its wait: lws-echo is running
# (the shell exec'd it) and has had ample time to print its ready line.
for _ in $(seq 200); do
  pgrep -f "sleep 3132" >/dev/null && pgrep -P $pid -f lws-echo >/dev/null && break
  sleep 0.05
done
pgrep -f "sleep 3132" >/dev/null || fail "the target never started"
pgrep -P $pid -f lws-echo >/dev/null || fail "lws-echo never started"
sleep 1
interrupt $pid out.txt
assert_contains out.txt "interrupted: 1 of 1 scenarios run"
assert_contains out.txt "error: interrupted by SIGINT"
[ "$(json 'd["interrupted"]' r.json)" = "True" ] || fail "results.json does not say interrupted"
[ "$(json 'd["scenarios"][0]["verdict"]' r.json)" = "error" ] || fail "interrupted scenario verdict"
sleep 0.2
no_process "sleep 3132"

# SIGKILL leaves no chance to clean up: the kernel kills the direct child.
"$WSFAULT" run --target "$SRC/targets/lws-echo.target" --results r2.json long.wsf \
  >out2.txt 2>&1 &
pid=$!
child=""
for _ in $(seq 100); do
  child=$(pgrep -P $pid -f lws-echo || true)
  [ -n "$child" ] && break
  sleep 0.05
done
[ -n "$child" ] || fail "lws-echo never started"
kill -KILL $pid
wait $pid 2>/dev/null || true
for _ in $(seq 40); do
  kill -0 "$child" 2>/dev/null || break
  sleep 0.05
done
if kill -0 "$child" 2>/dev/null; then fail "lws-echo ($child) outlived a SIGKILLed wsfault"; fi
echo "ok: no orphans after SIGINT or SIGKILL"
