#!/usr/bin/python3 -u
"""Echo server on autobahn-python (Debian 12: python3-autobahn 22.7.1), asyncio.

The echo of autobahn's asyncio examples (examples/asyncio/websocket/echo):
a WebSocketServerProtocol whose onMessage sends the payload back, a
WebSocketServerFactory, loop.create_server, loop.run_forever; txaio's
logging at the level given. autobahn keeps no list of connections, so the
protocol keeps one, and SIGTERM sends each a Close, waits up to 1 s for them
to finish, then stops the loop. The Close says 1000: autobahn's sendClose
accepts no other code below 3000 ("invalid close code 1001 (must be 1000 or
from [3000, 4999])"), so an application cannot say 1001, going away.

Usage: server.py --port N [--log-level debug|info|warn]
"""

import argparse
import asyncio
import signal

import txaio

txaio.use_asyncio()

from autobahn.asyncio.websocket import WebSocketServerFactory, WebSocketServerProtocol  # noqa: E402

open_protocols = set()


class EchoServerProtocol(WebSocketServerProtocol):
    def onOpen(self):
        open_protocols.add(self)

    def onMessage(self, payload, isBinary):
        self.sendMessage(payload, isBinary)

    def onClose(self, wasClean, code, reason):
        open_protocols.discard(self)


async def shutdown(loop, server):
    server.close()
    for proto in list(open_protocols):
        proto.sendClose(code=1000, reason="going away")
    for _ in range(100):
        if not open_protocols:
            break
        await asyncio.sleep(0.01)
    loop.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args()
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    txaio.config.loop = loop
    txaio.start_logging(level=args.log_level)

    factory = WebSocketServerFactory(f"ws://127.0.0.1:{args.port}", loop=loop)
    factory.protocol = EchoServerProtocol

    server = loop.run_until_complete(loop.create_server(factory, "127.0.0.1", args.port))
    loop.add_signal_handler(signal.SIGTERM, lambda: loop.create_task(shutdown(loop, server)))
    print(f"listening on 127.0.0.1:{args.port}", flush=True)
    try:
        loop.run_forever()
    finally:
        loop.close()
