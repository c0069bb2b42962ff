// Echo server on Node's `ws` 8.23.0 (npm, pinned by package-lock.json).
//
// The echo of the ws README ("Simple server"): a WebSocketServer, an
// 'error' listener on each socket (as the README has it: without one, a
// protocol error from a client would be an unhandled 'error' event and end
// the process), and every message sent back as it came, text or binary.
// SIGTERM stops accepting, sends each client Close 1001 ("going away"),
// terminates those still open after 1 s, and exits once the server closed.
'use strict';

const { WebSocketServer } = require('ws');

const port = Number(process.env.PORT);
const wss = new WebSocketServer({ host: '127.0.0.1', port });

wss.on('connection', function connection(ws) {
  ws.on('error', console.error);
  ws.on('message', function message(data, isBinary) {
    ws.send(data, { binary: isBinary });
  });
});

wss.on('listening', () => console.log(`listening on 127.0.0.1:${port}`));

process.on('SIGTERM', () => {
  for (const ws of wss.clients) ws.close(1001, 'going away');
  setTimeout(() => {
    for (const ws of wss.clients) ws.terminate();
  }, 1000).unref();
  wss.close(() => process.exit(0));
});
