"""Where a Client is in its life, and after which close codes ``reconnect`` connects again."""

from __future__ import annotations

import enum

from ._close_codes import CloseCode


class ClientState(enum.StrEnum):
    """Where a Client is in its life (``Client.state``); a ``str`` enum, equal to its value.

    ``'idle'`` until ``open()``; ``'connecting'`` through every attempt (and again after a
    lost connection under ``reconnect``); ``'open'``; ``'closing'`` once ``close()`` was
    called on an open socket; ``'closed'``; ``'failed'`` when every attempt failed.
    """

    IDLE = "idle"
    CONNECTING = "connecting"
    OPEN = "open"
    CLOSING = "closing"
    CLOSED = "closed"
    FAILED = "failed"


#: Close codes after which ``reconnect=True`` connects again: the server went away or broke.
RECONNECT_CODES = frozenset(
    {
        CloseCode.GOING_AWAY,
        CloseCode.ABNORMAL_CLOSURE,
        CloseCode.INTERNAL_ERROR,
        CloseCode.SERVICE_RESTART,
        CloseCode.TRY_AGAIN_LATER,
        CloseCode.BAD_GATEWAY,
    }
)
