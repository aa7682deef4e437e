"""Every custom item-data role of the workbench's models and item views, in one place.

Each role has its own value, so a view, a delegate or a proxy that meets rows of two models
never reads one model's data under another's role. A role that means the same thing in two
models is one role (``SEQ_ROLE``, ``SOCKET_ID_ROLE``). A test checks that no other module
makes a role from ``Qt.ItemDataRole.UserRole``.
"""

from __future__ import annotations

from typing import Final

from PySide6.QtCore import Qt

__all__ = [
    "CLIENT_ID_ROLE",
    "ENTRY_ROLE",
    "FRAME_ROW_ROLE",
    "ITEM_ID_ROLE",
    "MARK_CHOSEN_ROLE",
    "SEQ_ROLE",
    "SOCKET_ID_ROLE",
    "STEP_RESULT_ROLE",
]

_USER: Final = int(Qt.ItemDataRole.UserRole)

#: ``LogModel``: the row's ``LogEntry``.
ENTRY_ROLE: Final = _USER + 1
#: ``LogModel`` and ``FrameModel``: the row's sequence number in its store.
SEQ_ROLE: Final = _USER + 2
#: ``FrameModel``: the row's ``FrameRow``.
FRAME_ROW_ROLE: Final = _USER + 3
#: ``SocketListModel`` and ``ClassroomFeedModel``: the id of the server-side socket.
SOCKET_ID_ROLE: Final = _USER + 4
#: ``ClientsTableModel``: the client's id.
CLIENT_ID_ROLE: Final = _USER + 5
#: The Servers and Clients lists (``ItemPanel``): the id of the server or client an item is.
ITEM_ID_ROLE: Final = _USER + 6
#: ``ScenarioStepModel``: the row's ``StepResult`` of the last run (or None).
STEP_RESULT_ROLE: Final = _USER + 7
#: The header editor's Secret box: the person set it (typing a name then leaves it alone).
MARK_CHOSEN_ROLE: Final = _USER + 8
