"""The Conversation view: one connection of this window as a sequence diagram, both ends.

``ConversationView(service, item_id)`` (a client id or a server socket id) asks the engine's
``ConversationRecorder`` for the conversation every ``REFRESH_MS`` and shows it in a
``ConversationDiagram``, or, when the other end is not in this window, a sentence saying why.
The diagram is a ``QAbstractScrollArea`` that paints only the rows in view, straight from the
conversation's rows: opening and scrolling cost the same for ten rows or fifty thousand. While
it is scrolled to the end it follows new rows. Exports (SVG, PNG) draw every row with the same
painter (``conversation_painter``, through ``widgets.common.diagram_export``).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from workbench.engine.protocol.conversation import Conversation
from workbench.qt.service import WorkbenchService
from workbench.widgets.common.diagram_export import ExportButtons, export_png, export_svg
from workbench.widgets.common.plain_text import plain
from workbench.widgets.common.row_diagram import RowDiagram

from .conversation_painter import HEADER_HEIGHT, ROW_HEIGHT, paint_header, paint_rows

__all__ = ["ConversationDiagram", "ConversationView", "show_conversation"]

REFRESH_MS = 250


class ConversationDiagram(RowDiagram[Conversation]):
    """The diagram of ``conversation`` (None: nothing drawn), lane titles fixed on top."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(paint_rows, paint_header, ROW_HEIGHT, HEADER_HEIGHT, parent)
        self.setObjectName("conversationDiagram")
        self.titles.setObjectName("conversationLanes")


class ConversationView(QWidget):
    """Conversation of ``item_id`` (a client id or a server socket id); see the module."""

    def __init__(
        self, service: WorkbenchService, item_id: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("conversationView")
        self.engine = service.engine
        self.item_id = item_id
        self.setWindowTitle(f"Conversation — {service.engine.name_of(item_id)}")
        self.diagram = ConversationDiagram()
        self.empty = plain(QLabel())  # the reason names the client or socket
        self.empty.setObjectName("emptyHint")
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.diagram)
        self.summary = QLabel()
        self.summary.setObjectName("hint")
        self.exports = ExportButtons(
            self.diagram, lambda text: service.engine.report("Conversation", text)
        )
        self.svg_button, self.png_button = self.exports.svg_button, self.exports.png_button
        bar = QHBoxLayout()
        bar.addWidget(self.summary, 1)
        bar.addWidget(self.exports)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.stack, 1)
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self.refresh()

    @property
    def conversation(self) -> Conversation | None:
        return self.diagram.conversation

    def showEvent(self, event: QShowEvent) -> None:  # Qt override
        super().showEvent(event)
        self.refresh()
        self.timer.start()

    def hideEvent(self, event: QHideEvent) -> None:  # Qt override: closed windows cost nothing
        super().hideEvent(event)
        self.timer.stop()

    def refresh(self) -> None:
        """Ask the engine again: new rows, or a pair that appeared or went."""
        conversation = self.engine.conversations.conversation(self.item_id)
        if conversation is None:
            self.empty.setText(self.engine.conversations.missing_reason(self.item_id))
            self.stack.setCurrentWidget(self.empty)
        else:
            self.stack.setCurrentWidget(self.diagram)
        if conversation is not self.diagram.conversation:
            self.diagram.set_conversation(conversation)
        elif conversation is not None:
            self.diagram.refresh()
        self.exports.refresh()
        self.summary.setText(self._summary(conversation))

    @staticmethod
    def _summary(conversation: Conversation | None) -> str:
        if conversation is None:
            return "No conversation to draw."
        dropped = conversation.first_index
        text = f"{len(conversation.rows):,} arrows, time downwards"
        return text + (f" ({dropped:,} oldest no longer kept)" if dropped else "")

    def export_svg(self, path: str) -> bool:
        return export_svg(self.diagram, path)

    def export_png(self, path: str) -> bool:
        return export_png(self.diagram, path)


def show_conversation(service: WorkbenchService, item_id: str, owner: QWidget) -> ConversationView:
    """Open (or raise) the conversation window of ``item_id``, kept by ``owner``."""
    found = [v for v in owner.findChildren(ConversationView) if v.item_id == item_id]
    view = found[0] if found else None
    if view is None:
        view = ConversationView(service, item_id, owner)
        view.setWindowFlag(Qt.WindowType.Window)
        view.resize(960, 640)
    view.show()
    view.raise_()
    view.activateWindow()
    return view
