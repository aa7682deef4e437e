"""Combo and spin boxes that the mouse wheel changes only once they have the focus.

Scrolling the settings column passed the wheel to whatever combo or spin box was under the
pointer: a client's send type went from ``*/*`` to ``image/jpeg`` and Throttle from 0 to
1,100 ms while the person only meant to scroll. As in every well-behaved Qt form, these
take the focus by click or Tab only (``Qt.StrongFocus``, not Qt's default ``WheelFocus``),
and a wheel event over one without the focus is ignored, so Qt passes it on to the parent
(the column scrolls). Every combo and spin box of the window is one of these (a test sweeps
the window for others). Small classes rather than an application-wide event filter: such a
filter runs Python for every event of the application, ~3 µs each.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QComboBox, QSpinBox

__all__ = ["GuardedComboBox", "GuardedSpinBox", "WheelNeedsFocus"]


class WheelNeedsFocus:
    """Mixin (before the Qt class): StrongFocus, and the wheel only while focused."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # type: ignore[attr-defined]

    def wheelEvent(self, event: QWheelEvent) -> None:  # Qt override
        if self.hasFocus():  # type: ignore[attr-defined]
            super().wheelEvent(event)  # type: ignore[misc]
        else:
            event.ignore()  # to the parent: the form scrolls


class GuardedComboBox(WheelNeedsFocus, QComboBox):
    """A ``QComboBox`` the wheel changes only while it has the focus."""


class GuardedSpinBox(WheelNeedsFocus, QSpinBox):
    """A ``QSpinBox`` the wheel changes only while it has the focus."""
