# A target that does not do what a scenario expects gets a fail verdict that
# names the expectation, what was expected and what happened, and exit 1.
source "$(dirname "$0")/lib.sh"

expect_rc 1 "$WSFAULT" run --target "$SRC/targets/lws-echo.target" --results r.json --verbose \
  "$SRC/tests/data/scenarios/wrong-close-code.wsf"
assert_contains out.txt "FAIL  Expects the wrong close code"
assert_contains out.txt "wrong-close-code.wsf:9: expect close 1001 within 1s"
assert_contains out.txt "expected: close 1001 within 1s"
assert_contains out.txt "actual:   close 1000 at +"
assert_contains out.txt "timeline:"
assert_contains out.txt "0 passed, 1 failed, 0 errors"
[ "$(json 'd["scenarios"][0]["checks"][1]["result"]' r.json)" = "fail" ] || fail "check result"
[ "$(json 'd["scenarios"][0]["checks"][2]["result"]' r.json)" = "not-reached" ] ||
  fail "the check after the failure should be not-reached"

# Facts judged over time fail for what happened, not for what had not yet:
# no Close either way is no initiator, and a FIN within the second fails
# "open for 1s" when it comes.
expect_rc 1 "$WSFAULT" run --target "$SRC/targets/lws-echo.target" --results f.json --verbose \
  "$SRC/tests/data/scenarios/no-close-initiator.wsf" "$SRC/tests/data/scenarios/open-after-close.wsf"
assert_contains out.txt "expected: the target sent the first Close"
assert_contains out.txt "actual:   no Close either way"
assert_contains out.txt "expected: the connection stays open for 1s"
assert_contains out.txt "0 passed, 2 failed, 0 errors"
echo "ok: failed expectation reported with expected and actual"
