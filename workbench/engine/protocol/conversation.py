"""One connection seen from both ends: the timeline of a sequence diagram (Qt-free).

An ``EndpointTrace`` keeps what one end saw (a workbench client's connection, or the server
``Socket`` it talks to): its handshake and every ``core.Frame`` in both directions. A
``Conversation`` pairs a client trace with a socket trace and turns both into ``Arrow`` rows,
oldest first: the upgrade request and the 101 response, then one arrow per frame. Every frame
is seen twice, sent by one end and received by the other; TCP keeps each direction in order,
so the n-th frame sent client→server is the n-th received by the server, and the arrow gets
both times. A pong gets the round trip of the ping it answers (same payload); after the second
close frame a note says who closed first and which code was echoed.

Handshake times are when the engine heard of each step: the client's connection attempt
(request sent), the server's ``socket_connected`` (request received, 101 sent) and the
client's ``open`` (101 received). Frame times are ``core.Frame.time`` (same monotonic clock).

Bounded: a trace keeps at most ``max_frames`` frames and ``max_bytes`` payload bytes (payloads
are cut to ``PREVIEW_BYTES``), a conversation at most ``max_rows`` rows; the oldest go first
and ``first_index`` counts them. ``Conversation.update()`` is pulled (by a view's timer).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from time import monotonic
from typing import Any, Final, Literal

from core import Frame
from workbench.engine.in_words import address_text, close_text
from workbench.engine.units import format_size

__all__ = [
    "CLIENT_TO_SERVER",
    "SERVER_TO_CLIENT",
    "Arrow",
    "Conversation",
    "EndpointTrace",
]

ArrowDirection = Literal["c2s", "s2c"]
CLIENT_TO_SERVER: Final = "c2s"
SERVER_TO_CLIENT: Final = "s2c"

#: Payload bytes kept per frame (enough for a label's preview).
PREVIEW_BYTES = 48
DEFAULT_MAX_FRAMES = 50_000
DEFAULT_MAX_BYTES = 4_000_000
DEFAULT_MAX_ROWS = 50_000
_MAX_PINGS_WAITING = 1_000


@dataclass(slots=True)
class Arrow:
    """One row of the diagram. ``kind``: ``'request'``, ``'response'``, a frame's opcode
    (``'text'``, ``'binary'``, ``'continuation'``, ``'ping'``, ``'pong'``, ``'close'``) or
    ``'note'`` (text across both lanes, ``direction`` None). Times are monotonic seconds;
    one may be None when that end did not report it (yet). ``size``: payload bytes on the
    wire; ``plain_size``: after decompression (the same unless ``compressed``). ``rtt``: for a pong, seconds from its ping sent to this pong received."""

    kind: str
    direction: ArrowDirection | None
    sent_at: float | None = None
    received_at: float | None = None
    size: int = 0
    plain_size: int = 0
    fin: bool = True
    compressed: bool = False
    data: bytes = b""
    close_code: int | None = None
    close_reason: str = ""
    rtt: float | None = None
    echo: bool = False
    text: str = ""

    @property
    def time(self) -> float:
        """When the arrow starts (sent, else received)."""
        return self.sent_at if self.sent_at is not None else (self.received_at or 0.0)

    def label(self) -> str:
        """What the arrow says, e.g. ``"text 5 B 'hello'"`` or ``"pong, round trip 0.4 ms"``."""
        if self.kind in ("request", "response", "note"):
            return self.text
        if self.kind == "close":
            words = "close " + (
                close_text(self.close_code, self.close_reason)
                if self.close_code is not None
                else "(malformed)"
            )
            return words + (" — the echo" if self.echo else "")
        words = f"{self.kind} {format_size(self.plain_size)}"
        if self.compressed:
            words += f" ({format_size(self.size)} compressed)"
        if not self.fin or self.kind == "continuation":
            words += " (last fragment)" if self.fin else " (fragment)"
        if self.kind == "pong" and self.rtt is not None:
            words += f", round trip {self.rtt * 1000:.2f} ms"
        preview = _preview(self.kind, self.data)
        return f"{words} {preview}" if preview else words


def _preview(kind: str, data: bytes) -> str:
    if not data:
        return ""
    cut = len(data) >= PREVIEW_BYTES
    if kind in ("binary", "ping", "pong"):
        return data[:16].hex(" ") + (" …" if cut or len(data) > 16 else "")
    text = data.decode("utf-8", "replace")
    return repr(text[:40] + ("…" if cut or len(text) > 40 else ""))


class EndpointTrace:
    """What one end of a connection saw; see the module docstring. ``side``: 'client' or
    'server'. ``address``: the client's local address (host, port), which is the socket's
    remote address: the two traces of one connection have the same one."""

    def __init__(
        self,
        side: Literal["client", "server"],
        max_frames: int = DEFAULT_MAX_FRAMES,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self.side = side
        self.max_frames = max_frames
        self.max_bytes = max_bytes
        self.started_at: float | None = None  # client: request sent; server: received
        self.opened_at: float | None = None  # client: 101 received; server: 101 sent
        self.address: tuple[Any, ...] = ()
        self.path = "/"
        self.request_headers: Any = None
        self.response_headers: Any = None
        self.frames: deque[tuple[Frame, int]] = deque()  # with the payload's full size
        self.first_index = 0  # absolute index of frames[0]
        self._bytes = 0

    def start(self) -> None:
        self.started_at = monotonic()

    def opened(
        self, address: tuple[Any, ...], path: str, request_headers: Any, response_headers: Any
    ) -> None:
        self.opened_at = monotonic()
        if self.started_at is None:
            self.started_at = self.opened_at
        self.address = tuple(address)[:2]
        self.path = path
        self.request_headers = request_headers
        self.response_headers = response_headers

    def add(self, frame: Frame) -> None:
        """Keep ``frame`` (its payload cut to ``PREVIEW_BYTES``), dropping the oldest if full."""
        size = len(frame.data)
        if size > PREVIEW_BYTES:
            frame = frame._replace(data=frame.data[:PREVIEW_BYTES])
        frames = self.frames
        frames.append((frame, size))
        self._bytes += len(frame.data)
        while len(frames) > self.max_frames or self._bytes > self.max_bytes:
            self._bytes -= len(frames.popleft()[0].data)
            self.first_index += 1

    def since(self, index: int) -> tuple[list[tuple[Frame, int]], int]:
        """The frames (with their full payload size) from absolute ``index`` on (those still
        kept) and the next index."""
        end = self.first_index + len(self.frames)
        start = max(index, self.first_index) - self.first_index
        if start >= len(self.frames):
            return [], end
        return [self.frames[i] for i in range(start, len(self.frames))], end


class Conversation:
    """The diagram's rows for a client trace and the socket trace of the same connection."""

    def __init__(
        self, client: EndpointTrace, server: EndpointTrace, max_rows: int = DEFAULT_MAX_ROWS
    ) -> None:
        self.client = client
        self.server = server
        self.max_rows = max_rows
        self.rows: deque[Arrow] = deque()
        self.first_index = 0  # rows dropped from the front
        self._cursors = {"client": 0, "server": 0}
        # Per direction, arrows still missing their other sighting, oldest first.
        self._waiting: dict[str, deque[Arrow]] = {
            CLIENT_TO_SERVER: deque(),
            SERVER_TO_CLIENT: deque(),
        }
        self._pings: dict[tuple[str, bytes], Arrow] = {}
        self._closes: list[Arrow] = []
        self._handshake_done = False

    @property
    def start(self) -> float:
        """Time zero of the diagram: the client's request."""
        return self.client.started_at or self.server.started_at or 0.0

    def __len__(self) -> int:
        return len(self.rows)

    def update(self) -> int:
        """Take in what both ends saw since the last call; how many rows were added."""
        before = self.first_index + len(self.rows)
        if not self._handshake_done:
            if self.client.opened_at is None or self.server.opened_at is None:
                return 0
            self._add_handshake()
        fresh: list[tuple[float, str, Frame, int]] = []
        for trace in (self.client, self.server):
            frames, self._cursors[trace.side] = trace.since(self._cursors[trace.side])
            fresh.extend((frame.time, trace.side, frame, size) for frame, size in frames)
        fresh.sort(key=lambda item: item[0])
        for _time, side, frame, size in fresh:
            self._take(side, frame, size)
        return self.first_index + len(self.rows) - before

    def _append(self, arrow: Arrow) -> None:
        self.rows.append(arrow)
        if len(self.rows) > self.max_rows:
            self.rows.popleft()
            self.first_index += 1

    def _add_handshake(self) -> None:
        self._handshake_done = True
        client, server = self.client, self.server
        headers = client.request_headers or server.request_headers or {}
        key = headers.get("Sec-WebSocket-Key", "") if headers else ""
        request = f"GET {server.path or client.path} HTTP/1.1 · Upgrade: websocket"
        self._append(
            Arrow(
                "request",
                CLIENT_TO_SERVER,
                client.started_at,
                server.started_at,
                text=request + (f" · Sec-WebSocket-Key: {key}" if key else ""),
            )
        )
        answer = client.response_headers or server.response_headers or {}
        accept = answer.get("Sec-WebSocket-Accept", "") if answer else ""
        self._append(
            Arrow(
                "response",
                SERVER_TO_CLIENT,
                server.opened_at,
                client.opened_at,
                text="101 Switching Protocols"
                + (f" · Sec-WebSocket-Accept: {accept}" if accept else ""),
            )
        )

    def _take(self, side: str, frame: Frame, plain_size: int) -> None:
        sent = frame.direction == "out"
        from_client = sent == (side == "client")
        direction: ArrowDirection = CLIENT_TO_SERVER if from_client else SERVER_TO_CLIENT
        waiting = self._waiting[direction]
        if waiting and (waiting[0].sent_at is None) == sent:
            arrow = waiting.popleft()  # the other end already reported this frame
            if sent:
                arrow.sent_at = frame.time
            else:
                arrow.received_at = frame.time
            self._completed(arrow)
            return
        arrow = Arrow(
            frame.opcode,
            direction,
            frame.time if sent else None,
            None if sent else frame.time,
            size=frame.length,
            plain_size=plain_size,
            fin=frame.fin,
            compressed=frame.rsv1,
            data=frame.data,
            close_code=frame.close_code,
            close_reason=frame.close_reason or "",
        )
        waiting.append(arrow)
        if len(waiting) > self.max_rows:
            waiting.popleft()  # one end stopped reporting: those arrows keep one time
        if arrow.kind == "ping":
            if len(self._pings) >= _MAX_PINGS_WAITING:
                self._pings.clear()  # never answered: the connection is going
            self._pings[(direction, arrow.data)] = arrow
        elif arrow.kind == "close":
            arrow.echo = bool(self._closes)
            self._closes.append(arrow)
        self._append(arrow)
        if arrow.kind == "close" and len(self._closes) == 2:
            self._append(self._close_note())

    def _completed(self, arrow: Arrow) -> None:
        if arrow.kind != "pong":
            return
        back = SERVER_TO_CLIENT if arrow.direction == CLIENT_TO_SERVER else CLIENT_TO_SERVER
        ping = self._pings.pop((back, arrow.data), None)
        if ping is not None and ping.sent_at is not None and arrow.received_at is not None:
            arrow.rtt = arrow.received_at - ping.sent_at

    def _close_note(self) -> Arrow:
        first, echo = self._closes
        closer = "client" if first.direction == CLIENT_TO_SERVER else "server"
        other = "server" if closer == "client" else "client"
        first_code = "no code" if first.close_code is None else str(first.close_code)
        echo_code = "no code" if echo.close_code is None else str(echo.close_code)
        return Arrow(
            "note",
            None,
            echo.time,
            echo.time,
            text=f"the {closer} closed first ({first_code}); the {other} echoed {echo_code}",
        )

    def title(self) -> tuple[str, str]:
        """The lane titles: ``("client 127.0.0.1:50123", "server socket ← 127.0.0.1:50123")``."""
        where = address_text(self.client.address or self.server.address)
        return f"client {where}", f"server socket ← {where}"
