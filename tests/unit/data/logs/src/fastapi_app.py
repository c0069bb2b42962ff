"""FastAPI 0.92 echo app for uvicorn 0.17. A text "boom" makes the endpoint
raise."""
from fastapi import FastAPI, WebSocket

app = FastAPI()

@app.websocket("/")
async def echo(ws: WebSocket):
    await ws.accept()
    while True:
        msg = await ws.receive_text()
        if msg == "boom":
            raise ValueError("boom")
        await ws.send_text(msg)
