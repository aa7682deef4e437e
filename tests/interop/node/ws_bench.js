// Node `ws` doing the workloads of tests/benchmarks/core_vs_websockets.py, both ends in this
// one process, as the Python sides are:
//   node ws_bench.js WORKLOAD N [--deflate] [--clients C]
// WORKLOAD: stream (N 100-byte text messages, msg/s at the receiver), json (the same 100 bytes
// as JSON.stringify'd objects, parsed by the receiver), echo (N sequential 32-byte round trips
// driven from the 'message' handler, p50/p99 in µs), big (N 1 MiB binary round trips, MB/s),
// many (C clients connect at once, then each makes N echo round trips).
// --deflate offers and accepts permessage-deflate for every message, as websockets (and so
// core) do by default; ws's own default is no compression.
// Prints one JSON line {row: value, ...}; exits 2 if a workload takes over 120 s.
const { WebSocketServer, WebSocket } = require('ws');

const [workload, nText, ...flags] = process.argv.slice(2);
const n = Number(nText);
const deflate = flags.includes('--deflate');
const clientsAt = flags.indexOf('--clients');
const clients = clientsAt >= 0 ? Number(flags[clientsAt + 1]) : 500;
// threshold 0: compress every message, small ones included, as websockets does.
const perMessageDeflate = deflate ? { threshold: 0 } : false;
const now = () => Number(process.hrtime.bigint()) / 1e9;
const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
setTimeout(() => { process.stdout.write(JSON.stringify({ timeout: workload }) + '\n'); process.exit(2); }, 120000).unref();

function server(onConnection) {
  return new Promise((resolve) => {
    const wss = new WebSocketServer({
      host: '127.0.0.1', port: 0, perMessageDeflate, maxPayload: 0, backlog: 1024,
    });
    wss.on('connection', onConnection);
    wss.on('listening', () => resolve(wss));
  });
}

function client(wss) {
  const ws = new WebSocket(`ws://127.0.0.1:${wss.address().port}/`, { perMessageDeflate, maxPayload: 0 });
  return new Promise((resolve, reject) => { ws.on('open', () => resolve(ws)); ws.on('error', reject); });
}

const echo = (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));

async function stream(parse) {
  const record = { id: 12345, name: 'sensor-7', values: [1.5, 2.25, 3.0], ok: true, tag: 'abcdefghij'.repeat(2), n: 12 };
  const text = JSON.stringify(record);
  let count = 0;
  let done;
  const finished = new Promise((resolve) => { done = resolve; });
  const wss = await server((ws) => ws.on('message', (data) => {
    if (parse) JSON.parse(data.toString());
    if (++count === n) done(now());
  }));
  const ws = await client(wss);
  const started = now();
  for (let i = 0; i < n; i++) ws.send(parse ? JSON.stringify(record) : text);
  const ended = await finished;
  ws.terminate(); wss.close();
  return (parse ? { 'JSON stream (msg/s)': n / (ended - started) } : { 'text stream 100 B (msg/s)': n / (ended - started) });
}

async function roundTrips(message) {
  const wss = await server(echo);
  const ws = await client(wss);
  const times = [];
  let started = 0;
  await new Promise((resolve) => {
    ws.on('message', () => {
      times.push(now() - started);
      if (times.length === n) { resolve(); return; }
      started = now();
      ws.send(message);
    });
    started = now();
    ws.send(message);
  });
  ws.terminate(); wss.close();
  return times;
}

async function many() {
  const wss = await server(echo);
  let started = now();
  const pool = await Promise.all(Array.from({ length: clients }, () => client(wss)));
  const connected = now() - started;
  started = now();
  await Promise.all(pool.map((ws) => new Promise((resolve) => {
    let replies = 0;
    ws.on('message', () => { if (++replies === n) resolve(); else ws.send(`message ${replies}`); });
    ws.send('message 0');
  })));
  const rate = (clients * n) / (now() - started);
  pool.forEach((ws) => ws.terminate()); wss.close();
  return { [`${clients} clients: connect all (ms)`]: connected * 1000, [`${clients} clients: echo (msg/s)`]: rate };
}

async function main() {
  let rows;
  if (workload === 'stream' || workload === 'json') rows = await stream(workload === 'json');
  else if (workload === 'echo') {
    const times = await roundTrips('y'.repeat(32));
    rows = { 'echo 32 B p50 (µs)': percentile(times, 50) * 1e6, 'echo 32 B p99 (µs)': percentile(times, 99) * 1e6 };
  } else if (workload === 'big') {
    const big = Buffer.alloc(1024 * 1024, 1);
    const times = await roundTrips(big);
    rows = { 'echo 1 MiB binary (MB/s)': (n * big.length) / times.reduce((a, b) => a + b, 0) / 1e6 };
  } else if (workload === 'many') rows = await many();
  else throw new Error(`unknown workload ${workload}`);
  process.stdout.write(JSON.stringify(rows) + '\n');
  process.exit(0);
}

main().catch((error) => { console.error(error); process.exit(1); });
