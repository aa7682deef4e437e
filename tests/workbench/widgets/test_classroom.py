"""The Classroom tab of a server page, driven like a teacher would: share, read the URLs and
the QR code, watch a student join (a workbench client on 127.0.0.1 with ?name=), announce,
kick. Real sockets on 127.0.0.1 only; every wait is bounded (``wait_for``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt

from workbench.qt.classroom_feed_model import COL_TEXT, COL_WHO
from workbench.widgets.window.main_window import MainWindow

WAIT = 10.0


def click(qtbot, widget) -> None:
    assert widget.isEnabled(), f"{widget.objectName() or widget.text()} is disabled"
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


@pytest.fixture
def window(qtbot, service, tmp_path: Path):
    settings = QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)
    win = MainWindow(service, settings=settings, workspace_path=tmp_path / "workspace.json")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def test_share_shows_urls_and_qr_then_feed_announce_and_kick(qtbot, window, service, wait_for):
    click(qtbot, window.servers.empty_new)
    server_id = window.servers.current_id()
    page = window.servers.page(server_id)
    panel = page.classroom
    page.logs.setCurrentWidget(panel)
    assert page.logs.tabText(page.logs.currentIndex()) == "Classroom"
    assert not panel.share_switch.isChecked() and panel.hint.text().startswith("Turn on sharing")
    assert panel.feed_stack.currentWidget() is panel.empty
    assert not panel.urls.isVisible() and not panel.announce_button.isEnabled()

    click(qtbot, panel.share_switch)  # a stopped server: shared at its next start
    wait_for(lambda: service.engine.classroom.is_shared(server_id), WAIT, "sharing")
    assert panel.share_switch.isChecked() and panel.hint.text().startswith("Shared. Start")
    assert page.form.values()["host_interface"] == "0.0.0.0"
    click(qtbot, page.start_button)
    wait_for(lambda: panel.urls.count() > 0, WAIT, "the URLs")
    port = service.engine.server(server_id).port
    urls = [panel.urls.item(i).text() for i in range(panel.urls.count())]
    assert urls[-1] == f"http://127.0.0.1:{port}/" and "0.0.0.0" not in " ".join(urls)
    assert panel.urls.currentRow() == 0 and panel.qr.toolTip() == urls[0]
    code, shown = panel.qr.code(), panel.qr.pixmap()
    assert not code.isNull() and code.width() == code.height() >= 29 * 8  # 8 px a module
    assert shown.width() == shown.height() <= min(panel.qr.width(), panel.qr.height())
    panel.urls.setCurrentRow(len(urls) - 1)
    assert panel.qr.toolTip() == urls[-1]
    panel.copy_url()
    assert service.engine.classroom.urls(server_id)[-1] == urls[-1]

    client_id = service.engine.add_client(
        {"host": "127.0.0.1", "port": port, "path": "/?name=Ada"}, "Ada's laptop"
    )
    assert client_id is not None
    task = service.run(service.engine.open_client(client_id))
    wait_for(task.done, WAIT, "the student to join")
    assert task.result() is True
    wait_for(lambda: panel.model.rowCount() >= 1, WAIT, "the join in the feed")
    assert panel.feed_stack.currentWidget() is panel.table
    assert panel.model.index(0, COL_WHO).data() == "Ada"
    assert service.engine.send(client_id, {"name": "Ada", "text": "hello"})
    wait_for(lambda: panel.model.rowCount() >= 2, WAIT, "the message in the feed")
    assert panel.model.index(1, COL_TEXT).data() == "hello"

    qtbot.keyClicks(panel.announce_text, "eyes on the board")
    qtbot.keyClick(panel.announce_text, Qt.Key.Key_Return)
    client_log = service.engine.client(client_id).log
    wait_for(lambda: client_log.messages_in == 1, WAIT, "the announcement at the student")
    [said] = [e.raw for e in client_log if e.direction == "in"]  # a */* server: JSON text
    assert json.loads(said) == {
        "name": "Teacher",
        "text": "eyes on the board",
        "from_teacher": True,
    }
    assert panel.announce_text.text() == ""

    assert not panel.kick_button.isEnabled()  # nothing selected
    panel.table.selectRow(1)
    click(qtbot, panel.kick_button)
    wait_for(lambda: service.engine.client(client_id).state == "closed", WAIT, "the kick")
    assert "4000" in service.engine.client(client_id).status_text
    wait_for(lambda: panel.model.index(panel.model.rowCount() - 1, 2).data() == "−", WAIT)
    assert not panel.kick_button.isEnabled() and not panel.announce_button.isEnabled()

    click(qtbot, panel.share_switch)  # unshare a running server: restarts on 127.0.0.1
    wait_for(lambda: not service.engine.classroom.is_shared(server_id), WAIT, "unsharing")
    wait_for(lambda: service.engine.server(server_id).state == "listening", WAIT, "the restart")
    assert service.engine.server(server_id).host == "127.0.0.1" and not panel.urls.isVisible()


def test_a_workspace_with_a_shared_server_opens_with_its_switch_on(
    qtbot, window, service, wait_for, tmp_path: Path
):
    from workbench.engine.workspace.workspace import ServerConfig, Workspace

    shared = ServerConfig("class", {"host_interface": "127.0.0.1", "port": 0}, shared=True)
    path = Workspace(servers=[shared]).save(tmp_path / "classroom.json")
    window.workspace_files.load(path)
    wait_for(lambda: len(service.engine.servers) == 1, WAIT, "the loaded server")
    server_id = window.servers.current_id() or next(iter(service.engine.servers))
    wait_for(lambda: service.engine.classroom.is_shared(server_id), WAIT, "sharing")
    panel = window.servers.page(server_id).classroom
    assert panel.share_switch.isChecked() and panel.hint.text().startswith("Shared. Start")
    assert window.servers.page(server_id).form.values()["host_interface"] == "0.0.0.0"


def test_the_origin_switch_opens_a_shared_server_to_any_page(
    qtbot, window, service, run, wait_for
) -> None:
    """Off by default: another web page's socket is refused with 403; on, it gets in."""
    from websockets.asyncio.client import connect
    from websockets.exceptions import InvalidStatus

    click(qtbot, window.servers.empty_new)
    server_id = window.servers.current_id()
    page = window.servers.page(server_id)
    panel = page.classroom
    page.logs.setCurrentWidget(panel)
    assert not panel.any_origin_switch.isChecked()
    assert "student page" in panel.any_origin_switch.toolTip()
    click(qtbot, panel.share_switch)
    wait_for(lambda: service.engine.classroom.is_shared(server_id), WAIT, "sharing")
    click(qtbot, page.start_button)
    wait_for(lambda: panel.urls.count() > 0, WAIT, "the URLs")
    port = service.engine.server(server_id).port

    async def from_another_page() -> int:
        try:
            async with connect(f"ws://127.0.0.1:{port}/", origin="http://evil.example", proxy=None):
                return 101
        except InvalidStatus as refused:
            return refused.response.status_code

    assert run(from_another_page()) == 403
    click(qtbot, panel.any_origin_switch)
    assert service.engine.classroom.is_open_to_any_origin(server_id)
    assert run(from_another_page()) == 101
    service.engine.classroom.set_any_origin(server_id, False)  # from elsewhere: followed
    assert not panel.any_origin_switch.isChecked()
