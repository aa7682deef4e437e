"""One merged, bounded feed of every socket of a server: who joined, said what, got what,
and left — what a teacher watches on the projector.

Entries come from the engine's ``socket_connected`` / ``socket_closed`` events and each
socket's core ``'wire_message'`` event (the exact payload, both directions). A student's
name is the ``?name=`` the student page puts in its WebSocket path; other peers are shown by
address.
"""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workbench.engine.in_words import close_text

from .student_page import student_name

if TYPE_CHECKING:
    from workbench.engine.handles import SocketHandle

    from .host import ClassroomHost

__all__ = ["DEFAULT_FEED_CAPACITY", "IN", "JOIN", "LEAVE", "OUT", "ClassroomFeed", "FeedEntry"]

JOIN, LEAVE, IN, OUT = "join", "leave", "in", "out"
#: Entries a feed keeps (the oldest go first).
DEFAULT_FEED_CAPACITY = 5_000
#: Characters of a message the feed keeps (the socket's own log has all of it).
TEXT_LIMIT = 500


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """``kind``: JOIN, LEAVE, IN (from the peer) or OUT (to it); ``who``: "Alice" or
    "127.0.0.1:54321"; ``text``: the message as a person reads it, or the join/leave news."""

    time: float
    socket_id: str
    who: str
    kind: str
    text: str


def message_text(payload: Any) -> str:
    """How a payload reads in the feed: the ``text`` of a student page message
    (``{"name": ..., "text": ...}``), else the text as it came, or "[N bytes]" for binary;
    cut to ``TEXT_LIMIT`` characters."""
    if isinstance(payload, (bytes, bytearray, memoryview)):
        return f"[{len(payload):,} bytes]"
    text = str(payload)
    if text.startswith("{") and len(text) <= 10 * TEXT_LIMIT:
        try:
            value = json.loads(text)
        except ValueError:
            value = None
        if isinstance(value, dict) and isinstance(value.get("text"), str):
            text = value["text"]
    return text if len(text) <= TEXT_LIMIT else text[: TEXT_LIMIT - 1] + "…"


class ClassroomFeed:
    """``ClassroomFeed(host, server_id, is_shared, capacity)``: starts watching at once
    (sockets already open included, without their past messages); ``close()`` stops.

    Only sockets of a server shared with the class are watched (``is_shared(server_id)``;
    sharing restarts the server, so every socket connects after it), unless ``always``: a feed listens to every message,
    and a workbench flooding an unshared server must not pay for a feed nobody reads.

    ``entries``: the kept ``FeedEntry`` rows, oldest first; ``total``: entries ever added;
    ``names``: socket id -> who; ``listeners``: functions called with each new entry (after
    it was appended, and after the oldest was dropped when the feed was full).
    """

    def __init__(
        self,
        workbench: ClassroomHost,
        server_id: str,
        is_shared: Callable[[str], bool],
        capacity: int = DEFAULT_FEED_CAPACITY,
        always: bool = False,
    ) -> None:
        if capacity < 1:
            raise ValueError("a feed keeps at least 1 entry")
        self.server_id = server_id
        self.entries: deque[FeedEntry] = deque(maxlen=capacity)
        self.total = 0
        self.names: dict[str, str] = {}
        self.listeners: list[Callable[[FeedEntry], None]] = []
        self._workbench = workbench
        self._detach: dict[str, Callable[[], None]] = {}
        self._always = always
        self._is_shared = is_shared
        workbench.on("socket_connected", self._connected)
        workbench.on("socket_closed", self._closed)
        if self._watching():
            for handle in workbench.sockets_of(server_id):
                if handle.is_open:
                    self._watch(handle)

    @property
    def capacity(self) -> int:
        return self.entries.maxlen or 0

    def close(self) -> None:
        """Stop watching the server and its sockets (the entries stay)."""
        self._workbench.off("socket_connected", self._connected)
        self._workbench.off("socket_closed", self._closed)
        for detach in self._detach.values():
            detach()
        self._detach.clear()

    def _add(self, socket_id: str, kind: str, text: str) -> None:
        entry = FeedEntry(time.time(), socket_id, self.names.get(socket_id, socket_id), kind, text)
        self.entries.append(entry)
        self.total += 1
        for listener in list(self.listeners):
            listener(entry)

    def _watching(self) -> bool:
        return self._always or self._is_shared(self.server_id)

    def _connected(self, server_id: str, socket_id: str) -> None:
        if server_id == self.server_id and self._watching():
            self._watch(self._workbench.socket(socket_id))

    def _watch(self, handle: SocketHandle) -> None:
        socket_id = handle.id
        name = student_name(handle.core.path)
        self.names[socket_id] = name or handle.remote_address
        joined = f"joined from {handle.remote_address}" if name else "connected"

        def on_wire(direction: str, payload: Any) -> None:
            self._add(socket_id, IN if direction == "in" else OUT, message_text(payload))

        handle.core.on("wire_message", on_wire)
        self._detach[socket_id] = lambda: handle.core.off("wire_message", on_wire)
        self._add(socket_id, JOIN, joined)

    def _closed(self, server_id: str, socket_id: str, code: int, reason: str) -> None:
        detach = self._detach.pop(socket_id, None)
        if server_id != self.server_id or detach is None:
            return
        detach()
        self._add(socket_id, LEAVE, f"left, {close_text(code, reason)}")
