# No target process outlives wsfault: not after Ctrl-C (its whole process
# group goes, grandchildren included, and the results so far are written),
# not after wsfault itself is killed with SIGKILL (PR_SET_PDEATHSIG, and the
# watchdog for the rest), and not when a grandchild left the group
# (setsid) and ignores SIGTERM: found by the mark in its environment, it is
# killed after the grace at the end of a run, and by the watchdog at once
# when wsfault is killed with SIGKILL; nor one that stayed in the group but
# cleared its environment, killed with the group by the watchdog.
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

# A grandchild in a session of its own that ignores SIGTERM, found by its
# unique sleep (3000.PID of this test).
marker="sleep 3000.$$"
cat >escaping.target <<EOT
name    escaping-grandchild
command /bin/sh $SRC/tests/data/escaping-grandchild.sh 3000.$$ \${bindir}/lws-echo --port \${port}
url     ws://127.0.0.1:\${port}/
ready   log /listening on/ within 5s
stop    signal TERM grace 1s
log     stderr
EOT

# wsfault killed with SIGKILL in the middle of a scenario.
"$WSFAULT" run --target escaping.target --results r3.json long.wsf >out3.txt 2>&1 &
pid=$!
for _ in $(seq 200); do
  pgrep -f "$marker" >/dev/null && pgrep -P $pid -f lws-echo >/dev/null && break
  sleep 0.05
done
pgrep -f "$marker" >/dev/null || fail "the escaping grandchild never started"
[ "$(ps -o sid= -p "$(pgrep -f "$marker" | head -1)" | tr -d ' ')" != "$(ps -o sid= -p $pid | tr -d ' ')" ] ||
  fail "the grandchild did not leave wsfault's session"
watchdog=$(pgrep -P $pid -f '^wsfault-watchdog' || true)
[ -n "$watchdog" ] || fail "wsfault $pid has no watchdog: $(pgrep -aP $pid)"
sleep 0.5
kill -KILL $pid
wait $pid 2>/dev/null || true
for _ in $(seq 60); do
  pgrep -f "$marker" >/dev/null || break
  sleep 0.05
done
no_process "$marker"
# Its work done, the watchdog is gone too.
for _ in $(seq 40); do
  kill -0 "$watchdog" 2>/dev/null || break
  sleep 0.05
done
if kill -0 "$watchdog" 2>/dev/null; then fail "the watchdog ($watchdog) outlived its work"; fi

# The end of a normal run: the grandchild ignores the stop signal, and is
# killed once the grace is over.
start=$(date +%s%N)
expect_rc 0 "$WSFAULT" run --target escaping.target --results r4.json \
  "$SRC/tests/data/report-suite/basics/echo.wsf"
took=$((($(date +%s%N) - start) / 1000000))
no_process "$marker"
[ "$took" -ge 1000 ] || fail "the run took $took ms: the grandchild was not given its 1 s grace"
# A grandchild that stayed in the target's group but cleared its
# environment (env -i) carries no mark: when wsfault is killed with SIGKILL
# only the watchdog's kill of the group it was told about ends it.
bare="sleep 30.$$"
cat >bare.target <<EOT
name    bare-grandchild
command /bin/sh -c "env -i /bin/sleep 30.$$ & exec \${bindir}/lws-echo --port \${port}"
url     ws://127.0.0.1:\${port}/
ready   log /listening on/ within 5s
log     stderr
EOT
"$WSFAULT" run --target bare.target --results r5.json long.wsf >out5.txt 2>&1 &
pid=$!
for _ in $(seq 200); do
  pgrep -f "$bare" >/dev/null && pgrep -P $pid -f lws-echo >/dev/null && break
  sleep 0.05
done
pgrep -f "$bare" >/dev/null || fail "the bare grandchild never started"
sleep 0.5
kill -KILL $pid
wait $pid 2>/dev/null || true
for _ in $(seq 60); do
  pgrep -f "$bare" >/dev/null || break
  sleep 0.05
done
left=$(pgrep -f "$bare" || true)
if [ -n "$left" ]; then
  kill $left 2>/dev/null || true
  fail "a grandchild in the target's group without the mark ($left) outlived a SIGKILLed wsfault"
fi

echo "ok: no orphans after SIGINT or SIGKILL, grandchildren that left the group included (run: $took ms)"
