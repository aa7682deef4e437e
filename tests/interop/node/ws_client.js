// Node `ws` as a client of our Server: node ws_client.js '<scenario json>'
// Prints the scenario's result as one JSON line.
const crypto = require('crypto');
const WebSocket = require('ws');
const { playScenario } = require('./scenario.js');

const scenario = JSON.parse(process.argv[2]);
const sha256hex = async (bytes) => crypto.createHash('sha256').update(bytes).digest('hex');
playScenario(WebSocket, scenario, sha256hex, scenario.timeoutMs || 10000).then((result) => {
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(0);
});
