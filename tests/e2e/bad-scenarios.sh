# Every file in tests/data/bad-scenarios/ is refused with exit status 2 and
# exactly the message in its .err twin (file:line:col: expected ..., found ...).
# Nothing runs: not even a target is started.
source "$(dirname "$0")/lib.sh"

cd "$SRC/tests/data/bad-scenarios"
n=0
for wsf in *.wsf; do
  want="${wsf%.wsf}.err"
  [ -f "$want" ] || fail "$wsf has no $want"
  (cd "$WORK" && expect_rc 2 "$WSFAULT" run --target "$SRC/targets/lws-echo.target" \
    --results r.json "$SRC/tests/data/bad-scenarios/$wsf")
  # Messages name the file as given: compare with the path put back as in .err.
  sed "s|$SRC/tests/data/bad-scenarios/||" "$WORK/out.txt" | diff -u "$want" - ||
    fail "$wsf: unexpected error text"
  [ ! -e "$WORK/r.json" ] || fail "$wsf: results written for a file that did not parse"
  n=$((n + 1))
done
[ $n -ge 5 ] || fail "only $n bad scenario files"
echo "ok: $n malformed scenario files refused with file:line:col"
