#!/usr/bin/node
'use strict';
/*
 * zoo-net: a WebSocket echo server on Node.js's built-in `net` module only.
 *
 * A correct server for wsfault's bug zoo (target patient-correct) whose
 * timeouts are the long ones common servers use, and which always takes the
 * polite way out: every failed connection gets a Close frame and then the
 * time to answer it. RFC 6455 from scratch, one object per connection, event
 * callbacks, no WebSocket library.
 *
 * - The opening handshake is validated (GET, HTTP/1.1, Host, Upgrade:
 *   websocket, Connection: Upgrade, a 16-byte Sec-WebSocket-Key, version 13;
 *   400, or 426 for another version) and must arrive within
 *   HANDSHAKE_TIMEOUT_MS: 30 s (Node's own http server allows 60 s for
 *   headers, nginx's client_header_timeout is 60 s).
 * - A protocol error sends Close 1002 (1007 for text that is not UTF-8, 1009
 *   for a frame over MAX_FRAME) and then waits up to CLOSE_TIMEOUT_MS, 10 s
 *   (python-websockets' and aiohttp's default), for the client's Close before
 *   dropping TCP. RFC 6455 7.1.7: "the endpoint SHOULD send a Close frame
 *   with an appropriate status code ... before proceeding to _Close the
 *   WebSocket Connection_", and 5.5.1 expects the other side to answer it.
 *   The bad frame is skipped whole, so the client's Close after it can still
 *   be read; frames other than Close are discarded meanwhile.
 * - A client's Close is answered at once and then TCP is closed at once
 *   (7.1.1, the server closes first): the code is echoed; an empty Close is
 *   answered with an empty Close; one byte, a code 7.4 does not allow or a
 *   code from 5000 up is answered with 1002, a reason that is not UTF-8 with
 *   1007. Codes 1012-1014, registered by IANA after RFC 6455, are valid.
 * - Frames are echoed as they come, with their opcode and FIN bit, so a
 *   fragmented message comes back fragmented the same way; text is checked
 *   as UTF-8 incrementally across its fragments and fails at the first byte
 *   that cannot be UTF-8. A Ping gets a Pong with its payload.
 * - Backpressure: when more than HIGH_WATER bytes wait to be written to a
 *   client, the server stops reading from it until they are written.
 * - A client's FIN ends the connection at once (nothing can follow it).
 * - SIGTERM or SIGINT: Close 1001 to every open connection, up to
 *   SHUTDOWN_GRACE_MS (5 s) for the answers, the rest dropped, exit 0.
 *
 * Usage: node zoo-net.js --port N [--host 127.0.0.1]
 */

const crypto = require('crypto');
const net = require('net');

const NAME = 'zoo-net';
const HANDSHAKE_TIMEOUT_MS = 30000;
const CLOSE_TIMEOUT_MS = 10000;
const SHUTDOWN_GRACE_MS = 5000;
const MAX_REQUEST = 8192;
const MAX_FRAME = 16 * 1024 * 1024;
const HIGH_WATER = 256 * 1024;
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

const OP = {CONT: 0x0, TEXT: 0x1, BINARY: 0x2, CLOSE: 0x8, PING: 0x9, PONG: 0xa};
const KNOWN_OPCODES = new Set(Object.values(OP));

function log(text) {
  process.stderr.write(`${NAME}: ${text}\n`);
}

function closeCodeAllowed(code) {
  if (code >= 1000 && code <= 1003) return true;
  if (code >= 1007 && code <= 1014) return true; // 1012-1014: IANA, after the RFC
  return code >= 3000 && code <= 4999;
}

/*
 * UTF-8 checked a byte at a time, so that a message can be judged fragment
 * by fragment and fail at the first impossible byte: overlong forms,
 * surrogates (U+D800-DFFF) and code points over U+10FFFF are refused by
 * narrowing the range allowed for the byte after the lead byte.
 */
class Utf8Check {
  constructor() {
    this.need = 0; // continuation bytes still to come
    this.lo = 0x80;
    this.hi = 0xbf;
  }

  feed(bytes) {
    for (const b of bytes) {
      if (this.need > 0) {
        if (b < this.lo || b > this.hi) return false;
        this.lo = 0x80;
        this.hi = 0xbf;
        this.need--;
      } else if (b >= 0x80) {
        if (b >= 0xc2 && b <= 0xdf) {
          this.need = 1;
        } else if (b >= 0xe0 && b <= 0xef) {
          this.need = 2;
          if (b === 0xe0) this.lo = 0xa0;
          if (b === 0xed) this.hi = 0x9f;
        } else if (b >= 0xf0 && b <= 0xf4) {
          this.need = 3;
          if (b === 0xf0) this.lo = 0x90;
          if (b === 0xf4) this.hi = 0x8f;
        } else {
          return false;
        }
      }
    }
    return true;
  }

  get complete() {
    return this.need === 0;
  }
}

function isUtf8(bytes) {
  const check = new Utf8Check();
  return check.feed(bytes) && check.complete;
}

/* Received bytes as a list of chunks, joined only when a frame needs them. */
class Inbox {
  constructor() {
    this.chunks = [];
    this.length = 0;
    this.skip = 0; // bytes of a refused frame still to throw away
  }

  push(chunk) {
    if (this.skip > 0) {
      const n = Math.min(this.skip, chunk.length);
      this.skip -= n;
      chunk = chunk.subarray(n);
    }
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.length += chunk.length;
    }
  }

  /* The first n bytes, for a frame header: copied if they span chunks. */
  peek(n) {
    const first = this.chunks[0];
    if (first.length >= n) return first.subarray(0, n);
    const bytes = Buffer.alloc(n);
    for (let k = 0, at = 0; at < n; k++) at += this.chunks[k].copy(bytes, at, 0, n - at);
    return bytes;
  }

  /* The first n bytes as the pieces of the chunks they lie in: a payload
   * is never joined into one buffer, so no frame is held twice. */
  take(n) {
    const pieces = [];
    while (n > 0) {
      const first = this.chunks[0];
      const piece = first.length <= n ? this.chunks.shift() : first.subarray(0, n);
      if (piece !== first) this.chunks[0] = first.subarray(n);
      pieces.push(piece);
      this.length -= piece.length;
      n -= piece.length;
    }
    return pieces;
  }

  drop(n) {
    while (n > 0 && this.chunks.length > 0) {
      const first = this.chunks[0];
      if (first.length <= n) {
        this.chunks.shift();
        this.length -= first.length;
        n -= first.length;
      } else {
        this.chunks[0] = first.subarray(n);
        this.length -= n;
        n = 0;
      }
    }
    this.skip += n;
  }
}

/* The header of a server frame (FIN as given, never masked). */
function frameHead(opcode, length, fin = true) {
  const extra = length <= 125 ? 0 : length <= 0xffff ? 2 : 8;
  const head = Buffer.alloc(2 + extra);
  head[0] = (fin ? 0x80 : 0) | opcode;
  if (extra === 0) {
    head[1] = length;
  } else if (extra === 2) {
    head[1] = 126;
    head.writeUInt16BE(length, 2);
  } else {
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(length), 2);
  }
  return head;
}

function closePayload(code) {
  if (code === null) return Buffer.alloc(0);
  const b = Buffer.alloc(2);
  b.writeUInt16BE(code);
  return b;
}

const connections = new Set();
let shuttingDown = false;
let nextId = 1;

class Connection {
  constructor(socket) {
    this.socket = socket;
    this.id = nextId++;
    this.phase = 'handshake'; // then 'open', 'closing' (our Close sent), 'closed'
    this.request = Buffer.alloc(0);
    this.inbox = new Inbox();
    this.inMessage = false; // a fragmented message is under way
    this.utf8 = null; // the text message's check, across its fragments
    this.timer = setTimeout(() => this.handshakeTimeout(), HANDSHAKE_TIMEOUT_MS);
    this.paused = false;

    socket.on('data', (chunk) => this.received(chunk));
    socket.on('end', () => this.clientEnded());
    socket.on('error', (err) => this.say(`lost: ${err.code || err.message}`));
    socket.on('close', () => this.gone());
    socket.on('drain', () => {
      if (this.paused) {
        this.paused = false;
        socket.resume();
      }
    });
  }

  say(text) {
    log(`conn ${this.id}: ${text}`);
  }

  setTimer(ms, what) {
    clearTimeout(this.timer);
    this.timer = setTimeout(what, ms);
  }

  // --- writing -------------------------------------------------------

  /* A frame goes out as its header and the pieces of its payload. */
  send(opcode, pieces, fin = true) {
    const length = pieces.reduce((sum, piece) => sum + piece.length, 0);
    this.socket.write(frameHead(opcode, length, fin));
    for (const piece of pieces) this.socket.write(piece);
    if (!this.paused && this.socket.writableLength > HIGH_WATER) {
      this.paused = true; // 'drain' resumes
      this.socket.pause();
    }
  }

  /* Our Close: nothing may follow it; the client has ms to answer. */
  sendClose(code, ms, why) {
    this.phase = 'closing';
    this.inMessage = false;
    this.send(OP.CLOSE, [closePayload(code)]);
    this.setTimer(ms, () => {
      this.say(`no Close from the client ${ms / 1000}s after ours (${why}): dropping TCP`);
      this.socket.destroy();
    });
  }

  /* The closing handshake is over: FIN now, and the socket freed once it
   * is out (or after CLOSE_TIMEOUT_MS if the client does not read). */
  closeTcp() {
    this.phase = 'closed';
    this.setTimer(CLOSE_TIMEOUT_MS, () => this.socket.destroy());
    this.socket.end(() => this.socket.destroy());
  }

  fail(code, why) {
    if (this.phase !== 'open') {
      this.say(`${why} while closing: dropping TCP`);
      this.socket.destroy();
      return;
    }
    this.say(`${why}: sending Close ${code}`);
    this.sendClose(code, CLOSE_TIMEOUT_MS, `Close ${code}`);
  }

  goingAway() {
    if (this.phase === 'handshake') {
      this.socket.destroy();
    } else if (this.phase === 'open') {
      this.say('going away: sending Close 1001');
      this.sendClose(1001, SHUTDOWN_GRACE_MS, 'Close 1001');
    }
  }

  // --- events ----------------------------------------------------------

  received(chunk) {
    if (this.phase === 'closed') return;
    if (this.phase === 'handshake') {
      this.request = Buffer.concat([this.request, chunk]);
      const end = this.request.indexOf('\r\n\r\n');
      if (end < 0) {
        if (this.request.length > MAX_REQUEST) this.refuse(431, 'Request Header Fields Too Large', 'request too large');
        return;
      }
      const rest = this.request.subarray(end + 4);
      const head = this.request.subarray(0, end).toString('latin1');
      this.request = null;
      if (!this.handshake(head)) return;
      chunk = rest;
    }
    this.inbox.push(chunk);
    this.frames();
  }

  clientEnded() {
    if (this.phase === 'handshake') this.say('the client closed TCP during the handshake');
    else if (this.phase === 'open') this.say('the client closed TCP without a Close frame');
    else if (this.phase === 'closing') this.say('the client closed TCP without answering our Close');
    this.phase = 'closed';
    this.socket.destroy();
  }

  gone() {
    clearTimeout(this.timer);
    connections.delete(this);
    this.say('closed');
    if (shuttingDown && connections.size === 0) stopped();
  }

  handshakeTimeout() {
    this.say(`no complete upgrade request in ${HANDSHAKE_TIMEOUT_MS / 1000}s: dropping`);
    this.socket.destroy();
  }

  // --- opening handshake -------------------------------------------------

  refuse(status, phrase, why, extra = '') {
    this.say(`handshake refused with ${status}: ${why}`);
    const body = `${why}\n`;
    this.phase = 'closed';
    this.socket.end(
      `HTTP/1.1 ${status} ${phrase}\r\n${extra}Content-Type: text/plain\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    return false;
  }

  handshake(head) {
    const [requestLine, ...lines] = head.split('\r\n');
    const words = requestLine.split(' ');
    if (words.length !== 3) return this.refuse(400, 'Bad Request', 'malformed request line');
    const [method, path, version] = words;
    if (method !== 'GET') return this.refuse(400, 'Bad Request', `method ${method}`);
    if (version !== 'HTTP/1.1') return this.refuse(400, 'Bad Request', `version ${version}`);
    const fields = new Map();
    for (const line of lines) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon);
      if (colon <= 0 || name.trim() !== name) return this.refuse(400, 'Bad Request', 'malformed header line');
      const key = name.toLowerCase();
      if (!fields.has(key)) fields.set(key, []);
      fields.get(key).push(line.slice(colon + 1).trim());
    }
    const hasToken = (name, token) =>
      (fields.get(name) || []).some((v) => v.split(',').some((t) => t.trim().toLowerCase() === token));

    if (!fields.has('host')) return this.refuse(400, 'Bad Request', 'no Host');
    if (!hasToken('upgrade', 'websocket')) return this.refuse(400, 'Bad Request', 'not an upgrade to websocket');
    if (!hasToken('connection', 'upgrade')) return this.refuse(400, 'Bad Request', "no 'Connection: Upgrade'");
    const versions = fields.get('sec-websocket-version') || [];
    if (versions.length !== 1 || versions[0] !== '13')
      return this.refuse(426, 'Upgrade Required', 'version 13 only', 'Sec-WebSocket-Version: 13\r\n');
    const keys = fields.get('sec-websocket-key') || [];
    if (keys.length !== 1 || !/^[A-Za-z0-9+/]{22}==$/.test(keys[0]))
      return this.refuse(400, 'Bad Request', 'bad Sec-WebSocket-Key');
    const accept = crypto.createHash('sha1').update(keys[0] + GUID).digest('base64');
    this.socket.write(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Accept: ${accept}\r\n\r\n`);
    clearTimeout(this.timer);
    this.phase = 'open';
    this.say(`open ${path}`);
    return true;
  }

  // --- frames ------------------------------------------------------------

  /* Parse every whole frame in the inbox. A frame is judged on its header
   * alone, before its payload arrives; a refused frame is skipped whole. */
  frames() {
    const inbox = this.inbox;
    while (this.phase === 'open' || this.phase === 'closing') {
      if (inbox.length < 2) return;
      const [b0, b1] = inbox.peek(2);
      const fin = (b0 & 0x80) !== 0;
      const opcode = b0 & 0x0f;
      const masked = (b1 & 0x80) !== 0;
      let length = b1 & 0x7f;
      let headLength = 2 + (length === 126 ? 2 : length === 127 ? 8 : 0) + (masked ? 4 : 0);
      if (inbox.length < headLength) return;
      const head = inbox.peek(headLength);
      if (length === 126) {
        length = head.readUInt16BE(2);
      } else if (length === 127) {
        const big = head.readBigUInt64BE(2);
        if (big >> 63n) return this.fail(1002, '64-bit length with its top bit set');
        length = big > BigInt(MAX_FRAME) ? MAX_FRAME + 1 : Number(big);
      }
      const refusal =
        b0 & 0x70 ? [1002, 'RSV bits set, no extension agreed']
        : !KNOWN_OPCODES.has(opcode) ? [1002, `reserved opcode ${opcode}`]
        : !masked ? [1002, 'unmasked client frame']
        : opcode >= OP.CLOSE && !fin ? [1002, 'fragmented control frame']
        : opcode >= OP.CLOSE && length > 125 ? [1002, `control frame of ${length} bytes`]
        : length > MAX_FRAME ? [1009, `frame of ${length} bytes`]
        : null;
      if (refusal) {
        inbox.drop(headLength + length);
        this.fail(...refusal);
        continue;
      }
      if (inbox.length < headLength + length) return;
      const mask = head.subarray(headLength - 4, headLength);
      inbox.drop(headLength);
      // The received bytes are ours: unmasked where they lie, not copied.
      const pieces = inbox.take(length);
      let at = 0;
      for (const piece of pieces) {
        for (let i = 0; i < piece.length; i++, at++) piece[i] ^= mask[at & 3];
      }
      this.frameReceived(fin, opcode, pieces);
    }
  }

  frameReceived(fin, opcode, pieces) {
    if (opcode === OP.CLOSE) return this.closeReceived(Buffer.concat(pieces));
    if (this.phase !== 'open') return; // after our Close only the client's matters
    if (opcode === OP.PING) return this.send(OP.PONG, pieces);
    if (opcode === OP.PONG) return;
    if (opcode === OP.CONT) {
      if (!this.inMessage) return this.fail(1002, 'continuation frame outside a message');
    } else {
      if (this.inMessage) return this.fail(1002, 'a new message before the last one ended');
      this.utf8 = opcode === OP.TEXT ? new Utf8Check() : null;
    }
    if (this.utf8 && !(pieces.every((piece) => this.utf8.feed(piece)) && (!fin || this.utf8.complete)))
      return this.fail(1007, 'text that is not UTF-8');
    this.inMessage = !fin;
    this.send(opcode, pieces, fin);
  }

  closeReceived(payload) {
    if (this.phase === 'closing') {
      this.say('the client answered our Close: closing TCP');
      return this.closeTcp();
    }
    let reply;
    let what;
    if (payload.length === 0) {
      [reply, what] = [null, 'an empty Close'];
    } else if (payload.length === 1) {
      [reply, what] = [1002, 'a 1-byte Close'];
    } else {
      const code = payload.readUInt16BE(0);
      what = `Close ${code}`;
      if (!closeCodeAllowed(code)) reply = 1002;
      else if (!isUtf8(payload.subarray(2))) reply = 1007;
      else reply = code;
    }
    this.say(`${what} received, answered with ${reply === null ? 'an empty Close' : reply}; closing TCP`);
    this.send(OP.CLOSE, [closePayload(reply)]);
    this.closeTcp();
  }
}

function stopped() {
  log('stopped');
  process.exit(0);
}

function shutDown(signal) {
  if (shuttingDown) return;
  shuttingDown = true;
  log(`${signal} received: closing ${connections.size} connection(s) with 1001`);
  server.close();
  for (const conn of connections) conn.goingAway();
  if (connections.size === 0) return stopped();
  setTimeout(() => {
    for (const conn of connections) {
      conn.say(`no Close in answer to 1001 after ${SHUTDOWN_GRACE_MS / 1000}s: dropping`);
      conn.socket.destroy();
    }
    stopped();
  }, SHUTDOWN_GRACE_MS + 100).unref();
}

function parseArgs(argv) {
  const args = {host: '127.0.0.1', port: null};
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--port' && i + 1 < argv.length) args.port = Number(argv[++i]);
    else if (argv[i] === '--host' && i + 1 < argv.length) args.host = argv[++i];
    else {
      log(`usage: zoo-net.js --port N [--host ADDR] (not '${argv[i]}')`);
      process.exit(2);
    }
  }
  if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) {
    log('usage: zoo-net.js --port N [--host ADDR]');
    process.exit(2);
  }
  return args;
}

const args = parseArgs(process.argv.slice(2));
const server = net.createServer((socket) => connections.add(new Connection(socket)));
server.on('error', (err) => {
  log(`cannot listen on ${args.host}:${args.port}: ${err.code || err.message}`);
  process.exit(1);
});
server.listen(args.port, args.host, () => {
  const addr = server.address();
  log(`listening on ${addr.address}:${addr.port}`);
});
process.on('SIGTERM', () => shutDown('SIGTERM'));
process.on('SIGINT', () => shutDown('SIGINT'));
