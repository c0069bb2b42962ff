# Several connections in one scenario: named ones, a set made at once, cases
# from a matrix and steps from a repeat block. Each case is a scenario of its
# own; checks and events say which connection they are about; a step for a
# set is one check that names the member that failed.
source "$(dirname "$0")/lib.sh"
T="$SRC/targets/lws-echo.target"
D="$SRC/tests/data/connections"

expect_rc 0 "$WSFAULT" run --target "$T" --results ok.json "$D/several.wsf"
assert_contains out.txt "several connections [one]"
assert_contains out.txt "several connections [two]"
assert_contains out.txt "2 passed, 0 failed, 0 errors"
[ "$(json '[x["case"] for x in d["scenarios"]]' ok.json)" = "['one', 'two']" ] || fail "cases"
[ "$(json 'd["scenarios"][0]["connections"]' ok.json)" = "['peer', 'c1', 'c2', 'c3', 'c4', 'c5', 'a']" ] ||
  fail "connections: $(json 'd["scenarios"][0]["connections"]' ok.json)"
[ "$(json '[(c["conn"], c["actual"]) for c in d["scenarios"][0]["checks"] if c["text"]=="c*: handshake"]' ok.json)" = "[('c*', 'so on all 5')]" ] ||
  fail "a set's handshake is not one check for all five"
[ "$(json 'sorted({e["conn"] for e in d["scenarios"][0]["timeline"] if e["kind"]=="fault" and e["what"]=="rst"})' ok.json)" = "['c2']" ] ||
  fail "the reset is not c2's"
[ "$(json 'len([e for e in d["scenarios"][1]["timeline"] if e["kind"]=="frame" and e["dir"]=="peer>target" and e["what"]=="text"])' ok.json)" = "11" ] ||
  fail "the repeat block did not send twice on each of five connections"

# --filter picks one case by its name, brackets and all.
expect_rc 0 "$WSFAULT" run --target "$T" --results one.json --filter 'connections/several[two]' "$D/several.wsf"
assert_contains out.txt "1 passed, 0 failed, 0 errors"
# ... and as --list prints it, file.wsf[case].
listed=$("$WSFAULT" run --list "$D/several.wsf" | grep -o '[^ ]*several.wsf\[two\]')
[ -n "$listed" ] || fail "--list does not show several.wsf[two]"
expect_rc 0 "$WSFAULT" run --target "$T" --results one2.json --filter "$listed" "$D/several.wsf"
assert_contains out.txt "1 passed, 0 failed, 0 errors"

expect_rc 1 "$WSFAULT" run --target "$T" --results bad.json "$D/one-differs.wsf"
json 'd["scenarios"][0]["reason"]' bad.json >reason.txt
assert_contains reason.txt 'c4: expect text "not this"'
json '[c["actual"] for c in d["scenarios"][0]["checks"] if c.get("conn")=="c4"][0]' bad.json >actual.txt
assert_contains actual.txt 'text frame of 2 bytes "m1"'
# Wire expectations with a name judge that connection's segments; without
# one, the whole scenario's; the capture's segments carry their connection.
expect_rc 0 "$WSFAULT" run --target "$T" --results wire.json "$D/wire.wsf"
assert_contains out.txt "1 passed, 0 failed, 0 errors"
[ "$(json 'sorted({e.get("conn","-") for e in d["scenarios"][0]["timeline"] if e["kind"]=="wire" and e["what"] in ("SYN","RST")})' wire.json)" = "['a', 'b']" ] ||
  fail "wire segments not attributed to a and b"
expect_rc 1 "$WSFAULT" run --target "$T" --results wire2.json "$D/wire-other.wsf"
assert_contains out.txt "b: expect wire rst from peer within 300ms"
assert_contains out.txt "none within 300ms"
# A set step with two checks (the MUST and the SHOULD of fail-connection)
# gives two for the set: the MUST held on all three, the SHOULD on none.
expect_rc 0 "$WSFAULT" run --target "$T" --results two.json "$D/set-two-checks.wsf"
assert_contains out.txt "0 passed, 0 failed, 0 errors (and 1 non-strict)"
[ "$(json '[(k["level"], k["result"], k["actual"] if k["result"] == "pass" else k["actual"].split(" (")[-1]) for k in d["scenarios"][0]["checks"] if k["line"] == 10]' two.json)" = \
  "[('must', 'pass', 'so on all 3'), ('should', 'non-strict', '0 of 3 passed)')]" ] ||
  fail "the set's two checks were not merged one by one"
echo "ok: several connections, sets, repeat blocks, matrix cases and wire facts per connection"
