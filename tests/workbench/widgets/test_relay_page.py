# ruff: noqa: F811  (pytest fixtures imported from test_panels are parameters here)
"""The Relays tab, clicked like a person would, with real sockets on 127.0.0.1: a core echo
server as the upstream and a core client through the relay made in the window. The log shows
each leg and direction, the frames their leg, the handshakes both, the conversation three
lifelines; the intercept's Forward / Edit / Drop / Forward all change what the upstream gets;
a rule is a row of the log; a fault goes on the leg asked for; a scenario is recorded; the
relay survives a workspace round trip."""

from __future__ import annotations

import asyncio
import stat
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from core import Client, Server
from tests.workbench.widgets.test_panels import (  # the window fixture and the click helper
    WAIT,
    click,
    settings,  # noqa: F401  (fixture)
    window,  # noqa: F401  (fixture)
)
from workbench.engine.log.store import FAULT, INTERCEPT, MESSAGE, RULE
from workbench.engine.relay.conversation import CLIENT, RELAY, UPSTREAM
from workbench.widgets.common.diagram_export import export_size
from workbench.widgets.relay.intercept_panel import EditHeldDialog
from workbench.widgets.window.main_window import MainWindow

RAW = {"receive_type": "*/*", "send_type": "*/*"}


class Upstream:
    """A core Server on 127.0.0.1 that records what it receives and, with ``echo``, answers it."""

    def __init__(self, echo: bool = True) -> None:
        self.server = Server(host_interface="127.0.0.1", port=0, **RAW)
        self.received: list[Any] = []
        self.closes: list[tuple[int, str]] = []
        self.sockets: list[Any] = []

        def joined(socket: Any) -> None:
            self.sockets.append(socket)
            socket.on("message", self.received.append)
            socket.on("close", lambda code, reason: self.closes.append((code, reason)))
            if echo:
                socket.on("message", socket.send)

        self.server.on("connection", joined)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.server.port}/api"


@pytest.fixture
def upstream(run):
    made: list[Upstream] = []

    def make(echo: bool = True) -> Upstream:
        server = Upstream(echo)
        run(server.server.start())
        made.append(server)
        return server

    yield make
    for server in made:
        run(server.server.stop(), timeout=15)


def start_relay(qtbot, window, wait_for, url: str) -> tuple[str, Any]:
    """New relay from the empty state of the Relays tab, its upstream URL typed, started."""
    window.tabs.setCurrentWidget(window.relays)
    click(qtbot, window.relays.empty_new)
    relay_id = window.relays.current_id()
    page = window.relays.page(relay_id)
    assert page.form.upstream_url.hasFocus() or not window.isActiveWindow()
    qtbot.keyClicks(page.form.upstream_url, url)
    click(qtbot, page.start_button)
    relays = window.service.relays.engine
    wait_for(lambda: relays.relay(relay_id).state == "listening", WAIT, "the relay to listen")
    assert page.badge.text().startswith("Listening on ws://127.0.0.1:")
    return relay_id, page


def client_through(run, page, path: str = "/chat") -> tuple[Client, list[Any]]:
    client = Client(f"ws://127.0.0.1:{page.handle.port}{path}", **RAW, number_of_retries=0)
    got: list[Any] = []
    client.on("message", got.append)
    run(client.open())
    return client, got


def test_a_relay_made_in_the_window_shows_both_legs_and_exports_the_diagram(
    qtbot, window, service, wait_for, run, upstream, tmp_path
):
    up = upstream()
    _relay_id, page = start_relay(qtbot, window, wait_for, up.url)
    assert not page.form.isEnabled()
    exports = page.conversation.exports
    assert not exports.svg_button.isEnabled() and not exports.png_button.isEnabled()
    client, got = client_through(run, page)
    client.send("hello")
    client.send(b"\x01\x02")
    wait_for(lambda: len(got) == 2, WAIT, "both echoes")
    assert got == ["hello", b"\x01\x02"] and up.received == ["hello", b"\x01\x02"]
    assert up.sockets[0].path == "/api/chat"
    wait_for(lambda: page.connections.count() == 1, WAIT, "the connection in the list")
    assert page.selected_record() is not None
    log = page.view_of("log")
    wait_for(lambda: log.model.rowCount() >= 6, WAIT, "the log rows")
    rows = [log.model.entry(row) for row in range(log.model.rowCount())]
    messages = [(e.direction, e.detail, e.raw) for e in rows if e.kind == MESSAGE]
    assert ("out", "#1 client → upstream", "hello") in messages
    assert ("in", "#1 upstream → client", b"\x01\x02") in messages
    assert any("client ↔ relay" in e.detail for e in rows if e.kind == "handshake")
    assert any("relay ↔ upstream" in e.detail for e in rows if e.kind == "handshake")
    page.views.setCurrentIndex(2)  # Frames: listens from when it is first shown
    frames = page.view_of("frames")
    wait_for(lambda: frames.watch.running, WAIT, "the frames view to listen")
    client.send("after")
    wait_for(lambda: frames.model.rowCount() >= 4, WAIT, "the frames of both legs")
    legs = {frames.leg(row) for row in range(frames.model.rowCount())}
    assert legs == {"client ↔ relay", "relay ↔ upstream"}
    assert "after" in {frames.preview(row) for row in range(frames.model.rowCount())}
    page.views.setCurrentIndex(3)
    shakes = page.view_of("handshakes")
    assert (
        shakes.client_view.record.side == "server"
        and "/chat" in shakes.client_view.record.request_line
    )
    assert shakes.upstream_view.record.side == "client"
    assert "/api/chat" in shakes.upstream_view.record.request_line
    page.views.setCurrentWidget(page.conversation)
    conversation = page.conversation.conversation
    assert conversation is not None
    lanes = {(a.source, a.target) for a in conversation.rows}
    assert {(CLIENT, RELAY), (RELAY, UPSTREAM), (UPSTREAM, RELAY), (RELAY, CLIENT)} <= lanes
    page.conversation.diagram.repaint()  # paints without error at this size
    assert exports.svg_button.isEnabled() and exports.png_button.isEnabled()
    svg, png = tmp_path / "relay.svg", tmp_path / "relay.png"
    assert page.conversation.export_svg(str(svg)) and page.conversation.export_png(str(png))
    assert [stat.S_IMODE(p.stat().st_mode) for p in (svg, png)] == [0o600, 0o600]
    texts = " ".join(e.text or "" for e in ET.parse(svg).getroot().iter())
    client_title, relay_title, upstream_title = conversation.title()
    assert relay_title == "relay #1" and all(
        title in texts for title in (client_title, relay_title, upstream_title)
    )
    assert f"{client_title} ↔ {relay_title} ↔ {upstream_title}" in texts  # the SVG's title
    image, expected = QImage(str(png)), export_size(page.conversation.diagram)
    assert (image.width(), image.height()) == (expected.width(), expected.height())
    diagram = page.conversation.diagram
    rows_high = len(conversation.rows) * diagram.row_height
    assert expected.height() == diagram.header_height + rows_high + 8  # every row drawn
    run(client.close())
    wait_for(lambda: "closed first" in page.connections.item(0).text(), WAIT, "the close")


def test_intercept_forward_edit_drop_and_forward_all(
    qtbot, window, service, wait_for, run, upstream
):
    up = upstream(echo=False)
    relay_id, page = start_relay(qtbot, window, wait_for, up.url)
    panel = page.intercept
    page.action_tabs.setCurrentWidget(panel)
    assert not panel.queue.isVisible() and "Turn on a switch" in panel.empty.text()
    click(qtbot, panel.switches["to_upstream"])
    assert service.relays.engine.relay(relay_id).holding["to_upstream"]
    client, _got = client_through(run, page)
    for text in ("one", '{"n": 2}', "three", "four", "five"):
        client.send(text)
    wait_for(lambda: panel.queue.count() == 5, WAIT, "five held")
    assert panel.count.text() == "5 held" and page.action_tabs.tabText(0) == "Intercept (5)"
    assert [panel.queue.item(r).text().split(" · ")[0] for r in range(5)] == [
        "#1",
        "#2",
        "#3",
        "#4",
        "#5",
    ]
    # Pings are never held: each leg answers its own while five messages wait.
    assert run(up.sockets[0].ping()) >= 0 and run(client.ping()) >= 0
    assert panel.queue.count() == 5 and up.received == []
    panel.queue.setCurrentRow(0)
    click(qtbot, panel.forward_button)
    wait_for(lambda: up.received == ["one"], WAIT, "the forwarded one")

    def edit() -> None:
        dialog = next(w for w in QApplication.topLevelWidgets() if isinstance(w, EditHeldDialog))
        assert dialog.mime == "application/json"
        dialog.composer.json_editor.edit.setPlainText('{"n": 20}')
        click(qtbot, dialog.composer.send_button)

    panel.queue.setCurrentRow(0)
    QTimer.singleShot(0, edit)
    assert panel.edit_selected()
    wait_for(lambda: len(up.received) == 2, WAIT, "the edited one")
    assert up.received[1] == '{"n":20}'
    panel.queue.setCurrentRow(0)
    click(qtbot, panel.drop_button)
    wait_for(lambda: panel.queue.count() == 2, WAIT, "the drop")
    click(qtbot, panel.all_button)
    wait_for(lambda: len(up.received) == 4, WAIT, "the rest")
    assert up.received == ["one", '{"n":20}', "four", "five"]
    assert panel.count.text() == "nothing held" and page.action_tabs.tabText(0) == "Intercept"
    record = next(iter(service.relays.engine.relay(relay_id).connections.values()))
    outcomes = [e.detail for e in record.log if e.kind == INTERCEPT and "held" not in e.detail]
    assert [d.split(": ")[1].split(" #")[0] for d in outcomes] == [
        "forwarded",
        "edited",
        "dropped",
        "forwarded",
        "forwarded",
    ]
    marks = [
        a.mark
        for a in record.conversation.rows
        if (a.source, a.target) == (RELAY, UPSTREAM) and a.kind == "text"
    ]
    assert marks == ["held", "edited", "held", "held"]
    run(client.close())


def test_a_rule_made_in_the_window_changes_messages_and_is_a_row_of_the_log(
    qtbot, window, service, wait_for, run, upstream
):
    up = upstream()
    relay_id, page = start_relay(qtbot, window, wait_for, up.url)
    rules = page.rules
    page.action_tabs.setCurrentWidget(rules)
    rules.direction.setCurrentIndex(rules.direction.findData("to_upstream"))
    rules.match.setCurrentIndex(rules.match.findData("json"))
    qtbot.keyClicks(rules.match_value, '{"type": "price"}')
    rules.action.setCurrentIndex(rules.action.findData("set"))
    qtbot.keyClicks(rules.first, "$.amount")
    qtbot.keyClicks(rules.second, "0")
    qtbot.keyClicks(rules.name, "free")
    click(qtbot, rules.add_button)
    assert rules.table.rowCount() == 1
    assert rules.table.item(0, 3).text() == "set $.amount = 0"
    assert service.relays.engine.relay(relay_id).config.rules[0]["set"] == {"$.amount": 0}
    rules.match.setCurrentIndex(rules.match.findData("json"))
    qtbot.keyClicks(rules.match_value, "{broken")
    assert not rules.add_rule() and rules.table.rowCount() == 1
    client, got = client_through(run, page)
    client.send('{"type": "price", "amount": 99}')
    client.send('{"type": "other", "amount": 99}')
    wait_for(lambda: len(got) == 2, WAIT, "both echoes")
    assert up.received == ['{"type":"price","amount":0}', '{"type": "other", "amount": 99}']
    log = page.view_of("log")
    wait_for(
        lambda: any(log.model.entry(r).kind == RULE for r in range(log.model.rowCount())),
        WAIT,
        "the rule row",
    )
    row = next(
        log.model.entry(r) for r in range(log.model.rowCount()) if log.model.entry(r).kind == RULE
    )
    assert "free" in row.detail and row.raw == '{"type": "price", "amount": 99}'
    rules.table.selectRow(0)
    click(qtbot, rules.remove_button)
    assert rules.table.rowCount() == 0
    run(client.close())


def test_the_fault_lab_asks_which_side(qtbot, window, service, wait_for, run, upstream):
    up = upstream()
    _relay_id, page = start_relay(qtbot, window, wait_for, up.url)
    lab = page.fault_lab
    page.action_tabs.setCurrentWidget(lab)
    assert not lab.buttons["drop"].isEnabled()  # no connection yet
    client, got = client_through(run, page)
    closes: list[int] = []
    client.on("close", lambda code, reason: closes.append(code))
    wait_for(lambda: lab.buttons["drop"].isEnabled(), WAIT, "a connection to pick")
    lab.side.setCurrentIndex(lab.side.findData("client"))
    lab.editors["drop"]["count"].setValue(1)
    click(qtbot, lab.buttons["drop"])
    client.send("lost on the way back")
    wait_for(lambda: up.received == ["lost on the way back"], WAIT, "the upstream to get it")
    client.send("back")
    wait_for(lambda: got == ["back"], WAIT, "only the second echo")
    lab.side.setCurrentIndex(lab.side.findData("upstream"))
    assert all(button.isEnabled() for button in lab.buttons.values())  # each fault, both sides
    lab.editors["close"]["code"].setValue(4000)
    click(qtbot, lab.buttons["close"])
    wait_for(lambda: up.closes and closes, WAIT, "both legs closed")
    assert up.closes[0][0] == 4000 and closes == [4000]
    record = next(iter(page.handle.connections.values()))
    faults = [e.detail for e in record.log if e.kind == FAULT]
    assert faults[0].startswith("#1 client ↔ relay: fault: Drop next")
    assert faults[-1].startswith("#1 relay ↔ upstream: fault: Close now (code 4000")


def test_record_scenario_from_the_relay_page(qtbot, window, service, wait_for, run, upstream):
    up = upstream()
    _relay_id, page = start_relay(qtbot, window, wait_for, up.url)
    assert not page.record_button.isEnabled()
    client, got = client_through(run, page, "/room")
    client.send('{"say": "hi"}')
    wait_for(lambda: got, WAIT, "the echo")
    wait_for(page.record_button.isEnabled, WAIT, "a connection to record")
    click(qtbot, page.record_button)
    wait_for(lambda: window.tabs.currentWidget() is window.scenarios, WAIT, "the Scenarios tab")
    (document,) = service.engine.scenarios.documents.values()
    assert f"url: 'ws://127.0.0.1:{up.server.port}/api/room'" in document.text
    assert "- send: {message: {say: hi}}" in document.text
    assert "- expect: {equals: {say: hi}" in document.text
    run(client.close())


def test_a_relay_its_rules_and_intercept_switches_come_back_with_the_workspace(
    qtbot,
    window,
    service,
    wait_for,
    run,
    tmp_path,
    settings,
):
    window.tabs.setCurrentWidget(window.relays)
    assert window.relays.stack.currentWidget() is window.relays.empty
    click(qtbot, window.relays.empty_new)
    page = window.relays.page(window.relays.current_id())
    qtbot.keyClicks(page.form.upstream_url, "wss://example.org:8443/socket")
    page.form.fixed_path.setChecked(True)
    page.form.headers.add_row("set", "X-Api-Key", "abc")
    page.rules.action.setCurrentIndex(page.rules.action.findData("drop"))
    click(qtbot, page.rules.add_button)
    page.intercept.switches["to_client"].setChecked(True)
    saved = window.workspace_files.save(tmp_path / "saved.json")
    assert run(saved) if isinstance(saved, asyncio.Future) else saved
    other = MainWindow(
        window.service.__class__(), settings=settings, workspace_path=tmp_path / "saved.json"
    )
    qtbot.addWidget(other)
    wait_for(lambda: other.relays.relays.relays, WAIT, "the relay to load")
    (handle,) = other.relays.relays.relays.values()
    loaded = other.relays.page(handle.id)
    assert loaded.form.upstream_url.text() == "wss://example.org:8443/socket"
    assert loaded.form.fixed_path.isChecked()
    assert loaded.form.headers.edits()["set"] == [["X-Api-Key", "abc"]]
    assert loaded.rules.table.rowCount() == 1 and loaded.rules.table.item(0, 3).text() == "drop"
    assert loaded.intercept.switches["to_client"].isChecked()
    assert not loaded.intercept.switches["to_upstream"].isChecked()
    other.service.deleteLater()


def test_the_keyboard_path_enter_starts_and_f5_keys_stop_and_start(
    qtbot, window, service, wait_for, run, upstream
):
    up = upstream()
    assert window.new_relay_action.shortcut().toString() == "Ctrl+Shift+R"
    window.new_relay_action.trigger()
    assert window.tabs.currentWidget() is window.relays
    relay_id = window.relays.current_id()
    page = window.relays.page(relay_id)
    relays = service.relays.engine
    qtbot.keyClicks(page.form.upstream_url, up.url)
    qtbot.keyClick(page.form.upstream_url, Qt.Key.Key_Return)  # Enter starts it
    wait_for(lambda: relays.relay(relay_id).state == "listening", WAIT, "the relay to listen")
    assert window.stop_action.shortcut().toString() == "Shift+F5"
    window.stop_action.trigger()
    wait_for(lambda: relays.relay(relay_id).state == "stopped", WAIT, "Shift+F5 to stop it")
    window.start_action.trigger()
    wait_for(lambda: relays.relay(relay_id).state == "listening", WAIT, "F5 to start it")
    qtbot.keyClick(page.form.upstream_url, Qt.Key.Key_Return)  # running: the form is locked
    assert relays.relay(relay_id).state == "listening"


def test_a_wrong_upstream_url_is_said_under_the_form(qtbot, window, service, wait_for):
    window.tabs.setCurrentWidget(window.relays)
    page = window.relays.page(window.relays.new_relay())
    qtbot.keyClicks(page.form.upstream_url, "http://example.org/")
    click(qtbot, page.start_button)
    assert page.form.error_label.isVisible()
    assert "must start with ws:// or wss://" in page.form.error_label.text()
    assert page.handle.state == "stopped" and page.start_button.isEnabled()
