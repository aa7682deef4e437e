"""Close codes: the registered ones as ``CloseCode``, what each means, and which may be sent.

Codes arrive as plain ``int`` (``'close'`` events, ``close_code``, ``ConnectionClosed.code``,
``Frame.close_code``): an application's codes 3000-4999 have no name. ``CloseCode`` members
are ints, so they compare equal to those values and may be passed wherever a code is taken.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from websockets.protocol import Protocol

__all__ = [
    "ABNORMAL_CLOSE_CODES",
    "CLOSE_CODE_MEANINGS",
    "VALID_CLOSE_CODES",
    "CloseCode",
    "check_close_code",
    "close_status",
]


class CloseCode(enum.IntEnum):
    """The close codes of RFC 6455 section 7.4.1 and the IANA WebSocket registry.

    Named as in the registry ("Normal Closure" is ``NORMAL_CLOSURE``). 1005, 1006 and 1015
    are only ever reported, never sent: a close frame may not carry them.

    Example:
        ``await client.close(CloseCode.GOING_AWAY, "bye")``, or
        ``if code == CloseCode.MESSAGE_TOO_BIG: ...`` in a ``'close'`` handler.
    """

    NORMAL_CLOSURE = 1000
    GOING_AWAY = 1001
    PROTOCOL_ERROR = 1002
    UNSUPPORTED_DATA = 1003
    NO_STATUS_RCVD = 1005
    ABNORMAL_CLOSURE = 1006
    INVALID_FRAME_PAYLOAD_DATA = 1007
    POLICY_VIOLATION = 1008
    MESSAGE_TOO_BIG = 1009
    MANDATORY_EXTENSION = 1010
    INTERNAL_ERROR = 1011
    SERVICE_RESTART = 1012
    TRY_AGAIN_LATER = 1013
    BAD_GATEWAY = 1014
    TLS_HANDSHAKE = 1015

    @property
    def meaning(self) -> str:
        """What the code means, in the words of ``CLOSE_CODE_MEANINGS``."""
        return CLOSE_CODE_MEANINGS[self]

    @property
    def sendable(self) -> bool:
        """Whether a close frame may carry this code (``close(code)`` accepts it)."""
        return self not in _NEVER_SENT


_NEVER_SENT = frozenset(
    {CloseCode.NO_STATUS_RCVD, CloseCode.ABNORMAL_CLOSURE, CloseCode.TLS_HANDSHAKE}
)

#: Close codes that mean something went wrong, reported on 'error' as well as on 'close'.
ABNORMAL_CLOSE_CODES = frozenset(
    {
        CloseCode.PROTOCOL_ERROR,
        CloseCode.UNSUPPORTED_DATA,
        CloseCode.ABNORMAL_CLOSURE,
        CloseCode.INVALID_FRAME_PAYLOAD_DATA,
        CloseCode.MESSAGE_TOO_BIG,
        CloseCode.MANDATORY_EXTENSION,
        CloseCode.INTERNAL_ERROR,
        CloseCode.TLS_HANDSHAKE,
    }
)

#: What each registered close code means (RFC 6455 §7.4.1), for messages people read. Keyed
#: by plain ``int`` (a ``CloseCode`` finds its entry too).
CLOSE_CODE_MEANINGS: dict[int, str] = {
    1000: "normal closure",
    1001: "going away",
    1002: "protocol error",
    1003: "unsupported data",
    1005: "no status code",
    1006: "connection lost without a closing handshake",
    1007: "invalid data for the message type",
    1008: "policy violation",
    1009: "message too big",
    1010: "missing extension",
    1011: "internal error",
    1012: "service restart",
    1013: "try again later",
    1014: "bad gateway",
    1015: "TLS handshake failure",
}

#: The codes ``close()`` accepts, in words.
VALID_CLOSE_CODES = "1000-1003, 1007-1014, or 3000-4999 for application codes"


def check_close_code(code: int, reason: str) -> None:
    """Check that a close frame may carry ``code`` and ``reason`` (RFC 6455 section 7.4).

    Args:
        code: 1000-1003, 1007-1014 (a ``CloseCode`` or a plain ``int``) or an application's
            3000-4999.
        reason: at most 123 bytes once encoded as UTF-8.

    Raises:
        TypeError: ``code`` is not an ``int`` or ``reason`` not a ``str``.
        ValueError: the code may not be sent, or the reason is too long.
    """
    if not isinstance(code, int) or isinstance(code, bool):
        raise TypeError(
            f"close code must be an int ({VALID_CLOSE_CODES}), not {type(code).__name__}"
        )
    if not (1000 <= code <= 1003 or 1007 <= code <= 1014 or 3000 <= code <= 4999):
        raise ValueError(f"close code {code} cannot be sent; use {VALID_CLOSE_CODES}")
    if not isinstance(reason, str):
        raise TypeError("close reason must be a str")
    if len(reason.encode("utf-8")) > 123:
        raise ValueError("close reason must be at most 123 bytes in UTF-8")


def close_status(protocol: Protocol) -> tuple[int, str]:
    """The close code and reason to report for the ended connection of ``protocol``.

    The peer's close frame when there was one; else, when this side failed the connection
    for a protocol error (1002, 1007, 1009...), the code it sent; else 1006 (lost).
    """
    received, sent = protocol.close_rcvd, protocol.close_sent
    if received is not None:
        return int(received.code), received.reason
    if sent is not None and sent.code in ABNORMAL_CLOSE_CODES:
        return int(sent.code), sent.reason
    return 1006, ""
