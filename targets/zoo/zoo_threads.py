#!/usr/bin/python3 -u
"""zoo-threads: a WebSocket echo server on threads and blocking sockets.

A correct server for wsfault's bug zoo (target drop-correct) that makes the
choices RFC 6455 leaves open differently from the other zoo servers. Each
connection is a thread of a socketserver.ThreadingTCPServer that reads with
blocking recv() and writes with blocking sendall(); no WebSocket library.

What it does, and the choice it makes where the RFC allows more than one:

- The opening handshake is validated (GET, HTTP/1.1, Host, Upgrade: websocket,
  Connection: Upgrade, a 16-byte Sec-WebSocket-Key, version 13) and answered
  with 400 (426 for another version) when it is wrong. The whole request must
  arrive within HANDSHAKE_TIMEOUT.
- A protocol error (an unmasked frame, RSV bits, a reserved opcode, a control
  frame that is fragmented or over 125 bytes, a continuation out of place,
  text that is not UTF-8) fails the connection by dropping TCP at once, with
  no Close frame. RFC 6455 7.1.7 makes the Close frame before it a SHOULD
  ("the endpoint SHOULD send a Close frame with an appropriate status
  code"); closing TCP is the MUST.
- A Close frame from the client is always answered with a Close, then TCP is
  closed at once (5.5.1: "the endpoint MUST send a Close frame in response").
  When the Close itself is malformed (one byte, a code 7.4 does not allow, a
  reason that is not UTF-8) the answer is 1002, the code for a protocol
  error, also for a bad reason (8.1 says only "Fail the WebSocket
  Connection"; 1007 would fit as well). An empty Close is answered with 1000.
  Codes 1012-1014 are valid: IANA registered them after RFC 6455. Codes from
  5000 up are not defined by 7.4 at all; such a Close is taken as a normal
  close and answered with 1000.
- Messages are reassembled and echoed whole, as one frame; text is checked as
  UTF-8 fragment by fragment, so a bad byte fails the connection as soon as
  it arrives. A message over MAX_MESSAGE gets Close 1009.
- A Ping is answered with a Pong carrying its payload.
- Backpressure comes with the style: the thread that reads a client is the
  one that echoes to it, so while sendall() is blocked behind a client that
  does not read, nothing more is read from that client. At most one message
  is held in memory per connection.
- A client's FIN ends the connection at once (a half-closed client can never
  send its Close).
- SIGTERM or SIGINT: Close 1001 to every open connection, up to
  CLOSE_TIMEOUT for their replies, the rest dropped, exit 0.

Usage: zoo_threads.py --port N [--host 127.0.0.1]
"""

import argparse
import base64
import codecs
import hashlib
import signal
import socket
import socketserver
import struct
import sys
import threading
import time

NAME = "zoo-threads"

HANDSHAKE_TIMEOUT = 5.0  # seconds for the whole upgrade request
CLOSE_TIMEOUT = 1.0  # seconds for the client's answer to our Close
MAX_REQUEST = 8192  # bytes of request line and headers
MAX_MESSAGE = 4 * 1024 * 1024  # bytes of one reassembled message
WRITE_LOCK_WAIT = 0.5  # shutdown: how long to wait for a blocked writer

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

CONTINUATION, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA

# XOR_BY[k] maps every byte b to b ^ k: unmasking is then four
# bytes.translate() calls over strided slices instead of a Python loop.
XOR_BY = [bytes(b ^ k for b in range(256)) for k in range(256)]


def log(text):
    sys.stderr.write(f"{NAME}: {text}\n")
    sys.stderr.flush()


def close_code_allowed(code):
    """May a client send this code (RFC 6455 7.4.1, 7.4.2, IANA registry)?"""
    if code in (1000, 1001, 1002, 1003):
        return True
    if 1007 <= code <= 1014:  # 1012-1014 registered by IANA since the RFC
        return True
    return 3000 <= code <= 4999


def unmask(key, data):
    out = bytearray(len(data))
    for i in range(4):
        out[i::4] = data[i::4].translate(XOR_BY[key[i]])
    return bytes(out)


def frame(opcode, payload=b""):
    """A whole server frame (FIN set, never masked)."""
    n = len(payload)
    if n <= 125:
        head = bytes((0x80 | opcode, n))
    elif n <= 0xFFFF:
        head = bytes((0x80 | opcode, 126)) + struct.pack(">H", n)
    else:
        head = bytes((0x80 | opcode, 127)) + struct.pack(">Q", n)
    return head + payload


def close_frame(code):
    return frame(CLOSE, struct.pack(">H", code))


class Dropped(Exception):
    """A protocol error: the connection is dropped with no Close frame."""


class TooBig(Exception):
    """A message over MAX_MESSAGE: Close 1009."""


class Gone(Exception):
    """The client closed TCP (FIN); the string says at what point."""


class Connection:
    """One client: its socket, its state and the lock its writers share."""

    def __init__(self, sock, number):
        self.sock = sock
        self.number = number
        self.inbox = bytearray()  # bytes received and not yet parsed
        self.write_lock = threading.Lock()
        self.close_sent = False  # no frame may follow our Close
        self.open = False  # the handshake is done
        self.dropped = False  # the main thread shut the socket down
        self.done = threading.Event()  # the thread has let go of the socket

    def say(self, text):
        log(f"conn {self.number}: {text}")

    # --- reading ---------------------------------------------------------

    def fill(self, want, where):
        """Read until the inbox holds at least want bytes."""
        while len(self.inbox) < want:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise Gone(where)
            self.inbox += chunk

    def take(self, n, where):
        self.fill(n, where)
        data = bytes(self.inbox[:n])
        del self.inbox[:n]
        return data

    # --- writing ---------------------------------------------------------

    def send(self, data, closing=False):
        """Send bytes unless our Close went out first; closing marks a Close."""
        with self.write_lock:
            if self.close_sent:
                return False
            if closing:
                self.close_sent = True
            self.sock.sendall(data)
            return True

    def going_away(self):
        """Shutdown: Close 1001 from the main thread."""
        if not self.open:
            self.drop_now()
            return
        if not self.write_lock.acquire(timeout=WRITE_LOCK_WAIT):
            # The connection's thread is stuck in sendall() behind a client
            # that does not read; a Close could not reach it anyway.
            self.say("not reading, no room for a Close 1001: dropping")
            self.drop_now()
            return
        try:
            if not self.close_sent:
                self.close_sent = True
                self.say("going away: sending Close 1001")
                self.sock.sendall(close_frame(1001))
        except OSError as e:
            self.say(f"could not send Close 1001: {e.strerror or e}")
        finally:
            self.write_lock.release()

    def drop_now(self):
        """Wake the connection's thread by shutting the socket down."""
        self.dropped = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # already gone

    # --- the connection's thread -----------------------------------------

    def serve(self):
        try:
            if self.handshake():
                self.open = True
                self.messages()
        except Dropped as e:
            self.say(f"protocol error, dropping the connection: {e}")
        except TooBig as e:
            self.say(f"{e}: sending Close 1009")
            self.close_and_wait(1009)
        except Gone as e:
            self.say("dropped" if self.dropped else f"the client closed TCP {e}")
        except socket.timeout:
            self.say("the client did not answer our Close in time")
        except OSError as e:
            self.say("dropped" if self.dropped else f"lost: {e.strerror or e}")
        finally:
            self.sock.close()
            self.done.set()

    def close_and_wait(self, code):
        """Our own Close: wait a while for the client's, then close TCP."""
        try:
            if self.send(close_frame(code), closing=True):
                self.sock.settimeout(CLOSE_TIMEOUT)
                while self.next_frame(after_close=True) != CLOSE:
                    pass
                self.say(f"closed (code {code})")
        except (Dropped, Gone, socket.timeout, OSError) as e:
            self.say(f"closing handshake cut short: {e}")

    # --- opening handshake -----------------------------------------------

    def refuse(self, status, why, extra=""):
        self.say(f"handshake refused with {status}: {why}")
        body = why.encode() + b"\n"
        head = (f"HTTP/1.1 {status}\r\n{extra}Content-Type: text/plain\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n")
        self.sock.sendall(head.encode() + body)
        return False

    def handshake(self):
        deadline = time.monotonic() + HANDSHAKE_TIMEOUT
        while b"\r\n\r\n" not in self.inbox:
            if len(self.inbox) > MAX_REQUEST:
                return self.refuse("431 Request Header Fields Too Large", "request too large")
            left = deadline - time.monotonic()
            if left <= 0:
                self.say(f"no complete upgrade request in {HANDSHAKE_TIMEOUT:g}s: dropping")
                return False
            self.sock.settimeout(left)
            try:
                self.fill(len(self.inbox) + 1, "during the handshake")
            except socket.timeout:
                continue
        self.sock.settimeout(None)
        end = self.inbox.index(b"\r\n\r\n")
        head = self.inbox[:end].decode("latin-1")
        del self.inbox[:end + 4]

        request, *lines = head.split("\r\n")
        words = request.split(" ")
        if len(words) != 3:
            return self.refuse("400 Bad Request", "malformed request line")
        method, path, version = words
        if method != "GET":
            return self.refuse("400 Bad Request", f"method {method}")
        if version != "HTTP/1.1":
            return self.refuse("400 Bad Request", f"version {version}")
        fields = {}
        for line in lines:
            name, colon, value = line.partition(":")
            if not colon or not name or name.strip() != name:
                return self.refuse("400 Bad Request", "malformed header line")
            fields.setdefault(name.lower(), []).append(value.strip())

        def has_token(name, token):
            return any(t.strip().lower() == token
                       for v in fields.get(name, ()) for t in v.split(","))

        if "host" not in fields:
            return self.refuse("400 Bad Request", "no Host")
        if not has_token("upgrade", "websocket"):
            return self.refuse("400 Bad Request", "not an upgrade to websocket")
        if not has_token("connection", "upgrade"):
            return self.refuse("400 Bad Request", "no 'Connection: Upgrade'")
        if fields.get("sec-websocket-version") != ["13"]:
            return self.refuse("426 Upgrade Required", "version 13 only",
                               "Sec-WebSocket-Version: 13\r\n")
        key = fields.get("sec-websocket-key", [""])
        try:
            ok = len(key) == 1 and len(base64.b64decode(key[0], validate=True)) == 16
        except ValueError:
            ok = False
        if not ok:
            return self.refuse("400 Bad Request", "bad Sec-WebSocket-Key")
        accept = base64.b64encode(hashlib.sha1(key[0].encode() + GUID).digest()).decode()
        self.sock.sendall((
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n").encode())
        self.say(f"open {path}")
        return True

    # --- frames and messages -----------------------------------------------

    def read_frame(self):
        """One frame off the wire, checked and unmasked: (fin, opcode, payload)."""
        b0, b1 = self.take(2, "without a Close frame")
        fin, opcode, length = b0 >> 7, b0 & 0x0F, b1 & 0x7F
        if b0 & 0x70:
            raise Dropped("RSV bits set, no extension agreed")
        if opcode not in (CONTINUATION, TEXT, BINARY, CLOSE, PING, PONG):
            raise Dropped(f"reserved opcode {opcode}")
        if not b1 & 0x80:
            raise Dropped("unmasked client frame")
        if opcode >= CLOSE and (not fin or length > 125):
            raise Dropped("fragmented control frame" if not fin
                          else "control frame over 125 bytes")
        if length == 126:
            (length,) = struct.unpack(">H", self.take(2, "in a frame header"))
        elif length == 127:
            (length,) = struct.unpack(">Q", self.take(8, "in a frame header"))
            if length >> 63:
                raise Dropped("64-bit length with its top bit set")
        if length > MAX_MESSAGE:
            raise TooBig(f"a frame of {length} bytes")
        key = self.take(4, "in a frame header")
        return fin, opcode, unmask(key, self.take(length, "in the middle of a frame"))

    def next_frame(self, after_close=False):
        """Read frames until one that is not a Ping or a Pong; return its opcode.

        After our own Close only the client's Close matters: data is dropped.
        """
        while True:
            fin, opcode, payload = self.read_frame()
            if opcode == CLOSE:
                self.answer_close(payload)
                return CLOSE
            if opcode == PING:
                self.send(frame(PONG, payload))
            elif opcode != PONG:
                if after_close:
                    continue
                return fin, opcode, payload

    def messages(self):
        """Reassemble messages and echo each one whole."""
        while True:
            got = self.next_frame()
            if got == CLOSE:
                return
            fin, opcode, payload = got
            if opcode == CONTINUATION:
                raise Dropped("continuation frame outside a message")
            kind, parts, size = opcode, [payload], len(payload)
            utf8 = codecs.getincrementaldecoder("utf-8")() if kind == TEXT else None
            while True:
                if utf8 is not None:
                    try:
                        utf8.decode(payload, final=bool(fin))
                    except UnicodeDecodeError:
                        raise Dropped("text that is not UTF-8") from None
                if fin:
                    break
                got = self.next_frame()
                if got == CLOSE:
                    return  # the client closed in the middle of a message
                fin, opcode, payload = got
                if opcode != CONTINUATION:
                    raise Dropped("a new message before the last one ended")
                size += len(payload)
                if size > MAX_MESSAGE:
                    raise TooBig(f"a message of more than {MAX_MESSAGE} bytes")
                parts.append(payload)
            self.send(frame(kind, b"".join(parts)))

    def answer_close(self, payload):
        """The client's Close: answer it (unless it answers ours)."""
        if len(payload) == 0:
            code, reply = None, 1000
        elif len(payload) == 1:
            code, reply = None, 1002
        else:
            (code,) = struct.unpack(">H", payload[:2])
            try:
                payload[2:].decode("utf-8")
                reason_ok = True
            except UnicodeDecodeError:
                reason_ok = False
            if code >= 5000:
                reply = 1000
            elif not close_code_allowed(code) or not reason_ok:
                reply = 1002
            else:
                reply = code
        what = "an empty Close" if code is None and not payload else \
            "a 1-byte Close" if code is None else f"Close {code}"
        if self.send(close_frame(reply), closing=True):
            self.say(f"{what} received, answered with {reply}; closing TCP")
        else:
            self.say(f"{what} received in answer to ours; closing TCP")


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    block_on_close = False

    def __init__(self, address):
        super().__init__(address, Handler)
        self.lock = threading.Lock()
        self.connections = set()
        self.count = 0

    def register(self, sock):
        with self.lock:
            self.count += 1
            conn = Connection(sock, self.count)
            self.connections.add(conn)
        return conn

    def forget(self, conn):
        with self.lock:
            self.connections.discard(conn)

    def open_connections(self):
        with self.lock:
            return list(self.connections)


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        conn = self.server.register(self.request)
        try:
            conn.serve()
        finally:
            self.server.forget(conn)

    def finish(self):
        pass  # serve() closed the socket; socketserver's shutdown is not needed


def shut_down(server):
    """Close 1001 to everyone, wait for the answers, drop the rest."""
    server.shutdown()  # no more accept()s
    server.server_close()
    conns = server.open_connections()
    log(f"shutting down: closing {len(conns)} connection(s) with 1001")
    for conn in conns:
        conn.going_away()
    deadline = time.monotonic() + CLOSE_TIMEOUT
    for conn in conns:
        if not conn.done.wait(max(0.0, deadline - time.monotonic())):
            conn.say(f"no Close in answer to 1001 after {CLOSE_TIMEOUT:g}s: dropping")
            conn.drop_now()
    for conn in conns:
        conn.done.wait(1.0)
    log("stopped")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--host", default="127.0.0.1")
    args = ap.parse_args()

    # The signals are taken by sigwait() in the main thread; blocked before
    # any thread starts, so that every thread inherits the mask.
    signals = {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, signals)
    try:
        server = Server((args.host, args.port))
    except OSError as e:
        log(f"cannot listen on {args.host}:{args.port}: {e.strerror or e}")
        return 1
    threading.Thread(target=server.serve_forever, args=(0.2,), daemon=True).start()
    host, port = server.server_address[:2]
    log(f"listening on {host}:{port}")
    got = signal.sigwait(signals)
    log(f"{signal.Signals(got).name} received")
    shut_down(server)
    return 0


if __name__ == "__main__":
    sys.exit(main())
