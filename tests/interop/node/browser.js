// Headless Chromium (Debian's, driven by playwright-core) as a client of our Server:
//   node browser.js <chromium> <page url> '<scenario json>'
// Opens the page (so the WebSocket's Origin is the page's origin), plays the scenario inside
// it, and prints {result, socketErrors} as one JSON line; socketErrors are what Chromium's
// network layer said about failed handshakes (e.g. "Unexpected response code: 403").
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

async function main() {
  const [executablePath, pageUrl, scenarioJson] = process.argv.slice(2);
  const scenario = JSON.parse(scenarioJson);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'wsw-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    timeout: 30000,
  });
  try {
    const page = await context.newPage();
    const socketErrors = [];
    page.on('websocket', (ws) => ws.on('socketerror', (error) => socketErrors.push(String(error))));
    await page.goto(pageUrl, { timeout: 15000 });
    const source = fs.readFileSync(path.join(__dirname, 'scenario.js'), 'utf8');
    await page.addScriptTag({ content: source });
    const result = await page.evaluate(async (s) => {
      const sha256hex = async (bytes) => {
        const digest = await crypto.subtle.digest('SHA-256', bytes);
        return Array.from(new Uint8Array(digest)).map((b) => b.toString(16).padStart(2, '0')).join('');
      };
      // eslint-disable-next-line no-undef
      return playScenario(WebSocket, s, sha256hex, s.timeoutMs || 10000);
    }, scenario);
    process.stdout.write(JSON.stringify({ result, socketErrors, origin: new URL(pageUrl).origin }) + '\n');
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

main().catch((error) => { console.error(error); process.exit(1); });
