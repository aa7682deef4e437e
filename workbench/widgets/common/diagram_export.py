"""A ``RowDiagram`` (``widgets.common.row_diagram``) exported whole, as an SVG drawing or a PNG
picture, by the same painters that draw it on screen: the two-lane conversation
(``widgets.protocol.conversation_view``) and the relay's three lifelines
(``widgets.relay.conversation_view``) both export here. ``ExportButtons`` are the two buttons
and their file dialog. The files are made readable by their owner only (a conversation may
carry secrets).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QRectF, QSize
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QPushButton, QWidget

from workbench.engine.private_files import make_private

from .row_diagram import RowDiagram

__all__ = [
    "EXPORT_MAX_ROWS",
    "EXPORT_WIDTH",
    "ExportButtons",
    "export_png",
    "export_size",
    "export_svg",
]

EXPORT_WIDTH = 900
#: Rows an export draws at most (a PNG of 10,000 rows would be 300,000 px tall).
EXPORT_MAX_ROWS = 2_000


def export_size(diagram: RowDiagram[Any]) -> QSize:
    """The size in pixels of an export of ``diagram``'s conversation (all its rows, up to
    ``EXPORT_MAX_ROWS``, under its titles)."""
    shown = 0 if diagram.conversation is None else len(diagram.conversation.rows)
    rows = min(shown, EXPORT_MAX_ROWS)
    return QSize(EXPORT_WIDTH, diagram.header_height + max(rows, 1) * diagram.row_height + 8)


def _paint_export(painter: QPainter, diagram: RowDiagram[Any]) -> None:
    conversation = diagram.conversation
    assert conversation is not None
    size = export_size(diagram)
    painter.fillRect(QRectF(0, 0, size.width(), size.height()), QColor("#ffffff"))
    painter.save()  # a title painter may leave its bold font or brush behind
    diagram.paint_titles(painter, conversation.title(), size.width())
    painter.restore()
    rows = conversation.rows
    diagram.paint_rows(
        painter,
        [rows[i] for i in range(min(len(rows), EXPORT_MAX_ROWS))],
        conversation.start,
        size.width(),
        diagram.header_height,
        size.height() - diagram.header_height,
    )


def _private(path: str | Path) -> bool:
    """Create the file readable by its owner only (Qt keeps the mode of a file it
    rewrites); whether it could."""
    try:
        make_private(path)
    except OSError:
        return False
    return True


def export_png(diagram: RowDiagram[Any], path: str | Path) -> bool:
    """Render the diagram into a PNG file; whether it was written (False: nothing drawn)."""
    if diagram.conversation is None or not _private(path):
        return False
    image = QImage(export_size(diagram), QImage.Format.Format_ARGB32)
    image.fill(QColor("#ffffff"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    _paint_export(painter, diagram)
    painter.end()
    # PySide6's stub types the format as bytes, but save() refuses bytes and takes a str.
    saved: bool = image.save(str(path), "PNG")  # type: ignore[call-overload]
    return saved


def export_svg(diagram: RowDiagram[Any], path: str | Path) -> bool:
    """Write the diagram as an SVG file (QtSvg's generator; its title: the lifelines'
    titles); whether it was written (False: nothing drawn)."""
    conversation = diagram.conversation
    if conversation is None:
        return False
    size = export_size(diagram)
    if not _private(path):
        return False
    generator = QSvgGenerator()
    generator.setFileName(str(path))
    generator.setSize(size)
    generator.setViewBox(QRectF(0, 0, size.width(), size.height()))
    generator.setTitle(" ↔ ".join(conversation.title()))
    generator.setDescription("WebSocket conversation, drawn by the WebSocket Workbench")
    painter = QPainter()
    if not painter.begin(generator):
        return False
    _paint_export(painter, diagram)
    return painter.end()


class ExportButtons(QWidget):
    """ "Export SVG…" and "Export PNG…" for ``diagram``: a file dialog, then the export; a
    file that could not be written is told to ``report(text)``. ``refresh()`` enables them
    while the diagram has a conversation."""

    def __init__(
        self,
        diagram: RowDiagram[Any],
        report: Callable[[str], object],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.diagram = diagram
        self._report = report
        self.svg_button = QPushButton("Export SVG…")
        self.svg_button.setToolTip("Save the whole diagram as an SVG drawing")
        self.png_button = QPushButton("Export PNG…")
        self.png_button.setToolTip("Save the whole diagram as a PNG picture")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.svg_button)
        layout.addWidget(self.png_button)
        self.svg_button.clicked.connect(lambda: self._export("SVG drawing (*.svg)", export_svg))
        self.png_button.clicked.connect(lambda: self._export("PNG picture (*.png)", export_png))
        self.refresh()

    def refresh(self) -> None:
        exportable = self.diagram.conversation is not None
        self.svg_button.setEnabled(exportable)
        self.png_button.setEnabled(exportable)

    def _export(self, kind: str, write: Callable[[RowDiagram[Any], str], bool]) -> None:
        if self.diagram.conversation is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export the conversation", "", kind)
        if path and not write(self.diagram, path):
            self._report(f"could not write {path}")
