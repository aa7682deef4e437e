"""The Handshake view on a client page and a server page, against real loopback servers:
an accepted handshake on both ends (request beside response, the accept computation, the
negotiation explained), an Origin refusal (403) on both ends, and the empty state."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QPlainTextEdit

from workbench.engine.log.store import HANDSHAKE
from workbench.engine.protocol.handshake_record import GUID
from workbench.widgets.window.main_window import MainWindow

WAIT = 5.0
LOCAL = "127.0.0.1"


@pytest.fixture
def window(qtbot, service, tmp_path: Path):
    settings = QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)
    win = MainWindow(service, settings=settings, workspace_path=tmp_path / "workspace.json")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def click(qtbot, widget) -> None:
    assert widget.isEnabled(), f"{widget.objectName() or widget.text()} is disabled"
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def started_server(qtbot, window, wait_for, **options):
    server_id = window.service.engine.add_server({"host_interface": LOCAL, "port": 0, **options})
    page = window.servers.page(server_id)
    click(qtbot, page.start_button)
    wait_for(
        lambda: window.service.engine.server(server_id).state == "listening", WAIT, "listening"
    )
    return server_id, page


def client_page(window, port: int, **options):
    client_id = window.service.engine.add_client(
        {"host": LOCAL, "port": port, "number_of_retries": 0, **options}
    )
    return client_id, window.clients.page(client_id)


def test_both_ends_show_the_same_accepted_handshake_explained(qtbot, window, wait_for):
    server_id, server = started_server(qtbot, window, wait_for, subprotocols=["chat.v1"])
    assert server.logs.tabText(server.logs.indexOf(server.handshake_view)) == "Handshakes"
    port = window.service.engine.server(server_id).port
    client_id, client = client_page(window, port, path="/room", subprotocols=["chat.v1"])
    view = client.handshake_view
    assert client.log_tabs.tabText(client.log_tabs.indexOf(view)) == "Handshake"
    assert view.pages.currentIndex() == 0 and "press Open" in view.empty_hint.text()
    click(qtbot, client.open_button)
    wait_for(lambda: window.service.engine.client(client_id).state == "open", WAIT, "the client")
    wait_for(lambda: server.handshake_view.record is not None, WAIT, "the server's record")

    key = view.record.request_header("Sec-WebSocket-Key")
    concatenated = key + GUID
    sha1 = hashlib.sha1(concatenated.encode()).digest()
    accept = base64.b64encode(sha1).decode()
    for end in (view, server.handshake_view):
        assert end.pages.currentIndex() == 1 and end.chooser.isHidden()
        assert "101 Switching Protocols" in end.summary.text()
        request = end.request.toPlainText().splitlines()
        assert request[0] == "GET /room HTTP/1.1"
        assert f"Sec-WebSocket-Key: {key}" in request
        response = end.response.toPlainText().splitlines()
        assert response[0] == "HTTP/1.1 101 Switching Protocols"
        assert f"Sec-WebSocket-Accept: {accept}" in response
        steps = end.accept.text()
        assert concatenated in steps and sha1.hex() in steps and accept in steps
        assert "✓ matches" in steps
        negotiated = end.negotiation.text().splitlines()
        assert negotiated[0].endswith("the server chose chat.v1.")
        assert any(line.startswith("permessage-deflate (RFC 7692)") for line in negotiated)
    assert "client side, to ws://127.0.0.1" in view.summary.text()
    assert "server side, from 127.0.0.1:" in server.handshake_view.summary.text()
    for edit in (view.request, view.response):  # long headers wrap, not hide sideways
        assert edit.lineWrapMode() == QPlainTextEdit.LineWrapMode.WidgetWidth


def test_an_origin_refusal_shows_403_and_the_reason_on_both_ends(qtbot, window, wait_for):
    server_id, server = started_server(
        qtbot, window, wait_for, allowed_origins=["http://good.example"]
    )
    port = window.service.engine.server(server_id).port
    assert server.handshake_view.pages.currentIndex() == 0
    client_id, client = client_page(window, port, origin="http://evil.example")
    click(qtbot, client.open_button)
    wait_for(lambda: window.service.engine.client(client_id).state == "failed", WAIT, "the refusal")
    wait_for(lambda: server.handshake_view.record is not None, WAIT, "the server's record")

    for end in (client.handshake_view, server.handshake_view):
        assert "refused: 403 Forbidden" in end.summary.text()
        response = end.response.toPlainText()
        assert response.startswith("HTTP/1.1 403 Forbidden\n")
        assert "The server's reason:" in response and "http://evil.example" in response
        assert end.accept.text().startswith("Not computed: the server refused")
    assert "Origin: http://evil.example" in server.handshake_view.request.toPlainText()
    assert "are kept on the server's end only" in client.handshake_view.request.toPlainText()
    logged = [e.detail for e in window.service.engine.server(server_id).log if e.kind == HANDSHAKE]
    assert len(logged) == 1 and "403 Forbidden" in logged[0]

    # A second, admitted client: the server's chooser lists both, the newest shown.
    good_id, good = client_page(window, port, origin="http://good.example")
    click(qtbot, good.open_button)
    wait_for(lambda: window.service.engine.client(good_id).state == "open", WAIT, "the good client")
    chooser = server.handshake_view.chooser
    wait_for(lambda: chooser.count() == 2, WAIT, "two handshakes on the server")
    assert not chooser.isHidden()
    assert chooser.itemText(0).startswith("refused 127.0.0.1:")
    assert chooser.itemText(1).startswith("socket-1 127.0.0.1:")
    assert chooser.currentIndex() == 1
    assert not server.handshake_view.record.refused
    chooser.setCurrentIndex(0)
    chooser.activated.emit(0)  # as a person's pick does
    assert "refused: 403" in server.handshake_view.summary.text()
    server.handshake_view.refresh()  # the picked one stays while it is listed
    assert server.handshake_view.record.refused and chooser.currentIndex() == 0
    server.socket_table.clearSelection()
    server.select_socket(server.sockets.socket_id(0))  # selecting a socket shows its own
    assert chooser.currentIndex() == 1 and not server.handshake_view.record.refused
