"""Rows of a log made into a scenario (Qt-free): what a person did by hand becomes a check.

``record_scenario(entries, source, name)`` plays the client's part of the conversation the
rows show. From a client's log (``source.side == "client"``) the messages it sent become
``send`` steps and those it received ``expect`` steps; from a server-side socket's log
(``"server"``) the other way round (what the socket received, its client sent). So:

- a text frame that is a JSON object or list is sent as ``message:`` (the scenario's client
  sends JSON), other text as ``text:``, a binary frame as ``bytes:`` (hex, base64 when long);
- a received text frame that is JSON is expected with ``equals:`` (the converted value; turn
  it into a ``match:`` on some keys with ``ScenarioDraft.match_on_keys``), other text with
  ``text:``, a binary frame with ``bytes:``;
- each ``expect`` waits ``within`` the time the row took after the previous one, with a
  margin (``within_for``): twice as long plus half a second, rounded up to 100 ms;
- the close becomes ``close`` (code and reason) when the scenario's side closed it, else
  ``expect_close`` with the code that came. Who closed: ``source.close_requests`` are the
  times the workbench asked that end to close, ``source.open_times`` when each connection
  opened — a request between a close and the open before it was that end's;
- an ``open`` row after a close opens the client again.

Other rows (handshakes, errors, information) are left out. ``RecordingError`` says what to
select when nothing can be made, or names a message too big for a scenario file.
"""

from __future__ import annotations

import base64
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from core import json_codec
from workbench.engine.log.store import CLOSE, IN, MESSAGE, OPEN, OUT, LogEntry
from workbench.engine.units import format_size

__all__ = [
    "LONGEST_MESSAGE",
    "RecordingError",
    "RecordingSource",
    "bytes_text",
    "record_scenario",
    "within_for",
]

#: The largest message a recording writes into a scenario file (bytes on the wire).
LONGEST_MESSAGE = 1024 * 1024
#: Binary messages up to this many bytes are written as hex, longer ones as base64.
HEX_UP_TO = 64
_CLOSE_ROW = re.compile(r"closed with code (\d+) \([^)]*\)(?::\s(.*))?\Z", re.DOTALL)
_SENDABLE = ((1000, 1003), (1007, 1014), (3000, 4999))


class RecordingError(ValueError):
    """The rows cannot make a scenario; the message says what to select instead."""


@dataclass(frozen=True)
class RecordingSource:
    """Where the rows come from: ``side`` ("client": a client's log, "server": a server-side
    socket's), the ``url`` the scenario's client connects to and its ``options``, the times
    the workbench asked that end to close and the times its connections opened."""

    side: Literal["client", "server"]
    url: str
    options: dict[str, Any] = field(default_factory=dict)
    close_requests: Sequence[float] = ()
    open_times: Sequence[float] = ()


def within_for(gap: float) -> str:
    """A step's ``within`` for a row that came ``gap`` seconds after the one before it:
    ``2 * gap + 0.5 s``, rounded up to 100 ms (``"600ms"``, ``"2.5s"``)."""
    tenths = math.ceil(round((max(gap, 0.0) * 2 + 0.5) * 10, 6))
    return f"{tenths * 100}ms" if tenths < 10 else f"{tenths / 10:g}s"


def record_scenario(
    entries: Sequence[LogEntry], source: RecordingSource, name: str
) -> dict[str, Any]:
    """The scenario the rows show, as the data of a scenario file (see the module docstring)."""
    steps: list[dict[str, Any]] = []
    previous: float | None = None
    closed = False
    for entry in sorted(entries, key=lambda e: e.time):
        gap = 0.0 if previous is None else entry.time - previous
        if entry.kind == OPEN:
            if closed:
                steps.append({"open": None})
                closed = False
            previous = entry.time
        elif entry.kind == MESSAGE and entry.direction in (IN, OUT):
            _check_size(entry)
            sent = entry.direction == (OUT if source.side == "client" else IN)
            if sent:
                steps.append({"send": _send_body(entry.raw)})
            else:
                steps.append({"expect": {**_expect_body(entry.raw), "within": within_for(gap)}})
            previous = entry.time
        elif entry.kind == CLOSE:
            steps.append(_close_step(entry, source, gap))
            closed = True
            previous = entry.time
    if not steps:
        raise RecordingError(
            "select messages (sent or received) or a close in the log to make a scenario of them"
        )
    data: dict[str, Any] = {"name": name, "url": source.url}
    if source.options:
        data["options"] = dict(source.options)
    data["steps"] = steps
    return data


def _check_size(entry: LogEntry) -> None:
    if entry.size > LONGEST_MESSAGE:
        raise RecordingError(
            f"a selected message is {entry.size:,} bytes; a scenario file keeps messages up to "
            f"{format_size(LONGEST_MESSAGE)}: leave it out of the selection"
        )


def _json(raw: str) -> tuple[bool, Any]:
    try:
        return True, json_codec.decode(raw)
    except ValueError:
        return False, None


def bytes_text(raw: bytes) -> str:
    """Bytes as a scenario writes them: hex up to ``HEX_UP_TO`` bytes, else ``base64:…``."""
    if len(raw) <= HEX_UP_TO:
        return raw.hex(" ")
    return "base64:" + base64.b64encode(raw).decode("ascii")


def _send_body(raw: str | bytes | None) -> dict[str, Any]:
    if isinstance(raw, bytes | bytearray | memoryview):
        return {"bytes": bytes_text(bytes(raw))}
    text = raw or ""
    is_json, value = _json(text)
    if is_json and isinstance(value, dict | list):
        return {"message": value}
    return {"text": text}


def _expect_body(raw: str | bytes | None) -> dict[str, Any]:
    if isinstance(raw, bytes | bytearray | memoryview):
        return {"bytes": bytes_text(bytes(raw))}
    text = raw or ""
    is_json, value = _json(text)
    return {"equals": value} if is_json else {"text": _exact(text)}


def _exact(text: str) -> str:
    """``text`` as a matcher that means exactly it (a ``/…/`` text would read as a regex)."""
    if len(text) >= 2 and text.startswith("/") and text.endswith("/"):
        return f"/^{re.escape(text)}$/"
    return text


def _close_step(entry: LogEntry, source: RecordingSource, gap: float) -> dict[str, Any]:
    found = _CLOSE_ROW.match(entry.detail)
    code = int(found.group(1)) if found else 1000
    reason = (found.group(2) or "") if found else ""
    opened = max((t for t in source.open_times if t <= entry.time), default=-math.inf)
    by_this_end = any(opened <= t <= entry.time for t in source.close_requests)
    scenario_closes = by_this_end if source.side == "client" else not by_this_end
    if scenario_closes:
        sendable = any(low <= code <= high for low, high in _SENDABLE)
        body: dict[str, Any] = {"code": code if sendable else 1000}
        if reason and sendable:
            body["reason"] = reason
        return {"close": body}
    expected: dict[str, Any] = {"code": code}
    if reason:
        expected["reason"] = _exact(reason)
    expected["within"] = within_for(gap)
    return {"expect_close": expected}
