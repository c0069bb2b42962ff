// Node ws 8.18 echo server. With "handled", connection errors are caught and
// printed with console.error; without, the first one is an unhandled 'error'.
const { WebSocketServer } = require('ws');
const [port, mode] = [Number(process.argv[2]), process.argv[3]];
const wss = new WebSocketServer({ host: '127.0.0.1', port });
wss.on('connection', (ws) => {
  if (mode === 'handled') ws.on('error', (err) => console.error(err));
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
});
setTimeout(() => process.exit(0), 2500);
