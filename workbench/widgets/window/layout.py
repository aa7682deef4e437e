"""The main window's layout kept between runs in ``QSettings``: size, position, the tab,
the toolbar state, each panel's list/page splitter and the splitters inside the pages.

Size and position are kept rather than ``saveGeometry()``: ``restoreGeometry()`` adds a
guessed title bar and, without a window manager (Xvfb), pushes the window off the screen;
a restored window is moved and shrunk to fit the screen it is on. The splitters inside a
page (settings | work area, the work area's top | log, sockets | Send) are saved from the
page on show in each panel and given to every page of that panel, also those made later.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QByteArray, QPoint, QSettings, QSize, Qt
from PySide6.QtWidgets import QMainWindow, QTabWidget

__all__ = ["keep_on_screen", "restore_layout", "save_layout"]


def save_layout(window: QMainWindow, settings: QSettings, tabs: QTabWidget, panels: Any) -> None:
    """Write ``window``'s layout; ``panels``: ``(key, ItemPanel)`` pairs."""
    settings.setValue("window/size", window.size())
    settings.setValue("window/pos", window.pos())
    settings.setValue("window/maximized", window.isMaximized())
    settings.setValue("window/state", window.saveState())
    settings.setValue("window/tab", tabs.currentIndex())
    for key, panel in panels:
        settings.setValue(f"{key}/splitter", panel.splitter.saveState())
        for name, state in panel.page_splitter_states().items():
            settings.setValue(f"{key}/page/{name}", state)
    settings.sync()


def restore_layout(
    window: QMainWindow, settings: QSettings, tabs: QTabWidget, panels: Any, default_tab: int
) -> None:
    """Apply what ``save_layout`` wrote (anything missing or malformed is left as it is)."""
    size, pos = settings.value("window/size"), settings.value("window/pos")
    if isinstance(size, QSize) and size.isValid():
        window.resize(size)
    if isinstance(pos, QPoint):
        window.move(pos)
    keep_on_screen(window)
    if str(settings.value("window/maximized", "false")).lower() == "true":
        window.setWindowState(window.windowState() | Qt.WindowState.WindowMaximized)
    state = settings.value("window/state")
    if isinstance(state, QByteArray) and not state.isEmpty():
        window.restoreState(state)
    for key, panel in panels:
        value = settings.value(f"{key}/splitter")
        if isinstance(value, QByteArray) and not value.isEmpty():
            panel.splitter.restoreState(value)
        states = {}
        for name in panel.PAGE_SPLITTERS:
            value = settings.value(f"{key}/page/{name}")
            if isinstance(value, QByteArray) and not value.isEmpty():
                states[name] = value
        panel.set_page_splitter_states(states)
    value = settings.value("window/tab", default_tab)  # an int, or its text in an INI file
    try:
        tab = int(value) if isinstance(value, int | str) else default_tab
    except ValueError:
        tab = default_tab
    tabs.setCurrentIndex(tab if 0 <= tab < tabs.count() else default_tab)


def keep_on_screen(window: QMainWindow) -> None:
    """Move and shrink ``window`` to fit the screen it is on: a restored window (another
    monitor, a smaller screen, no window manager to subtract decorations), and a window
    after a zoom (Qt grows a window to its layout's minimum but never shrinks it back)."""
    screen = window.screen()
    if screen is None:
        return
    room = screen.availableGeometry()
    geometry = window.frameGeometry()
    if room.contains(geometry):
        return
    width, height = min(geometry.width(), room.width()), min(geometry.height(), room.height())
    left = max(room.left(), min(geometry.left(), room.right() + 1 - width))
    top = max(room.top(), min(geometry.top(), room.bottom() + 1 - height))
    window.setGeometry(left, top, width, height)
