"""``FlowRow``: a few widgets side by side while they fit the row's width, wrapped onto more
lines when they do not — so a label beside buttons shows its whole text at a large zoom in
a narrow pane, and a wide window spends one line on them.

Qt has no flow layout (only a C++ example); this one re-plans its lines on each resize and
when ``reflow()`` is called (a label's text grew, a widget was shown or hidden).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

__all__ = ["FlowRow"]


class FlowRow(QWidget):
    """``FlowRow([(widget, grows), ...], parent=None)``: the widgets in that order, each at
    its size hint; on each line the room left goes to the widgets that ``grow``, in
    proportion to their hints (so each keeps at least its hint even with an ``Ignored``
    size policy, which labels that must never widen the window have). A line with no
    growing widget is right-aligned. ``lines()``: the widgets' indexes on each line."""

    SPACING = 6

    def __init__(self, items: list[tuple[QWidget, bool]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._items = items
        self._rows = QVBoxLayout(self)
        self._rows.setContentsMargins(0, 0, 0, 0)
        self._rows.setSpacing(0)
        self._lines: list[QHBoxLayout] = []
        for _ in items:  # at most one line per widget; empty lines take no room
            line = QHBoxLayout()
            line.setSpacing(self.SPACING)
            self._rows.addLayout(line)
            self._lines.append(line)
        self._plan: list[list[int]] = []
        for widget, _grows in items:
            widget.setParent(self)
        self.reflow()

    def lines(self) -> list[list[int]]:
        return [list(line) for line in self._plan]

    def plan(self, width: int) -> list[list[int]]:
        """Which widgets go on which line at ``width``: each line takes the next widgets
        while their size hints and spacing fit; a hidden widget takes no room."""
        plan: list[list[int]] = [[]]
        used = 0
        for index, (widget, _grows) in enumerate(self._items):
            wanted = 0 if widget.isHidden() else widget.sizeHint().width()
            gap = self.SPACING if plan[-1] and wanted else 0
            if plan[-1] and wanted and used + gap + wanted > width:
                plan.append([])
                used, gap = 0, 0
            plan[-1].append(index)
            used += gap + wanted
        return plan

    def reflow(self) -> None:
        plan = self.plan(self.width())
        if plan != self._plan:
            self._plan = plan
            for line in self._lines:
                while line.count():
                    line.takeAt(0)  # widgets stay children of this row
            for line, indexes in zip(self._lines, plan, strict=False):
                if not any(self._items[i][1] for i in indexes):
                    line.addStretch(1)
                for index in indexes:
                    line.addWidget(self._items[index][0])
        for line, indexes in zip(self._lines, plan, strict=False):
            for index in indexes:
                widget, grows = self._items[index]
                if grows:  # texts change: the shares follow their hints
                    share = max(1, widget.sizeHint().width())
                    if line.stretch(line.indexOf(widget)) != share:  # setting relayouts
                        line.setStretchFactor(widget, share)

    def resizeEvent(self, event: Any) -> None:  # Qt override
        super().resizeEvent(event)
        self.reflow()
