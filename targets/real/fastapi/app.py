"""Echo endpoint on FastAPI (Debian 12: python3-fastapi 0.92), served by
uvicorn 0.17 (python3-uvicorn), whose WebSocket protocol is then
python-websockets 10.4 (uvicorn's "auto" picks it when it is installed).

The @app.websocket endpoint of FastAPI's tutorial: accept, then echo in a
loop; WebSocketDisconnect, which Starlette raises when the client leaves,
ends it. Run with `uvicorn app:app` (see fastapi.target); uvicorn turns
SIGTERM into a graceful shutdown.
"""

from fastapi import FastAPI, WebSocket, WebSocketDisconnect

app = FastAPI()


@app.websocket("/")
async def echo(websocket: WebSocket):
    await websocket.accept()
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            if message.get("text") is not None:
                await websocket.send_text(message["text"])
            else:
                await websocket.send_bytes(message["bytes"])
    except WebSocketDisconnect:
        pass
