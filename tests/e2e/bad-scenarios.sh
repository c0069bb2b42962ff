# Every file in tests/data/bad-scenarios/ is refused with exit status 2 and
# exactly the message in its .err twin (file:line:col: expected ..., found ...).
# Nothing runs: not even a target is started.
source "$(dirname "$0")/lib.sh"

cd "$SRC/tests/data/bad-scenarios"
n=0
for wsf in *.wsf; do
  want="${wsf%.wsf}.err"
  [ -f "$want" ] || fail "$wsf has no $want"
  set +e
  "$WSFAULT" run --target "$SRC/targets/lws-echo.target" --results "$WORK/r.json" "$wsf" \
    >"$WORK/out" 2>"$WORK/err"
  rc=$?
  set -e
  [ $rc -eq 2 ] || fail "$wsf: exit status $rc, expected 2"
  diff -u "$want" "$WORK/err" || fail "$wsf: unexpected error text"
  [ ! -e "$WORK/r.json" ] || fail "$wsf: results written for a file that did not parse"
  n=$((n + 1))
done
[ $n -ge 5 ] || fail "only $n bad scenario files"
echo "ok: $n malformed scenario files refused with file:line:col"
