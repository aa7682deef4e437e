"""The fault lab panel on a server page, clicked like a person would, against a real server
and a real workbench client on 127.0.0.1: the client's log shows what the fault did."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.workbench.widgets.test_panels import (  # the window fixture and the click-through helpers
    WAIT,
    click,
    open_client_to,
    settings,  # noqa: F401  (fixture)
    start_server,
    window,  # noqa: F401  (fixture)
)
from workbench.engine.log.store import CLOSE, FAULT
from workbench.widgets.window.main_window import SERVERS_TAB


def test_close_now_from_the_panel_closes_the_selected_socket_with_the_chosen_code(
    qtbot,
    window,  # noqa: F811
    service,
    wait_for,
):
    server_id, server_page = start_server(qtbot, window, wait_for)
    client_id, _client_page = open_client_to(qtbot, window, server_page, wait_for)
    window.tabs.setCurrentIndex(SERVERS_TAB)
    wait_for(lambda: server_page.sockets.rowCount() == 1, WAIT, "the socket row")
    lab = server_page.fault_lab
    server_page.actions_tabs.setCurrentWidget(lab)
    assert lab.isVisible() and lab.buttons["close"].isEnabled()

    # No socket selected: the panel says so and nothing is closed.
    server_page.socket_table.clearSelection()
    assert lab.apply("close") == 0
    assert "pick a socket first" in service.engine.errors[-1][1]
    assert service.engine.client(client_id).state == "open"

    server_page.socket_table.selectRow(0)
    code, reason = lab.editors["close"]["code"], lab.editors["close"]["reason"]
    code.setValue(4004)
    reason.clear()
    qtbot.keyClicks(reason, "lesson over")
    click(qtbot, lab.buttons["close"])
    wait_for(
        lambda: service.engine.client(client_id).state == "closed", WAIT, "the client to close"
    )
    closes = [e.detail for e in service.engine.log(client_id) if e.kind == CLOSE]
    assert closes and "4004" in closes[-1] and "lesson over" in closes[-1]
    faults = [e.detail for e in service.engine.log(server_id) if e.kind == FAULT]
    assert faults == ["fault: Close now (code 4004, reason 'lesson over') on 1 socket"]

    # The server's log view filters its fault rows.
    view = server_page.log_views[server_id]
    view.kind.setCurrentIndex(view.kind.findText("Faults"))
    wait_for(lambda: view.model.rowCount() == 1, WAIT, "only the fault row shown")
    assert view.model.entry(0).kind == FAULT


def test_socket_faults_wait_for_listening_but_refusals_can_be_armed(
    qtbot,
    window,  # noqa: F811
    service,
):
    click(qtbot, window.servers.empty_new)
    page = window.servers.page(window.servers.current_id())
    lab = page.fault_lab
    assert not lab.buttons["cut"].isEnabled() and lab.buttons["refuse"].isEnabled()
    lab.editors["refuse"]["status"].setValue(403)
    qtbot.mouseClick(lab.buttons["refuse"], Qt.MouseButton.LeftButton)
    handle = service.engine.server(page.server_id)
    assert (handle.refusal_fault.count, handle.refusal_fault.status) == (1, 403)
