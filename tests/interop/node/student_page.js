// Headless Chromium (Debian's, driven by playwright-core) as a student on the class page:
//   node student_page.js <chromium> <page url> <name> <text>
// Opens the page the workbench serves, joins with <name>, sends <text>, then sends through
// the page's own socket a message that claims to be the teacher's ("from_teacher": true,
// text "forged"), then waits for a message containing "welcome" (the teacher's announcement)
// and for a kick (status "code 4000"); prints {title, status, log, classes, wsUrl, csp,
// consoleErrors} as one JSON line (console errors include Content-Security-Policy refusals).
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
    const consoleErrors = [];
    page.on('websocket', (ws) => { wsUrl = ws.url(); });
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(String(error)));
    const response = await page.goto(pageUrl, { timeout: 15000 });
    await page.fill('#name', name);
    await page.click('#join-button');
    await page.waitForFunction(
      () => document.getElementById('status').textContent.startsWith('Connected as'),
      null, { timeout: 15000 });
    await page.fill('#text', text);
    await page.press('#text', 'Enter');
    await page.evaluate(() => socket.send(JSON.stringify(
      { name: 'Teacher', text: 'forged', from_teacher: true })));
    const log = () => Array.from(document.querySelectorAll('#log li')).map((li) => li.textContent);
    const classes = () => Array.from(document.querySelectorAll('#log li')).map((li) => li.className);
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
      classes: await page.evaluate(classes),
      wsUrl,
      csp: response.headers()['content-security-policy'] || null,
      consoleErrors,
    };
    process.stdout.write(JSON.stringify(result) + '\n');
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

main().catch((error) => { console.error(error); process.exit(1); });
