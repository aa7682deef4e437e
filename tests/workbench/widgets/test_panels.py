"""The main window and its panels driven like a person would: clicks and keys on the real
widgets, against real loopback servers and clients on 127.0.0.1 (port 0), through the service.

Every wait is ``qtbot.waitUntil`` with a timeout (``wait_for``); nothing sleeps.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt

from tests.workbench.shown_text import tooltip_shown
from workbench.engine.log.jsonl import import_jsonl
from workbench.widgets.window.main_window import CLIENTS_TAB, SERVERS_TAB, TITLE, MainWindow

WAIT = 5.0


def click(qtbot, widget) -> None:
    assert widget.isEnabled(), f"{widget.objectName() or widget.text()} is disabled"
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot, service, settings, tmp_path):
    win = MainWindow(service, settings=settings, workspace_path=tmp_path / "workspace.json")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def start_server(qtbot, window, wait_for):
    """New server (from the empty state) on 127.0.0.1 port 0, started; returns (id, page)."""
    click(qtbot, window.servers.empty_new)
    server_id = window.servers.current_id()
    page = window.servers.page(server_id)
    assert page.form.values()["port"] == 0
    assert page.form.values()["host_interface"] == "127.0.0.1"
    click(qtbot, page.start_button)
    wait_for(
        lambda: window.service.engine.server(server_id).state == "listening",
        WAIT,
        "the server to listen",
    )
    port = window.service.engine.server(server_id).port
    assert page.badge.text() == f"Listening on 127.0.0.1:{port}"
    return server_id, page


def open_client_to(qtbot, window, server_page, wait_for):
    """Use the server page's "New client to it", then Open; returns (id, page)."""
    click(qtbot, server_page.client_button)
    assert window.tabs.currentIndex() == CLIENTS_TAB
    client_id = window.clients.current_id()
    page = window.clients.page(client_id)
    values = page.form.values()
    assert (values["host"], values["port"]) == ("127.0.0.1", server_page.handle.port)
    click(qtbot, page.open_button)
    wait_for(
        lambda: window.service.engine.client(client_id).state == "open", WAIT, "the client to open"
    )
    assert page.badge.text() == "Open"
    return client_id, page


def test_opens_as_an_empty_workspace_with_clear_first_steps(window):
    assert window.windowTitle() == TITLE == "WebSocket Workbench"
    assert window.tabs.currentIndex() == SERVERS_TAB
    assert window.servers.stack.currentWidget() is window.servers.empty
    assert window.servers.empty.title.text() == "No servers yet"
    assert window.servers.empty_new.text() == "New server"
    assert window.clients.empty_new.text() == "New client"
    assert [a.text() for a in window.toolbar.actions() if a.text()][:2] == [
        "New server",
        "New client",
    ]
    assert "New server" in window.status.label.text()
    assert window.status.counts.text() == "0 of 0 servers listening · 0 of 0 clients open"


def test_server_two_clients_json_text_image_and_close_4000(qtbot, window, service, wait_for):
    server_id, server_page = start_server(qtbot, window, wait_for)
    first_id, _first = open_client_to(qtbot, window, server_page, wait_for)
    window.tabs.setCurrentIndex(SERVERS_TAB)
    second_id, second = open_client_to(qtbot, window, server_page, wait_for)
    wait_for(lambda: len(service.engine.server(server_id).open_sockets) == 2, WAIT, "two sockets")
    assert server_page.sockets.rowCount() == 2
    counts = "1 of 1 server listening · 2 of 2 clients open"
    wait_for(lambda: window.status.counts.text() == counts, WAIT, "the counts")

    # JSON from the second client with Ctrl+Enter, then text and the sample image.
    composer = second.composer
    assert composer.any_kind.isVisible()  # new clients send */*: compose as anything
    composer.json_editor.edit.setPlainText('{"n": 1}')
    composer.json_editor.edit.setFocus()
    qtbot.keyClick(
        composer.json_editor.edit, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier
    )
    composer.set_compose_as("text")
    composer.text_editor.edit.setPlainText("plain words")
    click(qtbot, composer.send_button)
    composer.set_compose_as("image")
    click(qtbot, composer.image_editor.sample_button)
    wait_for(composer.send_button.isEnabled, WAIT, "the sample to be read")
    click(qtbot, composer.send_button)
    socket_id = server_page.sockets.socket_id(1)
    socket_log = service.engine.log(socket_id)
    wait_for(lambda: socket_log.messages_in == 3, WAIT, "three messages at the server")
    received = [e for e in socket_log if e.kind == "message"]
    assert received[0].raw == '{"n":1}'
    assert received[1].raw == "plain words"
    assert isinstance(received[2].raw, bytes) and received[2].raw.startswith(b"\x89PNG")

    # The server opens that socket's log and sees the image in the detail pane.
    server_page.select_socket(socket_id)
    click(qtbot, server_page.log_button)
    view = server_page.log_views[socket_id]
    assert server_page.logs.currentWidget() is view
    wait_for(lambda: view.model.rowCount() == len(socket_log), WAIT, "the socket log view")
    view.select_row(view.model.row_of_seq(socket_log.end_seq - 1))
    assert view.detail.tabs.currentIndex() == view.detail.image_index

    # The server answers with JSON and text to the selected socket, and broadcasts.
    server_page.composer.set_compose_as("json")
    server_page.composer.json_editor.edit.setPlainText('{"reply": true}')
    click(qtbot, server_page.composer.send_button)
    server_page.composer.set_compose_as("text")
    server_page.composer.text_editor.edit.setPlainText("to everyone")
    click(qtbot, server_page.broadcast_button)
    wait_for(
        lambda: service.engine.log(second_id).messages_in == 2,
        WAIT,
        "the replies at the second client",
    )
    wait_for(
        lambda: service.engine.log(first_id).messages_in == 1,
        WAIT,
        "the broadcast at the first client",
    )
    assert [e.raw for e in service.engine.log(second_id) if e.direction == "in"] == [
        '{"reply":true}',
        "to everyone",
    ]

    # Close the second client's socket from the server with 4000 and a reason.
    server_page.select_socket(socket_id)
    server_page.close_code.setValue(4000)
    server_page.close_reason.clear()
    qtbot.keyClicks(server_page.close_reason, "bye now")
    click(qtbot, server_page.close_button)
    wait_for(
        lambda: service.engine.client(second_id).state == "closed",
        WAIT,
        "the client to see the close",
    )
    assert second.badge.text() == "Closed: code 4000 (application code): bye now"
    assert second.open_button.isEnabled() and not second.close_button.isEnabled()
    assert not second.composer.send_button.isEnabled()
    wait_for(
        lambda: not server_page.close_button.isEnabled(), WAIT, "the closed socket to be inactive"
    )
    assert "4000" in server_page.sockets.index(1, 4).data()
    assert service.engine.client(first_id).state == "open"


def test_client_log_export_and_import(qtbot, window, service, wait_for, tmp_path):
    _server_id, server_page = start_server(qtbot, window, wait_for)
    client_id, page = open_client_to(qtbot, window, server_page, wait_for)
    click(qtbot, page.composer.send_button)  # the sample JSON
    store = service.engine.log(client_id)
    wait_for(
        lambda: store.messages_out == 1 and page.log_view.model.rowCount() == len(store),
        WAIT,
        "the log",
    )
    path = tmp_path / "client.jsonl"
    task = page.log_view.export_to(path)  # on the loop: batched, as a task
    assert not page.log_view.export_button.isEnabled()
    wait_for(task.done, WAIT, "the export")
    assert task.result() == len(store)
    assert page.log_view.export_button.isEnabled()
    assert window.status.label.text() == f"Exported {len(store)} log rows to {path}"
    imported = import_jsonl(path)
    assert [(e.direction, e.kind, e.raw) for e in imported.store] == [
        (e.direction, e.kind, e.raw) for e in store
    ]
    assert (
        json.loads(path.read_text(encoding="utf-8").splitlines()[0])["totals"]["messages_out"] == 1
    )


def test_log_filter_on_a_live_socket(qtbot, window, service, wait_for):
    _server_id, server_page = start_server(qtbot, window, wait_for)
    client_id, page = open_client_to(qtbot, window, server_page, wait_for)
    composer = page.composer
    composer.set_compose_as("text")
    for text in ("alpha", "beta", "alphabet"):
        composer.text_editor.edit.setPlainText(text)
        click(qtbot, composer.send_button)
    view = page.log_view
    wait_for(
        lambda: (
            service.engine.log(client_id).messages_out == 3
            and view.model.rowCount() == len(service.engine.log(client_id))
        ),
        WAIT,
        "three messages in the view",
    )
    qtbot.keyClicks(view.search, "alpha")
    assert [view.model.entry(r).raw for r in range(view.model.rowCount())] == ["alpha", "alphabet"]
    view.search.clear()
    view.kind.setCurrentIndex(2)  # Lifecycle
    assert {view.model.entry(r).kind for r in range(view.model.rowCount())} == {
        "connecting",
        "handshake",
        "open",
    }


def test_port_in_use_is_shown_in_plain_words(qtbot, window, service, wait_for):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        click(qtbot, window.servers.empty_new)
        page = window.servers.page(window.servers.current_id())
        page.form.editors["port"].setValue(port)
        click(qtbot, page.start_button)
        wait_for(lambda: page.handle.state == "failed", WAIT, "the start to fail")
    assert page.badge.text().startswith(f"Could not start: could not listen on 127.0.0.1:{port}")
    assert "in use" in page.badge.text()
    assert "in use" in window.status.label.text() and window.status.label.text().startswith("⚠")
    assert page.start_button.isEnabled() and page.form.isEnabled()


def test_refused_connection_says_why_and_counts_attempts(qtbot, window, service, wait_for):
    with socket.socket() as probe:  # a port with nobody listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    click(qtbot, window.clients.empty_new)
    page = window.clients.page(window.clients.current_id())
    page.form.editors["port"].setValue(port)
    page.form.editors["number_of_retries"].setValue(1)
    page.form.editors["time_between_retries"].setValue(50)
    attempts: list[str] = []
    service.client_state_changed.connect(
        lambda _id, state, text: attempts.append(text) if state == "connecting" else None
    )
    click(qtbot, page.open_button)
    wait_for(lambda: page.handle.state == "failed", WAIT, "the client to give up")
    assert attempts == ["connecting (attempt 1 of 2)", "connecting (attempt 2 of 2)"]
    assert page.badge.text().startswith("Failed: could not connect to ws://127.0.0.1:")
    assert "connection refused" in page.badge.text()
    assert "connection refused" in window.status.label.text()


def test_bad_option_is_shown_in_the_form_and_the_status_bar(qtbot, window):
    click(qtbot, window.servers.empty_new)
    page = window.servers.page(window.servers.current_id())
    page.form.editors["host_interface"].setText("not a host/")
    click(qtbot, page.start_button)
    assert not page.form.error_label.isHidden()
    assert "must be a host name or IP address" in page.form.error_label.text()
    assert "must be a host name or IP address" in window.status.label.text()
    assert page.handle.state == "stopped"


def test_auto_reply_echo(qtbot, window, service, wait_for):
    server_id, server_page = start_server(qtbot, window, wait_for)
    server_page.auto_mode.setCurrentIndex(server_page.auto_mode.findData("echo"))
    server_page.auto_mode.activated.emit(server_page.auto_mode.currentIndex())
    assert service.engine.server(server_id).auto_reply.mode == "echo"
    client_id, page = open_client_to(qtbot, window, server_page, wait_for)
    page.composer.json_editor.edit.setPlainText('{"echo": "me"}')
    click(qtbot, page.composer.send_button)
    wait_for(lambda: service.engine.log(client_id).messages_in == 1, WAIT, "the echo")
    assert [e.raw for e in service.engine.log(client_id) if e.direction == "in"] == [
        '{"echo":"me"}'
    ]


def test_workspace_and_layout_persist(qtbot, service, settings, tmp_path, wait_for):
    path = tmp_path / "workspace.json"
    first = MainWindow(service, settings=settings, workspace_path=path)
    qtbot.addWidget(first)
    first.show()
    click(qtbot, first.servers.empty_new)
    server_page = first.servers.page(first.servers.current_id())
    server_page.name_edit.setText("Echo box")
    server_page.name_edit.editingFinished.emit()
    server_page.form.editors["port"].setValue(0)
    server_page.form.editors["receive_type"].set_mime_type("application/json")
    click(qtbot, first.clients.empty_new)
    client_page = first.clients.page(first.clients.current_id())
    client_page.form.editors["path"].setText("/chat?room=1")
    client_page.composer.json_editor.edit.setPlainText('{"saved": 1}')
    client_page.composer.save_current("my message")
    first.tabs.setCurrentIndex(CLIENTS_TAB)
    first.close()
    wait_for(lambda: first.closed_cleanly, WAIT, "the window to close")
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert [s["name"] for s in saved["servers"]] == ["Echo box"]
    assert saved["clients"][0]["options"]["path"] == "/chat?room=1"
    assert saved["saved_messages"][0]["name"] == "my message"

    # A new window (same service process, as after a restart) brings it all back.
    run_removal = [
        service.run(service.engine.remove_server(i)) for i in list(service.engine.servers)
    ] + [service.run(service.engine.remove_client(i)) for i in list(service.engine.clients)]
    wait_for(lambda: all(t.done() for t in run_removal), WAIT, "the old items to go")
    second = MainWindow(service, settings=settings, workspace_path=path)
    qtbot.addWidget(second)
    second.show()
    wait_for(
        lambda: len(service.engine.servers) == 1 and len(service.engine.clients) == 1,
        WAIT,
        "the workspace to load",
    )
    assert second.tabs.currentIndex() == CLIENTS_TAB
    server = next(iter(service.engine.servers.values()))
    assert server.name == "Echo box"
    assert second.servers.page(server.id).form.values()["receive_type"] == "application/json"
    client = next(iter(service.engine.clients.values()))
    assert second.clients.page(client.id).form.values()["path"] == "/chat?room=1"
    assert second.clients.page(client.id).composer.reuse.itemText(1) == "★ my message"


def test_closing_the_window_closes_every_socket_cleanly(qtbot, window, service, wait_for):
    server_id, server_page = start_server(qtbot, window, wait_for)
    client_id, _page = open_client_to(qtbot, window, server_page, wait_for)
    socket_log = service.engine.log(server_page.sockets.socket_id(0))
    window.close()
    assert window.isVisible()  # it waits for the sockets first
    wait_for(lambda: window.closed_cleanly, WAIT, "the shutdown")
    assert not window.isVisible()
    assert service.engine.server(server_id).state == "stopped"
    assert service.engine.client(client_id).state == "closed"
    closes = [e.detail for e in service.engine.log(client_id) if e.kind == "close"]
    # 1001 going away, from whichever side closed first.
    assert closes in (
        ["closed with code 1001 (going away): workbench closing"],
        ["closed with code 1001 (going away): server stopping"],
    )
    assert [e.kind for e in socket_log][-1] == "close"


def test_tab_order_reaches_the_composer_and_send(qtbot, window, wait_for):
    click(qtbot, window.clients.empty_new)
    page = window.clients.page(window.clients.current_id())
    page.name_edit.setFocus()
    seen = []
    widget = page.name_edit
    for _ in range(500):  # bounded walk along the focus chain
        widget = widget.nextInFocusChain()
        seen.append(widget)
        if widget is page.name_edit:
            break
    assert page.open_button in seen
    assert page.form.editors["host"] in seen
    assert page.composer.json_editor.edit in seen
    assert seen.index(page.open_button) < seen.index(page.form.editors["host"])


def test_a_client_can_be_aimed_at_a_listening_server(qtbot, window, wait_for):
    _server_id, server_page = start_server(qtbot, window, wait_for)
    window.tabs.setCurrentIndex(CLIENTS_TAB)
    click(qtbot, window.clients.new_button)
    page = window.clients.page(window.clients.current_id())
    page.form.editors["port"].setValue(1)
    page.form.editors["path"].setText("/chat")  # kept: aiming changes only where it points
    page.aim_menu.aboutToShow.emit()
    actions = page.aim_menu.actions()
    port = server_page.handle.port
    assert [a.text() for a in actions] == [f"Server 1 — listening on 127.0.0.1:{port}"]
    actions[0].trigger()
    values = page.form.values()
    assert (values["host"], values["port"], values["path"]) == ("127.0.0.1", port, "/chat")
    assert page.url_label.text() == f"ws://127.0.0.1:{port}/chat"
    # It follows the server: after a restart on a new port the form shows the new one.
    click(qtbot, server_page.stop_button)
    wait_for(lambda: server_page.handle.state == "stopped", WAIT, "the server to stop")
    click(qtbot, server_page.start_button)
    wait_for(lambda: server_page.handle.state == "listening", WAIT, "the server to restart")
    new_port = server_page.handle.port
    assert page.form.values()["port"] == new_port
    assert page.url_label.text() == f"ws://127.0.0.1:{new_port}/chat"


def test_strict_types_follow_the_form_and_decode_errors_reach_the_status_bar(
    qtbot, window, service, wait_for
):
    click(qtbot, window.servers.empty_new)
    server_id = window.servers.current_id()
    page = window.servers.page(server_id)
    page.form.editors["receive_type"].set_mime_type("application/json")
    page.form.editors["send_type"].set_mime_type("image/png")
    assert page.composer.editor_kind() == "image"  # the composer follows the form at once
    assert not page.composer.any_kind.isVisible()
    click(qtbot, page.start_button)
    wait_for(
        lambda: service.engine.server(server_id).state == "listening", WAIT, "the server to listen"
    )
    client_id, client = open_client_to(qtbot, window, page, wait_for)

    # The client sends text that is not JSON: the server logs it raw and says so plainly.
    client.composer.set_compose_as("text")
    client.composer.text_editor.edit.setPlainText("this is not JSON")
    click(qtbot, client.composer.send_button)
    wait_for(
        lambda: "not valid application/json" in window.status.label.text(), WAIT, "the decode error"
    )
    assert window.status.label.text().startswith("⚠ Server 1")

    # The server sends the sample picture as image/png; the client receives a PNG.
    window.tabs.setCurrentIndex(SERVERS_TAB)
    page.select_socket(page.sockets.socket_id(0))
    click(qtbot, page.composer.image_editor.sample_button)
    wait_for(page.composer.send_button.isEnabled, WAIT, "the sample to be read")
    click(qtbot, page.composer.send_button)
    wait_for(
        lambda: service.engine.log(client_id).messages_in == 1, WAIT, "the image at the client"
    )
    received = next(e for e in service.engine.log(client_id) if e.direction == "in")
    assert isinstance(received.raw, bytes) and received.raw.startswith(b"\x89PNG")


def answer_removal(qtbot, panel, button: str) -> list[str]:
    """Press ``button`` ("Remove" or "Cancel") in the confirmation the panel is about to
    show; returns a list that gets the box's text (empty if no box was shown)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QMessageBox

    asked: list[str] = []

    def press() -> None:
        box = panel.findChild(QMessageBox, "confirmRemoval")
        if box is None or not box.isVisible():
            QTimer.singleShot(10, press)  # not shown yet: look again (bounded by the test)
            return
        asked.append(box.text())
        next(b for b in box.buttons() if b.text() == button).click()

    QTimer.singleShot(0, press)
    return asked


def test_remove_asks_first_when_connected_then_closes_and_forgets(qtbot, window, service, wait_for):
    server_id, server_page = start_server(qtbot, window, wait_for)
    client_id, _client = open_client_to(qtbot, window, server_page, wait_for)
    asked = answer_removal(qtbot, window.clients, "Cancel")
    click(qtbot, window.clients.remove_button)
    assert asked == [
        f"Client 1 is connected to {service.engine.client(client_id).url}; removing it closes the "
        "connection and forgets its log.\n\nRemove Client 1 anyway?"
    ]
    assert service.engine.client(client_id).state == "open"  # Cancel kept it
    asked = answer_removal(qtbot, window.clients, "Remove")
    click(qtbot, window.clients.remove_button)
    assert len(asked) == 1
    wait_for(lambda: client_id not in service.engine.clients, WAIT, "the client to go")
    assert window.clients.stack.currentWidget() is window.clients.empty
    assert window.clients.list.count() == 0
    window.tabs.setCurrentIndex(SERVERS_TAB)
    wait_for(lambda: not service.engine.server(server_id).open_sockets, WAIT, "the socket to close")
    click(qtbot, window.servers.remove_button)  # nothing connected: no question
    wait_for(lambda: server_id not in service.engine.servers, WAIT, "the server to go")
    assert window.servers.stack.currentWidget() is window.servers.empty
    assert not window.servers.remove_button.isEnabled()
    wait_for(lambda: window.tabs.tabText(SERVERS_TAB) == "Servers", WAIT, "the count to go")


def test_tls_from_the_forms_file_fields(qtbot, window, service, wait_for, tmp_path):
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    cert_path, key_path, ca_path = tmp_path / "cert.pem", tmp_path / "key.pem", tmp_path / "ca.pem"
    cert.cert_chain_pems[0].write_to_path(cert_path)
    cert.private_key_pem.write_to_path(key_path)
    ca.cert_pem.write_to_path(ca_path)

    click(qtbot, window.servers.empty_new)
    server_id = window.servers.current_id()
    page = window.servers.page(server_id)
    assert not page.form.editors["cert_path"].isEnabled()  # TLS fields wait for "Use TLS"
    page.form.editors["ssl_tls"].setChecked(True)
    page.form.editors["cert_path"].set_text(str(cert_path))
    page.form.editors["key_path"].set_text(str(key_path))
    click(qtbot, page.start_button)
    wait_for(lambda: service.engine.server(server_id).state == "listening", WAIT, "the TLS server")
    port = service.engine.server(server_id).port
    assert f"Connect a client to wss://127.0.0.1:{port}/" in page.socket_box.sockets_empty.text()

    # "New client to it" makes a wss:// client that trusts this server's certificate.
    click(qtbot, page.client_button)
    client_id = window.clients.current_id()
    client = window.clients.page(client_id)
    assert client.form.editors["ssl_tls"].isChecked()
    assert client.form.editors["trusted_ca_cert_path"].text().endswith(".pem")
    click(qtbot, client.open_button)
    wait_for(lambda: service.engine.client(client_id).state == "open", WAIT, "the wss client")
    assert client.url_label.text().startswith("wss://127.0.0.1:")

    # Trusting the CA file instead works too.
    window.tabs.setCurrentIndex(SERVERS_TAB)
    click(qtbot, page.client_button)
    by_ca = window.clients.page(window.clients.current_id())
    by_ca.form.editors["trusted_ca_cert_path"].set_text(str(ca_path))
    click(qtbot, by_ca.open_button)
    wait_for(lambda: by_ca.handle.state == "open", WAIT, "the client trusting the CA")

    # Trusting nothing, the certificate is refused, and the status bar says what to do.
    window.tabs.setCurrentIndex(SERVERS_TAB)
    click(qtbot, page.client_button)
    untrusting = window.clients.page(window.clients.current_id())
    untrusting.form.editors["trusted_ca_cert_path"].set_text("")
    untrusting.form.editors["number_of_retries"].setValue(0)
    click(qtbot, untrusting.open_button)
    wait_for(lambda: untrusting.handle.state == "failed", WAIT, "the untrusted connection to fail")
    assert "not trusted" in window.status.label.text()
    assert "trusted_ca_cert_path" in untrusting.badge.text()


def test_settings_fold_while_running_and_come_back_when_stopped(qtbot, window, service, wait_for):
    server_id, page = start_server(qtbot, window, wait_for)
    column = page.body.widget(0)
    assert column.isHidden() and page.settings_toggle.text() == "Settings ▸"
    click(qtbot, page.settings_toggle)  # a peek at the read-only settings
    assert not column.isHidden() and not page.form.isEnabled()
    click(qtbot, page.settings_toggle)
    click(qtbot, page.stop_button)
    wait_for(
        lambda: service.engine.server(server_id).state == "stopped", WAIT, "the server to stop"
    )
    assert not column.isHidden() and page.form.isEnabled()
    assert page.badge.text() == "Stopped — press Start to listen"


def test_forget_closed_sockets_and_their_log_tabs(qtbot, window, service, wait_for):
    _server_id, page = start_server(qtbot, window, wait_for)
    _client_id, client = open_client_to(qtbot, window, page, wait_for)
    window.tabs.setCurrentIndex(SERVERS_TAB)
    socket_id = page.sockets.socket_id(0)
    page.select_socket(socket_id)
    click(qtbot, page.log_button)
    assert socket_id in page.log_views
    assert not page.forget_button.isEnabled()  # nothing closed yet
    click(qtbot, client.close_button)
    wait_for(lambda: page.forget_button.isEnabled(), WAIT, "the socket to be closed")
    click(qtbot, page.forget_button)
    assert page.sockets.rowCount() == 0
    assert socket_id not in page.log_views
    assert [page.logs.tabText(i) for i in range(page.logs.count())] == [
        "Server events",
        "Handshakes",
        "Classroom",
    ]
    assert window.status.label.text() == "Forgot 1 closed socket and its log"
    assert not page.forget_button.isEnabled()


def _collected(qtbot, ref, timeout: float = WAIT) -> bool:
    """Let Qt run its deferred deletes (a nested event loop does) and Python its GC until
    ``ref``'s object is gone or ``timeout`` passed; True if it is gone."""
    import gc

    for _ in range(int(timeout / 0.02)):
        qtbot.wait(20)
        gc.collect()
        if ref() is None:
            return True
    return False


def test_closing_a_log_tab_frees_its_model_and_forgetting_frees_the_store(
    qtbot, window, service, wait_for
):
    import weakref

    from PySide6.QtCore import QTimer

    _server_id, page = start_server(qtbot, window, wait_for)
    _client_id, client = open_client_to(qtbot, window, page, wait_for)
    window.tabs.setCurrentIndex(SERVERS_TAB)
    socket_id = page.sockets.socket_id(0)
    page.select_socket(socket_id)
    click(qtbot, page.log_button)
    view = page.log_views[socket_id]
    model_ref = weakref.ref(view.model)
    store_ref = weakref.ref(view.model.store)
    timers_with_tab = len(page.findChildren(QTimer))
    page.logs.tabCloseRequested.emit(page.logs.indexOf(view))
    del view
    assert _collected(qtbot, model_ref), "the closed tab's log model was not freed"
    assert len(page.findChildren(QTimer)) < timers_with_tab  # its tick timer went with it
    assert store_ref() is not None  # the socket is still there: its log goes on
    click(qtbot, client.close_button)
    wait_for(lambda: page.forget_button.isEnabled(), WAIT, "the socket to be closed")
    click(qtbot, page.forget_button)
    assert _collected(qtbot, store_ref), "the forgotten socket's log store was not freed"


def test_everything_fits_a_1280_by_800_screen(qtbot, window, wait_for):
    """Every page, in its widest state (settings shown, image editor with its file info),
    must fit 1280x800 without scrolling: a minimum size above it would hide buttons."""
    window.resize(1280, 800)
    click(qtbot, window.servers.empty_new)
    server = window.servers.page(window.servers.current_id())
    server.composer.set_compose_as("image")
    window.tabs.setCurrentIndex(CLIENTS_TAB)
    click(qtbot, window.clients.empty_new)
    client = window.clients.page(window.clients.current_id())
    client.composer.set_compose_as("bytes")
    wait_for(lambda: window.width() == 1280, WAIT, "the resize")
    for tab in (SERVERS_TAB, CLIENTS_TAB):
        window.tabs.setCurrentIndex(tab)
        wait_for(window.fits_without_scrolling, WAIT, f"tab {tab} to fit")
    window.tabs.setCurrentIndex(SERVERS_TAB)
    assert server.start_button.isVisible() and server.stop_button.isVisible()
    assert server.start_button.mapTo(window, server.start_button.rect().bottomRight()).x() <= 1280


def test_everything_fits_a_1024_by_768_screen(qtbot, window, service, wait_for):
    """At 1024x768 the window grew to 1229 px and Start, Send, Broadcast and Export sat off
    the screen. In the widest states (settings shown, the image editor, a log that dropped
    rows) the minimum must fit, and the buttons must be inside the window."""
    from workbench.engine.log.store import IN

    window.resize(1024, 768)
    click(qtbot, window.servers.empty_new)
    server = window.servers.page(window.servers.current_id())
    server.composer.set_compose_as("image")
    window.tabs.setCurrentIndex(CLIENTS_TAB)
    click(qtbot, window.clients.empty_new)
    client = window.clients.page(window.clients.current_id())
    client.composer.set_compose_as("bytes")
    store = service.engine.log(server.server_id)
    for _ in range(store.capacity + 123_456):  # a long "rows dropped" label
        store.add_message(IN, "text/plain", "x")
    for tab in (SERVERS_TAB, CLIENTS_TAB):
        window.tabs.setCurrentIndex(tab)
        qtbot.wait(100)  # the log model's tick shows the dropped rows
        wait_for(window.fits_without_scrolling, WAIT, f"tab {tab} to fit")
    window.tabs.setCurrentIndex(SERVERS_TAB)
    wait_for(lambda: window.width() == 1024 and window.height() == 768, WAIT, "the resize")
    assert server.top_on_tabs  # sockets | Send as tabs
    view = server.log_views[server.server_id]
    assert view.dropped_label.text() == "123,456 dropped"
    buttons = [server.start_button, server.stop_button, view.export_button]
    server.top_tabs.setCurrentIndex(1)
    buttons += [server.composer.send_button, server.broadcast_button]
    for button in buttons:
        assert button.isVisible(), button.text()
        corner = button.mapTo(window, button.rect().bottomRight())
        assert corner.x() <= 1024 and corner.y() <= 768, (button.text(), corner)
    server.settings_toggle.setChecked(False)  # settings folded: side by side again
    wait_for(lambda: not server.top_on_tabs, WAIT, "side by side")
    assert server.composer.send_button.isVisible() and window.width() == 1024


def test_splitter_positions_inside_the_pages_are_kept(qtbot, service, settings, tmp_path):
    first = MainWindow(service, settings=settings, workspace_path=tmp_path / "w.json")
    qtbot.addWidget(first)
    first.resize(1280, 800)
    first.show()
    qtbot.waitExposed(first)
    click(qtbot, first.servers.empty_new)
    page = first.servers.page(first.servers.current_id())
    total = sum(page.right.sizes())
    default = page.right.sizes()
    page.right.setSizes([total - 300, 300])  # a tall top, a short log
    wanted = page.right.sizes()
    assert wanted[0] > default[0] + 40, (wanted, default)
    first.save_layout()
    second = MainWindow(service, settings=settings, workspace_path=tmp_path / "w.json")
    qtbot.addWidget(second)
    second.resize(1280, 800)
    second.show()
    qtbot.waitExposed(second)
    click(qtbot, second.servers.empty_new)  # a page made after the layout was restored
    again = second.servers.page(second.servers.current_id())
    qtbot.waitUntil(lambda: sum(again.right.sizes()) > 0, timeout=2000)
    sizes = again.right.sizes()
    assert abs(sizes[0] / sum(sizes) - wanted[0] / sum(wanted)) < 0.05, (sizes, wanted)
    assert sizes[0] > default[0] + 40  # not the default 2 : 3 split


def test_f5_starts_and_shift_f5_stops_the_shown_item(qtbot, window, service, wait_for):
    click(qtbot, window.servers.empty_new)
    server_id = window.servers.current_id()
    assert window.start_action.shortcut().toString() == "F5"
    assert window.stop_action.shortcut().toString() == "Shift+F5"
    window.activateWindow()
    qtbot.keyClick(window.servers.page(server_id).name_edit, Qt.Key.Key_F5)
    wait_for(lambda: service.engine.server(server_id).state == "listening", WAIT, "F5 to start it")
    qtbot.keyClick(
        window.servers.page(server_id).name_edit, Qt.Key.Key_F5, Qt.KeyboardModifier.ShiftModifier
    )
    wait_for(
        lambda: service.engine.server(server_id).state == "stopped", WAIT, "Shift+F5 to stop it"
    )
    window.tabs.setCurrentIndex(CLIENTS_TAB)
    assert window.start_action.isEnabled() and window._press("start_button", "open_button") is False


def test_a_long_error_is_whole_on_hover_and_does_not_widen_the_window(qtbot, window):
    before = window.minimumSizeHint().width()
    long = "could not connect to ws://127.0.0.1:1/ " + "because of a very long reason " * 30
    window.status.show_error("Client 1", long.strip())
    assert window.minimumSizeHint().width() == before
    label = window.status.label
    assert label.text().startswith("⚠ Client 1: could not connect") and label.text().endswith(
        "reason"
    )
    assert label.is_elided()  # cut on the screen with "…"
    assert tooltip_shown(label).startswith(label.text())  # the whole text on hover
    assert "Recent problems:" in tooltip_shown(label)


def test_keyboard_focus_is_visible(qtbot, window):
    from PySide6.QtWidgets import QApplication

    from workbench.widgets.common.resources import style_sheet

    QApplication.instance().setStyleSheet(style_sheet())
    try:
        click(qtbot, window.servers.empty_new)
        button = window.servers.page(window.servers.current_id()).start_button
        window.activateWindow()
        button.clearFocus()
        qtbot.wait(20)
        plain = button.grab().toImage()
        button.setFocus(Qt.FocusReason.TabFocusReason)
        qtbot.waitUntil(button.hasFocus, timeout=2000)
        qtbot.wait(20)
        ringed = button.grab().toImage()

        def amber(image) -> int:
            return sum(
                1
                for x in range(image.width())
                for y in range(image.height())
                if image.pixelColor(x, y).red() > 200
                and 120 < image.pixelColor(x, y).green() < 190
                and image.pixelColor(x, y).blue() < 60
            )

        assert amber(plain) == 0 and amber(ringed) > 2 * (button.width() + button.height())
    finally:
        QApplication.instance().setStyleSheet("")


def test_removing_a_server_with_open_sockets_asks_and_cancel_keeps_it(
    qtbot, window, service, wait_for
):
    server_id, server_page = start_server(qtbot, window, wait_for)
    open_client_to(qtbot, window, server_page, wait_for)
    window.tabs.setCurrentIndex(SERVERS_TAB)
    asked = answer_removal(qtbot, window.servers, "Cancel")
    click(qtbot, window.servers.remove_button)
    assert asked == [
        "Server 1 has 1 open connection; removing it closes them and forgets their logs."
        "\n\nRemove Server 1 anyway?"
    ]
    assert service.engine.server(server_id).state == "listening"
    asked = answer_removal(qtbot, window.servers, "Remove")
    click(qtbot, window.servers.remove_button)
    wait_for(lambda: server_id not in service.engine.servers, WAIT, "the server to go")
