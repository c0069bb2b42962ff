#!/usr/bin/python3 -u
"""hostile_server: a WebSocket server whose every word is an attack on the report.

For wsfault's hostile end-to-end test (tests/e2e/hostile.sh). The protocol is
done correctly, by hand, on plain sockets (standard library only); what it
says is not: markup, CDATA ends, NUL bytes and invalid UTF-8 in

  - the handshake response: a reason phrase with <script> and quotes after
    "101", and an extra header X-Hostile with <script>alert(1)</script>,
    double and single quotes and ]]>;
  - its log lines (raw bytes on stderr): <script>alert("log")</script>, ]]>,
    a NUL byte, invalid UTF-8 (ff fe, c3 28), an ANSI escape;
  - its Close reply to the peer's Close: code 1000 and a reason with
    <script>, quotes, ]]>, a NUL and an invalid byte (0xff).

It prints "hostile: listening on PORT" when ready and dies quietly on SIGTERM
or SIGINT (no traceback: a traceback would be an alarm).

Usage: hostile_server.py --port N [--host 127.0.0.1]
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

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

# What the test looks for; keep in step with tests/e2e/hostile.sh.
RESPONSE_REASON = b"Switching Protocols <script>alert(2)</script>\"']]>"
HOSTILE_HEADER = b"X-Hostile: <script>alert(1)</script> \"dq\" 'sq' ]]> &amp; end"
LOG_LINES = [
    b'hostile: <script>alert("log")</script> ]]> & <img src=x onerror=alert(3)> end-markup',
    b"hostile: nul here:\x00after-nul-log <b>bold</b>",
    b"hostile: invalid utf8 \xff\xfe and \xc3\x28 end-invalid \x1b[31mred\x1b[0m",
]
# 1000, then at most 123 bytes of reason.
CLOSE_REASON = b"<script>alert('close')</script>\"q\" ]]>\x00after-nul-reason\xff end"
assert len(CLOSE_REASON) <= 123

out_lock = threading.Lock()


def log(raw):
    """One line of raw bytes on stderr, at once."""
    with out_lock:
        sys.stderr.buffer.write(raw + b"\n")
        sys.stderr.buffer.flush()


def recv_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("EOF")
        data += chunk
    return data


def read_frame(sock):
    """(opcode, payload) of the next client frame, unmasked."""
    b0, b1 = recv_exact(sock, 2)
    opcode = b0 & 0x0F
    length = b1 & 0x7F
    if length == 126:
        (length,) = struct.unpack("!H", recv_exact(sock, 2))
    elif length == 127:
        (length,) = struct.unpack("!Q", recv_exact(sock, 8))
    mask = recv_exact(sock, 4) if b1 & 0x80 else b"\0\0\0\0"
    payload = bytearray(recv_exact(sock, length))
    for i in range(length):
        payload[i] ^= mask[i % 4]
    return opcode, bytes(payload)


def frame(opcode, payload):
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, n)
    elif n < 65536:
        head = struct.pack("!BBH", 0x80 | opcode, 126, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 127, n)
    return head + payload


def handshake(sock):
    """Reads the request head, answers 101; False when it is not an upgrade."""
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(4096)
        if not chunk:
            return False
        head += chunk
        if len(head) > 65536:
            return False
    key = None
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"sec-websocket-key":
            key = value.strip()
    if key is None:
        sock.sendall(b"HTTP/1.1 400 Bad <script>alert(4)</script>\r\nContent-Length: 0\r\n\r\n")
        return False
    accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
    sock.sendall(
        b"HTTP/1.1 101 " + RESPONSE_REASON + b"\r\n"
        b"Upgrade: websocket\r\n"
        b"Connection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: " + accept + b"\r\n" + HOSTILE_HEADER + b"\r\n\r\n"
    )
    return True


def serve(sock, conn):
    try:
        if not handshake(sock):
            return
        log(b"hostile: conn %d open" % conn)
        for line in LOG_LINES:
            log(line)
        while True:
            opcode, payload = read_frame(sock)
            if opcode == 0x8:
                # The peer's own reason, raw, into the log as well.
                log(b"hostile: conn %d close received <" % conn + payload[2:] + b">")
                sock.sendall(frame(0x8, struct.pack("!H", 1000) + CLOSE_REASON))
                sock.shutdown(socket.SHUT_WR)
                log(b"hostile: conn %d closed" % conn)
                return
            if opcode == 0x9:
                sock.sendall(frame(0xA, payload))
            elif opcode in (0x1, 0x2):
                sock.sendall(frame(opcode, payload))
    except (OSError, ValueError):
        log(b"hostile: conn %d ended without a Close" % conn)
    finally:
        try:
            sock.close()
        except OSError:
            pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--host", default="127.0.0.1")
    args = ap.parse_args()

    def bye(signum, _frame):
        os._exit(0)

    signal.signal(signal.SIGTERM, bye)
    signal.signal(signal.SIGINT, bye)

    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((args.host, args.port))
    srv.listen(16)
    log(b"hostile: listening on %d" % args.port)
    conn = 0
    while True:
        sock, _ = srv.accept()
        conn += 1
        threading.Thread(target=serve, args=(sock, conn), daemon=True).start()


if __name__ == "__main__":
    main()
