#!/usr/bin/env bash
# Set up everything WebSocket Workbench needs on a fresh Debian/Ubuntu machine:
# the system libraries Qt loads (also offscreen), then a virtual environment in .venv
# with the project installed in editable mode with the extras given (default: gui).
#   bash resources/install.sh            # the workbench
#   bash resources/install.sh test       # the workbench and the test tools
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-gui}"

qt_packages=(libegl1 libgl1 libxkbcommon0 libfontconfig1 libfreetype6 libdbus-1-3 libglib2.0-0
  fontconfig fonts-dejavu-core libxkbcommon-x11-0 libx11-xcb1 libxcb-cursor0 libxcb-icccm4
  libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-randr0 libxcb-shape0 libxcb-xkb1
  libxcb-shm0 libxcb-sync1 libxcb-xfixes0 libxcb-util1)
# Tests: a display server for the screenshots, and valgrind for the instruction counts of
# tests/benchmarks/connect_instructions.py (its smoke test runs in CI).
[ "$extras" = test ] && qt_packages+=(xvfb xauth valgrind)

if command -v dpkg-query >/dev/null && command -v apt-get >/dev/null; then
  missing=()
  for p in "${qt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
    echo "Installing system packages: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends --no-upgrade "${missing[@]}" >/dev/null
  fi
fi

python=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[$extras]"
