"""A scenario exported as a pytest file passes against its server and fails against a broken
one, run by pytest in a subprocess; the file is clean Python that uses core and pytest only."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from tests.workbench.engine.scenarios.servers import chat_server, echo_server
from tests.workbench.engine.scenarios.test_runner import CHAT
from workbench.engine.scenarios.export_pytest import ExportError, export_pytest
from workbench.engine.scenarios.loading import load_text
from workbench.engine.scenarios.variables import Sources

pytestmark = pytest.mark.asyncio

ROOT = Path(__file__).resolve().parents[4]
#: The issue's example with the port and token taken from the environment at test time.
SCENARIO = CHAT.replace("{{port}}", "{{PORT}}").replace("text: hi}}\n", "text: hi}, within: 1s}\n")


def exported(text: str, **environ: str) -> str:
    return export_pytest(load_text(text, "chat.yaml", Sources(environ=environ)), "chat.yaml")


async def pytest_on(file: Path, **environ: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:randomly",
        str(file),
        cwd=file.parent,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(ROOT),
            "QT_QPA_PLATFORM": "offscreen",
            **environ,
        },
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(), 120)
    return process.returncode or 0, out.decode()


async def test_the_exported_file_passes_against_the_server_and_fails_when_it_breaks(
    tmp_path: Path,
) -> None:
    source = exported(SCENARIO, PORT="1", TOKEN="secret")
    assert "secret" not in source  # read from the environment when the test runs
    assert "TOKEN = os.environ['TOKEN']" in source and "USER = 'alice'" in source
    assert "import workbench" not in source and "from workbench" not in source
    file = tmp_path / "test_chat.py"
    file.write_text(source)
    async with chat_server() as (server, _chat):
        rc, out = await pytest_on(file, PORT=str(server.port), TOKEN="t")
    assert rc == 0, out
    assert "1 passed" in out
    async with chat_server(broken=True) as (server, _chat):
        rc, out = await pytest_on(file, PORT=str(server.port), TOKEN="t")
    assert rc == 1, out
    assert "AssertionError: no matching message within 1 s; skipped: [{'type': 'sad'" in out, out


async def test_the_exported_file_passes_pyflakes_and_bugbear(tmp_path: Path) -> None:
    file = tmp_path / "test_chat.py"
    file.write_text(exported(SCENARIO, PORT="1", TOKEN="t"))
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "ruff",
        "check",
        "--isolated",
        "--select",
        "F,B,E7,E9",
        str(file),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, out.decode()


ECHO = """
vars: {greeting: hi}
url: "ws://127.0.0.1:{{PORT}}/"
options: {receive_type: "*/*"}
steps:
  - send: {text: "{{greeting}} there"}
  - expect: {text: /^hi/, type: text/plain, strict: true}
  - send: {bytes: 00 ff}
  - expect: {bytes: 00 ff, type: application/octet-stream}
  - send: {message: {n: [1, 2]}}
  - expect: {text: '{"n":[1,2]}'}
  - expect_none: {within: 100ms}
  - close: {code: 4000, reason: done}
"""


async def test_text_bytes_and_json_sends_export_and_run(tmp_path: Path) -> None:
    file = tmp_path / "test_echo.py"
    source = exported(ECHO, PORT="1")
    assert "send_type='*/*'" in source and "json.dumps({'n': [1, 2]}" in source
    assert 'await client.send(f"{GREETING} there")' in source
    file.write_text(source)
    async with echo_server() as server:
        rc, out = await pytest_on(file, PORT=str(server.port))
    assert rc == 0, out


async def test_a_path_beyond_plain_subscripts_is_refused_with_the_reason() -> None:
    text = 'url: "ws://127.0.0.1:1/"\nsteps:\n  - expect: {save: {x: "$..id"}}\n'
    with pytest.raises(ExportError, match=r"save: '\$\.\.id' is beyond a plain path"):
        exported(text, PORT="1")
