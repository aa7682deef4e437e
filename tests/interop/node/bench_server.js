// Node `ws` as the server of tests/benchmarks/core_vs_websockets.py (its speed_servers.py
// twin): node bench_server.js [--deflate]
// By request path: /echo sends every message back in its own frame type; /sink answers only
// the text message END; /json parses every message as JSON and answers only the string "END".
// Prints {"port": P, "json_port": P} once listening and serves until it is killed.
// --deflate: permessage-deflate on every message (threshold 0), as websockets does.
const { WebSocketServer } = require('ws');

const deflate = process.argv.includes('--deflate');
const wss = new WebSocketServer({
  host: '127.0.0.1', port: 0, maxPayload: 0, backlog: 1024,
  perMessageDeflate: deflate ? { threshold: 0 } : false,
});
wss.on('listening', () => {
  const { port } = wss.address();
  process.stdout.write(JSON.stringify({ port, json_port: port }) + '\n');
});
wss.on('connection', (ws, request) => {
  if (request.url === '/echo') {
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  } else if (request.url === '/json') {
    ws.on('message', (data) => { if (JSON.parse(data.toString()) === 'END') ws.send('"END"'); });
  } else {
    ws.on('message', (data) => { if (data.toString() === 'END') ws.send('END'); });
  }
});
