# A frame over the peer's 16 MiB limit stops reading at once: the failing
# expectation names that cause and when it happened, not "no frame within
# 1s" (it failed microseconds after the step, not after its second).
source "$(dirname "$0")/lib.sh"

# A server that completes the handshake, then announces a frame of 2^63-1
# bytes. Its port is the one it bound, printed once it listens.
python3 -u - >server.out 2>&1 <<'PY' &
import base64, hashlib, socket, struct
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(8)
print(s.getsockname()[1], flush=True)
while True:
    c, _ = s.accept()
    data = b""
    while b"\r\n\r\n" not in data:
        more = c.recv(4096)
        if not more:
            break
        data += more
    key = [l.split(b":", 1)[1].strip() for l in data.split(b"\r\n")
           if l.lower().startswith(b"sec-websocket-key:")]
    if not key:
        c.close()
        continue
    accept = base64.b64encode(hashlib.sha1(key[0] + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest())
    c.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
              b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n")
    c.sendall(b"\x82\x7f" + struct.pack(">Q", 2**63 - 1) + b"x" * 64)
PY
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$WORK"' EXIT
for _ in $(seq 50); do [ -s server.out ] && break; sleep 0.1; done
port=$(head -n 1 server.out)

printf 'scenario "oversized"\nconnect\nhandshake\nexpect binary within 5s\n' >big.wsf
start=$(date +%s)
expect_rc 1 "$WSFAULT" run --url "ws://127.0.0.1:$port/" --no-capture --results r.json big.wsf
[ $(($(date +%s) - start)) -lt 4 ] || fail "the expectation waited for its whole time"
assert_contains out.txt "actual:   no frame: the target sent a frame over 16777216 bytes (too-big): the peer stopped reading at +"
! grep -q "no frame within" out.txt || fail "the failure says no frame came within the time"
echo "ok: the oversized frame is named as the cause"
