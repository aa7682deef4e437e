"""What the engine knows about each server, server-side socket and client (plain data).

A handle outlives the core object it wraps: a server's ``core`` is rebuilt at each start, a
client's at each open, and a closed socket's handle stays so its log can still be read.
"""

from __future__ import annotations

import itertools
import time
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

from core import Client, RequestFunction, Server, Socket
from core import mime as core_mime
from workbench.engine.log.store import LogStore
from workbench.engine.protocol.handshake_record import HandshakeRecord

from .error_path import ReportThrottle
from .in_words import address_text, close_text
from .socket_faults import HandshakeRefusals, OutgoingFaults

__all__ = [
    "CLOSE_REQUESTS_KEPT",
    "AutoReply",
    "ClientHandle",
    "ItemHandle",
    "ServerHandle",
    "SocketHandle",
]

#: The times of the latest closes the workbench asked of a client or socket that are kept.
CLOSE_REQUESTS_KEPT = 64


class AutoReply:
    """A server's auto-reply: ``mode`` "off", "echo" (send back each message) or "fixed"
    (send ``value``, parsed from ``text`` per the server's send type, to each message)."""

    __slots__ = ("mode", "text", "value")

    def __init__(self, mode: str = "off", text: str = "", value: Any = None) -> None:
        self.mode = mode
        self.text = text
        self.value = value


class SocketHandle:
    """One server-side socket as the workbench sees it.

    Attributes: ``id``, ``server_id``, ``core`` (the core ``Socket``), ``remote_address``
    (text "127.0.0.1:54321"), ``connected_at`` (epoch seconds), ``closed_at`` (or None),
    ``close_code`` / ``close_reason`` (once closed), ``log`` (its ``LogStore``), ``send_type``
    / ``receive_type`` (the server's when this socket connected: edited options apply at the
    next start), ``throttle`` (its error reports), ``outgoing`` (the fault lab's delay and
    drops on what is sent), ``handshake`` (its ``HandshakeRecord``), ``close_requests``
    (when the workbench asked it to close: a recording tells who closed).
    """

    def __init__(
        self,
        socket_id: str,
        server_id: str,
        socket: Socket,
        log_store: LogStore,
        send_type: str,
        receive_type: str,
    ) -> None:
        self.id = socket_id
        self.server_id = server_id
        self.core = socket
        self.remote_address = address_text(socket.remote_address)
        self.connected_at = time.time()
        self.closed_at: float | None = None
        self.close_code: int | None = None
        self.close_reason = ""
        self.log = log_store
        self.send_type = send_type
        self.receive_type = receive_type
        self.throttle = ReportThrottle()
        self.outgoing = OutgoingFaults(log_store)
        self.handshake: HandshakeRecord | None = None
        self.close_requests: deque[float] = deque(maxlen=CLOSE_REQUESTS_KEPT)

    @property
    def is_open(self) -> bool:
        return self.closed_at is None and self.core.is_open()

    @property
    def messages_in(self) -> int:
        return self.log.messages_in

    @property
    def messages_out(self) -> int:
        return self.log.messages_out

    @property
    def state_text(self) -> str:
        if self.closed_at is None:
            return "open"
        return f"closed, {close_text(self.close_code or 1005, self.close_reason)}"


class ItemHandle:
    """What a server's and a client's handle share: ``id``, ``name``, ``options`` (the dict
    given by the form), ``state`` / ``status_text``, ``log``, and the MIME types the options
    give (``send_type``, ``receive_type``)."""

    def __init__(
        self,
        item_id: str,
        name: str,
        options: dict[str, Any],
        log_store: LogStore,
        state: str,
        status_text: str,
    ) -> None:
        self.id = item_id
        self.name = name
        self.options = options
        self.state = state
        self.status_text = status_text
        self.log = log_store

    @property
    def send_type(self) -> str:
        return str(self.options.get("send_type", core_mime.JSON))

    @property
    def receive_type(self) -> str:
        return str(self.options.get("receive_type", core_mime.JSON))


class ServerHandle(ItemHandle):
    """One server of the workspace.

    Attributes: ``core`` (the core ``Server``, rebuilt at each start), ``state`` (one of
    "stopped", "starting", "listening", "stopping", "failed"), ``port`` (bound port while
    listening), ``log`` (the server's lifecycle), ``sockets`` (socket id -> ``SocketHandle``,
    closed ones kept so their logs stay readable), ``auto_reply``, ``secret_missing``,
    ``refusals`` (the ``HandshakeRecord`` of the latest refused upgrade requests, oldest first),
    ``refusal_fault`` (the fault lab's refused handshakes, core's ``process_request``),
    ``process_request`` (core's hook given at each start, or None; the classroom sets it),
    ``echo_filter`` (what the echo auto-reply sends back for a message received, or None to
    send it as it came; ``ValueError``: not echoed; the classroom sets it).
    """

    #: How many refused handshakes a server keeps for its Handshake view (its log has all).
    REFUSALS_KEPT = 50

    def __init__(
        self, server_id: str, name: str, options: dict[str, Any], log_store: LogStore
    ) -> None:
        super().__init__(server_id, name, options, log_store, "stopped", "stopped")
        self.core: Server | None = None
        self.port: int | None = None
        self.sockets: dict[str, SocketHandle] = {}
        self.auto_reply = AutoReply()
        #: Its PFX password was not in the keyring when the workspace was loaded: ask for it.
        self.secret_missing = False
        self.refusal_fault = HandshakeRefusals(log_store)
        self.refusals: deque[HandshakeRecord] = deque(maxlen=self.REFUSALS_KEPT)
        self.process_request: RequestFunction | None = None
        self.echo_filter: Callable[[Any], Any] | None = None
        self._socket_numbers: Iterator[int] = itertools.count(1)

    def next_socket_id(self) -> str:
        return f"{self.id}/socket-{next(self._socket_numbers)}"

    @property
    def open_sockets(self) -> list[SocketHandle]:
        return [handle for handle in self.sockets.values() if handle.is_open]

    @property
    def host(self) -> str:
        return str(self.options.get("host_interface", "localhost"))

    @property
    def uses_tls(self) -> bool:
        return bool(self.options.get("ssl_tls", False))


class ClientHandle(ItemHandle):
    """One client of the workspace.

    Attributes: ``core`` (the core ``Client``, rebuilt at each open), ``state`` (one of
    "idle", "connecting", "open", "closing", "closed", "failed"), ``url``, ``log``,
    ``server_id`` (the workbench server it was made for, whose port it follows, or None),
    ``throttle`` (its error reports), ``handshake`` (the ``HandshakeRecord`` of its last
    opening or refused attempt, or None), ``close_requests`` (when it was asked to close,
    epoch seconds, the latest ``CLOSE_REQUESTS_KEPT``: a recording tells who closed),
    ``secret_missing`` (fields of its secrets that are not known:
    ``workbench.engine.workspace.client_secrets``; it does not open until they are typed
    again).
    """

    def __init__(
        self, client_id: str, name: str, options: dict[str, Any], log_store: LogStore
    ) -> None:
        super().__init__(client_id, name, options, log_store, "idle", "not connected")
        self.core: Client | None = None
        self.url = ""
        self.server_id: str | None = None
        self.throttle = ReportThrottle()
        self.handshake: HandshakeRecord | None = None
        self.close_requests: deque[float] = deque(maxlen=CLOSE_REQUESTS_KEPT)
        self.secret_missing: list[str] = []

    @property
    def is_open(self) -> bool:
        return self.core is not None and self.core.is_open()
