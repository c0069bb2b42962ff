# External mode: a server wsfault did not start (--url, and --target for
# the file that describes it). Checks that need its
# process are skipped with the reason and the rest is judged, so the shipped
# suite against lws-echo started by hand exits 0; --log follows the server's
# log file, and an alarm there fails the scenario it appeared in.
source "$(dirname "$0")/lib.sh"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# A port bind(0) gave may be taken again before lws-echo binds it: retry.
for try in 1 2 3; do
  # Appending, as the test's own line below is appended.
  "$(dirname "$WSFAULT")/lws-echo" --port "$port" 2>>server.log &
  pid=$!
  for _ in $(seq 50); do grep -q "listening on" server.log && break; sleep 0.1; done
  grep -q "listening on" server.log && break
  kill $pid 2>/dev/null || true
  port=$((port + 1))
done
trap 'kill $pid 2>/dev/null; rm -rf "$WORK"' EXIT

# With --target the file describes the running server: its known failure
# (libwebsockets 4.1.6 accepts unmasked frames) applies, nothing is started.
expect_rc 0 "$WSFAULT" run --url "ws://127.0.0.1:$port/" --target "$SRC/targets/lws-echo.target" \
  --log server.log --results all.json "$SRC/scenarios"
assert_contains out.txt "scenarios against lws-echo at ws://127.0.0.1:$port/"
assert_contains out.txt "KNOWN Unmasked client frame"
assert_contains out.txt "skipped $SRC/scenarios/resources/close-wait-after-half-close.wsf:16: expect fds baseline within 2s: not judged: with --url there is no process to watch (without --url, --target starts one)"
assert_contains out.txt "SKIP  SIGTERM with an open connection"
assert_contains out.txt "skip: it signals the target or expects it to exit, and with --url there is no process (without --url, --target starts one)"
[ "$(json 'd["summary"]["failed"] + d["summary"]["errors"]' all.json)" = 0 ] || fail "failures with --url"
[ "$(json 'sum(c["result"]=="skipped" for s in d["scenarios"] for c in s["checks"])' all.json)" -ge 4 ] ||
  fail "the checks that need the process were not skipped"

# An alarm written to the followed file while a scenario runs fails it.
(sleep 0.3; echo "Segmentation fault (core dumped)" >>server.log) &
expect_rc 1 "$WSFAULT" run --url "ws://127.0.0.1:$port/" --log server.log --results log.json \
  "$SRC/tests/data/levels/log-alarm.wsf"
assert_contains out.txt '"Segmentation fault (core dumped)"'
[ "$(json '[e["what"] for e in d["scenarios"][0]["timeline"] if e["kind"]=="log" and "Segmentation" in e["detail"]]' log.json)" = "['log']" ] ||
  fail "the line is not on the timeline as the stream 'log'"
expect_rc 2 "$WSFAULT" run --url "ws://127.0.0.1:$port/" --log no-such.log "$SRC/tests/data/levels/log-alarm.wsf"
assert_contains out.txt "wsfault: --log no-such.log: cannot open: No such file or directory"
# expect log reads the file, though lws-echo.target says 'log stderr'.
expect_rc 0 "$WSFAULT" run --url "ws://127.0.0.1:$port/" --target "$SRC/targets/lws-echo.target" \
  --log server.log --results expect.json "$SRC/tests/data/levels/log-expect.wsf"
assert_contains out.txt "1 passed, 0 failed, 0 errors"
# -j 2 with --url: two workers share the server; what needs the capture or
# the log is skipped with the reason, the rest has the verdicts of -j 1.
expect_rc 0 "$WSFAULT" run --url "ws://127.0.0.1:$port/" --target "$SRC/targets/lws-echo.target" \
  --log server.log -j 2 --results shared.json "$SRC/scenarios/close" "$SRC/scenarios/wire" \
  "$SRC/tests/data/levels/log-expect.wsf"
assert_contains out.txt "2 workers sharing it (no capture, no log)"
why="with --url and -j 2 the workers share one server: a capture of its port or a line of its log could not be told apart per scenario (-j 1 reads both)"
[ "$(json '[s["verdict"] for s in d["scenarios"] if "/wire/" in s["file"]]' shared.json)" = "['skip', 'skip', 'skip']" ] ||
  fail "wire scenarios with --url -j 2: $(json '[s["verdict"] for s in d["scenarios"] if "/wire/" in s["file"]]' shared.json)"
assert_contains out.txt "skip: $why"
assert_contains out.txt "not judged: $why"
expect_rc 0 "$WSFAULT" run --url "ws://127.0.0.1:$port/" --target "$SRC/targets/lws-echo.target" \
  -j 1 --no-capture --results alone.json "$SRC/scenarios/close"
each='[(s["file"], s.get("case"), s["verdict"]) for s in d["scenarios"] if "/close/" in s["file"]]'
[ "$(json "$each" shared.json)" = "$(json "$each" alone.json)" ] ||
  fail "close/ verdicts differ between --url -j 2 and -j 1"
echo "ok: --url judges what it can see, skips the rest with the reason, and --log follows a log file; -j 2 shares the server without capture or log"
