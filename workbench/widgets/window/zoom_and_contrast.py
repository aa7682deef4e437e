"""How the whole window looks: a zoom (Ctrl+= / Ctrl+- / Ctrl+0) and a high-contrast option,
both kept in the window's settings.

Zoom scales the application font and every ``px`` size in the style sheet (fonts, paddings,
radii; 1 px borders stay 1 px), so a projector in a classroom shows the same layout larger;
text areas use ``widgets.common.fonts`` so they follow it too. After a zoom the window is
fitted to its screen again; what no longer fits inside it scrolls (the main window's tabs
are in a scroll area).
High contrast adds ``style-high-contrast.qss`` on top of the normal style sheet and gives
Fusion a black-on-white palette with a strong highlight.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QObject, QSettings, QTimer
from PySide6.QtGui import QAction, QColor, QKeySequence, QPalette
from PySide6.QtWidgets import QApplication, QMainWindow, QMenu

from workbench.widgets.common.resources import resource_path, style_sheet

from .layout import keep_on_screen

__all__ = ["ZOOM_STEPS", "Presentation", "scaled_style_sheet"]

ZOOM_STEPS = (0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 1.75, 2.0)
_PX = re.compile(r"(\d+(?:\.\d+)?)px")
_BASE_FONT = "workbenchBaseFontPointSize"  # an application property: the font before zoom


def scaled_style_sheet(sheet: str, zoom: float) -> str:
    """``sheet`` with every ``Npx`` multiplied by ``zoom`` (rounded, never below 1 px)."""
    if zoom == 1.0:
        return sheet
    return _PX.sub(lambda m: f"{max(1, round(float(m.group(1)) * zoom))}px", sheet)


def high_contrast_palette() -> QPalette:
    palette = QPalette()
    black, white = QColor("#000000"), QColor("#ffffff")
    for role in (QPalette.ColorRole.Window, QPalette.ColorRole.Base, QPalette.ColorRole.Button):
        palette.setColor(role, white)
    palette.setColor(QPalette.ColorRole.AlternateBase, QColor("#f0f0f0"))
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
        QPalette.ColorRole.ToolTipText,
    ):
        palette.setColor(role, black)
    palette.setColor(QPalette.ColorRole.ToolTipBase, QColor("#ffffcc"))
    palette.setColor(QPalette.ColorRole.Highlight, QColor("#0000a0"))
    palette.setColor(QPalette.ColorRole.HighlightedText, white)
    palette.setColor(QPalette.ColorRole.Link, QColor("#0000c0"))
    palette.setColor(QPalette.ColorRole.PlaceholderText, QColor("#404040"))
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):  # still 4.5:1 on white, but plainly not black
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#707070"))
    return palette


class Presentation(QObject):
    """The View menu (``menu``, for the window to place) with the zoom and contrast for
    ``window``; ``settings`` keeps them
    (``view/zoom``, ``view/high_contrast``). Applied at once when they differ from the
    defaults, so a window made with the defaults leaves the application as it is."""

    def __init__(self, window: QMainWindow, settings: QSettings) -> None:
        super().__init__(window)
        self.window = window
        self.settings = settings
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        self.app = app
        if app.property(_BASE_FONT) is None:
            app.setProperty(_BASE_FONT, app.font().pointSizeF())
        self.zoom = _stored_zoom(settings.value("view/zoom", 1.0))
        self.high_contrast = str(settings.value("view/high_contrast", "false")).lower() == "true"
        self.menu = self._make_menu(window)
        if self.zoom != 1.0 or self.high_contrast:
            self.apply()

    def _make_menu(self, window: QMainWindow) -> QMenu:
        menu = QMenu("&View", window)

        def action(
            text: str, keys: list[str], standard: QKeySequence.StandardKey | None, slot: object
        ) -> None:
            act = QAction(text, window)
            if standard is not None:
                keys += [seq.toString() for seq in QKeySequence.keyBindings(standard)]
            # The platform's zoom keys are often the same as ours: a duplicate is ambiguous.
            act.setShortcuts([QKeySequence(key) for key in dict.fromkeys(keys)])
            act.triggered.connect(slot)
            menu.addAction(act)
            window.addAction(act)  # the keys work wherever the focus is in the window

        zoom_in, zoom_out = QKeySequence.StandardKey.ZoomIn, QKeySequence.StandardKey.ZoomOut
        action("Zoom in", ["Ctrl+=", "Ctrl++"], zoom_in, lambda: self.step(+1))
        action("Zoom out", ["Ctrl+-"], zoom_out, lambda: self.step(-1))
        action("Actual size", ["Ctrl+0"], None, self.reset)
        menu.addSeparator()
        self.contrast_action = QAction("High contrast", window)
        self.contrast_action.setCheckable(True)
        self.contrast_action.setChecked(self.high_contrast)
        self.contrast_action.toggled.connect(self.set_high_contrast)
        menu.addAction(self.contrast_action)
        return menu

    def step(self, direction: int) -> None:
        """One zoom step up (``+1``) or down (``-1``), within ``ZOOM_STEPS``."""
        nearest = min(range(len(ZOOM_STEPS)), key=lambda i: abs(ZOOM_STEPS[i] - self.zoom))
        index = max(0, min(len(ZOOM_STEPS) - 1, nearest + direction))
        self.set_zoom(ZOOM_STEPS[index])

    def reset(self) -> None:
        self.set_zoom(1.0)

    def set_zoom(self, zoom: float) -> None:
        zoom = _stored_zoom(zoom)
        if zoom != self.zoom:
            self.zoom = zoom
            self.settings.setValue("view/zoom", zoom)
            self.apply()

    def set_high_contrast(self, on: bool) -> None:
        if on != self.high_contrast:
            self.high_contrast = on
            self.settings.setValue("view/high_contrast", on)
            self.contrast_action.setChecked(on)
            self.apply()

    def apply(self) -> None:
        """Give the application the font, palette and style sheet for the zoom and contrast."""
        font = self.app.font()
        font.setPointSizeF(float(self.app.property(_BASE_FONT)) * self.zoom)
        self.app.setFont(font)
        self.app.setPalette(
            high_contrast_palette() if self.high_contrast else self.app.style().standardPalette()
        )
        sheet = style_sheet()
        if self.high_contrast:
            sheet += "\n" + _high_contrast_sheet()
        self.app.setStyleSheet(scaled_style_sheet(sheet, self.zoom))
        # Once the new sizes are laid out (next turn of the loop), the window fits its
        # screen again: 175 % then Ctrl+0 on 1024x768 left it 1266x924, Send off the screen.
        QTimer.singleShot(0, self, lambda: keep_on_screen(self.window))


def _high_contrast_sheet() -> str:
    try:
        return resource_path("style-high-contrast.qss").read_text(encoding="utf-8")
    except OSError:
        return ""


def _stored_zoom(value: object) -> float:
    """A zoom from the settings (a string in an ini file), kept within the steps' range."""
    if not isinstance(value, int | float | str):
        return 1.0
    try:
        zoom = float(value)
    except ValueError:
        return 1.0
    return max(ZOOM_STEPS[0], min(ZOOM_STEPS[-1], zoom)) if zoom == zoom else 1.0
