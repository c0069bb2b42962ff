#!/usr/bin/python3 -u
"""Echo server on python-websockets (Debian 12: python3-websockets 10.4).

The echo of the websockets documentation: websockets.serve and
`async for message in websocket: await websocket.send(message)`, with
nothing added around it, so that what wsfault reports is the library's
behaviour. SIGTERM ends `serve`, which sends Close 1001 to every client, as
the documentation's "deploy" page does it.

Usage: server.py --port N [--log-level debug|info|warning]
"""

import argparse
import asyncio
import logging
import signal

import websockets


async def echo(websocket):
    async for message in websocket:
        await websocket.send(message)


async def main(port):
    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    loop.add_signal_handler(signal.SIGTERM, stop.set_result, None)
    async with websockets.serve(echo, "127.0.0.1", port):
        await stop


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args()
    # websockets logs "server listening on 127.0.0.1:PORT" at INFO.
    logging.basicConfig(level=args.log_level.upper())
    asyncio.run(main(args.port))
