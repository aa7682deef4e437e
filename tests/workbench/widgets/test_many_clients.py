"""Many clients in the window: pages are built when first shown, not when added (a workspace
of hundreds of clients starts at once, opening many does not freeze the window), and a
selection of clients is closed or removed together with one question.

Speed itself is measured by ``tests/benchmarks/many_clients_window.py``, not here: these
tests check the behaviour that makes it fast (what is built, and when). Real sockets on
127.0.0.1; every wait is bounded.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, QSettings, QTimer
from PySide6.QtWidgets import QMessageBox

from workbench.engine.load.many_clients import add_many_clients, open_many
from workbench.engine.workspace.workspace import ClientConfig, ServerConfig, Workspace
from workbench.widgets.window.main_window import CLIENTS_TAB, MainWindow

WAIT = 10.0
LOCAL = "127.0.0.1"


@pytest.fixture
def window(qtbot, service, tmp_path: Path):
    settings = QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)
    win = MainWindow(service, settings=settings, workspace_path=tmp_path / "workspace.json")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def listening_server(engine, run) -> str:
    server_id = engine.add_server({"host_interface": LOCAL, "port": 0}, "Server")
    assert server_id is not None and run(engine.start_server(server_id), WAIT)
    return server_id


def test_opening_many_builds_no_page_and_keeps_the_one_shown(qtbot, window, service, run, wait_for):
    engine = service.engine
    server_id = listening_server(engine, run)
    window.tabs.setCurrentIndex(CLIENTS_TAB)
    first = window.clients.new_client(server_id)
    assert first is not None and set(window.clients.pages) == {first}
    shown = window.clients.page(first)

    ids = add_many_clients(engine, server_id, {"number_of_retries": 0}, "load", 30)
    assert len(ids) == 30
    assert run(open_many(engine, ids), WAIT) == 30
    qtbot.wait(50)  # a few turns of the loop: nothing is built later either
    assert window.clients.list.count() == 31
    assert set(window.clients.pages) == {first}  # 30 pages not built
    assert window.clients.current_id() == first and window.clients.stack.currentWidget() is shown
    wait_for(lambda: "open" in window.clients.list.item(30).text(), WAIT, "the last label")

    window.clients.select(ids[-1])  # a click on one builds its page, as it is then
    page = window.clients.pages[ids[-1]]
    assert window.clients.stack.currentWidget() is page
    assert page.badge.text() == "Open" and not page.open_button.isEnabled()


def test_a_single_new_client_is_selected_and_shown(qtbot, window, service, wait_for):
    window.tabs.setCurrentIndex(CLIENTS_TAB)
    first = service.engine.add_client({"host": LOCAL, "port": 1}, "one")
    assert window.clients.current_id() == first
    wait_for(lambda: first in window.clients.pages, WAIT, "its page")
    assert window.clients.stack.currentWidget() is window.clients.pages[first]
    second = service.engine.add_client({"host": LOCAL, "port": 1}, "two")  # a later turn
    qtbot.wait(10)
    third = service.engine.add_client({"host": LOCAL, "port": 1}, "three")
    assert window.clients.current_id() == third != second


def test_a_workspace_of_many_clients_starts_with_one_page(qtbot, service, wait_for, tmp_path: Path):
    clients = [ClientConfig(f"c{n}", {"host": LOCAL, "port": 9}) for n in range(80)]
    path = Workspace(servers=[ServerConfig("s", {"port": 0})], clients=clients).save(
        tmp_path / "many.json"
    )
    settings = QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)
    window = MainWindow(service, settings=settings, workspace_path=path)
    qtbot.addWidget(window)
    window.tabs.setCurrentIndex(CLIENTS_TAB)
    window.show()
    wait_for(lambda: window.clients.list.count() == 80, WAIT, "the clients listed")
    wait_for(lambda: window.clients.pages, WAIT, "the page shown")
    qtbot.wait(50)
    assert list(window.clients.pages) == [window.clients.current_id()]
    assert window.clients.list.currentRow() == 0  # the first of the workspace
    assert len(window.servers.pages) <= 1


def select_rows(panel, rows) -> None:
    selection = panel.list.selectionModel()
    selection.clearSelection()
    for row in rows:
        index = panel.list.model().index(row, 0)
        selection.select(index, QItemSelectionModel.SelectionFlag.Select)


def test_a_selection_is_closed_and_removed_together_with_one_question(
    qtbot, window, service, run, wait_for
):
    engine = service.engine
    server_id = listening_server(engine, run)
    ids = add_many_clients(engine, server_id, {"number_of_retries": 0}, "sel", 5)
    assert run(open_many(engine, ids[:4]), WAIT) == 4  # the fifth stays closed
    panel = window.clients
    window.tabs.setCurrentIndex(CLIENTS_TAB)

    select_rows(panel, [0, 1])
    assert panel.selected_ids() == ids[:2] and panel.close_button.isEnabled()
    assert panel.close_selected() == 2
    wait_for(lambda: all(engine.client(i).state == "closed" for i in ids[:2]), WAIT, "closing")
    assert [engine.client(i).state for i in ids[2:]] == ["open", "open", "idle"]
    assert not panel.close_button.isEnabled()  # the two selected are closed now

    select_rows(panel, [1, 2, 3, 4])  # one closed, two open, one never opened
    asked: list[str] = []

    def answer(button: str) -> None:
        box = panel.findChild(QMessageBox, "confirmRemoval")
        if box is None or not box.isVisible():
            QTimer.singleShot(10, lambda: answer(button))
            return
        asked.append(f"{box.windowTitle()}|{box.text()}")
        next(b for b in box.buttons() if b.text() == button).click()

    QTimer.singleShot(0, lambda: answer("Cancel"))
    panel.remove_button.click()
    assert asked == [
        "Remove 4 clients?|2 of the 4 selected clients are connected or connecting; removing "
        "them closes those connections and forgets all 4 logs.\n\nRemove 4 clients anyway?"
    ]
    assert len(engine.clients) == 5  # Cancel kept them all
    QTimer.singleShot(0, lambda: answer("Remove"))
    panel.remove_button.click()
    assert len(asked) == 2  # one question for the four
    wait_for(lambda: list(engine.clients) == ids[:1], WAIT, "the four to go")
    assert panel.list.count() == 1 and panel.selected_ids() == ids[:1]

    select_rows(panel, [0])  # a closed client alone: removed without a question
    panel.remove_button.click()
    wait_for(lambda: not engine.clients, WAIT, "the last to go")
    assert len(asked) == 2 and panel.stack.currentWidget() is panel.empty
