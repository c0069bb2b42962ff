# A long run that restarts its target many times holds no more file
# descriptors at the end than at the start: every instance it stops gives
# back its pidfd and pipes. 150 tries, each of which signals lws-echo and so
# gets a fresh instance, under a limit of 64 open files: one fd kept per
# stopped instance would run out within fifty.
source "$(dirname "$0")/lib.sh"

ulimit -n 64
expect_rc 0 "$WSFAULT" run --no-capture -j1 --repeat 150 --target "$SRC/targets/lws-echo.target" \
  --results r.json "$SRC/tests/data/scenarios/term-and-restart.wsf"
assert_contains out.txt "150 passed, 0 failed, 0 errors"
if grep -q "Too many open files" out.txt; then fail "wsfault ran out of file descriptors"; fi
echo "ok: restarts"
