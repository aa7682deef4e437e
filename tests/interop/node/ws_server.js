// Node `ws` as a server for our Client: node ws_server.js
// Listens on 127.0.0.1 with a free port and prints {"port": N} first. Echoes every message
// with its own frame type. A text message "close <code> <reason>" makes it close with that
// code. Prints one JSON line per event: {"message": kind, "len", "sha256"} and
// {"close": code, "reason"}. Exits after the first connection closes.
const crypto = require('crypto');
const { WebSocketServer } = require('ws');

const out = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 16 * 1024 * 1024 });
wss.on('listening', () => out({ port: wss.address().port }));
wss.on('connection', (ws, request) => {
  out({ connection: request.url, origin: request.headers.origin || null });
  ws.on('message', (data, isBinary) => {
    const sha256 = crypto.createHash('sha256').update(data).digest('hex');
    out({ message: isBinary ? 'binary' : 'text', len: data.length, sha256 });
    const text = isBinary ? null : data.toString('utf8');
    const match = text && /^close (\d+) (.*)$/.exec(text);
    if (match) ws.close(Number(match[1]), match[2]);
    else ws.send(data, { binary: isBinary });
  });
  ws.on('close', (code, reason) => {
    out({ close: code, reason: reason.toString('utf8') });
    wss.close();
    process.exit(0);
  });
});
setTimeout(() => { out({ timeout: true }); process.exit(2); }, 30000);
