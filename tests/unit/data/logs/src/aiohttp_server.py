"""aiohttp 3.8 echo server, logging.basicConfig at DEBUG with asctime. A
text "boom" makes the handler raise."""
import asyncio, logging, sys
from aiohttp import web, WSMsgType

logging.basicConfig(level=logging.DEBUG, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

async def echo(request):
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    async for msg in ws:
        if msg.type == WSMsgType.TEXT:
            if msg.data == "boom":
                raise ValueError("boom")
            await ws.send_str(msg.data)
    return ws

async def main():
    app = web.Application()
    app.router.add_get("/", echo)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", int(sys.argv[1])).start()
    await asyncio.sleep(float(sys.argv[2]))
    await runner.cleanup()

asyncio.run(main())
