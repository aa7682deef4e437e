"""Untrusted text is text: HTML from a peer, a file's name or a person's typing is never drawn
as HTML in the window — not in a label, a tooltip, a list or table's tooltips, or a message box.

Real sockets on 127.0.0.1: a shared server, a client named with HTML whose student name,
header and messages are HTML, the server closing it with an HTML reason, its log exported to
a file whose name is HTML and opened again. Then every label, tooltip and item tooltip in the
window and the viewer is checked the way Qt would draw it (``tests.workbench.shown_text``):
wherever a payload appears, it reads character for character.
"""

from __future__ import annotations

import html
from pathlib import Path
from urllib.parse import quote

import pytest
from PySide6.QtCore import QModelIndex, QSettings, Qt, QTimer
from PySide6.QtWidgets import QAbstractItemView, QComboBox, QLabel, QMessageBox, QWidget

from tests.workbench.shown_text import label_shown, shown
from workbench.engine.log.jsonl import export_jsonl
from workbench.qt.classroom_feed_model import COL_TEXT, COL_WHO
from workbench.qt.log_model import COL_PREVIEW
from workbench.qt.socket_model import COL_STATE
from workbench.widgets.log.viewer import open_log_viewer
from workbench.widgets.window.main_window import MainWindow

WAIT = 10.0
BIG = '<h1 style="font-size:80px">CLASS CANCELLED</h1>'
IMAGE = '<img src="file:///etc/passwd">'
RED = "<font color=red size=7>x</font>"
LINK = '<a href="http://evil.example/">click me</a>'
PAYLOADS = (BIG, IMAGE, RED, LINK)


@pytest.fixture
def window(qtbot, service, tmp_path: Path):
    settings = QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)
    win = MainWindow(service, settings=settings, workspace_path=tmp_path / "workspace.json")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


def drawn_as_html(raw: str, text_format: Qt.TextFormat = Qt.TextFormat.AutoText) -> list[str]:
    """The payloads in ``raw`` (as they are, or escaped) that Qt would not show as typed."""
    seen = shown(raw, text_format)
    return [p for p in PAYLOADS if (p in raw or html.escape(p) in raw) and p not in seen]


class Sweep:
    """Every label, tooltip and item tooltip under some widgets: where payloads show (by
    object name or class) and where one would be drawn as HTML."""

    def __init__(self) -> None:
        self.found: dict[str, set[str]] = {}
        self.broken: list[str] = []

    def check(self, where: str, raw: str, text_format: Qt.TextFormat = Qt.TextFormat.AutoText):
        if not raw:
            return
        for payload in PAYLOADS:
            if payload in raw or html.escape(payload) in raw:
                self.found.setdefault(where, set()).add(payload)
        self.broken += [f"{where}: {p}" for p in drawn_as_html(raw, text_format)]

    def widgets(self, *tops: QWidget) -> None:
        for top in tops:
            for widget in [top, *top.findChildren(QWidget)]:
                where = widget.objectName() or type(widget).__name__
                self.check(f"{where} tooltip", widget.toolTip())
                if isinstance(widget, QLabel):
                    self.check(f"{where} label", widget.text(), widget.textFormat())
                if isinstance(widget, (QAbstractItemView, QComboBox)):
                    self.items(where, widget.model())

    def items(self, where: str, model) -> None:
        try:
            columns = model.columnCount()
        except TypeError:  # a list model: one column (PySide hides its columnCount)
            columns = 1
        for row in range(model.rowCount()):
            for column in range(columns):
                index = model.index(row, column, QModelIndex())
                self.check(f"{where} item tooltip", index.data(Qt.ItemDataRole.ToolTipRole) or "")


def answer_box(qtbot, parent: QWidget, found: list[QMessageBox]) -> None:
    """Press Cancel in the next confirmation box under ``parent``, keeping it in ``found``."""

    def press() -> None:
        box = parent.findChild(QMessageBox, "confirmRemoval")
        if box is None or not box.isVisible():
            QTimer.singleShot(10, press)
            return
        found.append(box)
        box.button(QMessageBox.StandardButton.Cancel).click()

    QTimer.singleShot(0, press)


def test_html_from_peers_files_and_names_is_shown_as_text(
    qtbot, window, service, run, wait_for, tmp_path: Path
):
    engine = service.engine
    server_id = engine.add_server({"host_interface": "127.0.0.1", "port": 0}, "Class")
    assert server_id is not None
    wait_for(lambda: window.servers.current_id() == server_id, WAIT, "the server page")
    server_page = window.servers.page(server_id)
    run(engine.classroom.share(server_id, True), WAIT)
    assert engine.classroom.is_shared(server_id)
    assert run(engine.start_server(server_id), WAIT)
    port = engine.server(server_id).port

    # A student whose name, headers and messages are HTML, in a client the person named so.
    client_id = engine.add_client(
        {
            "host": "127.0.0.1",
            "port": port,
            "path": f"/?name={quote(RED)}",
            "headers": {"X-Note": IMAGE},
            "send_type": "text/plain",
        },
        BIG,
    )
    assert client_id is not None
    client_page = window.clients.page(client_id)
    assert run(engine.open_client(client_id), WAIT)
    for payload in PAYLOADS:
        assert engine.send(client_id, payload)
    feed = server_page.classroom.model
    wait_for(lambda: feed.rowCount() >= 1 + len(PAYLOADS), WAIT, "the messages in the feed")
    assert feed.index(0, COL_WHO).data() == RED  # the student's name, as given

    # Removing the live client asks first: the question names it as typed.
    window.tabs.setCurrentIndex(1)
    window.clients.select(client_id)
    boxes: list[QMessageBox] = []
    answer_box(qtbot, window.clients, boxes)
    window.clients.remove_current()
    (box,) = boxes
    assert box.textFormat() == Qt.TextFormat.PlainText and BIG in label_shown(box)

    # The server closes the student's socket with an HTML reason.
    (socket,) = engine.sockets_of(server_id)
    assert run(engine.close_socket(socket.id, 4000, RED), WAIT)
    wait_for(lambda: engine.client(client_id).state == "closed", WAIT, "the close")
    assert RED in engine.client(client_id).status_text

    # The client's log, exported to a file named with HTML, opened in a viewer.
    exported = tmp_path / "<font color=red size=7>x.jsonl"
    assert export_jsonl(engine.log(client_id), exported) > len(PAYLOADS)
    viewer = open_log_viewer(exported, window)
    assert viewer is not None
    qtbot.addWidget(viewer)
    wait_for(lambda: viewer.import_task is not None and viewer.import_task.done(), WAIT, "import")
    viewer.view.model.sync()

    # What each view holds, read as Qt draws it.
    client_page.log_view.model.sync()
    feed.flush()
    badge = client_page.badge
    assert badge.textFormat() == Qt.TextFormat.PlainText and RED in label_shown(badge)
    assert RED in shown(badge.toolTip())
    state_tip = server_page.sockets.index(0, COL_STATE).data(Qt.ItemDataRole.ToolTipRole)
    assert RED in shown(state_tip) and not drawn_as_html(state_tip)
    texts = [feed.index(row, COL_TEXT) for row in range(feed.rowCount())]
    feed_tips = [index.data(Qt.ItemDataRole.ToolTipRole) for index in texts]
    assert {shown(tip) for tip in feed_tips} >= set(PAYLOADS)
    log = client_page.log_view.model
    log_tips = [
        log.index(row, COL_PREVIEW).data(Qt.ItemDataRole.ToolTipRole)
        for row in range(log.rowCount())
    ]
    for payload in PAYLOADS:  # under the sizes on the wire when compressed
        assert any(shown(tip).endswith(payload) for tip in log_tips), payload
    about = viewer.about
    assert about.textFormat() == Qt.TextFormat.PlainText
    assert exported.name in label_shown(about) and BIG in label_shown(about)
    handshake = client_page.handshake_view
    assert IMAGE in handshake.request.toPlainText()  # a plain-text editor

    sweep = Sweep()
    sweep.widgets(window, viewer)
    assert sweep.broken == []
    places = set(sweep.found)
    for expected in (
        "statusBadge label",
        "statusBadge tooltip",
        "classroomFeed item tooltip",
        "logTable item tooltip",
        "socketTable item tooltip",
        "itemList item tooltip",
        "hint label",  # the viewer's "about" line
    ):
        assert expected in places, (expected, sorted(places))
    assert sweep.found["classroomFeed item tooltip"] == set(PAYLOADS)
