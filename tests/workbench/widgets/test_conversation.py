"""The Conversation view on a real loopback pair in one window: arrows drawn from both ends,
reachable from the client page and the server's socket box, an empty state that says why,
the exports (SVG is valid XML with the lane titles, PNG has the export's size), and a
diagram of thousands of rows that paints only the rows in view."""

from __future__ import annotations

import stat
import xml.etree.ElementTree as ET

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from tests.workbench.widgets.test_panels import (
    WAIT,
    click,
    open_client_to,
    settings,
    start_server,
    window,
)
from workbench.engine.protocol.conversation import Arrow, Conversation, EndpointTrace
from workbench.widgets.common.diagram_export import EXPORT_WIDTH, export_size
from workbench.widgets.protocol import conversation_view
from workbench.widgets.protocol.conversation_painter import HEADER_HEIGHT, ROW_HEIGHT
from workbench.widgets.protocol.conversation_view import ConversationDiagram, ConversationView

__all__ = ["settings", "window"]  # fixtures used here


def test_client_and_socket_show_the_same_conversation_and_export_it(
    qtbot, window, service, wait_for, tmp_path
):
    server_id, server_page = start_server(qtbot, window, wait_for)
    client_id, client_page = open_client_to(qtbot, window, server_page, wait_for)
    assert service.engine.send(client_id, "hello"), service.engine.errors
    wait_for(lambda: service.engine.log(client_id).messages_out == 1, WAIT, "the message to go")

    click(qtbot, client_page.conversation_button)
    view = client_page.findChild(ConversationView)
    assert view is not None and view.isVisible() and view.isWindow()
    wait_for(lambda: view.conversation is not None and len(view.conversation.rows) >= 3, WAIT)
    kinds = [(a.kind, a.direction) for a in view.conversation.rows][:3]
    assert kinds == [("request", "c2s"), ("response", "s2c"), ("text", "c2s")]
    assert view.stack.currentWidget() is view.diagram
    assert list(view.diagram.visible_rows())[:3] == [0, 1, 2]
    client_title, socket_title = view.conversation.title()
    assert client_title.startswith("client 127.0.0.1:")

    (socket,) = service.engine.sockets_of(server_id)
    server_page.select_socket(socket.id)
    click(qtbot, server_page.socket_box.conversation_button)
    socket_view = server_page.findChild(ConversationView)
    assert socket_view is not None and socket_view.item_id == socket.id
    assert socket_view.conversation is view.conversation  # one conversation, two doors

    svg, png = tmp_path / "c.svg", tmp_path / "c.png"
    assert view.export_svg(str(svg)) and view.export_png(str(png))
    assert [stat.S_IMODE(p.stat().st_mode) for p in (svg, png)] == [0o600, 0o600]  # private
    texts = " ".join(e.text or "" for e in ET.parse(svg).getroot().iter())
    assert client_title in texts and socket_title in texts and "101 Switching Protocols" in texts
    image = QImage(str(png))
    expected = export_size(view.diagram)
    assert (image.width(), image.height()) == (expected.width(), expected.height())
    assert expected.width() == EXPORT_WIDTH
    assert expected.height() == HEADER_HEIGHT + len(view.conversation.rows) * ROW_HEIGHT + 8
    assert not view.export_png(str(tmp_path / "missing" / "c.png"))  # a failed write says so


def test_empty_state_says_why_and_follows_the_client(qtbot, window, service, wait_for):
    client_id = service.engine.add_client({"host": "127.0.0.1", "port": 9, "numberOfRetries": 0})
    page = window.clients.page(client_id)
    view = page.show_conversation()
    assert view.stack.currentWidget() is view.empty
    assert "not connected yet" in view.empty.text()
    assert not view.svg_button.isEnabled() and not view.png_button.isEnabled()
    assert page.show_conversation() is view  # raised, not opened twice
    assert view.timer.isActive()
    view.close()
    assert not view.timer.isActive()  # a closed window does not poll


def _big_conversation(rows: int) -> Conversation:
    client, server = EndpointTrace("client"), EndpointTrace("server")
    for trace in (client, server):
        trace.opened(("127.0.0.1", 5), "/", None, None)
    conversation = Conversation(client, server, max_rows=rows)
    for n in range(rows):
        conversation.rows.append(
            Arrow("text", "c2s" if n % 2 else "s2c", n, n + 0.1, size=n, plain_size=n)
        )
    return conversation


def test_ten_thousand_rows_paint_only_the_visible_ones_and_scroll_to_the_end(qtbot, monkeypatch):
    painted: list[int] = []
    real_paint_rows = conversation_view.paint_rows

    def counting_paint_rows(painter, rows, *args):
        painted.append(len(rows))
        real_paint_rows(painter, rows, *args)

    monkeypatch.setattr(conversation_view, "paint_rows", counting_paint_rows)
    diagram = ConversationDiagram()
    qtbot.addWidget(diagram)
    diagram.resize(800, 600)
    diagram.show()
    qtbot.waitExposed(diagram)
    diagram.set_conversation(_big_conversation(10_000))
    diagram.setFocus()
    qtbot.keyClick(diagram, Qt.Key.Key_End)
    visible = diagram.visible_rows()
    assert visible.stop == 10_000 and 15 < len(visible) < 40
    assert not diagram.viewport().grab().isNull()
    assert painted and painted[-1] == len(visible)  # painted those rows only
    bar = diagram.verticalScrollBar()
    assert bar.value() == bar.maximum() > 100_000
    qtbot.keyClick(diagram, Qt.Key.Key_Home)
    assert bar.value() == 0
