# wss://: the handshake and an echo over TLS with --ca, through a target
# file and through --url; --insecure with a CA the run does not know; a
# certificate the run cannot verify (unknown CA, wrong host) is an error
# verdict that says so, not a server failure; bad TLS options are usage
# errors (exit 2). The certificates are made here, never kept.
source "$(dirname "$0")/lib.sh"
LWS_PID=
trap '[ -z "$LWS_PID" ] || kill "$LWS_PID" 2>/dev/null; rm -rf "$WORK"' EXIT

make_cert tls
make_cert other
make_cert wrong-host "DNS:elsewhere.test"
export WSF_TLS_DIR=$WORK/tls

cat >echo.wsf <<'WSF'
scenario "echo over TLS"
connect
handshake
send text "hello"
expect text "hello" within 1s
send close 1000
expect close within 1s
expect tcp closed within 1s
WSF

# Through the target file, trusting the test's certificate.
expect_rc 0 "$WSFAULT" run --target "$SRC/targets/lws-echo-tls.target" --ca tls/cert.pem \
  --no-capture -o r.json echo.wsf
assert_contains out.txt "1 passed, 0 failed"
[ "$(json '[e["detail"] for e in d["scenarios"][0]["timeline"] if e["what"]=="tls"][0].split()[2]' r.json)" \
  = "TLSv1.3" ] || fail "no 'tls' event with the TLS version on the timeline"
[ "$(json 'd["scenarios"][0]["url"][:6]' r.json)" = "wss://" ] || fail "url is not wss://"

# The target file's own 'ca' key, relative to the target file's folder.
sed 's|^url .*|&\nca tls/cert.pem|' "$SRC/targets/lws-echo-tls.target" |
  sed "s|\${bindir}|$(dirname "$WSFAULT")|" >own-ca.target
expect_rc 0 "$WSFAULT" run --target own-ca.target --no-capture -o r.json echo.wsf
assert_contains out.txt "1 passed, 0 failed"

# A server wsfault does not start, at wss://127.0.0.1 and wss://localhost
# (SNI and the DNS name checked) and at a name the certificate does not hold.
start_lws_tls tls
expect_rc 0 "$WSFAULT" run --url "wss://127.0.0.1:$LWS_PORT/" --ca tls/cert.pem echo.wsf
expect_rc 0 "$WSFAULT" run --url "wss://localhost:$LWS_PORT/" --ca tls/cert.pem echo.wsf
# Not verified, but TLS still: --insecure with a CA the run does not know.
expect_rc 0 "$WSFAULT" run --url "wss://127.0.0.1:$LWS_PORT/" --insecure -o r.json echo.wsf
[ "$(json '[e for e in d["scenarios"][0]["timeline"] if e["what"]=="tls"] != []' r.json)" = "True" ] ||
  fail "--insecure did not run TLS"
# Another CA: an error verdict naming the verification and what to do.
expect_rc 1 "$WSFAULT" run --url "wss://127.0.0.1:$LWS_PORT/" --ca other/cert.pem -o r.json echo.wsf
assert_contains out.txt "ERROR"
assert_contains out.txt "over TLS: certificate verification failed"
assert_contains out.txt "--ca FILE"
[ "$(json 'd["scenarios"][0]["verdict"]' r.json)" = "error" ] || fail "not an error verdict"
# Without --ca the system's CAs do not know a self-signed certificate.
expect_rc 1 "$WSFAULT" run --url "wss://127.0.0.1:$LWS_PORT/" echo.wsf
assert_contains out.txt "certificate verification failed"
kill "$LWS_PID"
wait "$LWS_PID" 2>/dev/null || true

# The right CA, the wrong address: IP and name verification.
start_lws_tls wrong-host
expect_rc 1 "$WSFAULT" run --url "wss://127.0.0.1:$LWS_PORT/" --ca wrong-host/cert.pem echo.wsf
assert_contains out.txt "certificate verification failed: IP address mismatch"
expect_rc 1 "$WSFAULT" run --url "wss://localhost:$LWS_PORT/" --ca wrong-host/cert.pem echo.wsf
assert_contains out.txt "certificate verification failed: hostname mismatch (the certificate is for another host"
kill "$LWS_PID"
wait "$LWS_PID" 2>/dev/null || true
LWS_PID=

# storm over wss:// too, with the same options.
expect_rc 0 "$WSFAULT" storm --target "$SRC/targets/lws-echo-tls.target" --ca tls/cert.pem \
  --connections 30 --seed 1 --no-capture -o storm.json
assert_contains out.txt "no trouble: 30 connections"
# A certificate storm cannot trust stops it at once: no round is trouble.
expect_rc 1 "$WSFAULT" storm --target "$SRC/targets/lws-echo-tls.target" --connections 30 \
  --seed 1 --no-capture -o storm.json
assert_contains out.txt "wsfault: cannot connect over TLS: certificate verification failed"
if grep -q "trouble in round\|shrink" out.txt; then fail "storm took a trust error for trouble"; fi
expect_rc 2 "$WSFAULT" storm --url wss://127.0.0.1:1/ --ca /no/such/ca.pem
assert_contains out.txt "cannot load its certificates"

# Usage errors: a CA file that is not one, both options at once.
expect_rc 2 "$WSFAULT" run --url wss://127.0.0.1:1/ --ca /no/such/ca.pem echo.wsf
assert_contains out.txt "wsfault: --ca /no/such/ca.pem: cannot load its certificates"
expect_rc 2 "$WSFAULT" run --url wss://127.0.0.1:1/ --ca tls/cert.pem --insecure echo.wsf
assert_contains out.txt "not both"
echo "ok: wss:// with --ca, a target file's ca, --insecure; verification failures are errors"
