"""Ping, close with a code and compression, driven like a person would on the real window,
against real loopback servers and clients on 127.0.0.1 (port 0)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt

from tests.workbench.shown_text import shown
from tests.workbench.widgets.test_panels import WAIT, click, open_client_to, start_server
from workbench.qt.log_model import COL_PREVIEW, COL_SIZE
from workbench.qt.roles import ENTRY_ROLE
from workbench.widgets.window.main_window import CLIENTS_TAB, SERVERS_TAB, MainWindow


@pytest.fixture
def window(qtbot, service, tmp_path):
    settings = QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)
    win = MainWindow(service, settings=settings, workspace_path=tmp_path / "workspace.json")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def last_row_text(view, column: int, role=Qt.ItemDataRole.DisplayRole) -> str:
    model = view.model
    return model.index(model.rowCount() - 1, column).data(role)


def test_ping_from_a_client_and_a_socket_shows_the_round_trip_in_the_log(
    qtbot, window, service, wait_for
) -> None:
    _server_id, server_page = start_server(qtbot, window, wait_for)
    client_id, client_page = open_client_to(qtbot, window, server_page, wait_for)
    click(qtbot, client_page.ping_button)
    view = client_page.log_view
    wait_for(lambda: "pong after" in (last_row_text(view, COL_PREVIEW) or ""), WAIT, "the ping row")
    assert last_row_text(view, COL_PREVIEW).endswith("ms (round trip)")
    tip = last_row_text(view, COL_PREVIEW, Qt.ItemDataRole.ToolTipRole)
    assert "ping (0x9)" in tip and "RFC 6455 §5.5.2" in tip
    assert "pong after" in window.status.label.text()

    # F6 pings the selected socket of the server shown.
    window.tabs.setCurrentIndex(SERVERS_TAB)
    (socket,) = service.engine.sockets_of(server_page.server_id)
    server_page.select_socket(socket.id)
    wait_for(lambda: server_page.ping_button.isEnabled(), WAIT, "the socket's Ping button")
    qtbot.keyClick(window, Qt.Key.Key_F6)
    wait_for(lambda: "pong after" in socket.log[-1].detail, WAIT, "the socket's ping row")
    assert service.engine.client(client_id).state == "open"


@pytest.mark.parametrize("code", [1001, 1008, 1011])
def test_a_client_closes_with_a_picked_code_and_the_server_socket_sees_it(
    qtbot, window, service, wait_for, code: int
) -> None:
    _server_id, server_page = start_server(qtbot, window, wait_for)
    client_id, client_page = open_client_to(qtbot, window, server_page, wait_for)
    picker = client_page.close_code
    picker.setCurrentIndex(picker.findData(code))
    assert picker.value() == code and "RFC 6455 §7.4.1" in picker.toolTip()
    client_page.close_reason.clear()
    qtbot.keyClicks(client_page.close_reason, "see you")
    click(qtbot, client_page.close_button)
    (socket,) = service.engine.sockets_of(server_page.server_id)
    wait_for(lambda: socket.close_code is not None, WAIT, "the socket to see the close")
    assert (socket.close_code, socket.close_reason) == (code, "see you")
    wait_for(
        lambda: service.engine.client(client_id).state == "closed", WAIT, "the client to close"
    )
    row = server_page.sockets.row_of(socket.id)
    tip = server_page.sockets.index(row, 4).data(Qt.ItemDataRole.ToolTipRole)
    assert f"{code}: " in tip and "RFC 6455 §7.4.1" in tip  # the socket table explains it
    close_rows = [e for e in socket.log if e.kind == "close"]
    assert close_rows and f"code {code}" in close_rows[-1].detail
    assert not any("cannot be sent" in text for _context, text in service.engine.errors)


def test_the_server_closes_a_socket_with_1001_and_a_reserved_code_is_refused(
    qtbot, window, service, wait_for
) -> None:
    _server_id, server_page = start_server(qtbot, window, wait_for)
    client_id, client_page = open_client_to(qtbot, window, server_page, wait_for)
    window.tabs.setCurrentIndex(SERVERS_TAB)
    (socket,) = service.engine.sockets_of(server_page.server_id)
    server_page.select_socket(socket.id)
    server_page.close_code.setValue(1005)  # never sent on the wire: refused, nothing closed
    click(qtbot, server_page.close_button)
    assert "1005" in window.status.label.text()
    assert socket.is_open
    server_page.close_code.setValue(1001)
    click(qtbot, server_page.close_button)
    wait_for(
        lambda: service.engine.client(client_id).state == "closed", WAIT, "the client to close"
    )
    assert "code 1001 (going away)" in service.engine.client(client_id).status_text
    window.tabs.setCurrentIndex(CLIENTS_TAB)
    view = client_page.log_view
    wait_for(
        lambda: view.model.rowCount() == len(service.engine.log(client_id)), WAIT, "the log view"
    )
    close_row = next(
        row
        for row in range(view.model.rowCount())
        if view.model.index(row, 0).data(ENTRY_ROLE).kind == "close"
    )
    tip = view.model.index(close_row, COL_PREVIEW).data(Qt.ItemDataRole.ToolTipRole)
    assert "1001: going away" in tip and "§7.4.1" in tip


@pytest.mark.parametrize("compress", [False, True])
def test_compression_in_the_form_decides_permessage_deflate_and_the_wire_size(
    qtbot, window, service, wait_for, compress: bool
) -> None:
    _server_id, server_page = start_server(qtbot, window, wait_for)
    click(qtbot, server_page.client_button)
    client_id = window.clients.current_id()
    client_page = window.clients.page(client_id)
    box = client_page.form.editors["compression"]
    assert box.isChecked() and client_page.form.values()["compression"] == "deflate"
    box.setChecked(compress)
    assert client_page.form.values()["compression"] == ("deflate" if compress else None)
    click(qtbot, client_page.open_button)
    wait_for(lambda: service.engine.client(client_id).state == "open", WAIT, "the client to open")
    handshake = next(e for e in service.engine.log(client_id) if e.kind == "handshake")
    assert ("permessage-deflate" in handshake.detail) is compress
    client_page.composer.set_compose_as("text")
    client_page.composer.text_editor.edit.setPlainText("plain " * 100)
    click(qtbot, client_page.composer.send_button)
    view = client_page.log_view
    wait_for(lambda: service.engine.log(client_id).messages_out == 1, WAIT, "the message to go")
    wait_for(
        lambda: view.model.rowCount() == len(service.engine.log(client_id)), WAIT, "the log view"
    )
    if not compress:
        assert last_row_text(view, COL_SIZE) == "600 B"  # no wire size: nothing compressed
        return
    wait_for(lambda: "→" in last_row_text(view, COL_SIZE), WAIT, "the size on the wire")
    payload, wire = last_row_text(view, COL_SIZE).split(" → ")
    assert payload == "600 B" and int(wire.removesuffix(" B")) < 100
    tip = shown(last_row_text(view, COL_SIZE, Qt.ItemDataRole.ToolTipRole))
    assert tip.startswith("600 bytes compressed to ") and "permessage-deflate" in tip
