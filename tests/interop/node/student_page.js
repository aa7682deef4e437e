// Headless Chromium (Debian's, driven by playwright-core) as a student on the class page:
//   node student_page.js <chromium> <page url> <name> <text>
// Opens the page the workbench serves, joins with <name>, sends <text>, then waits for a
// message containing "welcome" (the teacher's broadcast) and for a kick (status "code 4000");
// prints {title, status, log, wsUrl} as one JSON line.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

async function main() {
  const [executablePath, pageUrl, name, text] = process.argv.slice(2);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'wsw-student-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    timeout: 30000,
  });
  try {
    const page = await context.newPage();
    let wsUrl = null;
    page.on('websocket', (ws) => { wsUrl = ws.url(); });
    await page.goto(pageUrl, { timeout: 15000 });
    await page.fill('#name', name);
    await page.click('#join-button');
    await page.waitForFunction(
      () => document.getElementById('status').textContent.startsWith('Connected as'),
      null, { timeout: 15000 });
    await page.fill('#text', text);
    await page.press('#text', 'Enter');
    const log = () => Array.from(document.querySelectorAll('#log li')).map((li) => li.textContent);
    await page.waitForFunction(
      () => Array.from(document.querySelectorAll('#log li')).some((li) => li.textContent.includes('welcome')),
      null, { timeout: 20000 });
    await page.waitForFunction(
      () => document.getElementById('status').textContent.includes('code 4000'),
      null, { timeout: 20000 });
    const result = {
      title: await page.title(),
      status: await page.textContent('#status'),
      log: await page.evaluate(log),
      wsUrl,
    };
    process.stdout.write(JSON.stringify(result) + '\n');
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

main().catch((error) => { console.error(error); process.exit(1); });
