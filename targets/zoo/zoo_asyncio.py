#!/usr/bin/python3 -u
"""zoo-asyncio: a WebSocket echo server on raw asyncio, for wsfault's bug zoo.

RFC 6455 written from scratch on an asyncio.Protocol (no WebSocket library),
with careful close handling:

- the opening handshake is validated (GET, HTTP/1.1, Host, Upgrade: websocket,
  Connection: Upgrade, Sec-WebSocket-Version: 13, a key that is 16 bytes in
  base64) and must complete within 5 s;
- client frames must be masked, RSV bits clear, opcodes known, control frames
  at most 125 bytes and unfragmented, text UTF-8; any violation fails the
  connection: Close 1002 (1007 for bad UTF-8, 1009 for a frame over 16 MiB),
  then TCP is closed at once;
- text and binary frames are echoed one by one with their opcode and FIN
  bit, so a fragmented message comes back fragmented the same way; a Ping is
  answered by a Pong with its payload;
- a client's Close is validated (empty is fine; 1 byte, or a code that may not
  be sent, is 1002; a reason that is not UTF-8 is 1007), answered with the
  same code, and then the server closes TCP first;
- EOF or a reset from the client ends the connection at once;
- flow control: reading stops while more than HIGH_WATER bytes wait to be
  written to the client, and resumes below LOW_WATER;
- SIGTERM (or SIGINT) sends Close 1001 to every client, waits up to 1 s for
  their replies, closes what is left and exits 0.

It is correct except for the one defect chosen with --defect:

  none                   no defect.
  assert-on-rst-closing  as in python-websockets issue #1558 (AssertionError
                         in close_socket after a forced close): after
                         answering a client's Close, the server waits up to
                         200 ms for the client's FIN instead of closing TCP;
                         when the client resets the connection in that window
                         (or while the reply is being written), the close path
                         leaves the state machine in CLOSING and then asserts
                         it is CLOSED, so asyncio logs an AssertionError
                         traceback ("Exception in callback ...
                         _call_connection_lost"). The server keeps serving.
  task-exception         a fire-and-forget task: each connection's keepalive
                         task, which ends with the connection's exception when
                         the connection is lost abnormally, is created with
                         create_task() and never kept or awaited. When a
                         client resets, asyncio logs "Task exception was never
                         retrieved" with a ConnectionResetError traceback.

Usage: zoo_asyncio.py --port N [--host 127.0.0.1] [--defect NAME]
"""

import argparse
import asyncio
import base64
import codecs
import enum
import gc
import hashlib
import logging
import signal
import struct
import sys

NAME = "zoo-asyncio"
DEFECTS = ("none", "assert-on-rst-closing", "task-exception")

WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
HANDSHAKE_TIMEOUT = 5.0  # seconds for the whole upgrade request
MAX_REQUEST_BYTES = 8192  # request line and headers
MAX_FRAME_BYTES = 16 * 1024 * 1024  # larger frames get Close 1009
HIGH_WATER = 256 * 1024  # stop reading above this much unsent output
LOW_WATER = 64 * 1024  # and start again below this
KEEPALIVE_INTERVAL = 20.0  # seconds between keepalive pings
SHUTDOWN_CLOSE_WAIT = 1.0  # how long shutdown waits for Close replies
FIN_WAIT = 0.2  # assert-on-rst-closing: wait for the client's FIN

OP_CONT, OP_TEXT, OP_BINARY = 0x0, 0x1, 0x2
OP_CLOSE, OP_PING, OP_PONG = 0x8, 0x9, 0xA
KNOWN_OPCODES = (OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG)

# Codes a Close frame may carry (RFC 6455 7.4.1, 7.4.2 and the IANA registry);
# 1004-1006 and 1015 are reserved and must never be sent.
SENDABLE_CODES = frozenset((1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010,
                            1011, 1012, 1013, 1014))


def valid_close_code(code):
    return code in SENDABLE_CODES or 3000 <= code <= 4999


def log(msg):
    print(f"{NAME}: {msg}", file=sys.stderr, flush=True)


def unmask(data, key):
    """XOR data with the 4-byte masking key, a machine word at a time."""
    n = len(data)
    if n == 0:
        return b""
    mask = (key * (n // 4 + 1))[:n]
    return (int.from_bytes(data, "little") ^ int.from_bytes(mask, "little")).to_bytes(n, "little")


def frame_bytes(opcode, payload, fin=True):
    """A server frame: never masked."""
    b0 = (0x80 if fin else 0) | opcode
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", b0, n)
    elif n < 65536:
        head = struct.pack("!BBH", b0, 126, n)
    else:
        head = struct.pack("!BBQ", b0, 127, n)
    return head + payload


def describe(exc):
    """An OSError as '[Errno 104] Connection reset by peer'."""
    return str(exc) or type(exc).__name__


class State(enum.Enum):
    CONNECTING = 0  # reading the upgrade request
    OPEN = 1
    CLOSING = 2  # a Close was sent: ours, or our reply to the client's
    CLOSED = 3  # TCP is gone


class Failure(Exception):
    """The connection must be failed with this close code."""

    def __init__(self, code, why):
        super().__init__(why)
        self.code = code
        self.why = why


class Server:
    def __init__(self, defect):
        self.defect = defect
        self.conns = set()
        self.next_id = 1
        self.all_gone = None  # set by shutdown: a future done when conns is empty

    def new_conn(self):
        conn = Conn(self, self.next_id)
        self.next_id += 1
        return conn

    def forget(self, conn):
        self.conns.discard(conn)
        if not self.conns and self.all_gone is not None and not self.all_gone.done():
            self.all_gone.set_result(None)


class Conn(asyncio.Protocol):
    def __init__(self, server, conn_id):
        self.server = server
        self.defect = server.defect
        self.id = conn_id
        self.loop = asyncio.get_running_loop()
        self.transport = None
        self.state = State.CONNECTING
        self.request = bytearray()
        self.rx = bytearray()
        self.in_message = False  # a fragmented message is under way
        self.utf8 = None  # incremental decoder of the text message under way
        self.closing_initiated = False  # the Close in flight is ours (shutdown)
        self.close_code = None
        self.handshake_timer = None
        self.close_timer = None
        self.lost = None  # future: the exception that ended TCP, or None
        self.keepalive_task = None

    # --- asyncio.Protocol ------------------------------------------------

    def connection_made(self, transport):
        self.transport = transport
        transport.set_write_buffer_limits(high=HIGH_WATER, low=LOW_WATER)
        self.server.conns.add(self)
        self.lost = self.loop.create_future()
        self.handshake_timer = self.loop.call_later(HANDSHAKE_TIMEOUT, self._handshake_timeout)

    def data_received(self, data):
        if self.transport.is_closing():
            return
        if self.state is State.CONNECTING:
            self.request += data
            end = self.request.find(b"\r\n\r\n")
            if end < 0:
                if len(self.request) > MAX_REQUEST_BYTES:
                    self._reject(431, "Request Header Fields Too Large", "request too large")
                return
            head = bytes(self.request[:end])
            rest = bytes(self.request[end + 4:])
            self.request = bytearray()
            if not self._handshake(head):
                return
            data = rest
        self.rx += data
        try:
            self._process_frames()
        except Failure as f:
            self._fail(f.code, f.why)

    def eof_received(self):
        if self.state is State.CONNECTING:
            log(f"conn {self.id}: the client closed TCP during the handshake")
        elif self.state is State.OPEN:
            log(f"conn {self.id}: the client closed TCP without a Close frame")
        # In CLOSING this is the client's FIN we may be waiting for.
        return False  # asyncio closes our side (after flushing what is queued)

    def pause_writing(self):
        if not self.transport.is_closing():
            self.transport.pause_reading()

    def resume_writing(self):
        if not self.transport.is_closing():
            self.transport.resume_reading()

    def connection_lost(self, exc):
        for timer in (self.handshake_timer, self.close_timer):
            if timer is not None:
                timer.cancel()
        self.handshake_timer = self.close_timer = None
        was = self.state
        if exc is None:
            if was is State.CLOSING:
                log(f"conn {self.id}: closed"
                    + (f" (code {self.close_code})" if self.close_code is not None else ""))
            else:
                log(f"conn {self.id}: closed")
        elif was is State.CONNECTING:
            log(f"conn {self.id}: lost during the handshake: {describe(exc)}")
        elif was is State.CLOSING:
            log(f"conn {self.id}: lost during the closing handshake: {describe(exc)}")
        else:
            log(f"conn {self.id}: lost: {describe(exc)}")
        self.server.forget(self)
        if not self.lost.done():
            self.lost.set_result(exc)
        self.keepalive_task = None
        self.rx = bytearray()
        # Reference cycles through exception tracebacks would otherwise keep
        # finished objects around until the collector happens to run.
        self.loop.call_later(0.05, gc.collect)
        self._close_socket(exc)

    # --- the close path ----------------------------------------------------

    def _receive_eof(self, exc):
        """TCP is gone: move the state machine to CLOSED."""
        if (self.defect == "assert-on-rst-closing" and exc is not None
                and self.state is State.CLOSING):
            # DEFECT (assert-on-rst-closing), as in python-websockets #1558:
            # only an orderly end of the closing handshake (our Close sent,
            # the client's FIN received) is taken to finish it; a reset while
            # CLOSING leaves the state machine where it was.
            return
        self.state = State.CLOSED

    def _close_socket(self, exc):
        self._receive_eof(exc)
        assert self.state is State.CLOSED

    def _handshake_timeout(self):
        self.handshake_timer = None
        if self.state is State.CONNECTING and not self.transport.is_closing():
            log(f"conn {self.id}: no complete upgrade request after {HANDSHAKE_TIMEOUT:g}s: closing")
            self.transport.close()

    def _send(self, opcode, payload, fin=True):
        self.transport.write(frame_bytes(opcode, payload, fin))

    def _send_close(self, code):
        payload = b"" if code is None else struct.pack("!H", code)
        self._send(OP_CLOSE, payload)
        self.state = State.CLOSING

    def _fail(self, code, why):
        """Fail the WebSocket connection (RFC 6455 7.1.7): Close, then TCP."""
        log(f"conn {self.id}: failing the connection with {code}: {why}")
        if self.state is State.OPEN:
            self._send_close(code)
            self.close_code = code
        self.rx = bytearray()
        self.transport.close()  # flushes the Close, then FIN

    def _replied_to_close(self):
        """Our Close reply is queued: the server closes TCP first (RFC 6455 7.1.1)."""
        if self.defect == "assert-on-rst-closing":
            # Part of the defect: wait for the client's FIN (eof_received) for
            # a while instead of closing at once, which leaves a window where
            # a reset arrives while CLOSING.
            self.close_timer = self.loop.call_later(FIN_WAIT, self._close_tcp)
        else:
            self.transport.close()

    def _close_tcp(self):
        self.close_timer = None
        if not self.transport.is_closing():
            self.transport.close()

    def going_away(self):
        """Shutdown: Close 1001, then wait a little for the reply."""
        if self.transport.is_closing():
            return
        if self.state is State.CONNECTING:
            self.transport.close()
        elif self.state is State.OPEN:
            log(f"conn {self.id}: going away: sending Close 1001")
            self.closing_initiated = True
            self.close_code = 1001
            self._send_close(1001)
            self.close_timer = self.loop.call_later(SHUTDOWN_CLOSE_WAIT, self._close_tcp)

    # --- opening handshake -------------------------------------------------

    def _reject(self, status, phrase, why, extra=""):
        log(f"conn {self.id}: handshake refused with {status}: {why}")
        body = f"{why}\n".encode()
        self.transport.write(
            (f"HTTP/1.1 {status} {phrase}\r\n{extra}Content-Type: text/plain\r\n"
             f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode() + body)
        self.transport.close()

    def _handshake(self, head):
        """Validate the upgrade request; answer 101 or an HTTP error."""
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3 or not parts[1]:
            self._reject(400, "Bad Request", "malformed request line")
            return False
        method, path, version = parts
        if method != "GET":
            self._reject(405, "Method Not Allowed", f"method {method}", "Allow: GET\r\n")
            return False
        if version != "HTTP/1.1":
            self._reject(400, "Bad Request", f"version {version}")
            return False
        headers = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if not sep or not name or name != name.strip():
                self._reject(400, "Bad Request", "malformed header line")
                return False
            headers.setdefault(name.lower(), []).append(value.strip())

        def tokens(name):
            return {t.strip().lower() for v in headers.get(name, []) for t in v.split(",")}

        if "host" not in headers:
            self._reject(400, "Bad Request", "no Host header")
            return False
        if "websocket" not in tokens("upgrade"):
            self._reject(400, "Bad Request", "no 'Upgrade: websocket' header")
            return False
        if "upgrade" not in tokens("connection"):
            self._reject(400, "Bad Request", "no 'Connection: Upgrade' header")
            return False
        if headers.get("sec-websocket-version") != ["13"]:
            self._reject(426, "Upgrade Required", "Sec-WebSocket-Version must be 13",
                         "Sec-WebSocket-Version: 13\r\n")
            return False
        keys = headers.get("sec-websocket-key", [])
        try:
            if len(keys) != 1 or len(base64.b64decode(keys[0], validate=True)) != 16:
                raise ValueError
        except ValueError:
            self._reject(400, "Bad Request", "Sec-WebSocket-Key is not 16 bytes in base64")
            return False
        accept = base64.b64encode(hashlib.sha1(keys[0].encode() + WS_GUID).digest()).decode()
        self.transport.write(
            ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
             f"Connection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n").encode())
        self.handshake_timer.cancel()
        self.handshake_timer = None
        self.state = State.OPEN
        log(f"conn {self.id}: open {path}")
        self._start_keepalive()
        return True

    # --- keepalive ---------------------------------------------------------

    def _start_keepalive(self):
        task = self.loop.create_task(self._keepalive())
        if self.defect == "task-exception":
            # DEFECT (task-exception): fire and forget. Nobody keeps the task
            # or looks at how it ended, so when it ends with the connection's
            # exception, asyncio can only say so when the task is collected:
            # "Task exception was never retrieved".
            return
        self.keepalive_task = task
        task.add_done_callback(self._keepalive_done)

    @staticmethod
    def _keepalive_done(task):
        # How the connection ended is logged by connection_lost(); taking the
        # exception here marks it as retrieved.
        if not task.cancelled():
            task.exception()

    async def _keepalive(self):
        """Ping the client every KEEPALIVE_INTERVAL seconds until TCP ends.

        Like a library keepalive, it ends with the connection's exception
        when the connection was lost abnormally (a reset).
        """
        while True:
            done, _ = await asyncio.wait([self.lost], timeout=KEEPALIVE_INTERVAL)
            if done:
                exc = self.lost.result()
                if exc is not None:
                    raise exc
                return
            if self.state is State.OPEN and not self.transport.is_closing():
                self._send(OP_PING, b"keepalive")

    # --- frames ------------------------------------------------------------

    def _process_frames(self):
        buf = self.rx
        while self.rx is buf and not self.transport.is_closing():
            if len(buf) < 2:
                return
            b0, b1 = buf[0], buf[1]
            fin = bool(b0 & 0x80)
            opcode = b0 & 0x0F
            length = b1 & 0x7F
            pos = 2
            if length == 126:
                if len(buf) < 4:
                    return
                (length,) = struct.unpack_from("!H", buf, 2)
                pos = 4
            elif length == 127:
                if len(buf) < 10:
                    return
                (length,) = struct.unpack_from("!Q", buf, 2)
                pos = 10
                if length >> 63:
                    raise Failure(1002, "64-bit length with the top bit set")
            # Everything that can be judged from the header is judged before
            # waiting for the payload.
            if b0 & 0x70:
                raise Failure(1002, f"RSV bits {(b0 & 0x70) >> 4} set without an extension")
            if opcode not in KNOWN_OPCODES:
                raise Failure(1002, f"reserved opcode {opcode}")
            if not b1 & 0x80:
                raise Failure(1002, "unmasked client frame")
            if opcode >= OP_CLOSE:
                if not fin:
                    raise Failure(1002, "fragmented control frame")
                if length > 125:
                    raise Failure(1002, f"control frame of {length} bytes (125 at most)")
            elif length > MAX_FRAME_BYTES:
                raise Failure(1009, f"frame of {length} bytes")
            end = pos + 4 + length
            if len(buf) < end:
                return
            payload = unmask(bytes(buf[pos + 4:end]), bytes(buf[pos:pos + 4]))
            del buf[:end]
            self._frame(fin, opcode, payload)

    def _frame(self, fin, opcode, payload):
        if opcode == OP_CLOSE:
            self._close_frame(payload)
            return
        if self.state is not State.OPEN:
            return  # after a Close was sent, only the client's Close matters
        if opcode == OP_PING:
            self._send(OP_PONG, payload)
        elif opcode == OP_PONG:
            pass
        elif opcode == OP_CONT:
            if not self.in_message:
                raise Failure(1002, "continuation frame outside a message")
            self._check_text(payload, fin)
            self._send(OP_CONT, payload, fin)
            self.in_message = not fin
        else:
            if self.in_message:
                raise Failure(1002, "new message before the previous one ended")
            self.utf8 = codecs.getincrementaldecoder("utf-8")() if opcode == OP_TEXT else None
            self._check_text(payload, fin)
            self._send(opcode, payload, fin)
            self.in_message = not fin

    def _check_text(self, payload, fin):
        if self.utf8 is None:
            return
        try:
            self.utf8.decode(payload, final=fin)
        except UnicodeDecodeError:
            raise Failure(1007, "text message is not UTF-8") from None
        if fin:
            self.utf8 = None

    def _close_frame(self, payload):
        if len(payload) == 1:
            raise Failure(1002, "Close frame with a 1-byte payload")
        code = None
        if payload:
            (code,) = struct.unpack_from("!H", payload)
            if not valid_close_code(code):
                raise Failure(1002, f"Close frame with code {code}, which may not be sent")
            try:
                payload[2:].decode("utf-8")
            except UnicodeDecodeError:
                raise Failure(1007, "Close reason is not UTF-8") from None
        log(f"conn {self.id}: close received"
            + (f" code={code}" if code is not None else " without a code"))
        if self.state is State.OPEN:
            self._send_close(code)  # echo the code, or an empty Close
            self.close_code = code
            self._replied_to_close()
        elif self.closing_initiated:
            # The client answered our Close: the handshake is complete.
            if self.close_timer is not None:
                self.close_timer.cancel()
                self.close_timer = None
            self.transport.close()


async def serve(args):
    loop = asyncio.get_running_loop()
    server = Server(args.defect)
    stop = loop.create_future()

    def on_signal(signame):
        if not stop.done():
            stop.set_result(signame)

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, on_signal, sig.name)

    srv = await loop.create_server(server.new_conn, args.host, args.port, reuse_address=True)
    host, port = srv.sockets[0].getsockname()[:2]
    log(f"listening on {host}:{port}" + (f" (defect: {args.defect})" if args.defect != "none" else ""))

    signame = await stop
    log(f"{signame}: closing {len(server.conns)} connection(s) with 1001")
    srv.close()
    server.all_gone = loop.create_future()
    if not server.conns:
        server.all_gone.set_result(None)
    for conn in list(server.conns):
        conn.going_away()
    try:
        await asyncio.wait_for(asyncio.shield(server.all_gone), SHUTDOWN_CLOSE_WAIT + 0.5)
    except asyncio.TimeoutError:
        for conn in list(server.conns):
            conn.transport.abort()
        await asyncio.sleep(0.01)  # let connection_lost() run
    await srv.wait_closed()
    log("stopped")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--defect", default="none", choices=DEFECTS)
    args = ap.parse_args()
    # asyncio reports unhandled exceptions through the logging module.
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format=f"{NAME}: %(message)s")
    asyncio.run(serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
