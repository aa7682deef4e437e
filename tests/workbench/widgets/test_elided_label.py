"""ElidedLabel: the whole text in text() and the tooltip, "…" on the screen, and a text that
changes many times a second (the log's counters) does not make the layouts run again."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QHBoxLayout, QWidget

from tests.workbench.shown_text import tooltip_shown
from workbench.widgets.common.elided_label import WIDTH_STEP, ElidedLabel


class LayoutRequests(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, _watched: QObject, event: QEvent) -> bool:  # Qt override
        if event.type() == QEvent.Type.LayoutRequest:
            self.count += 1
        return False


def test_a_counter_repaints_without_a_relayout_until_it_crosses_a_width_step(qtbot) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    layout = QHBoxLayout(window)
    label = ElidedLabel()
    layout.addWidget(label, 1)
    window.resize(600, 40)
    label.setText("1,000 received · 0 sent · 2 events")
    window.show()
    qtbot.waitExposed(window)
    requests = LayoutRequests()
    window.installEventFilter(requests)
    qtbot.wait(20)
    requests.count = 0
    for n in range(1001, 1100):  # a tick's worth of new counts: the width barely moves
        label.setText(f"{n:,} received · 0 sent · 2 events")
    qtbot.wait(20)
    assert requests.count == 0
    assert label.text() == "1,099 received · 0 sent · 2 events" == tooltip_shown(label)
    hint = label.sizeHint().width()
    margins = label.contentsMargins()
    assert (hint - margins.left() - margins.right()) % WIDTH_STEP == 0

    label.setText("1,099 received · 0 sent · 2 events · and a much longer tail " * 2)
    qtbot.waitUntil(lambda: requests.count > 0, timeout=2000)
    assert label.sizeHint().width() > hint
    assert label.minimumSizeHint().width() == 0  # never widens the window
    label.resize(60, label.height())
    assert label.is_elided()
