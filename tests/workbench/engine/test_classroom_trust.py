"""A shared server under hostile pages and students (issue 17, C8), on real sockets on
127.0.0.1: only the student page's own origin (and clients without one) may connect unless
the teacher opens it up; the page is served with a Content-Security-Policy that runs only its
own inline script and style and forbids framing; only the teacher's announcements carry the
teacher's mark, which the echo strips from what students send."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from workbench.engine.classroom.student_page import TEACHER_FIELD, strip_teacher_mark
from workbench.engine.log.store import ERROR
from workbench.engine.workbench import Workbench
from workbench.engine.workspace.workspace import Workspace

from .test_classroom import http_get, until

TIMEOUT = 10.0
EVIL = "http://evil.example"


@pytest_asyncio.fixture
async def shared() -> AsyncIterator[tuple[Workbench, str, int]]:
    """An engine with a shared, listening server (echo on): (engine, server id, port)."""
    engine = Workbench()
    server_id = engine.add_server({"host_interface": "127.0.0.1", "port": 0}, "class")
    assert server_id is not None
    assert engine.set_auto_reply(server_id, "echo")
    assert await engine.classroom.share(server_id, True)
    assert await engine.start_server(server_id)
    try:
        yield engine, server_id, engine.server(server_id).port or 0
    finally:
        await engine.shutdown()


async def upgrade_status(port: int, host: str, origin: str | None) -> str:
    """The status line a raw upgrade request with this ``Host`` and ``Origin`` gets."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        lines = [
            "GET /?name=Eve HTTP/1.1",
            f"Host: {host}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
            "Sec-WebSocket-Version: 13",
        ]
        if origin is not None:
            lines.append(f"Origin: {origin}")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), TIMEOUT)
        return head.decode().split("\r\n", 1)[0]
    finally:
        writer.close()


@pytest.mark.asyncio
async def test_the_page_runs_only_its_own_script_and_style_and_no_page_frames_it(shared) -> None:
    _engine, _server_id, port = shared
    status, headers, body = await http_get(port, "/")
    assert status == "HTTP/1.1 200 OK"
    policy = dict(
        part.strip().split(" ", 1) for part in headers["content-security-policy"].split(";")
    )
    for tag in ("script", "style"):
        [inline] = re.findall(rf"<{tag}>(.*?)</{tag}>", body, re.DOTALL)
        digest = base64.b64encode(hashlib.sha256(inline.encode()).digest()).decode()
        assert policy[f"{tag}-src"] == f"'sha256-{digest}'"  # this one, nothing else
    assert policy["default-src"] == "'none'" and policy["connect-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'" and headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    # Inline handlers and style attributes would be refused by the policy: there are none.
    assert not re.search(r"\son\w+=|\sstyle=", body)


@pytest.mark.asyncio
async def test_other_pages_are_refused_unless_the_teacher_opens_it_up(shared, tmp_path) -> None:
    engine, server_id, port = shared
    own = f"http://127.0.0.1:{port}"
    async with connect(f"ws://127.0.0.1:{port}/?name=Ada", origin=own, proxy=None) as ws:
        await ws.send("{}")  # the student page's own origin
    async with connect(f"ws://127.0.0.1:{port}/?name=script", proxy=None) as ws:
        await ws.send("{}")  # no Origin: a script, not a web page
    with pytest.raises(InvalidStatus) as refused:
        async with connect(f"ws://127.0.0.1:{port}/", origin=EVIL, proxy=None):
            pass
    assert refused.value.response.status_code == 403
    assert b"not the class page's" in refused.value.response.body
    handle = engine.server(server_id)
    await until(lambda: any("evil.example" in e.detail for e in handle.log))
    assert any("403" in e.detail and "not the class page" in e.detail for e in handle.log)
    # A page that renamed itself to this machine's address (DNS rebinding) keeps its name in
    # Host; an Origin "null" (a sandboxed frame, a file) is no page's either.
    assert await upgrade_status(port, f"evil.example:{port}", f"{EVIL}:{port}") == (
        "HTTP/1.1 403 Forbidden"
    )
    assert await upgrade_status(port, f"127.0.0.1:{port}", "null") == "HTTP/1.1 403 Forbidden"
    assert await upgrade_status(port, f"127.0.0.1:{port}", own) == (
        "HTTP/1.1 101 Switching Protocols"
    )

    changed: list[tuple[str, bool]] = []
    engine.classroom.on("any_origin_changed", lambda sid, on: changed.append((sid, on)))
    engine.classroom.set_any_origin(server_id, True)  # at once: no restart
    assert changed == [(server_id, True)] and handle.state == "listening"
    async with connect(f"ws://127.0.0.1:{port}/", origin=EVIL, proxy=None) as ws:
        await ws.send("{}")
    path = engine.to_workspace().save(tmp_path / "w.json")
    [saved] = Workspace.load(path).servers
    assert saved.shared and saved.any_origin  # kept with the workspace
    other = Workbench()
    try:
        assert await other.load_workspace(Workspace.load(path))
        [loaded] = other.servers
        assert other.classroom.is_open_to_any_origin(loaded)
    finally:
        await other.shutdown()
    engine.classroom.set_any_origin(server_id, False)
    assert not engine.to_workspace().servers[0].any_origin


@pytest.mark.asyncio
async def test_only_announcements_carry_the_teacher_s_mark(shared) -> None:
    engine, server_id, port = shared
    async with connect(f"ws://127.0.0.1:{port}/?name=Teacher", proxy=None) as ws:
        forged = {"name": "Teacher", "text": "CLASS CANCELLED", TEACHER_FIELD: True}
        await ws.send(json.dumps(forged))
        echoed = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
        assert echoed == {"name": "Teacher", "text": "CLASS CANCELLED"}  # the mark is gone
        assert engine.classroom.announce(server_id, "see you tomorrow") == 1
        said = json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))
        assert said == {"name": "Teacher", "text": "see you tomorrow", TEACHER_FIELD: True}


@pytest.mark.asyncio
async def test_a_text_server_strips_the_mark_however_it_is_spelled() -> None:
    engine = Workbench()
    options = {"host_interface": "127.0.0.1", "port": 0, "receive_type": "*/*"}
    server_id = engine.add_server({**options, "send_type": "*/*"})
    assert server_id is not None and engine.set_auto_reply(server_id, "echo")
    try:
        assert await engine.classroom.share(server_id, True)
        assert await engine.start_server(server_id)
        port = engine.server(server_id).port
        async with connect(f"ws://127.0.0.1:{port}/", proxy=None) as ws:
            # An escaped key and a duplicate both read as "from_teacher" in a browser.
            await ws.send('{"text": "hi", "\\u0066rom_teacher": true, "from_teacher": true}')
            assert json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT)) == {"text": "hi"}
            await ws.send("plain text stays as it is")
            assert await asyncio.wait_for(ws.recv(), TIMEOUT) == "plain text stays as it is"
            deep = '{"a":' * 5000 + "1" + "}" * 5000  # too deep to check here: not echoed
            await ws.send(deep)
            await ws.send("after")
            assert await asyncio.wait_for(ws.recv(), TIMEOUT) == "after"
        (socket,) = engine.sockets_of(server_id)
        assert any(e.kind == ERROR and "not echoed" in e.detail for e in socket.log)
    finally:
        await engine.shutdown()


def test_strip_teacher_mark_leaves_everything_else_as_it_came() -> None:
    value: Any = {"name": "A", "text": "t", TEACHER_FIELD: True}
    assert strip_teacher_mark(value) == {"name": "A", "text": "t"}
    assert value[TEACHER_FIELD] is True  # a copy: the logged message is untouched
    for same in ('{"text": "t"}', "[1, 2]", "not json {", b'{"from_teacher": true}', 42, None):
        assert strip_teacher_mark(same) is same
    with pytest.raises(ValueError, match="too deeply"):
        strip_teacher_mark('{"a":' + "[" * 100_000)
