"""The Frames view on real loopback servers and clients: its rows are what was on the wire.

A workbench client talks to a workbench server (echo) on 127.0.0.1: a text message, a ping,
a close with 1001. Both ends' Frames views show each frame with its exact header fields.
"""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QSettings

from core import Frame
from workbench.engine.protocol.frame_store import FrameRow, FrameStore
from workbench.qt.frame_model import COLUMNS, FrameModel, frame_preview
from workbench.widgets.protocol.frames_view import (
    FramesView,
    client_frames_view,
    socket_frames_view,
)
from workbench.widgets.window.main_window import CLIENTS_TAB, SERVERS_TAB, MainWindow

WAIT = 5.0
REASON = "going away"


def rows(view: FramesView) -> list[tuple[str, str, bool, bool, bool, int, bytes]]:
    found = [view.model.frame(row) for row in range(view.model.rowCount())]
    return [
        (r.direction, r.opcode, r.fin, r.rsv1, r.masked, r.length, r.data)
        for r in found
        if r is not None
    ]


def texts(view: FramesView, row: int) -> list[str]:
    return [str(view.model.index(row, column).data()) for column in range(len(COLUMNS))]


@pytest.fixture
def conversation(qtbot, service, run, wait_for):
    """(client view, socket view, ping payload) after text, ping and a 1001 close."""
    server_id = service.engine.add_server(
        {"port": 0, "host_interface": "127.0.0.1", "compression": None}
    )
    assert server_id is not None and service.engine.set_auto_reply(server_id, "echo")
    assert run(service.engine.start_server(server_id))
    client_id = service.engine.add_client_for(server_id, {"compression": None})
    assert client_id is not None
    client_view = client_frames_view(service, client_id)
    qtbot.addWidget(client_view)
    client_view.show()  # the watch starts before the client has a core object
    assert client_view.watch.running and client_view.watch.watched is None
    assert run(service.engine.open_client(client_id))
    assert client_view.watch.watched is service.engine.client(client_id).core
    (socket,) = service.engine.sockets_of(server_id)
    socket_view = socket_frames_view(service, socket.id)
    # The engine's conversation recorder (p3) listens to a workbench client's other end.
    base = socket.core.listener_count("frame")
    qtbot.addWidget(socket_view)
    assert socket.core.listener_count("frame") == base  # nothing more before it is shown
    socket_view.show()
    assert socket.core.listener_count("frame") == base + 1
    assert service.engine.send(client_id, "hello")
    wait_for(lambda: service.engine.log(client_id).messages_in == 1, WAIT, "the echo")
    run(service.engine.client(client_id).core.ping())
    run(service.engine.close_client(client_id, 1001, REASON))
    wait_for(lambda: socket.closed_at is not None, WAIT, "the socket to close")
    for view in (client_view, socket_view):
        wait_for(lambda v=view: v.model.rowCount() == 6, WAIT, "six frames in each view")
    ping = client_view.model.frame(2)
    assert ping is not None and ping.opcode == "ping"
    return client_view, socket_view, ping.data


def test_both_ends_show_exactly_the_frames_on_the_wire(conversation) -> None:
    client_view, socket_view, ping = conversation
    close = (1001).to_bytes(2, "big") + REASON.encode()
    assert len(ping) == 4
    # The client masks what it sends; the server never masks.
    assert rows(client_view) == [
        ("out", "text", True, False, True, 7, b'"hello"'),
        ("in", "text", True, False, False, 7, b'"hello"'),
        ("out", "ping", True, False, True, 4, ping),
        ("in", "pong", True, False, False, 4, ping),
        ("out", "close", True, False, True, len(close), close),
        ("in", "close", True, False, False, len(close), close),
    ]
    assert rows(socket_view) == [
        ("in", "text", True, False, True, 7, b'"hello"'),
        ("out", "text", True, False, False, 7, b'"hello"'),
        ("in", "ping", True, False, True, 4, ping),
        ("out", "pong", True, False, False, 4, ping),
        ("in", "close", True, False, True, len(close), close),
        ("out", "close", True, False, False, len(close), close),
    ]
    assert texts(client_view, 0)[1:] == ["→ out", "text", "1", "0", "1", "7 B", '"hello"']
    assert texts(client_view, 5)[1:] == [
        "← in",
        "close",
        "1",
        "0",
        "0",
        f"{len(close)} B",
        f"code 1001 “{REASON}”",
    ]
    assert client_view.model.store.frames_out == 3 and client_view.model.store.frames_in == 3


def test_selecting_a_frame_shows_its_header_bit_by_bit(conversation) -> None:
    client_view, _socket_view, _ping = conversation
    detail = client_view.detail
    assert detail.field_texts() == []  # the empty state
    client_view.select_row(4)  # the client's close frame
    row = client_view.model.frame(4)
    assert isinstance(row, FrameRow)
    length = 2 + len(REASON)
    assert detail.field_texts() == [
        ("FIN", "1", "final"),
        ("RSV1", "0", "not compressed"),
        ("RSV2", "0", "0"),
        ("RSV3", "0", "0"),
        ("Opcode", "1000", "0x8 close"),
        ("MASK", "1", "masked"),
        ("Payload length", f"{length:07b}", str(length)),
        ("Masking key", "?" * 32, "not known"),
    ]
    assert "88 8c ?? ?? ?? ??" in detail.summary.text()
    assert "6 bytes" in detail.summary.text()


def test_compressed_frames_show_payload_and_wire_sizes(qtbot, service, run, wait_for) -> None:
    server_id = service.engine.add_server({"port": 0, "host_interface": "127.0.0.1"})
    assert server_id is not None and run(service.engine.start_server(server_id))
    client_id = service.engine.add_client_for(server_id, {"compression": "deflate"})
    assert client_id is not None
    view = client_frames_view(service, client_id)
    qtbot.addWidget(view)
    view.show()
    assert run(service.engine.open_client(client_id))
    text = "a" * 1000
    assert service.engine.send(client_id, text)
    wait_for(lambda: view.model.rowCount() == 1, WAIT, "the sent frame")
    row = view.model.frame(0)
    assert row is not None and row.rsv1 and row.data_length == len(text) + 2
    assert row.length < 100  # a thousand "a" compress well
    assert texts(view, 0)[4] == "1"
    assert texts(view, 0)[6] == f"{row.length} B wire / 1002 B"


def test_fragments_are_indented_under_their_message_and_ticks_batch_inserts(qtbot) -> None:
    store = FrameStore(capacity=4)
    model = FrameModel(store, autostart=False)
    for opcode, data, fin in [
        ("text", b"one ", False),
        ("ping", b"", True),
        ("continuation", b"two ", False),
        ("continuation", b"three", True),
    ]:
        store.add(Frame("in", opcode, fin, False, False, len(data), data, time.monotonic()))
    assert model.rowCount() == 0 and model.sync() == 4 and model.insert_batches == 1
    opcodes = [model.index(row, 2).data() for row in range(4)]
    assert opcodes == [
        "text #1 (fragmented)",
        "ping",
        "   ↳ continuation #2",
        "   ↳ continuation #3",
    ]
    assert [model.index(row, 7).data() for row in range(4)] == ["one ", "(empty)", "two ", "three"]
    store.add(Frame("in", "binary", True, False, False, 3, b"\x00\x01\x02", time.monotonic()))
    assert model.sync() == 1 and model.rowCount() == 4  # the oldest left at the row cap
    assert model.index(3, 7).data() == "00 01 02"
    assert model.index(0, 2).data() == "ping"


def test_the_client_page_and_the_socket_log_have_frames_tabs(
    qtbot, service, run, wait_for, tmp_path
) -> None:
    settings = QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)
    window = MainWindow(service, settings=settings, workspace_path=tmp_path / "workspace.json")
    qtbot.addWidget(window)
    window.show()
    server_id = service.engine.add_server({"port": 0, "host_interface": "127.0.0.1"})
    assert server_id is not None and run(service.engine.start_server(server_id))
    client_id = service.engine.add_client_for(server_id, {})
    assert client_id is not None
    page = window.clients.page(client_id)
    assert [page.log_tabs.tabText(i) for i in range(2)] == ["Messages", "Frames"]
    assert not page.frames_view.watch.running  # not shown yet: core taps nothing
    window.tabs.setCurrentIndex(CLIENTS_TAB)
    page.log_tabs.setCurrentWidget(page.frames_view)
    wait_for(lambda: page.frames_view.watch.running, WAIT, "the frames tab to be shown")
    assert run(service.engine.open_client(client_id))
    assert service.engine.send(client_id, {"n": 1})
    wait_for(lambda: page.frames_view.model.rowCount() == 1, WAIT, "the sent frame")

    window.tabs.setCurrentIndex(SERVERS_TAB)
    server_page = window.servers.page(server_id)
    (socket,) = service.engine.sockets_of(server_id)
    server_page.select_socket(socket.id)
    server_page.open_selected_log()
    frames = server_page.frames_views[socket.id]
    index = server_page.logs.indexOf(frames)
    assert server_page.logs.tabText(index).endswith(" frames")
    assert server_page.logs.indexOf(server_page.log_views[socket.id]) == index - 1
    base = socket.core.listener_count("frame")  # the conversation recorder's (p3)
    server_page.logs.setCurrentWidget(frames)
    wait_for(
        lambda: socket.core.listener_count("frame") == base + 1, WAIT, "the socket's frames tab"
    )
    server_page.logs.tabCloseRequested.emit(index - 1)  # closing the log closes its frames
    assert socket.id not in server_page.frames_views
    assert server_page.logs.count() == 3  # Server events, Handshakes (p2), Classroom (f1)
    assert socket.core.listener_count("frame") == base


@pytest.mark.parametrize(
    ("opcode", "data", "preview"),
    [
        ("ping", b"\x9a\x00\xffn", "9a 00 ff 6e"),
        ("pong", b"keepalive", "keepalive"),
        ("text", "é".encode() * 100, "é" * 80 + "…"),
        ("continuation", "ü".encode()[:1], ""),  # a fragment may end inside a character
        ("binary", b"abc", "61 62 63"),
    ],
)
def test_previews_show_text_as_text_and_other_bytes_as_hex(opcode, data, preview) -> None:
    row = FrameRow(
        0.0, "in", opcode, True, False, False, len(data), len(data), data, None, None, -1, 0
    )
    assert frame_preview(row) == preview
