"""The wiring from core events into the log stores that both controllers use."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from core import Client, Socket

from .describe import handshake_text
from .log_store import HANDSHAKE, OPEN, OUT, LogStore
from .wire_sizes import WireSizes

__all__ = ["frame_logger", "log_opening"]


def log_opening(store: LogStore, request_line: str, endpoint: Socket | Client, what: str) -> None:
    """Log an opened connection: its handshake (request and response headers) as one
    ``HANDSHAKE`` entry, then ``"open: <what>"`` with the subprotocol if one was agreed."""
    store.log_event(
        HANDSHAKE,
        handshake_text(request_line, endpoint.request_headers, endpoint.response_headers),
    )
    proto = f", subprotocol {endpoint.subprotocol}" if endpoint.subprotocol else ""
    store.log_event(OPEN, f"open: {what}{proto}")


def frame_logger(
    store: LogStore, send_type: str, wire: WireSizes | None = None
) -> tuple[Callable[[str, Any], None], Callable[[], Any]]:
    """Handlers that log exact frames from core's ``'wire_message'`` event.

    Returns ``(on_frame, received_frame)``: ``on_frame`` logs each frame handed to the
    transport and remembers each one received; ``received_frame()`` gives the frame the
    current ``'message'`` came in (core emits ``'wire_message'`` just before ``'message'``).
    Sent rows are noted in ``wire`` (their on-wire sizes, when compressed).
    """
    last_received: list[Any] = [None]
    add_message = store.add_message

    def on_frame(direction: str, payload: Any) -> None:
        if direction == "in":
            last_received[0] = payload
        else:
            add_message(OUT, send_type, payload)
            if wire is not None and wire.active:
                wire.note(OUT, payload)

    def received_frame() -> Any:
        payload, last_received[0] = last_received[0], None
        return payload

    return on_frame, received_frame
