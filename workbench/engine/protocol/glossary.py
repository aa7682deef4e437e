"""Plain words for the protocol: every close code, frame type and error kind the workbench
shows, with its one-line meaning and where RFC 6455 defines it.

Close-code meanings are core's (``core.CLOSE_CODE_MEANINGS``); this module adds the
section, whether a close frame may carry the code (core's ``check_close_code`` decides), and
the codes a close picker offers. ``explain_event`` turns a log row's kind and detail into the
line a tooltip or the detail pane shows; it reads the detail text, so it works as well for a
log loaded from a file as for a live one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from core import CLOSE_CODE_MEANINGS, VALID_CLOSE_CODES, check_close_code

__all__ = [
    "CLOSE_PICKER_CODES",
    "ERROR_KINDS",
    "FRAME_TYPES",
    "VALID_CLOSE_CODES",
    "Term",
    "close_code_label",
    "close_code_term",
    "close_refusal",
    "error_kind_of",
    "explain_event",
    "frame_type_term",
]


@dataclass(frozen=True, slots=True)
class Term:
    """``name``: what the UI calls it; ``meaning``: one line; ``section``: e.g. "§7.4.1"
    ("" for a kind the RFC does not define, such as a failing event handler)."""

    name: str
    meaning: str
    section: str

    def line(self) -> str:
        """``"1009 message too big: … (RFC 6455 §7.4.1)"``: the text of a tooltip."""
        where = f" (RFC 6455 {self.section})" if self.section else ""
        return f"{self.name}: {self.meaning}{where}"


# What a student needs beyond core's short meaning: who sends the code and when.
_CLOSE_CODE_NOTES: Final[dict[int, str]] = {
    1000: "the purpose of the connection is fulfilled",
    1001: "the endpoint is leaving, e.g. a server shutting down or a page navigated away",
    1002: "the peer broke the framing rules",
    1003: "a frame of a type this endpoint cannot accept (e.g. binary to a text-only end)",
    1005: "reported when a close frame had no code; never sent on the wire",
    1006: "reported when the TCP connection ended without close frames; never sent",
    1007: "e.g. a text frame that is not valid UTF-8",
    1008: "a message broke the endpoint's policy (a generic refusal)",
    1009: "a message larger than the endpoint accepts",
    1010: "the client expected an extension the server did not negotiate",
    1011: "the server hit an unexpected condition (also sent on a keepalive ping timeout)",
    1012: "the server is restarting; reconnect later",
    1013: "the server is overloaded; reconnect later",
    1014: "a gateway or proxy got an invalid answer from the upstream server",
    1015: "reported when the TLS handshake failed; never sent",
}

#: The codes a close picker offers: every registered code a close frame may carry.
CLOSE_PICKER_CODES: Final[tuple[int, ...]] = (1000, 1001, 1002, 1003, *range(1007, 1015))


def close_code_term(code: int) -> Term:
    """The meaning of a close code; 3000–4999 are the application's own, others unknown."""
    if code in CLOSE_CODE_MEANINGS:
        note = _CLOSE_CODE_NOTES.get(code)
        meaning = CLOSE_CODE_MEANINGS[code] + (f" — {note}" if note else "")
        # 1012-1014 were registered with IANA after the RFC, under its §11.7 registry.
        section = "§11.7 (IANA registry)" if 1012 <= code <= 1014 else "§7.4.1"
        return Term(str(code), meaning, section)
    if 3000 <= code <= 3999:
        return Term(str(code), "registered for libraries, frameworks and applications", "§7.4.2")
    if 4000 <= code <= 4999:
        return Term(str(code), "private use: the application's own meaning", "§7.4.2")
    return Term(str(code), "not a code any endpoint may use", "§7.4.2")


def close_code_label(code: int) -> str:
    """``"1001 going away"``: a code with core's short meaning, for a picker's items."""
    short = CLOSE_CODE_MEANINGS.get(code) or close_code_term(code).meaning
    return f"{code} {short}"


def close_refusal(code: int, reason: str = "") -> str | None:
    """None if a close frame may carry ``code`` and ``reason``, else why not (core's check)."""
    try:
        check_close_code(code, reason)
    except (ValueError, TypeError) as exc:
        return str(exc)
    return None


#: Every frame type, by the opcode name ``core.Frame.opcode`` gives.
FRAME_TYPES: Final[dict[str, Term]] = {
    "continuation": Term(
        "continuation (0x0)", "a further fragment of the message the last frame began", "§5.4"
    ),
    "text": Term("text (0x1)", "a message (or its first fragment) of UTF-8 text", "§5.6"),
    "binary": Term("binary (0x2)", "a message (or its first fragment) of raw bytes", "§5.6"),
    "close": Term(
        "close (0x8)", "starts or answers the closing handshake; carries code and reason", "§5.5.1"
    ),
    "ping": Term(
        "ping (0x9)", "asks the peer for a pong: keepalive and round-trip measurement", "§5.5.2"
    ),
    "pong": Term("pong (0xA)", "the answer to a ping, echoing its payload", "§5.5.3"),
}


def frame_type_term(opcode: str) -> Term:
    """The meaning of a frame type; KeyError for a name that is not one."""
    return FRAME_TYPES[opcode]


#: Error kinds (core's exception classes, and the workbench's own), with a phrase their
#: message always contains: ``error_kind_of`` finds the kind of a logged error by it.
ERROR_KINDS: Final[dict[str, tuple[str, Term]]] = {
    "ConnectError": (
        "could not connect to",
        Term("connect failed", "every attempt to open the connection failed", "§4.1"),
    ),
    "ServerStartError": (
        "could not listen on",
        Term("server did not start", "the port could not be opened for listening", ""),
    ),
    "EncodeError": (
        "cannot send",
        Term("not sent", "the value does not convert to the send type; nothing left", "§5.6"),
    ),
    "DecodeError": (
        "that is not valid",
        Term("did not decode", "a message arrived that is not the receive type; kept raw", "§5.6"),
    ),
    "ConnectionClosed": (
        "ended with code",
        Term(
            "connection ended", "the closing handshake finished, or the connection died", "§7.1.4"
        ),
    ),
    "UnsentMessagesError": (
        "never sent",
        Term("messages lost", "queued messages were dropped when the connection ended", "§7.1.4"),
    ),
    "HandlerError": (
        "a handler for",
        Term("handler failed", "code run on an event raised; the connection goes on", ""),
    ),
    "NotOpenError": (
        "is not open",
        Term("not open", "sending or pinging needs an open connection", "§4.1"),
    ),
}

_CODE = re.compile(r"\bcode (\d{4})\b")


def error_kind_of(detail: str) -> Term | None:
    """The kind of a logged error by the phrase its message contains (None if unknown)."""
    for phrase, term in ERROR_KINDS.values():
        if phrase in detail:
            return term
    return None


def explain_event(kind: str, detail: str) -> str:
    """Plain words for a log row's ``kind`` ("close", "error", "info") and detail: the close
    code's meaning, the error kind's, or "" when there is nothing to explain."""
    lines = []
    if kind == "error" and (error := error_kind_of(detail)) is not None:
        lines.append(error.line())
    if kind in ("close", "error") and (match := _CODE.search(detail)) is not None:
        lines.append(close_code_term(int(match.group(1))).line())
    if kind == "info" and detail.startswith("ping"):
        lines.append(FRAME_TYPES["ping"].line())
        lines.append(FRAME_TYPES["pong"].line())
    return "\n".join(lines)
