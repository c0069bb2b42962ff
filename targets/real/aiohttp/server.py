#!/usr/bin/python3 -u
"""Echo server on aiohttp (Debian 12: python3-aiohttp 3.8.4).

The WebSocket handler of aiohttp's documentation: web.WebSocketResponse,
`async for msg in ws`, answering text with text and binary with binary;
web.run_app serves it and turns SIGTERM and SIGINT into a graceful shutdown
(it prints "======== Running on http://127.0.0.1:PORT ========"). Open sockets
are kept in the application, and an on_shutdown handler closes them with
1001 (GOING_AWAY), as the "Graceful shutdown" section of the docs shows.

Usage: server.py --port N [--log-level debug|info|warning]
"""

import argparse
import logging
import weakref

from aiohttp import WSCloseCode, WSMsgType, web


async def websocket_handler(request):
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    request.app["websockets"].add(ws)
    try:
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                await ws.send_str(msg.data)
            elif msg.type == WSMsgType.BINARY:
                await ws.send_bytes(msg.data)
            elif msg.type == WSMsgType.ERROR:
                logging.info("ws connection closed with exception %s", ws.exception())
    finally:
        request.app["websockets"].discard(ws)
    return ws


async def on_shutdown(app):
    for ws in set(app["websockets"]):
        await ws.close(code=WSCloseCode.GOING_AWAY, message=b"Server shutdown")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args()
    logging.basicConfig(level=args.log_level.upper())
    app = web.Application()
    app["websockets"] = weakref.WeakSet()
    app.on_shutdown.append(on_shutdown)
    app.add_routes([web.get("/", websocket_handler)])
    web.run_app(app, host="127.0.0.1", port=args.port)
