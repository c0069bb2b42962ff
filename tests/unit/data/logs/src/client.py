"""Raw clients that misbehave: bad upgrade, handshake then RST, handshake then
text then RST."""
import base64, os, socket, struct, sys, time

def connect(port):
    return socket.create_connection(("127.0.0.1", port))

def handshake(s, path="/"):
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
               f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
               "Sec-WebSocket-Version: 13\r\n\r\n").encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = s.recv(4096)
        if not d: break
        buf += d
    return buf

def rst(s):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()

def text(s, payload):
    mask = os.urandom(4)
    data = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    s.sendall(bytes([0x81, 0x80 | len(payload)]) + mask + data)

def main():
    port, what = int(sys.argv[1]), sys.argv[2]
    path = sys.argv[3] if len(sys.argv) > 3 else "/"
    s = connect(port)
    if what == "bad-upgrade":
        s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
        time.sleep(0.3)
        s.close()
    elif what == "bad-extension":
        key = base64.b64encode(os.urandom(16)).decode()
        s.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                   f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                   "Sec-WebSocket-Version: 13\r\n"
                   "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=99\r\n\r\n").encode())
        time.sleep(0.3)
        s.close()
    elif what == "garbage":
        s.sendall(b"\x16\x03\x01 not http at all\r\n\r\n")
        time.sleep(0.3)
        s.close()
    elif what == "bad-opcode":
        handshake(s, path)
        s.sendall(bytes([0x83, 0x80]) + os.urandom(4))
        time.sleep(0.3)
        s.close()
    elif what == "reset":
        handshake(s, path)
        time.sleep(0.1)
        rst(s)
    elif what == "text-reset":
        handshake(s, path)
        text(s, sys.argv[4].encode() if len(sys.argv) > 4 else b"boom")
        time.sleep(0.1)
        rst(s)
    time.sleep(0.5)

main()
