#!/usr/bin/python3 -u
"""zoo-websockets: the tutorial echo server on python-websockets, for wsfault's bug zoo.

Written the way the websockets documentation and most tutorials write it
(websockets.serve, then `async for message in websocket: await
websocket.send(message)`), on Debian 12's python3-websockets 10.4, which does
the protocol work itself: handshake checks, masking, close codes, UTF-8, Close
replies, ping/pong, flow control. SIGTERM (or SIGINT) closes the server:
websockets sends Close 1001 to every client and waits up to 1 s for each
reply; the process exits 0 within 1.5 s, even if a client is stuck in the
opening handshake (websockets 10.4 has no timeout for it and would wait for
it forever).

It is correct except for the one defect chosen with --defect:

  none                no defect: the handler catches websockets.ConnectionClosed
                      and logs one plain line when a connection ends abnormally.
  traceback-on-reset  as in the FastAPI / Starlette / NiceGUI reports of logs
                      full of ConnectionResetError / ConnectionClosedError
                      tracebacks whenever a browser tab closes: the handler
                      does not catch ConnectionClosed, so every abnormal end
                      (a client reset, a Close that breaks the protocol) makes
                      websockets log "connection handler failed" with a
                      traceback.

Usage: zoo_websockets.py --port N [--host 127.0.0.1] [--defect NAME]
"""

import argparse
import asyncio
import itertools
import logging
import signal
import sys

import websockets

NAME = "zoo-websockets"
DEFECTS = ("none", "traceback-on-reset")
CLOSE_TIMEOUT = 1.0  # seconds websockets waits for a Close reply, at shutdown too
SHUTDOWN_WAIT = 1.5  # seconds SIGTERM waits for connections to close

conn_ids = itertools.count(1)
defect = "none"


def log(msg):
    print(f"{NAME}: {msg}", file=sys.stderr, flush=True)


def describe(exc):
    """How a connection ended, from ConnectionClosed, without its wording."""
    got = f"received Close {exc.rcvd.code}" if exc.rcvd is not None else "no Close received"
    sent = f"sent Close {exc.sent.code}" if exc.sent is not None else "no Close sent"
    return f"{got}, {sent}"


async def echo(websocket):
    conn = next(conn_ids)
    log(f"conn {conn}: open {websocket.path}")
    if defect == "traceback-on-reset":
        # DEFECT (traceback-on-reset): the tutorial loop, with nothing to
        # catch ConnectionClosedError. `async for` ends quietly only on a
        # clean close; any other end raises out of the handler, and
        # websockets logs "connection handler failed" with the traceback.
        async for message in websocket:
            await websocket.send(message)
    else:
        try:
            async for message in websocket:
                await websocket.send(message)
        except websockets.ConnectionClosed as exc:
            log(f"conn {conn}: closed abnormally ({describe(exc)})")
            return
    log(f"conn {conn}: closed ({websocket.close_code})")


async def serve(args):
    loop = asyncio.get_running_loop()
    stop = loop.create_future()

    def on_signal(signame):
        if not stop.done():
            stop.set_result(signame)

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, on_signal, sig.name)

    server = await websockets.serve(echo, args.host, args.port, close_timeout=CLOSE_TIMEOUT)
    host, port = next(iter(server.sockets)).getsockname()[:2]
    log(f"listening on {host}:{port}" + (f" (defect: {args.defect})" if args.defect != "none" else ""))
    signame = await stop
    log(f"{signame}: closing the server; open connections get Close 1001")
    server.close()
    try:
        await asyncio.wait_for(server.wait_closed(), SHUTDOWN_WAIT)
    except asyncio.TimeoutError:
        # websockets 10.4 has no opening handshake timeout, and close() waits
        # for every connection, so one client that never finishes its
        # upgrade request would hold the exit forever.
        log(f"{len(server.websockets)} connection(s) still open after {SHUTDOWN_WAIT:g}s: dropped")
    log("stopped")


def main():
    global defect
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--defect", default="none", choices=DEFECTS)
    args = ap.parse_args()
    defect = args.defect
    # websockets logs through the logging module; its INFO lines (one per
    # connection) are left out, its warnings and errors kept.
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format=f"{NAME}: %(message)s")
    asyncio.run(serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
