"""Tabs whose minimum size is the shown page's, not the largest page's.

A ``QTabWidget`` is as large as its largest page, shown or not: the Classroom and Fault lab
tabs made a server page too wide for 1024x768 at 125 % zoom even while the log and Send were
in front. Hidden pages get an ``Ignored`` size policy (so they do not count); the shown page
gets its own policy back.
"""

from __future__ import annotations

from PySide6.QtWidgets import QSizePolicy, QTabWidget, QWidget

__all__ = ["size_to_current_page"]


def size_to_current_page(tabs: QTabWidget) -> None:
    """From now on, only the current page of ``tabs`` counts in its size hints."""
    own: dict[QWidget, QSizePolicy] = {}
    ignored = QSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)

    def update(_index: int = -1) -> None:
        pages = [page for i in range(tabs.count()) if (page := tabs.widget(i)) is not None]
        for gone in [page for page in own if page not in pages]:
            del own[gone]
        current = tabs.currentWidget()
        for page in pages:
            policy = own.setdefault(page, page.sizePolicy())
            page.setSizePolicy(policy if page is current else ignored)
        tabs.updateGeometry()

    tabs.currentChanged.connect(update)
    update()
