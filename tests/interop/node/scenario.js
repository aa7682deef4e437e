// The scenario a real client peer plays against our Server; shared by the Node `ws` client
// (ws_client.js) and the browser (browser.js, where it runs inside the page).
// A scenario is {url, steps, expect, close: [code, reason]}; each step is {text} or
// {binary: size, seed}. Binary bytes are byte[i] = (i * 31 + seed) & 255, as in peers.py.
// It resolves to {opened, received: [{kind, len, sha256, text?}], close: {code, reason,
// wasClean}, errors} and never waits longer than timeoutMs.
async function playScenario(WebSocketClass, scenario, sha256hex, timeoutMs) {
  const result = { opened: false, received: [], close: null, errors: 0 };
  const pending = [];
  const ws = new WebSocketClass(scenario.url);
  ws.binaryType = 'arraybuffer';
  const done = new Promise((resolve) => {
    const timer = setTimeout(() => { result.timedOut = true; resolve(); }, timeoutMs);
    ws.onopen = () => {
      result.opened = true;
      for (const step of scenario.steps) {
        if (step.text !== undefined) ws.send(step.text);
        else {
          const bytes = new Uint8Array(step.binary);
          for (let i = 0; i < step.binary; i++) bytes[i] = (i * 31 + step.seed) & 255;
          ws.send(bytes);
        }
      }
      if (scenario.expect === 0) ws.close(scenario.close[0], scenario.close[1]);
    };
    ws.onmessage = (event) => {
      const index = result.received.length;
      if (typeof event.data === 'string') {
        result.received.push({ kind: 'text', len: event.data.length, text: event.data });
      } else {
        const bytes = new Uint8Array(event.data);
        result.received.push({ kind: 'binary', len: bytes.length });
        pending.push(sha256hex(bytes).then((h) => { result.received[index].sha256 = h; }));
      }
      if (result.received.length === scenario.expect) ws.close(scenario.close[0], scenario.close[1]);
    };
    ws.onerror = () => { result.errors += 1; };
    ws.onclose = (event) => {
      result.close = { code: event.code, reason: event.reason, wasClean: event.wasClean };
      clearTimeout(timer);
      resolve();
    };
  });
  await done;
  await Promise.all(pending);
  return result;
}

if (typeof module !== 'undefined') module.exports = { playScenario };
