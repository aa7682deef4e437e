"""The Socket: one connection a Server accepted, with the same pull side as a Client."""

from __future__ import annotations

from collections.abc import Awaitable, Coroutine
from typing import Any

from websockets.asyncio.server import ServerConnection
from websockets.datastructures import Headers

from . import _tls as tls
from . import mime
from ._close_codes import check_close_code
from ._connection import Channel
from ._errors import NotOpenError, WebSocketError
from ._fault_hooks import FaultHooks
from ._handshake import Address
from ._loop import Shielded, running_loop
from ._option_types import ServerSettings
from ._typed_events import SocketEvents
from .options import seconds


class Socket(SocketEvents, FaultHooks):
    """One connection accepted by a Server; made by the Server, never by the user.

    Open when handed to the Server's ``'connection'`` handlers. Pull its messages with
    ``await socket.recv()`` or ``async for message in socket`` (a coroutine ``'connection'``
    handler that starts pulling before its first ``await`` sees every message).

    Once ``'close'`` was emitted and no coroutine handler of it is still running, the Socket
    drops its listeners: it emits nothing more, and a listener that refers to the Socket
    (``socket.on('message', socket.send)``) no longer keeps it and its connection in memory
    until Python's cycle collector runs.

    Events:
        ``'message'`` (value)
            a whole message from the client, converted per the server's ``receiveType``
            (raw if it did not convert). Coroutine listeners run one at a time, in order.
        ``'close'`` (code: int, reason: str)
            the connection closed, from either side.
        ``'error'`` (exception: WebSocketError)
            a conversion failed, the connection was lost or broke the protocol (or the
            client read nothing for ``write_timeout``: 1011), unsent messages were dropped
            or refused past ``write_limit``, or a handler raised. With no listener here, the
            Server emits it on its ``'error'`` with this Socket on the exception's ``.socket``.
        ``'frame'`` (frame: core.Frame)
            beyond the spec: every WebSocket frame in either direction (see ``Client``).
        ``'wire_message'`` (direction: 'in' | 'out', payload: str | bytes)
            beyond the spec: the whole message as on the wire (see ``Client``).

    The handshake's ``path``, ``request_headers``, ``response_headers``, ``response_status``,
    ``response_reason``, ``subprotocol`` and ``peer_certificate_subject`` are read from the
    connection when asked for (properties): a server makes a Socket for every connection.

    Attributes:
        remote_address: The client's (host, port).
        last_wire_length: Read in a ``'wire_message'`` handler: that message's payload
            bytes on the wire when compressed (with the ``wire_lengths`` option).
    """

    def __init__(
        self,
        ws: ServerConnection,
        encode: mime.Encoder,
        decode: mime.Decoder,
        options: ServerSettings,
    ) -> None:
        super().__init__(options["max_queue"])
        self.remote_address: Address = tuple(ws.remote_address or ())
        self._encode = encode
        address = self.remote_address
        self._peer = f"{address[0]}:{address[1]}" if len(address) >= 2 else "client"
        self._open = True
        close_timeout = seconds(options["close_timeout"])
        self._channel = Channel(
            ws,
            self,
            decode,
            self._peer,
            receive_type=options["receive_type"],
            close_timeout=close_timeout,
            write_limit=options["write_limit"],
        )
        self._closing: Shielded | None = None

    def __repr__(self) -> str:
        return f"<Socket {self.remote_address} {'open' if self._open else 'closed'}>"

    @property
    def path(self) -> str:
        """The request path and query of the upgrade request."""
        request = self._channel.ws.request
        return request.path if request else "/"

    @property
    def request_headers(self) -> Headers | None:
        """The upgrade request's headers (websockets' case-insensitive ``Headers``)."""
        request = self._channel.ws.request
        return request.headers if request else None

    @property
    def response_headers(self) -> Headers | None:
        """The headers of the 101 response sent."""
        response = self._channel.ws.response
        return response.headers if response else None

    @property
    def response_status(self) -> int:
        """The status sent (101)."""
        response = self._channel.ws.response
        return response.status_code if response else 101

    @property
    def response_reason(self) -> str:
        """Its phrase ("Switching Protocols")."""
        response = self._channel.ws.response
        return response.reason_phrase if response else ""

    @property
    def subprotocol(self) -> str | None:
        """The subprotocol chosen, or None."""
        return self._channel.ws.subprotocol

    @property
    def peer_certificate_subject(self) -> dict[str, str] | None:
        """The verified client certificate's subject, e.g. ``{'commonName': 'alice'}``, with
        the Server's ``client_ca_path``; else None."""
        return tls.peer_certificate_subject(self._channel.ws.transport)

    def is_open(self) -> bool:
        """Whether the connection is open (``isOpen`` is the spec's name).

        Returns:
            True until the connection closed.
        """
        return self._open

    isOpen = is_open

    @property
    def pending_messages(self) -> int:
        """Messages accepted by ``send()`` not yet handed to the transport; beyond the spec."""
        return self._channel.pending_messages

    @property
    def buffered_amount(self) -> int:
        """Bytes handed to the transport and not yet written to the network (the browser
        API's ``bufferedAmount``); 0 once closed. Beyond the spec."""
        return self._channel.buffered_amount if self._open else 0

    async def ping(self) -> float:
        """Send a ping and wait for its pong.

        Returns:
            The round trip in seconds.

        Raises:
            NotOpenError: The socket is closing or closed, or closes before the pong.
        """
        return await self._channel.ping()

    def send(self, data: object) -> Awaitable[None]:
        """Convert per the server's ``sendType`` and send, in call order.

        Awaiting the result is optional; cancelling it does not unsend.

        Args:
            data: The value to send (see ``Client.send``).

        Returns:
            An awaitable done when the message was handed to the transport; it fails with
            ``NotOpenError`` if the connection ends first, and with ``UnsentMessagesError``
            (also on ``'error'``, once per burst) if the outbox was at ``write_limit``: the
            client does not read as fast as it is sent to, and the message was not queued.

        Raises:
            EncodeError: ``data`` does not convert (a ``TypeError``); nothing is sent.
            NotOpenError: The socket is closing or closed.
        """
        payload, is_text = self._encode(data)
        channel = self._channel
        if not channel.accepting:
            raise self._not_open()
        return channel.outbox.send(payload, is_text)

    def close(self, code: int = 1000, reason: str = "") -> Awaitable[None]:
        """Close this connection after sending what was already accepted. Idempotent.

        Cancelling an await of the result does not stop the close.

        Args:
            code: The close code (a ``CloseCode`` or a plain ``int``).
            reason: The close reason, at most 123 bytes in UTF-8.

        Returns:
            An awaitable done after ``'close'`` was emitted, within the server's
            ``close_timeout``.

        Raises:
            ValueError: A code a close frame may not carry, or a reason too long.
            TypeError: A code that is not an ``int``, or a reason that is not a ``str``.
        """
        check_close_code(code, reason)
        if self._closing is None:
            task = running_loop("socket.close()").create_task(self._channel.close(code, reason))
            self._closing = Shielded(task)
        return self._closing

    def _run(self) -> Coroutine[Any, Any, None]:
        """Read and dispatch until the connection ends (the Server awaits this: the channel's
        own coroutine, so that each message resumes one frame fewer)."""
        return self._channel.run()

    def _release(self) -> None:
        """The connection ended and 'close' was emitted: unless a coroutine handler is still
        running (it may yet report an error), drop the listeners and the references that
        tie this Socket and its connection in cycles, so that they are freed at once."""
        if self._handler_tasks or self._serial:
            return
        self.remove_all_listeners()
        self.forward_errors = None
        self._channel.release()

    def _unhandled_error(self, args: tuple[object, ...]) -> None:
        error = args[0] if args else None
        if self.forward_errors is not None and isinstance(error, WebSocketError):
            error.socket = self  # the Server's 'error' says whose it is
        super()._unhandled_error(args)

    def _live_channel(self) -> Channel | None:
        return self._channel if self._open else None

    def _not_open(self) -> NotOpenError:
        return NotOpenError(f"the socket from {self._peer} is closed or closing", self._peer)

    def _channel_ended(self, code: int, reason: str, lost: bool) -> None:
        self._open = False
        self._connection_ended(code, reason, lost, self._peer)

    def _listener_added(self, event: str) -> None:
        super()._listener_added(event)
        if event == "frame":
            self._channel.watch_frames()
