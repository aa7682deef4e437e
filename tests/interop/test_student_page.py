"""The classroom as a teacher tries it: the student page, opened in a real headless Chromium
from the shared server's own port (127.0.0.1 only), joins, and its message appears in the
feed; the teacher's announcement reaches the page and a kick closes it with 4000. The page
runs under its Content-Security-Policy without a refusal, and only the teacher's
announcement is drawn as the teacher's: not a student named "Teacher", not a message that
claims the teacher's mark."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from tests.interop.peers import NODE_DIR, chromium_or_skip, last_json_line, node_or_skip, run
from workbench.engine.classroom.classroom import KICK_CODE, KICK_REASON
from workbench.engine.classroom.feed import IN, JOIN, LEAVE, OUT
from workbench.engine.workbench import Workbench

pytestmark = pytest.mark.asyncio

TIMEOUT = 30.0


async def until(condition: Callable[[], bool], timeout: float = TIMEOUT) -> None:
    async def poll() -> None:
        while not condition():
            await asyncio.sleep(0.02)

    await asyncio.wait_for(poll(), timeout)


async def test_the_student_page_in_chromium_joins_talks_hears_and_is_kicked() -> None:
    chromium = chromium_or_skip()
    node = node_or_skip("playwright-core")
    engine = Workbench()
    server_id = engine.add_server({"port": 0}, "Class")
    assert server_id is not None
    assert engine.set_auto_reply(server_id, "echo")
    assert await engine.classroom.share(server_id, True)  # binds 0.0.0.0; we use 127.0.0.1
    assert await engine.start_server(server_id)
    feed = engine.classroom.feed(server_id)
    port = engine.server(server_id).port
    page_url = f"http://127.0.0.1:{port}/"
    assert page_url in engine.classroom.urls(server_id)
    student = asyncio.ensure_future(
        run(node, str(NODE_DIR / "student_page.js"), chromium, page_url, "Teacher", "hello class")
    )
    try:
        # Both echoes out (not only both messages in): the announcement must follow them.
        await until(lambda: sum(e.kind == OUT for e in feed.entries) == 2 or student.done())
        assert not student.done(), student.result()
        assert engine.classroom.announce(server_id, "welcome, class") == 1
        await until(lambda: any(e.text == "welcome, class" for e in feed.entries))
        [socket_id] = feed.names
        assert await engine.classroom.kick(socket_id)
        rc, out, err = await asyncio.wait_for(student, TIMEOUT)
    finally:
        if not student.done():
            student.cancel()
        await engine.shutdown()
    assert rc == 0, err[-2000:]
    outcome = last_json_line(out)
    assert outcome["title"].startswith("WebSocket Workbench")
    assert outcome["wsUrl"] == f"ws://127.0.0.1:{port}/?name=Teacher"
    assert "script-src 'sha256-" in outcome["csp"] and "frame-ancestors 'none'" in outcome["csp"]
    assert outcome["consoleErrors"] == []  # the script and style ran: no CSP refusal
    assert outcome["log"][:4] == [
        "me: hello class",
        "Teacher: hello class",  # a student who calls themself Teacher ...
        "Teacher: forged",  # ... and claims the mark: the echo came back without it
        "📣 Teacher: welcome, class",  # the teacher's announcement
    ]
    assert outcome["classes"][:4] == ["me", "", "", "teacher"]
    assert f"code {KICK_CODE} ({KICK_REASON})" in outcome["status"]
    rows = [(e.who, e.kind, e.text) for e in feed.entries]
    assert rows[0][:2] == ("Teacher", JOIN)
    talk = rows[1:6]
    # Each direction in order; the page may send "forged" before the first echo is back.
    assert [r for r in talk if r[1] == IN] == [
        ("Teacher", IN, "hello class"),
        ("Teacher", IN, "forged"),
    ]
    assert [r for r in talk if r[1] == OUT] == [
        ("Teacher", OUT, "hello class"),  # the echo
        ("Teacher", OUT, "forged"),
        ("Teacher", OUT, "welcome, class"),
    ]
    for text in ("hello class", "forged"):  # every echo after what it echoes
        assert talk.index(("Teacher", IN, text)) < talk.index(("Teacher", OUT, text))
    assert rows[6][:2] == ("Teacher", LEAVE) and f"code {KICK_CODE}" in rows[6][2]
