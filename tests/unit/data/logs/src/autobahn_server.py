"""autobahn-python 22.7 echo server on asyncio, txaio logging at debug. A
text "boom" makes onMessage raise."""
import asyncio, sys
import txaio
txaio.use_asyncio()
from autobahn.asyncio.websocket import WebSocketServerProtocol, WebSocketServerFactory

class Echo(WebSocketServerProtocol):
    def onMessage(self, payload, isBinary):
        if payload == b"boom":
            raise ValueError("boom")
        self.sendMessage(payload, isBinary)

txaio.start_logging(level="debug")
factory = WebSocketServerFactory(f"ws://127.0.0.1:{sys.argv[1]}")
factory.protocol = Echo
loop = asyncio.new_event_loop()
asyncio.set_event_loop(loop)
server = loop.run_until_complete(loop.create_server(factory, "127.0.0.1", int(sys.argv[1])))
loop.run_until_complete(asyncio.sleep(float(sys.argv[2])))
server.close()
