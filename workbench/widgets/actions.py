"""``make_action``: a window's action, its shortcut said in its tooltip."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence

__all__ = ["make_action"]


def make_action(
    parent: QObject,
    text: str,
    slot: Callable[..., Any],
    keys: str | QKeySequence.StandardKey | None = None,
    tip: str = "",
) -> QAction:
    """An action calling ``slot``; its tooltip is ``tip`` (default ``text``) followed by the
    shortcut, e.g. ``Save workspace (Ctrl+S)``."""
    action = QAction(text, parent)
    if keys is not None:
        action.setShortcut(QKeySequence(keys))
    action.setToolTip(f"{tip or text} ({QKeySequence(keys).toString()})" if keys else (tip or text))
    action.triggered.connect(slot)
    return action
