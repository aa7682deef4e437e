"""The mouse wheel over a combo or spin box changes it only when it has the focus; otherwise
the settings column scrolls. Every combo and spin box of the window is such a guarded one."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QComboBox, QSpinBox, QWidget

from workbench.widgets.common.wheel_guard import WheelNeedsFocus
from workbench.widgets.compose.mime_chooser import MimeChooser
from workbench.widgets.window.main_window import CLIENTS_TAB, SERVERS_TAB, MainWindow

WAIT = 5.0


@pytest.fixture
def window(qtbot, service, tmp_path: Path):
    settings = QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)
    win = MainWindow(service, settings=settings, workspace_path=tmp_path / "workspace.json")
    qtbot.addWidget(win)
    win.resize(1024, 720)  # short: the settings column scrolls
    win.show()
    qtbot.waitExposed(win)
    return win


def wheel(widget: QWidget, notches: int = -1) -> None:
    """One wheel turn over the middle of ``widget`` (down for a negative count), as the
    window system delivers it (spontaneous: Qt passes it to the parent if ignored)."""
    window = widget.window()
    where = widget.mapTo(window, widget.rect().center())
    QTest.wheelEvent(window.windowHandle(), QPointF(where), QPoint(0, 120 * notches))
    QApplication.processEvents()


def test_the_wheel_scrolls_the_settings_not_an_unfocused_field(qtbot, window, wait_for):
    window.tabs.setCurrentIndex(CLIENTS_TAB)
    page = window.clients.page(window.clients.new_client())
    column = page.settings_toggle.column
    wait_for(lambda: column.verticalScrollBar().maximum() > 0, WAIT, "a column that scrolls")
    send_type = page.form.editor("send_type", MimeChooser)
    throttle = page.form.editor("throttle_factor", QSpinBox)
    page.name_edit.setFocus()
    before = (send_type.currentText(), throttle.value(), column.verticalScrollBar().value())

    for field in (send_type, throttle):
        wheel(field)
    assert (send_type.currentText(), throttle.value()) == before[:2]
    assert column.verticalScrollBar().value() > before[2]  # the column scrolled instead

    throttle.setFocus()  # clicked or tabbed into: now the wheel is for it
    wait_for(throttle.hasFocus, WAIT, "the focus")
    column.ensureWidgetVisible(throttle)
    wheel(throttle, +1)
    assert throttle.value() == before[1] + throttle.singleStep()
    send_type.setFocus()
    wait_for(send_type.hasFocus, WAIT, "the focus")
    column.ensureWidgetVisible(send_type)
    wheel(send_type)
    assert send_type.currentText() != before[0]


def test_every_combo_and_spin_box_in_the_window_needs_the_focus(qtbot, window, service):
    server_id = service.engine.add_server({"host_interface": "127.0.0.1", "port": 0})
    server_page = window.servers.page(server_id)
    window.tabs.setCurrentIndex(SERVERS_TAB)
    client_page = window.clients.page(window.clients.new_client())
    dialogs = [window.load.open_many_dialog(), window.load.open_replay_dialog()]
    fields = [
        field
        for top in (window, server_page, client_page, *dialogs)
        for field in top.findChildren(QWidget)
        if isinstance(field, (QComboBox, QAbstractSpinBox))
    ]
    assert len(fields) >= 15  # forms, composers, logs, fault lab, dialogs
    for field in fields:
        name = field.objectName() or type(field).__name__
        assert isinstance(field, WheelNeedsFocus), name
        assert field.focusPolicy() == Qt.FocusPolicy.StrongFocus, name
    for dialog in dialogs:
        dialog.reject()
