#!/usr/bin/python3 -u
"""A WebSocket echo server that speaks only the subprotocol "echo-proto".

Raw asyncio, no WebSocket library. It logs every request's path and headers
to stderr ("request: GET /p", "header: Name: value"), so a test can see
what wsfault sent. Modes (--mode):

  echo             answers 101; names echo-proto when the request offers it,
                   and only then echoes text and binary frames (the way
                   libwebsockets-test-server echoes only on its protocol).
                   Ping gets Pong, Close gets the same Close, then TCP ends.
  wrong-protocol   as echo, but the 101 names "not-offered", a subprotocol no
                   request offers: a client MUST fail that (RFC 6455 4.1).
  wrong-extension  as echo, but the 101 also selects permessage-deflate,
                   an extension the request did not offer (same rule).
  wrong-accept     as echo, but the 101's Sec-WebSocket-Accept is the key of
                   another request: a client MUST fail it (RFC 6455 4.1).
  no-accept        as echo, but the 101 has no Sec-WebSocket-Accept at all.
  rsv              as echo (without the subprotocol too), but each echoed data
                   frame has RSV1 set, which no extension agreed to.
  cut-frame        as echo (without the subprotocol too), but the first data
                   frame is echoed only in part, its first 3 bytes, and then
                   TCP is closed (FIN): a frame cut off by the end of the stream.
  traceback-on-close
                   as echo (without the subprotocol too), but a Close makes
                   it print a Python traceback at ERROR: a server that logs
                   an ordinary client close as a failure.

Usage: subprotocol_echo.py --port N [--mode MODE]   (N = 0: any free port,
named in the "listening on N" line)
"""

import argparse
import asyncio
import base64
import hashlib
import struct
import sys

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
PROTOCOL = "echo-proto"


def log(msg):
    print(f"subprotocol-echo: {msg}", file=sys.stderr, flush=True)


def frame(opcode, payload, rsv=0):
    n = len(payload)
    b0 = 0x80 | rsv << 4 | opcode
    if n < 126:
        head = struct.pack("!BB", b0, n)
    elif n < 65536:
        head = struct.pack("!BBH", b0, 126, n)
    else:
        head = struct.pack("!BBQ", b0, 127, n)
    return head + payload


async def read_frame(reader):
    b0, b1 = await reader.readexactly(2)
    n = b1 & 0x7F
    if n == 126:
        (n,) = struct.unpack("!H", await reader.readexactly(2))
    elif n == 127:
        (n,) = struct.unpack("!Q", await reader.readexactly(8))
    mask = await reader.readexactly(4) if b1 & 0x80 else b"\0\0\0\0"
    data = await reader.readexactly(n)
    return b0 & 0x0F, bytes(c ^ mask[i % 4] for i, c in enumerate(data))


async def serve(reader, writer, mode):
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        writer.close()
        return
    lines = head.decode("latin-1").split("\r\n")
    log(f"request: {lines[0]}")
    headers = {}
    offered = []
    for line in lines[1:]:
        if not line:
            continue
        log(f"header: {line}")
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
        if name.strip().lower() == "sec-websocket-protocol":
            offered += [p.strip() for p in value.split(",") if p.strip()]
    log(f"offered: {', '.join(offered) or 'none'}")
    key = headers.get("sec-websocket-key", "").encode()
    accept = base64.b64encode(hashlib.sha1(key + GUID).digest()).decode()
    if mode == "wrong-accept":
        # RFC 6455's own example key: a right answer, to another request.
        accept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    speaks = PROTOCOL in offered
    answer = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    if mode != "no-accept":
        answer += f"Sec-WebSocket-Accept: {accept}\r\n"
    if mode == "wrong-protocol":
        answer += "Sec-WebSocket-Protocol: not-offered\r\n"
    elif speaks:
        answer += f"Sec-WebSocket-Protocol: {PROTOCOL}\r\n"
    if mode == "wrong-extension":
        answer += "Sec-WebSocket-Extensions: permessage-deflate\r\n"
    writer.write((answer + "\r\n").encode())
    try:
        while True:
            opcode, payload = await read_frame(reader)
            if opcode in (1, 2) and mode == "cut-frame":
                writer.write(frame(opcode, payload)[:3])
                await writer.drain()
                break
            if opcode in (1, 2) and (speaks or mode != "echo"):
                writer.write(frame(opcode, payload, 4 if mode == "rsv" else 0))
            elif opcode == 9:
                writer.write(frame(10, payload))
            elif opcode == 8:
                if mode == "traceback-on-close":
                    print("ERROR:close:a client closed\nTraceback (most recent call last):\n"
                          '  File "subprotocol_echo.py", line 1, in serve\n'
                          "ClientClosed: a Close arrived", file=sys.stderr, flush=True)
                writer.write(frame(8, payload[:2]))
                break
            await writer.drain()
        await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    writer.close()


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--mode", default="echo",
                    choices=("echo", "wrong-protocol", "wrong-extension", "wrong-accept",
                             "no-accept", "rsv", "cut-frame", "traceback-on-close"))
    args = ap.parse_args()
    server = await asyncio.start_server(lambda r, w: serve(r, w, args.mode), "127.0.0.1",
                                        args.port)
    port = server.sockets[0].getsockname()[1]  # --port 0: one the system picked
    log(f"listening on {port} ({args.mode})")
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
