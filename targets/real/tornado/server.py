#!/usr/bin/python3 -u
"""Echo server on tornado (Debian 12: python3-tornado 6.2).

The EchoWebSocket of tornado's documentation (tornado.websocket), with the
Future of write_message awaited, as its documentation says to for flow
control (a coroutine on_message gets no next message until it returns), in an
Application started the way tornado's demos start one:
tornado.options.parse_command_line() sets up tornado's log format
("[I 231202 05:00:00 web:2271] ..."), then asyncio.run(main()). SIGTERM stops
the HTTP server, closes every open WebSocket (Close 1001, "going away") and
lets main() return.

Usage: server.py --port=N [--logging=debug|info|warning]
"""

import asyncio
import logging
import signal

import tornado.options
import tornado.web
import tornado.websocket
from tornado.options import define, options

define("port", type=int, help="port to listen on")

clients = set()


class EchoWebSocket(tornado.websocket.WebSocketHandler):
    def open(self):
        clients.add(self)

    async def on_message(self, message):
        # write_message's Future is tornado's flow control: awaiting it holds
        # the next message back until this one is written.
        await self.write_message(message, binary=isinstance(message, bytes))

    def on_close(self):
        clients.discard(self)


async def main():
    tornado.options.parse_command_line()
    app = tornado.web.Application([(r"/", EchoWebSocket)])
    server = app.listen(options.port, address="127.0.0.1")
    logging.info("listening on 127.0.0.1:%d", options.port)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    server.stop()
    for ws in list(clients):
        ws.close(1001, "going away")
    await server.close_all_connections()


if __name__ == "__main__":
    asyncio.run(main())
