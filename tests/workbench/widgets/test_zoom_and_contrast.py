"""Zoom and high contrast for the whole window, kept in the settings; the layout fits the
small screens a classroom has (1024x768 zoomed to 125 %, 1920x1080 at scale 1.5); a settings
column closed by hand stays closed."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QObject, QSettings, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QPushButton, QWidget

from tests.workbench.shown_text import tooltip_shown
from workbench.widgets.common.resources import style_sheet
from workbench.widgets.window.main_window import CLIENTS_TAB, SERVERS_TAB, MainWindow
from workbench.widgets.window.zoom_and_contrast import scaled_style_sheet

WAIT = 5.0


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def restore_app(qapp):
    """Every test here changes the application's font, palette and style sheet: undo it."""
    font, palette, sheet = qapp.font(), qapp.palette(), qapp.styleSheet()
    yield qapp
    qapp.setStyleSheet(sheet)
    qapp.setPalette(palette)
    qapp.setFont(font)


def make_window(qtbot, service, settings, tmp_path, size=(1280, 800)) -> MainWindow:
    win = MainWindow(service, settings=settings, workspace_path=tmp_path / "workspace.json")
    qtbot.addWidget(win)
    win.resize(*size)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win, timeout=int(WAIT * 1000))
    return win


class ChildrenMoved(QObject):
    """Counts the widgets that lose a child (moved elsewhere or deleted) while installed."""

    def __init__(self) -> None:
        super().__init__()
        self.parents: list[str] = []

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt override
        if event.type() == QEvent.Type.ChildRemoved and isinstance(watched, QWidget):
            self.parents.append(watched.metaObject().className())
        return False


def test_zooming_moves_no_widget_while_qt_repolishes(
    qtbot, service, settings, tmp_path, wait_for, restore_app
):
    """Qt's repolish walks lists of children it took beforehand: a page that moved its parts
    onto tabs in the resize it gets there deleted a splitter handle still on such a list,
    and the window crashed (a native segfault, in about one zoom of two)."""
    app = QApplication.instance()
    app.setStyleSheet(style_sheet())
    window = make_window(qtbot, service, settings, tmp_path)
    window.servers.new_server()
    page = window.servers.page(window.servers.current_id())
    assert not page.top_on_tabs  # side by side at 100 %
    moved = ChildrenMoved()
    app.installEventFilter(moved)
    try:
        window.presentation.set_zoom(1.5)  # too wide for side by side beside the settings
    finally:
        app.removeEventFilter(moved)
    assert moved.parents == []
    wait_for(lambda: page.top_on_tabs, WAIT, "the top on tabs")


def test_zooming_at_run_time_widens_the_settings_column_to_its_form(
    qtbot, service, settings, tmp_path, wait_for, restore_app
):
    """The settings column has no horizontal scroll bar: after Ctrl+= its form was cut at
    the right (spin box arrows hidden) until the page was made again."""
    QApplication.instance().setStyleSheet(style_sheet())
    window = make_window(qtbot, service, settings, tmp_path, (1024, 768))
    window.servers.new_server()
    column = window.servers.page(window.servers.current_id()).settings_toggle.column
    for _ in range(2):
        qtbot.keyClick(window, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert window.presentation.zoom == 1.25

    def form_whole() -> bool:
        return column.viewport().width() >= column.body.minimumSizeHint().width()

    wait_for(form_whole, WAIT, "the settings column as wide as its zoomed form")
    assert window.width() <= 1024  # never wider (the test screen, 800 px, may make it less)


def test_style_sheet_sizes_scale_and_borders_stay_visible():
    sheet = "QLabel { font-size: 15px; padding: 3px 8px; border: 1px solid #000; }"
    assert scaled_style_sheet(sheet, 1.0) == sheet
    assert scaled_style_sheet(sheet, 2.0) == (
        "QLabel { font-size: 30px; padding: 6px 16px; border: 2px solid #000; }"
    )
    assert "border: 1px" in scaled_style_sheet(sheet, 0.8)  # never 0 px
    assert "#000" in scaled_style_sheet(sheet, 1.25)  # colours are not sizes


def test_zoom_keys_scale_the_font_and_style_sheet_and_are_remembered(
    qtbot, service, settings, tmp_path, restore_app
):
    app = QApplication.instance()
    app.setStyleSheet(style_sheet())
    base = app.font().pointSizeF()
    window = make_window(qtbot, service, settings, tmp_path)
    qtbot.keyClick(window, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert window.presentation.zoom == 1.1
    qtbot.keyClick(window, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert window.presentation.zoom == 1.25
    assert app.font().pointSizeF() == pytest.approx(base * 1.25)
    assert "font-size: 28px" in app.styleSheet()  # the welcome title's 22 px
    qtbot.keyClick(window, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert window.presentation.zoom == 1.1
    qtbot.keyClick(window, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    settings.sync()
    assert (
        float(QSettings(settings.fileName(), QSettings.Format.IniFormat).value("view/zoom")) == 1.25
    )

    again = make_window(qtbot, service, settings, tmp_path)  # the next run starts zoomed
    assert again.presentation.zoom == 1.25
    assert app.font().pointSizeF() == pytest.approx(base * 1.25)
    qtbot.keyClick(again, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert again.presentation.zoom == 1.0
    assert app.font().pointSizeF() == pytest.approx(base)
    assert app.styleSheet() == style_sheet()


def test_zooming_widens_the_tables_columns_to_their_texts(
    qtbot, service, settings, tmp_path, wait_for, restore_app
):
    """Column widths follow the font: at 125 % the log's times read whole ("07:10:5…" when
    the widths were fixed pixels), and so do the socket list's and the frames view's."""
    from workbench.engine.log.store import INFO, OUT
    from workbench.qt.log_model import COL_DIRECTION, COL_TIME, COL_TYPE, format_time

    QApplication.instance().setStyleSheet(style_sheet())
    window = make_window(qtbot, service, settings, tmp_path)
    window.servers.new_server()
    for _ in range(2):  # zoomed at run time, with a server page open
        qtbot.keyClick(window, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert window.presentation.zoom == 1.25
    page = window.servers.page(window.servers.current_id())
    log = page.log_views[page.server_id]
    time_text = format_time(1_700_000_000.888)

    def whole(table, samples) -> bool:
        header, metrics = table.horizontalHeader(), table.fontMetrics()
        return all(
            header.sectionSize(column) >= metrics.horizontalAdvance(text)
            for column, text in samples.items()
        )

    wait_for(lambda: whole(log.table, {COL_TIME: time_text}), WAIT, "the zoomed time column")
    log.model.store.log_event(INFO, "an event row: '• event' is the widest direction")
    log.model.store.add_message(OUT, "application/json", "{}")
    log.model.sync()
    for row in range(log.model.rowCount()):  # every fixed column's text reads whole
        texts = {
            column: log.model.index(row, column).data()
            for column in (COL_TIME, COL_DIRECTION, COL_TYPE)
        }
        assert whole(log.table, texts), texts
    from workbench.widgets.pages.sockets_box import COLUMN_SAMPLES

    wait_for(lambda: whole(page.socket_box.table, COLUMN_SAMPLES), WAIT, "the socket list")


def test_zoom_stays_within_its_steps_and_a_bad_setting_is_ignored(
    qtbot, service, settings, tmp_path, restore_app
):
    settings.setValue("view/zoom", "not a number")
    window = make_window(qtbot, service, settings, tmp_path)
    assert window.presentation.zoom == 1.0
    for _ in range(20):
        window.presentation.step(+1)
    assert window.presentation.zoom == 2.0
    for _ in range(20):
        window.presentation.step(-1)
    assert window.presentation.zoom == 0.8


def test_high_contrast_is_black_on_white_and_remembered(
    qtbot, service, settings, tmp_path, restore_app
):
    app = QApplication.instance()
    window = make_window(qtbot, service, settings, tmp_path)
    assert not window.presentation.contrast_action.isChecked()
    window.presentation.contrast_action.trigger()
    palette = app.palette()
    assert palette.color(QPalette.ColorRole.WindowText).name() == "#000000"
    assert palette.color(QPalette.ColorRole.Window).name() == "#ffffff"
    assert "QLabel#hint, QLabel#emptyHint, QLabel#welcomeText { color: #000000; }" in (
        app.styleSheet()
    )
    hint = window.servers.empty.findChild(type(window.status.label).__mro__[1], "emptyHint")
    if hint is not None:
        assert hint.palette().color(QPalette.ColorRole.WindowText).name() == "#000000"
    again = make_window(qtbot, service, settings, tmp_path)
    assert again.presentation.high_contrast and again.presentation.contrast_action.isChecked()
    again.presentation.contrast_action.trigger()
    assert "emptyHint { color: #000000" not in app.styleSheet()


def fits(qtbot, window, service, wait_for, width, height):
    """The widest states (settings shown, the image and bytes editors, a log that dropped
    rows) must fit ``width`` x ``height`` without scrolling, every main button inside."""
    from workbench.engine.log.store import IN

    window.servers.new_server()
    server = window.servers.page(window.servers.current_id())
    server.composer.set_compose_as("image")
    window.tabs.setCurrentIndex(CLIENTS_TAB)
    window.clients.new_client()
    client = window.clients.page(window.clients.current_id())
    client.composer.set_compose_as("bytes")
    store = service.engine.log(server.server_id)
    for _ in range(store.capacity + 123_456):
        store.add_message(IN, "text/plain", "x")
    window.resize(width, height)
    wait_for(lambda: (window.width(), window.height()) == (width, height), WAIT, "the resize")
    for tab in (SERVERS_TAB, CLIENTS_TAB):
        window.tabs.setCurrentIndex(tab)
        qtbot.wait(100)
        wait_for(window.fits_without_scrolling, WAIT, f"tab {tab} to fit")
    window.tabs.setCurrentIndex(SERVERS_TAB)
    view = server.log_views[server.server_id]
    buttons = [server.start_button, server.stop_button, view.export_button]
    if server.top_on_tabs:
        server.top_tabs.setCurrentIndex(1)
    buttons += [server.composer.send_button, server.broadcast_button]
    for button in buttons:
        assert button.isVisible(), button.text()
        corner = button.mapTo(window, button.rect().bottomRight())
        assert corner.x() <= width and corner.y() <= height, (button.text(), corner)
    # The log's counters (cut to "223,4" at 1024 px and 125 %) show their whole text.
    whole_text(wait_for, [view.counters, view.dropped_label])
    whole_text(wait_for, [window.servers.new_button, window.servers.remove_button])
    window.tabs.setCurrentIndex(CLIENTS_TAB)
    whole_text(wait_for, [client.log_view.counters])
    whole_text(wait_for, [window.clients.new_button, window.clients.remove_button])


def whole_text(wait_for, labels):
    """Each label or button is shown at least as wide as its text (the log's footer and the
    New/Remove row wrap onto a second line when there is too little room); a label's
    tooltip has its text too."""
    for label in labels:
        assert label.isVisible() and label.text(), label.objectName()
        wait_for(
            lambda label=label: label.width() >= label.sizeHint().width(),
            WAIT,
            f"{label.text()!r} to get its width ({label.width()} < {label.sizeHint().width()})",
        )
        assert isinstance(label, QPushButton) or tooltip_shown(label).startswith(label.text())


def test_everything_fits_1024_by_768_zoomed_to_125_percent(
    qtbot, service, settings, tmp_path, wait_for, restore_app
):
    QApplication.instance().setStyleSheet(style_sheet())
    settings.setValue("view/zoom", 1.25)
    window = make_window(qtbot, service, settings, tmp_path, (1024, 768))
    assert window.presentation.zoom == 1.25
    fits(qtbot, window, service, wait_for, 1024, 768)


def test_everything_fits_1920_by_1080_at_scale_1_5(
    qtbot, service, settings, tmp_path, wait_for, restore_app
):
    """QT_SCALE_FACTOR=1.5 on a 1920x1080 screen leaves 1280x720 device-independent pixels,
    the size every layout works in (the screenshot under Xvfb shows the real scale)."""
    QApplication.instance().setStyleSheet(style_sheet())
    window = make_window(qtbot, service, settings, tmp_path, (1280, 720))
    fits(qtbot, window, service, wait_for, 1280, 720)


def test_a_settings_column_closed_by_hand_stays_closed(
    qtbot, service, settings, tmp_path, wait_for
):
    window = make_window(qtbot, service, settings, tmp_path)
    window.servers.new_server()
    server_id = window.servers.current_id()
    page = window.servers.page(server_id)
    column = page.body.widget(0)
    qtbot.mouseClick(page.settings_toggle, Qt.MouseButton.LeftButton)  # closed by hand
    assert column.isHidden()
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    wait_for(lambda: service.engine.server(server_id).state == "listening", WAIT, "listening")
    assert column.isHidden()
    qtbot.mouseClick(page.stop_button, Qt.MouseButton.LeftButton)
    wait_for(lambda: service.engine.server(server_id).state == "stopped", WAIT, "stopped")
    assert column.isHidden() and page.settings_toggle.text() == "Settings ▸"
    qtbot.mouseClick(page.settings_toggle, Qt.MouseButton.LeftButton)  # opened by hand
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    wait_for(lambda: service.engine.server(server_id).state == "listening", WAIT, "listening again")
    assert column.isHidden()  # folded while running
    qtbot.mouseClick(page.stop_button, Qt.MouseButton.LeftButton)
    wait_for(lambda: service.engine.server(server_id).state == "stopped", WAIT, "stopped again")
    assert not column.isHidden()


def test_the_send_and_fault_lab_tabs_have_a_title_when_the_top_goes_on_tabs(
    qtbot, service, settings, tmp_path, wait_for, restore_app
):
    settings.setValue("view/zoom", 1.25)
    window = make_window(qtbot, service, settings, tmp_path, (1024, 768))
    window.servers.new_server()
    page = window.servers.page(window.servers.current_id())
    wait_for(lambda: page.top_on_tabs, WAIT, "the top on tabs")
    titles = [page.top_tabs.tabText(i) for i in range(page.top_tabs.count())]
    assert titles[1] == "Send / Fault lab", titles
