# The TLS faults against lws-echo in its TLS mode, each on the timeline and
# in the capture: close_notify without a WebSocket Close; a truncated record
# then FIN or RST; a stall mid-record, then the rest; RST and half-close of
# the TCP socket under TLS. A target that ends its TLS stream with
# close_notify and holds TCP open (a Python server here) has that taken for
# its FIN, and the wire's FIN checks say "not judged: TLS". On a ws://
# connection a tls step is an error with its line.
source "$(dirname "$0")/lib.sh"
SERVER_PID=
trap '[ -z "$SERVER_PID" ] || kill "$SERVER_PID" 2>/dev/null; rm -rf "$WORK"' EXIT
make_cert tls
export WSF_TLS_DIR=$WORK/tls

cat >notify.wsf <<'WSF'
scenario "close_notify without a Close"
connect
handshake
tls close-notify
expect tcp closed within 2s
expect target alive
WSF
cat >truncate.wsf <<'WSF'
scenario "a truncated record, then the end of TCP"
with END in half-close rst
connect
handshake
tls truncate
send text "hello"
expect no frame for 200ms
${END}
expect socket released within 2s
expect target alive
WSF
cat >stall.wsf <<'WSF'
scenario "a stall mid-record"
connect
handshake
tls stall
send text "hello"
expect no frame for 300ms
resume write
expect text "hello" within 1s
send close 1000
expect close within 1s
expect tcp closed within 2s
WSF
cat >tcp.wsf <<'WSF'
scenario "RST and half-close of the socket under TLS"
with END in rst half-close
connect
handshake
send text "x"
expect text "x" within 1s
${END}
expect socket released within 2s
expect target alive
WSF

expect_rc 0 "$WSFAULT" run --target "$SRC/targets/lws-echo-tls.target" --ca tls/cert.pem -j1 \
  -o r.json notify.wsf truncate.wsf stall.wsf tcp.wsf
assert_contains out.txt "6 passed, 0 failed, 0 errors"
[ "$(json 'd["scenarios"][0]["pcap"] is not None' r.json)" = "True" ] ||
  fail "no capture: the wire cannot be checked here"

# On the timeline, the fault; on the wire, what it let through: the peer's
# data segments after it, as the fault's own figures say.
cat >wire.py <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1]))
def after(s, what):
    """The fault event, and the peer's data segments after it (until its FIN/RST)."""
    ev = s["timeline"]
    i = next(k for k, e in enumerate(ev) if e["what"] == what)
    data = []
    for e in ev[i + 1:]:
        if e["kind"] == "wire" and e.get("dir") == "peer>target":
            if e["what"] == "data":
                data.append(int(re.search(r"(\d+) bytes", e["detail"]).group(1)))
            elif e["what"] in ("FIN", "RST"):
                break
        if e["kind"] == "step" and e["what"] == "end":
            break
    return ev[i]["detail"], data
for s in d["scenarios"]:
    f, case = s["file"], s.get("case")
    if f.endswith("notify.wsf"):
        det, data = after(s, "tls-close-notify")
        # One alert record (TLS 1.3: 5 + 2 + 1 + 16 bytes), and no Close frame.
        assert data[:1] == [24], (f, data)
        assert not any(e["kind"] == "frame" and e.get("dir") == "peer>target"
                       and e["what"] == "close" for e in s["timeline"]), "a Close was sent"
    elif f.endswith("truncate.wsf"):
        det, data = after(s, "tls-truncate")
        sent, total = map(int, re.match(r"(\d+) of the (\d+) bytes", det).groups())
        assert sent < total and data == [sent], (case, det, data)
        ends = [e["what"] for e in s["timeline"] if e["kind"] == "wire"
                and e.get("dir") == "peer>target" and e["what"] in ("FIN", "RST")]
        assert ends[:1] == [{"half-close": "FIN", "rst": "RST"}[case]], (case, ends)
    elif f.endswith("stall.wsf"):
        det, data = after(s, "tls-stall")
        sent, total, held = map(int, re.match(r"(\d+) of the (\d+) bytes.*\((\d+) bytes held", det).groups())
        # Part of the record, then after 'resume write' the rest of it.
        assert data[:2] == [sent, held] and sent + held == total, (det, data)
    elif f.endswith("tcp.wsf"):
        ends = [e["what"] for e in s["timeline"] if e["kind"] == "wire"
                and e.get("dir") == "peer>target" and e["what"] in ("FIN", "RST")]
        assert ends[:1] == [{"half-close": "FIN", "rst": "RST"}[case]], (case, ends)
    assert any(e["what"] == "tls" for e in s["timeline"]), (f, "no TLS handshake")
print("wire ok")
PY
python3 wire.py r.json || fail "the capture does not show the TLS faults as expected"

# On ws:// a tls step is an error at its line.
expect_rc 1 "$WSFAULT" run --target "$SRC/targets/lws-echo.target" --no-capture notify.wsf
assert_contains out.txt "error: line 4: 'tls close-notify' needs a wss:// connection, and this one is ws://"
# A tls step with another word is a parse error (exit 2).
printf 'scenario "x"\nconnect\ntls nonsense\n' >bad.wsf
expect_rc 2 "$WSFAULT" run --target "$SRC/targets/lws-echo.target" bad.wsf
assert_contains out.txt "bad.wsf:3:5: expected 'close-notify', 'truncate' or 'stall' after 'tls'"

# A TLS server that ends its stream with close_notify after its Close, and
# then waits for the client's close_notify before any FIN.
cat >server.py <<'PY'
import base64, hashlib, socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[1] + "/cert.pem", sys.argv[1] + "/key.pem")
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 0))
ls.listen()
print(ls.getsockname()[1], flush=True)
while True:
    c, _ = ls.accept()
    try:
        t = ctx.wrap_socket(c, server_side=True)
        req = b""
        while b"\r\n\r\n" not in req:
            req += t.recv(4096)
        key = [l.split(b":", 1)[1].strip() for l in req.split(b"\r\n") if l.lower().startswith(b"sec-websocket-key:")][0]
        acc = base64.b64encode(hashlib.sha1(key + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest())
        t.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  b"Sec-WebSocket-Accept: " + acc + b"\r\n\r\n")
        t.sendall(b"\x88\x02\x03\xe8")  # Close 1000
        t.unwrap()  # close_notify, then wait for the client's
    except (OSError, ssl.SSLError):
        pass
    c.close()
PY
python3 server.py tls >port.txt 2>server.err &
SERVER_PID=$!
for _ in $(seq 100); do [ -s port.txt ] && break; sleep 0.05; done
port=$(cat port.txt)
[ -n "$port" ] || fail "the Python TLS server did not start"
cat >notify-in.wsf <<'WSF'
scenario "the target's close_notify is its end"
connect
handshake
expect close within 1s
expect tcp fin within 1s
should wire fin from target within 300ms
should wire fin first by target
WSF
expect_rc 0 "$WSFAULT" run --url "wss://127.0.0.1:$port/" --ca tls/cert.pem -o n.json notify-in.wsf
assert_contains out.txt "1 passed, 0 failed"
assert_contains out.txt "not judged: TLS: no FIN, but the target ended its stream with close_notify"
assert_contains out.txt "not judged: TLS: the target ended its stream with close_notify at"
[ "$(json '[e["what"] for e in d["scenarios"][0]["timeline"] if e["what"]=="close-notify"]' n.json)" \
  = "['close-notify']" ] || fail "no close-notify on the timeline"
[ "$(json '[k["result"] for k in d["scenarios"][0]["checks"]][-2:]' n.json)" = "['skipped', 'skipped']" ] ||
  fail "the wire FIN checks were not skipped"
echo "ok: TLS faults on the timeline and the wire; a target's close_notify taken for its FIN"
