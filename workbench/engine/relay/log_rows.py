"""The rows a relay logs, each marked with its connection and its leg or direction.

One ``LogStore`` per relayed connection, and one for the relay's own events (listening,
refused attempts, stopped). Every row's detail begins with a marker, so the window's log view,
its filter, the JSON Lines export and the viewer need nothing new:

- a message: ``"#3 client → upstream"`` (an ``out`` row) or ``"#3 upstream → client"`` (an
  ``in`` row), its payload as it was sent on (after rules and edits), MIME type ``*/*``;
- an event: ``"#3 client ↔ relay: …"``, ``"#3 relay ↔ upstream: …"`` (a leg's handshake,
  close, error) or ``"#3 relay: …"`` (open, the relay's own doings); the relay's own log uses
  ``"relay: …"`` and ``"#3 relay: …"`` for a refused attempt;
- a rule or intercept row (kinds ``rule``, ``intercept``): ``"#3 client → upstream: …"`` with,
  as its payload, the message as it was before it was changed or dropped.

``marker_of(row)`` reads the marker back. A ``tap`` sees every row as it is appended (the
headless command writes them to its file). Without ``message_rows`` a message only counts in
the store's totals (``messages_in`` / ``messages_out``, ``bytes_in`` / ``bytes_out``): the
headless command without ``--log`` has no reader for its message rows. With a
``message_file`` (the headless command's ``--log``) a message counts there too and goes to
the file straight from its payload, as the row it would have been (no row is made, and the
tap does not see it): a row and its record dict cost more than the relaying itself.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Final, Protocol

from workbench.engine.log.entry import payload_size
from workbench.engine.log.growing_file import MessageWriter
from workbench.engine.log.store import DETAIL, EVENT, MESSAGE, LogEntry, LogStore, Row

from .directions import LOG_DIRECTIONS, TO_CLIENT, WORDS

__all__ = ["MIME", "LegLog", "MessageFile", "Tap", "marker_of"]

_now = time.time

#: The MIME type of every relayed payload: frames as they are.
MIME: Final = "*/*"
#: Told every row a log appends.
Tap = Callable[[Row], None]


class MessageFile(Protocol):
    """Where message rows are written straight from their payloads
    (``workbench.engine.log.growing_file.LogFileWriter``)."""

    def message_writer(self, direction: str, mime: str, detail: str) -> MessageWriter: ...


_MARKER = re.compile(
    r"^(?:#(\d+) )?(client → upstream|upstream → client|client ↔ relay|relay ↔ upstream|relay)\b"
)


class LegLog:
    """Appends marked rows to ``store`` for connection ``number`` (None: the relay's own);
    ``message_rows``: False to count messages without a row for each (events keep theirs);
    ``message_file``: where messages go instead of rows (see the module docstring)."""

    def __init__(
        self,
        store: LogStore,
        number: int | None = None,
        tap: Tap | None = None,
        *,
        message_rows: bool = True,
        message_file: MessageFile | None = None,
    ) -> None:
        self.store = store
        self.number = number
        self.tap = tap
        self._prefix = "" if number is None else f"#{number} "
        # Per direction: the row's direction and one detail string shared by every message
        # row of the connection.
        self._message_rows = {
            way: (LOG_DIRECTIONS[way], self._prefix + words) for way, words in WORDS.items()
        }
        if message_file is not None:
            self._writers = {
                way: message_file.message_writer(row_way, MIME, detail)
                for way, (row_way, detail) in self._message_rows.items()
            }
            self.message = self._to_file  # type: ignore[method-assign]
        elif not message_rows:
            self.message = self._count  # type: ignore[method-assign,assignment]

    def message(self, direction: str, payload: str | bytes) -> None:
        """A message sent on in ``direction`` (``to_upstream`` / ``to_client``)."""
        way, detail = self._message_rows[direction]
        row = (_now(), way, MESSAGE, MIME, payload_size(payload), payload, detail, None, None)
        self.store.append_row(row)
        if self.tap is not None:
            self.tap(row)

    def _count(self, direction: str, payload: str | bytes) -> int:
        """``message`` without a row: only the store's totals; the payload's size."""
        store = self.store
        size = payload_size(payload)
        if direction == TO_CLIENT:
            store.messages_in += 1
            store.bytes_in += size
        else:
            store.messages_out += 1
            store.bytes_out += size
        return size

    def _to_file(self, direction: str, payload: str | bytes) -> None:
        """``message`` to the message file, counted in the store's totals."""
        self._writers[direction](payload, self._count(direction, payload))

    def event(self, kind: str, where: str, text: str, payload: str | bytes | None = None) -> None:
        """An event of kind ``kind`` on a leg, in a direction or of the relay (``where``: a
        leg's name, ``relay``, or ``to_upstream`` / ``to_client``); ``payload``: a message it
        is about."""
        detail = f"{self._prefix}{WORDS.get(where, where)}: {text}"
        if payload is None:
            row = LogEntry(EVENT, kind, detail=detail).as_row()
        else:
            row = LogEntry(EVENT, kind, mime=MIME, raw=payload, detail=detail).as_row()
        self.store.append_row(row)
        if self.tap is not None:
            self.tap(row)


def marker_of(row: Row) -> tuple[int | None, str] | None:
    """``(connection number or None, "client → upstream" / "client ↔ relay" / "relay" ...)``
    of a relay's row, or None for a row without a relay's marker."""
    found = _MARKER.match(row[DETAIL])
    if found is None:
        return None
    number = found.group(1)
    return (None if number is None else int(number), found.group(2))
