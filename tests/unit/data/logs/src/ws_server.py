"""python-websockets 10.4 echo server, logging at DEBUG. A text "boom" makes
the handler raise (an unhandled error in the handler)."""
import asyncio, logging, sys
import websockets

logging.basicConfig(level=logging.DEBUG)

async def echo(ws):
    async for msg in ws:
        if msg == "boom":
            raise ValueError("boom")
        if msg == "task":
            async def fail():
                raise RuntimeError("fire and forget")
            asyncio.get_running_loop().create_task(fail())
            continue
        await ws.send(msg)

async def main():
    async with websockets.serve(echo, "127.0.0.1", int(sys.argv[1])):
        await asyncio.sleep(float(sys.argv[2]))

asyncio.run(main())
