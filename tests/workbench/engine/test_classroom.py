"""The classroom in the engine (no Qt): sharing a real server on 127.0.0.1 with its student
page, the merged feed of its sockets, broadcast and kick, the URLs and the QR code."""

from __future__ import annotations

import asyncio
import io
import json
import re
from typing import Any

import pytest
import segno
from PIL import Image
from websockets.asyncio.client import connect
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed, InvalidStatus

from core import HandshakeRequest
from workbench.engine.classroom.classroom import (
    KICK_CODE,
    KICK_REASON,
    SHARED_PER_ADDRESS,
    TEACHER,
)
from workbench.engine.classroom.feed import IN, JOIN, LEAVE, OUT, ClassroomFeed, message_text
from workbench.engine.classroom.network_addresses import reachable_hosts, share_urls
from workbench.engine.classroom.qr_code import qr_png
from workbench.engine.classroom.student_page import serve_student_page, student_name
from workbench.engine.workbench import Workbench
from workbench.engine.workspace.workspace import Workspace

TIMEOUT = 10.0


async def http_get(
    port: int, path: str = "/", host: str = "127.0.0.1"
) -> tuple[str, dict[str, str], str]:
    """A plain HTTP/1.1 GET to ``host`` (a loopback address): (status line, headers, body)."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
        head = (await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), TIMEOUT)).decode()
        status, *lines = head.strip().split("\r\n")
        headers = {k.lower(): v for k, v in (line.split(": ", 1) for line in lines)}
        body = await asyncio.wait_for(
            reader.readexactly(int(headers.get("content-length", "0"))), TIMEOUT
        )
        return status, headers, body.decode()
    finally:
        writer.close()


async def until(condition: Any, timeout: float = TIMEOUT) -> None:
    async def poll() -> None:
        while not condition():
            await asyncio.sleep(0.01)

    await asyncio.wait_for(poll(), timeout)


def request(path: str, **headers: str) -> HandshakeRequest:
    return HandshakeRequest(path, Headers(headers), ("127.0.0.1", 5000))


def test_the_page_is_served_for_plain_gets_of_slash_only_and_upgrades_go_on() -> None:
    status, page, headers = serve_student_page(request("/?from=qr"))  # type: ignore[misc]
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert "<title>WebSocket Workbench" in page and "new WebSocket(" in page
    assert serve_student_page(request("/index.html"))[0] == 200  # type: ignore[index]
    assert serve_student_page(request("/secret"))[0] == 404  # type: ignore[index]
    assert serve_student_page(request("/", Upgrade="WebSocket", Connection="Upgrade")) is None


def test_student_names_come_from_the_query_trimmed_and_bounded() -> None:
    assert student_name("/?name=%20Ada%20L.%20") == "Ada L."
    assert student_name("/?name=" + "x" * 100) == "x" * 40
    assert student_name("/") is None and student_name("/?name=%20") is None


def test_urls_list_loopback_last_with_the_port_and_scheme() -> None:
    hosts = reachable_hosts()
    assert hosts[-1].startswith("127.") and all(h.count(".") == 3 for h in hosts)
    assert "0.0.0.0" not in hosts
    urls = share_urls(8080, hosts=["192.168.1.20", "127.0.0.1"])
    assert urls == ["http://192.168.1.20:8080/", "http://127.0.0.1:8080/"]
    assert share_urls(443, tls=True, hosts=["10.0.0.2"]) == ["https://10.0.0.2:443/"]


def test_the_qr_png_holds_the_url_s_modules() -> None:
    url = "http://192.168.1.20:8080/"
    image = Image.open(io.BytesIO(qr_png(url, scale=4))).convert("L")
    matrix = segno.make(url, error="m", boost_error=True).matrix
    size = len(matrix)
    assert image.size == ((size + 8) * 4, (size + 8) * 4)
    dark = [
        [image.getpixel(((x + 4) * 4 + 2, (y + 4) * 4 + 2)) < 128 for x in range(size)]
        for y in range(size)
    ]
    assert dark == [[bool(v) for v in row] for row in matrix]
    with pytest.raises(ValueError):
        qr_png("")


def test_message_text_reads_student_messages_and_bounds_the_rest() -> None:
    assert message_text('{"name": "Ada", "text": "hello"}') == "hello"
    assert message_text('{"x": 1}') == '{"x": 1}'
    assert message_text(b"\x00" * 1500) == "[1,500 bytes]"
    assert len(message_text("y" * 10_000)) == 500


@pytest.mark.asyncio
async def test_a_shared_server_serves_the_page_feeds_messages_and_kicks() -> None:
    engine = Workbench()
    server_id = engine.add_server({"host_interface": "127.0.0.1", "port": 0})
    assert server_id is not None
    assert await engine.start_server(server_id)
    classroom = engine.classroom
    feed = classroom.feed(server_id)
    assert classroom.urls(server_id) == []  # not shared yet
    assert (await http_get(engine.server(server_id).port or 0))[0] != "HTTP/1.1 200 OK"

    assert await classroom.share(server_id, True)
    handle = engine.server(server_id)
    assert handle.host == "0.0.0.0" and handle.state == "listening"
    port = handle.port or 0
    urls = classroom.urls(server_id)
    assert urls[-1] == f"http://127.0.0.1:{port}/" and all(f":{port}/" in u for u in urls)
    status, headers, body = await http_get(port, "/")
    assert status == "HTTP/1.1 200 OK" and headers["content-type"].startswith("text/html")
    assert "Class chat" in body

    async with (
        connect(f"ws://127.0.0.1:{port}/?name=Ada", proxy=None) as ada,
        connect(f"ws://127.0.0.1:{port}/", proxy=None) as other,
    ):
        await ada.send(json.dumps({"name": "Ada", "text": "hi"}))
        await until(lambda: any(e.kind == IN for e in feed.entries))
        assert classroom.announce(server_id, "welcome") == 2
        said = {"name": TEACHER, "text": "welcome", "from_teacher": True}
        assert json.loads(await asyncio.wait_for(ada.recv(), TIMEOUT)) == said
        assert json.loads(await asyncio.wait_for(other.recv(), TIMEOUT)) == said
        ada_socket = next(sid for sid, who in feed.names.items() if who == "Ada")
        assert await classroom.kick(ada_socket)
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ada.recv(), TIMEOUT)
        assert closed.value.rcvd is not None
        assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (KICK_CODE, KICK_REASON)
        await until(lambda: any(e.kind == LEAVE for e in feed.entries))

    rows = [(e.who, e.kind, e.text) for e in feed.entries if e.who == "Ada"]
    assert rows == [
        ("Ada", JOIN, rows[0][2]),
        ("Ada", IN, "hi"),
        ("Ada", OUT, "welcome"),
        ("Ada", LEAVE, f"left, code {KICK_CODE} (application code): {KICK_REASON}"),
    ]
    assert rows[0][2].startswith("joined from 127.0.0.1:")
    assert [e.kind for e in feed.entries if e.who != "Ada"][:2] == [JOIN, OUT]
    assert any("shared on the network" in e.detail for e in handle.log)

    assert await classroom.share(server_id, False)
    assert handle.host == "127.0.0.1" and handle.process_request is None
    assert classroom.urls(server_id) == []
    assert (await http_get(handle.port or 0))[0] != "HTTP/1.1 200 OK"
    await engine.shutdown()


@pytest.mark.asyncio
async def test_a_shared_server_caps_sockets_per_address_and_unsharing_gives_back_its_own_cap() -> (
    None
):
    engine = Workbench()
    uncapped = engine.add_server({"host_interface": "127.0.0.1", "port": 0})
    capped = engine.add_server({"host_interface": "127.0.0.1", "port": 0, "max_per_address": 2})
    assert uncapped is not None and capped is not None
    try:
        assert await engine.start_server(uncapped)
        assert await engine.classroom.share(uncapped, True)
        assert await engine.classroom.share(capped, True)
        handle = engine.server(uncapped)
        assert handle.options["max_per_address"] == SHARED_PER_ADDRESS
        assert engine.server(capped).options["max_per_address"] == 2  # its own cap stays
        assert engine.classroom.saved_options(uncapped)["max_per_address"] == 0
        url = f"ws://127.0.0.1:{handle.port}/"
        sockets = [
            await asyncio.wait_for(connect(url, proxy=None), TIMEOUT)
            for _ in range(SHARED_PER_ADDRESS)
        ]
        with pytest.raises(InvalidStatus) as refused:
            await asyncio.wait_for(connect(url, proxy=None), TIMEOUT)
        assert refused.value.response.status_code == 503
        for ws in sockets:
            await ws.close()
        assert await engine.classroom.share(uncapped, False)
        assert await engine.classroom.share(capped, False)
        assert handle.options["max_per_address"] == 0
        assert engine.server(capped).options["max_per_address"] == 2
        assert handle.host == "127.0.0.1"
    finally:
        await engine.shutdown()


@pytest.mark.asyncio
async def test_a_page_load_is_logged_as_served_not_as_a_refused_handshake() -> None:
    """Each student page load was logged as "refused ... with 200 OK" (and listed among the
    refused handshakes): a plain HTTP request is no handshake."""
    engine = Workbench()
    server_id = engine.add_server({"host_interface": "127.0.0.1", "port": 0})
    assert server_id is not None and await engine.classroom.share(server_id, True)
    assert await engine.start_server(server_id)
    handle = engine.server(server_id)
    assert (await http_get(handle.port or 0, "/"))[0] == "HTTP/1.1 200 OK"
    assert (await http_get(handle.port or 0, "/favicon.ico"))[0].startswith("HTTP/1.1 404")
    rows = [e.detail for e in handle.log if "GET /" in e.detail]
    assert len(rows) == 2 and not any("refused" in row for row in rows)
    assert re.fullmatch(r"served the student page to 127\.0\.0\.1:\d+ \(GET /\)", rows[0])
    assert re.fullmatch(
        r"answered 127\.0\.0\.1:\d+'s plain HTTP request \(GET /favicon\.ico\) with 404 "
        r"Not Found",
        rows[1],
    )
    assert not handle.refusals  # the Handshakes view lists no page load
    await engine.shutdown()


@pytest.mark.asyncio
async def test_the_feed_of_an_unshared_server_listens_to_no_socket() -> None:
    """A flood on a server nobody shares costs no feed: its sockets get no listener."""
    engine = Workbench()
    server_id = engine.add_server({"host_interface": "127.0.0.1", "port": 0})
    assert server_id is not None and await engine.start_server(server_id)
    feed = engine.classroom.feed(server_id)
    port = engine.server(server_id).port
    async with connect(f"ws://127.0.0.1:{port}/", proxy=None) as ws:
        await until(lambda: engine.sockets_of(server_id))
        (socket,) = engine.sockets_of(server_id)
        await ws.send("hello")
        await until(lambda: socket.log.messages_in == 1)
        assert feed.total == 0 and feed.names == {}
    await engine.shutdown()


@pytest.mark.asyncio
async def test_the_feed_is_bounded_and_stops_watching_when_closed() -> None:
    engine = Workbench()
    server_id = engine.add_server({"host_interface": "127.0.0.1", "port": 0})
    assert server_id is not None and await engine.start_server(server_id)
    feed = ClassroomFeed(engine, server_id, engine.classroom.is_shared, capacity=3, always=True)
    seen: list[str] = []
    feed.listeners.append(lambda entry: seen.append(entry.text))
    port = engine.server(server_id).port
    async with connect(f"ws://127.0.0.1:{port}/", proxy=None) as ws:
        for n in range(5):
            await ws.send(json.dumps(n))
        await until(lambda: feed.total == 6)
        assert [e.text for e in feed.entries] == ["2", "3", "4"]
        assert seen[1:] == ["0", "1", "2", "3", "4"]
        feed.close()
        await ws.send("5")
        await asyncio.sleep(0.2)  # nothing may arrive: a bounded wait for an absence
        assert feed.total == 6
    await engine.shutdown()


@pytest.mark.asyncio
async def test_a_text_server_announces_the_page_s_json_text_and_no_listener_is_reported() -> None:
    engine = Workbench()
    errors: list[str] = []
    engine.on("error_reported", lambda _context, message: errors.append(message))
    server_id = engine.add_server(
        {"host_interface": "127.0.0.1", "port": 0, "send_type": "text/plain"}
    )
    assert server_id is not None and await engine.start_server(server_id)
    assert engine.classroom.announce(server_id, "anyone?") == 0
    assert errors and "no socket is connected" in errors[-1]
    async with connect(f"ws://127.0.0.1:{engine.server(server_id).port}/", proxy=None) as ws:
        await until(lambda: bool(engine.server(server_id or "").open_sockets))
        assert engine.classroom.announce(server_id, "quiet please") == 1
        said = await asyncio.wait_for(ws.recv(), TIMEOUT)
        assert json.loads(said) == {"name": TEACHER, "text": "quiet please", "from_teacher": True}
    await engine.shutdown()


@pytest.mark.asyncio
async def test_sharing_is_kept_in_the_workspace_and_a_loaded_shared_server_binds_every_interface(
    tmp_path: Any,
) -> None:
    engine, other = Workbench(), Workbench()
    changed_while: list[bool] = []
    try:
        shared_id = engine.add_server({"host_interface": "127.0.0.1", "port": 0}, "class")
        plain_id = engine.add_server({"host_interface": "127.0.0.1", "port": 0}, "plain")
        assert shared_id is not None and plain_id is not None
        assert await engine.classroom.share(shared_id, True)
        workspace = engine.to_workspace()
        # The file keeps the host the teacher chose and says "shared" beside it.
        assert [(s.name, s.shared) for s in workspace.servers] == [
            ("class", True),
            ("plain", False),
        ]
        assert workspace.servers[0].options["host_interface"] == "127.0.0.1"
        path = workspace.save(tmp_path / "classroom.json")

        other.on("server_changed", lambda sid: changed_while.append(other.classroom.is_shared(sid)))
        assert await other.load_workspace(Workspace.load(path))
        loaded = {h.name: h.id for h in other.servers.values()}
        assert other.classroom.is_shared(loaded["class"]) and changed_while == [True]
        assert not other.classroom.is_shared(loaded["plain"])
        assert other.to_workspace() == workspace  # a second save writes the same file

        assert await other.start_server(loaded["class"])
        handle = other.server(loaded["class"])
        assert handle.host == "0.0.0.0" and handle.state == "listening"
        # Bound to every interface: 127.0.0.2 (loopback, but not the 127.0.0.1 of the file)
        # gets the student page; the unshared server, bound to 127.0.0.1, refuses it.
        assert (await http_get(handle.port or 0, host="127.0.0.2"))[0] == "HTTP/1.1 200 OK"
        assert await other.start_server(loaded["plain"])
        with pytest.raises(OSError):
            await http_get(other.server(loaded["plain"]).port or 0, host="127.0.0.2")
        assert other.classroom.urls(loaded["class"])[-1] == f"http://127.0.0.1:{handle.port}/"
        # Unsharing the loaded server gives back the host it had before it was shared.
        assert await other.classroom.share(loaded["class"], False)
        assert handle.host == "127.0.0.1" and handle.state == "listening"
    finally:
        await engine.shutdown()
        await other.shutdown()
