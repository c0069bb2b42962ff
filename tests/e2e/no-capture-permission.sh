# Without CAP_NET_RAW there is no capture: a scenario with a wire
# expectation is skipped, saying why, and the others run and pass as usual;
# a skip does not fail the run. As root the capabilities are dropped with
# capsh (root without cap_net_raw and cap_net_admin).
source "$(dirname "$0")/lib.sh"

cat >wire.wsf <<'EOF'
scenario "Wire expectation without capture permission"
connect
handshake
send close 1000
expect close 1000 within 1s
expect tcp fin within 1s
expect wire fin first by target
EOF
clean="$SRC/scenarios/close/clean-peer-initiated.wsf"
reason="skip: capture on lo: not permitted (run as root or grant cap_net_raw)"

# without_capture COMMAND...: runs the command without the capture
# capabilities, and checks that they are really gone.
without_capture() {
  if [ "$(id -u)" -eq 0 ]; then
    command -v capsh >/dev/null || fail "capsh is not installed (libcap2-bin)"
    capsh --drop=cap_net_raw,cap_net_admin -- -c '
      eff=$(awk "/^CapEff:/ { print \$2 }" /proc/self/status)
      if (( 0x$eff & (1 << 13 | 1 << 12) )); then
        echo "cap_net_raw or cap_net_admin still effective: $eff" >&2
        exit 99
      fi
      exec "$@"' without-capture "$@"
  else
    "$@"
  fi
}

# The wire scenario first (its own capture is refused), then the other way
# round (the refusal comes with the first scenario and holds for the run).
# One worker (-j 1): each worker meets the refusal with its own first scenario.
for order in wire-first clean-first; do
  if [ $order = wire-first ]; then
    files=(wire.wsf "$clean")
    wire_i=0
  else
    files=("$clean" wire.wsf)
    wire_i=1
  fi
  clean_i=$((1 - wire_i))
  rm -rf captures
  expect_rc 0 without_capture "$WSFAULT" run --target "$SRC/targets/lws-echo.target" -j 1 \
    --results $order.json "${files[@]}"
  assert_contains out.txt "SKIP  Wire expectation without capture permission"
  assert_contains out.txt "        $reason"
  assert_contains out.txt "PASS  Peer-initiated clean close"
  assert_contains out.txt "1 passed, 0 failed, 0 errors, 1 skipped"

  [ "$(json "d['scenarios'][$wire_i]['verdict']" $order.json)" = skip ] ||
    fail "$order: wire verdict"
  [ "$(json "d['scenarios'][$wire_i]['reason']" $order.json)" = "$reason" ] ||
    fail "$order: wire reason: $(json "d['scenarios'][$wire_i].get('reason')" $order.json)"
  [ "$(json "d['scenarios'][$clean_i]['verdict']" $order.json)" = pass ] ||
    fail "$order: clean verdict"
  [ "$(json "[d['summary'][k] for k in ('passed', 'failed', 'errors', 'skipped')]" $order.json)" = \
    "[1, 0, 0, 1]" ] || fail "$order: summary $(json 'd["summary"]' $order.json)"
  # Nothing was captured, and no scenario claims a pcap.
  [ "$(json "[s.get('pcap') for s in d['scenarios']]" $order.json)" = "[None, None]" ] ||
    fail "$order: a pcap without capture"
  [ -z "$(find captures -type f 2>/dev/null)" ] || fail "$order: files in captures/"
  # The refusal is on the timeline of the scenario that met it, once.
  [ "$(json "sum(e['what'] == 'no-capture' for s in d['scenarios'] for e in s['timeline'])" \
    $order.json)" = 1 ] || fail "$order: the no-capture note"
done
echo "ok: without cap_net_raw the wire scenario is skipped ($reason), the other passes"
