"""The wiring from core events into the log stores that both controllers use."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from core import Client, Socket
from workbench.engine.in_words import handshake_text

from .store import HANDSHAKE, IN, OPEN, OUT, LogStore

__all__ = ["log_opening", "wire_logger"]


def log_opening(store: LogStore, request_line: str, endpoint: Socket | Client, what: str) -> None:
    """Log an opened connection: its handshake (request and response headers) as one
    ``HANDSHAKE`` entry, then ``"open: <what>"`` with the subprotocol if one was agreed."""
    store.log_event(
        HANDSHAKE,
        handshake_text(request_line, endpoint.request_headers, endpoint.response_headers),
    )
    proto = f", subprotocol {endpoint.subprotocol}" if endpoint.subprotocol else ""
    store.log_event(OPEN, f"open: {what}{proto}")


def wire_logger(
    store: LogStore, endpoint: Socket | Client, send_type: str, receive_type: str
) -> Callable[[str, Any], None]:
    """The handler of core's ``'wire_message'`` that logs every message, both directions, as
    it went over the wire (``'in'`` comes just before ``'message'``, ``'out'`` when handed
    to the transport), with what it took on the wire when permessage-deflate compressed it
    (core's ``last_wire_length``, kept in ``store.wire_sizes``)."""
    add_message = store.add_message

    def on_wire_message(direction: str, payload: Any) -> None:
        if direction == "in":
            add_message(IN, receive_type, payload)
        else:
            add_message(OUT, send_type, payload)
        wire = endpoint.last_wire_length
        if wire is not None:
            store.note_wire_size(wire)

    return on_wire_message
