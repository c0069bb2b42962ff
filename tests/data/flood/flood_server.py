#!/usr/bin/python3 -u
"""flood_server: a WebSocket server that plays one hostile trick per run.

For wsfault's flood test (tests/e2e/flood.sh): whatever a server sends,
wsfault's memory, its results file and its report must stay bounded, and
every scenario must get a verdict. Standard library only.

Modes (--mode), each per connection:
  close-flood        a correct handshake, then Close frames without end
  empty-frame-flood  a correct handshake, then empty binary frames without end
  tiny-frames        a correct handshake, then 1-byte text frames, ~20,000/s
  huge-length        a correct handshake, then a frame declaring 2^63-1 bytes
  endless-headers    "HTTP/1.1 101" and then header lines without end
  garbage            random bytes instead of an HTTP response, without end
  silent             reads the request, never answers
  rst-in-handshake   reads the request, answers with a TCP reset
  wrong-accept       a 101 with a wrong Sec-WebSocket-Accept, then echoes
  2gib-message       a correct handshake, then a binary frame declaring 2 GiB,
                     its payload streamed as fast as the socket takes it
  log-flood          a correct echo server that prints log lines without end

It prints "flood: listening on PORT" when ready and exits quietly on SIGTERM.

Usage: flood_server.py --port N --mode MODE [--host 127.0.0.1]
"""

import argparse
import base64
import hashlib
import os
import signal
import socket
import struct
import sys
import threading
import time

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
MODES = ["close-flood", "empty-frame-flood", "tiny-frames", "huge-length", "endless-headers",
         "garbage", "silent", "rst-in-handshake", "wrong-accept", "2gib-message", "log-flood"]


def read_request(sock):
    """The request head, or None when the client went away."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            return None
        data += chunk
    return data


def accept_key(head):
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"sec-websocket-key":
            digest = hashlib.sha1(value.strip() + GUID).digest()
            return base64.b64encode(digest)
    return b""


def response(key):
    return (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + key + b"\r\n\r\n")


def frame(opcode, payload):
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, n)
    elif n < 65536:
        head = struct.pack("!BBH", 0x80 | opcode, 126, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 127, n)
    return head + payload


def forever(sock, data):
    """Sends data again and again, in big writes, until the client goes."""
    block = data * max(1, 65536 // len(data))
    while True:
        sock.sendall(block)


def echo(sock):
    """Answers a Close with a Close and drops everything else."""
    buf = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return
        buf += chunk
        while len(buf) >= 2:
            op, n = buf[0] & 0x0F, buf[1] & 0x7F
            pos = 2
            if n == 126:
                if len(buf) < 4:
                    break
                n, pos = struct.unpack("!H", buf[2:4])[0], 4
            elif n == 127:
                if len(buf) < 10:
                    break
                n, pos = struct.unpack("!Q", buf[2:10])[0], 10
            masked = buf[1] & 0x80
            end = pos + (4 if masked else 0) + n
            if len(buf) < end:
                break
            payload = buf[end - n:end]
            if masked:
                mask = buf[pos:pos + 4]
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            buf = buf[end:]
            if op == 8:
                sock.sendall(frame(8, payload[:2]))
                return


def serve(sock, mode):
    head = read_request(sock)
    if head is None:
        return
    key = accept_key(head)
    if mode == "silent":
        while sock.recv(4096):
            pass
        return
    if mode == "rst-in-handshake":
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        return
    if mode == "endless-headers":
        sock.sendall(b"HTTP/1.1 101 Switching Protocols\r\n")
        forever(sock, b"X-Endless: " + b"h" * 100 + b"\r\n")
    if mode == "garbage":
        forever(sock, os.urandom(65536))
    if mode == "wrong-accept":
        sock.sendall(response(base64.b64encode(b"\0" * 20)))
        echo(sock)
        return
    sock.sendall(response(key))
    if mode == "close-flood":
        forever(sock, frame(8, struct.pack("!H", 1000)))
    if mode == "empty-frame-flood":
        forever(sock, frame(2, b""))
    if mode == "tiny-frames":
        burst = frame(1, b"x") * 200
        while True:
            sock.sendall(burst)
            time.sleep(0.01)
    if mode == "huge-length":
        sock.sendall(struct.pack("!BBQ", 0x82, 127, (1 << 63) - 1) + b"\0" * 65536)
        echo(sock)
        return
    if mode == "2gib-message":
        sock.sendall(struct.pack("!BBQ", 0x82, 127, 2 << 30))
        zeros = b"\0" * (1 << 20)
        for _ in range(2048):
            sock.sendall(zeros)
        echo(sock)
        return
    if mode == "log-flood":
        threading.Thread(target=log_forever, daemon=True).start()
        echo(sock)


def log_forever():
    line = b"flood: a log line without end " + b"l" * 60 + b"\n"
    block = line * 100
    while True:
        os.write(2, block)


def handle(sock, mode):
    try:
        serve(sock, mode)
    except OSError:
        pass
    finally:
        sock.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--mode", choices=MODES, required=True)
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    signal.signal(signal.SIGINT, lambda *_: os._exit(0))
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((args.host, args.port))
    ls.listen(128)
    sys.stderr.write("flood: listening on %d\n" % args.port)
    sys.stderr.flush()
    while True:
        conn, _ = ls.accept()
        threading.Thread(target=handle, args=(conn, args.mode), daemon=True).start()


if __name__ == "__main__":
    main()
