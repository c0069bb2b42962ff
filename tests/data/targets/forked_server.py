#!/usr/bin/python3 -u
"""forked_server: the server behind tests/data/targets/launcher.sh.

For wsfault's e2e test of a target made of several processes
(tests/e2e/whole-target.sh). A small WebSocket server on plain sockets
(standard library only) that listens on two ports and, on request, changes
what only a look at its own process shows:

  text "open-fds"  opens 50 fds (of /dev/null) and keeps them; replies "opened 50"
  text "alloc"     allocates 64 MiB and touches every page; replies "allocated"
  text "ports"     logs "server: port P, port2 Q, port2 claimed: yes|no"
                   (claimed: wsfault holds its abstract socket wsfault/port/Q);
                   replies "ports"
  text "keep"      replies "kept", then neither reads nor closes the connection
                   again: a client's FIN leaves it in CLOSE_WAIT, held by this process
  anything else    is echoed

A Close is answered with the same code, then TCP is closed. SIGUSR1 is
logged ("server: got SIGUSR1"); SIGTERM ends it quietly.

Usage: forked_server.py --port N --port2 M
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
kept = []  # what "open-fds" and "alloc" keep alive


def log(text):
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def recv_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def send_frame(sock, opcode, payload):
    head = bytes([0x80 | opcode])
    n = len(payload)
    if n < 126:
        head += bytes([n])
    elif n < 65536:
        head += bytes([126]) + struct.pack("!H", n)
    else:
        head += bytes([127]) + struct.pack("!Q", n)
    sock.sendall(head + payload)


def claimed(port):
    """Whether some process holds wsfault's claim on port."""
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.bind(b"\0wsfault/port/%d" % port)
        return False
    except OSError:
        return True
    finally:
        probe.close()


def answer(text, args):
    if text == "open-fds":
        kept.extend(os.open("/dev/null", os.O_RDONLY) for _ in range(50))
        return "opened 50"
    if text == "alloc":
        kept.append(bytearray(b"\x01") * (64 << 20))
        return "allocated"
    if text == "ports":
        yes = "yes" if claimed(args.port2) else "no"
        log("server: port %d, port2 %d, port2 claimed: %s" % (args.port, args.port2, yes))
        return "ports"
    return text


def serve(conn, args):
    with conn:
        request = b""
        while b"\r\n\r\n" not in request:
            chunk = conn.recv(4096)
            if not chunk:
                return
            request += chunk
        key = b""
        for line in request.split(b"\r\n"):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"sec-websocket-key":
                key = value.strip()
        accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
        conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                     b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n")
        try:
            while True:
                b0, b1 = recv_exact(conn, 2)
                n = b1 & 0x7F
                if n == 126:
                    n = struct.unpack("!H", recv_exact(conn, 2))[0]
                elif n == 127:
                    n = struct.unpack("!Q", recv_exact(conn, 8))[0]
                mask = recv_exact(conn, 4) if b1 & 0x80 else b"\0\0\0\0"
                payload = bytes(c ^ mask[i % 4] for i, c in enumerate(recv_exact(conn, n)))
                opcode = b0 & 0x0F
                if opcode == 0x8:
                    send_frame(conn, 0x8, payload[:2])
                    return
                if opcode == 0x9:
                    send_frame(conn, 0xA, payload)
                elif opcode == 0x1 and payload == b"keep":
                    send_frame(conn, 0x1, b"kept")
                    threading.Event().wait()
                elif opcode == 0x1:
                    send_frame(conn, 0x1, answer(payload.decode(), args).encode())
                elif opcode == 0x2:
                    send_frame(conn, 0x2, payload)
        except (EOFError, OSError):
            return


def listener(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(16)
    return s


def accept_loop(s, args):
    while True:
        conn, _ = s.accept()
        threading.Thread(target=serve, args=(conn, args), daemon=True).start()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--port2", type=int, required=True)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    signal.signal(signal.SIGUSR1, lambda *_: log("server: got SIGUSR1"))
    main_socket, second = listener(args.port), listener(args.port2)
    threading.Thread(target=accept_loop, args=(second, args), daemon=True).start()
    log("server: listening on %d and %d" % (args.port, args.port2))
    accept_loop(main_socket, args)


if __name__ == "__main__":
    main()
