"""``ConversationRecorder``: a trace of every client connection of the workbench and of the
server sockets that may be their other ends, and the ``Conversation`` of a client and the socket it talks to (Qt-free).

It listens to the engine's own events: a client's ``client_state_changed`` to
``"connecting"`` comes before core builds the connection, so the ``'frame'`` listener added
then sees every frame from the first; ``"open"`` gives the client's local address. A socket's
``socket_connected`` gives its remote address. A client and a socket with the same address
are the two ends of one connection (both are in this window). Only the latest connection of a
client is kept.

A socket is recorded only when it can be a workbench client's other end: while a workbench
client is connecting, or when one already has its address. Once no client is connecting,
the sockets no client has claimed stop being recorded (their ``'frame'`` listener goes, and
core takes the frame tap out), so a flood from an outside client costs nothing here.
"""

from __future__ import annotations

from typing import Any

from core import Client, EventEmitter, Frame, Socket
from workbench.engine.in_words import address_text

from .conversation import Conversation, EndpointTrace

__all__ = ["ConversationRecorder"]


class ConversationRecorder:
    """Records for ``workbench`` (a ``Workbench``); ``conversation(id)`` pairs the ends."""

    def __init__(self, workbench: EventEmitter[Any]) -> None:
        self._workbench: Any = workbench
        self._client_cores: dict[str, Client] = {}
        self._client_traces: dict[str, EndpointTrace] = {}
        self._socket_traces: dict[str, EndpointTrace] = {}
        self._socket_cores: dict[str, Socket] = {}
        self._conversations: dict[str, Conversation] = {}  # by client id
        workbench.on("client_state_changed", self._client_state_changed)
        workbench.on("client_removed", self._client_removed)
        workbench.on("socket_connected", self._socket_connected)
        workbench.on("socket_removed", self._socket_removed)
        workbench.on("server_removed", self._server_removed)

    # -- recording -------------------------------------------------------------------------

    def _client_state_changed(self, client_id: str, state: str, _text: str) -> None:
        handle = self._workbench.clients.get(client_id)
        core = None if handle is None else handle.core
        if core is None:
            return
        if state == "connecting":
            trace = self._client_traces.get(client_id)
            if self._client_cores.get(client_id) is not core:
                self._client_cores[client_id] = core
                core.on("frame", self._client_frame_listener(client_id, core))
                trace = None
            if trace is None or trace.opened_at is not None:  # first, or a reconnection
                trace = self._client_traces[client_id] = EndpointTrace("client")
            trace.start()  # each attempt: the last one is the request that got through
        elif state == "open" and client_id in self._client_traces:
            self._client_traces[client_id].opened(
                core.local_address, _path(core.url), core.request_headers, core.response_headers
            )
            self._stop_unclaimed_sockets()
        elif state in ("closed", "failed"):
            trace = self._client_traces.get(client_id)
            if trace is not None and trace.opened_at is None:
                del self._client_traces[client_id]  # never connected: nothing to draw
            self._stop_unclaimed_sockets()

    def _client_frame_listener(self, client_id: str, core: Client) -> Any:
        def on_frame(frame: Frame) -> None:
            if self._client_cores.get(client_id) is core:
                self._client_traces[client_id].add(frame)

        return on_frame

    def _client_removed(self, client_id: str) -> None:
        self._client_cores.pop(client_id, None)
        self._client_traces.pop(client_id, None)
        self._conversations.pop(client_id, None)
        self._stop_unclaimed_sockets()

    def _socket_connected(self, _server_id: str, socket_id: str) -> None:
        socket = self._workbench.socket(socket_id).core
        address = tuple(socket.remote_address)[:2]
        if not self._connecting() and address not in self._client_addresses():
            return  # an outside client's socket: not recorded
        trace = self._socket_traces[socket_id] = EndpointTrace("server")
        trace.opened(address, socket.path, socket.request_headers, socket.response_headers)
        self._socket_cores[socket_id] = socket
        socket.on("frame", trace.add)

    def _connecting(self) -> bool:
        return any(trace.opened_at is None for trace in self._client_traces.values())

    def _client_addresses(self) -> set[tuple[Any, ...]]:
        return {t.address for t in self._client_traces.values() if t.opened_at is not None}

    def _stop_unclaimed_sockets(self) -> None:
        if self._connecting():
            return
        claimed = self._client_addresses()
        for socket_id, trace in list(self._socket_traces.items()):
            if trace.address not in claimed:
                self._forget_socket(socket_id)

    def _forget_socket(self, socket_id: str) -> None:
        trace = self._socket_traces.pop(socket_id, None)
        socket = self._socket_cores.pop(socket_id, None)
        if trace is not None and socket is not None:
            socket.off("frame", trace.add)

    def _socket_removed(self, _server_id: str, socket_id: str) -> None:
        self._forget_socket(socket_id)

    def _server_removed(self, server_id: str) -> None:
        for socket_id in [s for s in self._socket_traces if s.startswith(f"{server_id}/")]:
            self._forget_socket(socket_id)  # ids: "server-1/socket-1" (Workbench)

    # -- pairing ---------------------------------------------------------------------------

    def conversation(self, item_id: str) -> Conversation | None:
        """The conversation of a client id or a socket id, updated; None if the other end is
        not in this window (``missing_reason`` says why)."""
        client_id, socket_id = self._pair(item_id)
        if client_id is None or socket_id is None:
            return None
        client, server = self._client_traces[client_id], self._socket_traces[socket_id]
        conversation = self._conversations.get(client_id)
        if (
            conversation is None
            or conversation.client is not client
            or conversation.server is not server
        ):
            conversation = self._conversations[client_id] = Conversation(client, server)
        conversation.update()
        return conversation

    def missing_reason(self, item_id: str) -> str:
        """Why ``conversation(item_id)`` is None, in a sentence for the empty state."""
        client_id, socket_id = self._pair(item_id)
        if client_id is not None and socket_id is not None:
            return ""
        if item_id in self._workbench.clients:
            trace = self._client_traces.get(item_id)
            if trace is None or trace.opened_at is None:
                return "This client has not connected yet: open it to see its conversation."
            return (
                f"The server this client talks to is not in this window (no server socket here "
                f"has the client's address {address_text(trace.address)}): only a conversation "
                "between a workbench client and a workbench server can be drawn from both ends."
            )
        trace = self._socket_traces.get(item_id)
        where = address_text(trace.address) if trace is not None else "?"
        return (
            f"The client on {where} is not a workbench client in this window: only a "
            "conversation between a workbench client and a workbench server can be drawn "
            "from both ends."
        )

    def _pair(self, item_id: str) -> tuple[str | None, str | None]:
        if item_id in self._client_traces:
            trace = self._client_traces[item_id]
            if trace.opened_at is None:
                return item_id, None
            for socket_id, other in reversed(self._socket_traces.items()):
                if other.address == trace.address:
                    return item_id, socket_id
            return item_id, None
        if item_id in self._socket_traces:
            address = self._socket_traces[item_id].address
            for client_id, other in reversed(self._client_traces.items()):
                if other.opened_at is not None and other.address == address:
                    return client_id, item_id
            return None, item_id
        return None, None


def _path(url: str) -> str:
    rest = url.split("://", 1)[-1]
    return "/" + rest.split("/", 1)[1] if "/" in rest else "/"
