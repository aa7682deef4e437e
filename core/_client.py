"""The Client: one connection to a WebSocket server, with retries and a pre-open queue."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Mapping
from types import TracebackType
from typing import Unpack, cast

from websockets.asyncio.client import ClientConnection
from websockets.datastructures import Headers

from . import _tls as tls
from . import mime
from ._client_dial import Dialer
from ._client_state import RECONNECT_CODES, ClientState
from ._close_codes import check_close_code
from ._connection import Channel, Outgoing
from ._errors import ConnectError, NotOpenError, UnsentMessagesError
from ._fault_hooks import FaultHooks
from ._handshake import Address
from ._loop import OpenFuture, Shielded, fail_quietly, retrieve_exception, running_loop
from ._option_types import ClientOptions, ClientSettings
from ._typed_events import ClientEvents
from .options import CLIENT_OPTIONS, _url_options, parse, seconds

log = logging.getLogger("core")


class Client(ClientEvents, FaultHooks):
    """A connection to a WebSocket server.

    ``async with Client(...) as client:`` opens (raising ``ConnectError``), starts pulling
    for ``recv()`` / ``async for``, and closes on exit.

    Args:
        options: A ``ws://`` or ``wss://`` URL (it gives host, port, path and TLS), or the
            spec's options dict (camelCase or snake_case keys), or None.
        **kwargs: Options as snake_case keywords (``core.ClientOptions``; their defaults
            and meanings are in ``core.options.CLIENT_OPTIONS``).

    Raises:
        ValueError: An unknown option (naming the closest valid one), a value out of
            range, an unsupported MIME type, a URL that is not ws:// or wss://, or TLS
            files that cannot be used.
        TypeError: An option of the wrong type.

    Events:
        ``'open'`` ()
            the socket is open; messages queued before it were already handed over.
        ``'message'`` (value)
            a whole message, converted per ``receiveType`` (raw if it did not convert).
            Coroutine listeners run one at a time, in arrival order.
        ``'close'`` (code: int, reason: str)
            the open socket closed, from either side (1006: lost without a close frame).
        ``'error'`` (exception: WebSocketError)
            retries exhausted (``ConnectError``), a conversion failed (``DecodeError``),
            queued messages were dropped or refused past ``write_limit``
            (``UnsentMessagesError``), the connection was lost (``ConnectionLostError``; 1011
            when the server read nothing for ``write_timeout``), a handler raised
            (``HandlerError``).
        ``'connecting'`` (attempt: int, attempts: int)
            beyond the spec: a connection attempt starts.
        ``'retrying'`` (attempt: int, attempts: int, reason: str)
            beyond the spec: that attempt failed, for ``reason`` (in words, as
            ``core.explain`` says it), and another follows; the last attempt's failure is
            the ``ConnectError`` on ``'error'``.
        ``'frame'`` (frame: core.Frame)
            beyond the spec: every WebSocket frame in either direction, control frames
            and the ones websockets sends by itself included, in wire order, soon after
            it was parsed or serialized. Costs nothing when no one listens.
        ``'wire_message'`` (direction: 'in' | 'out', payload: str | bytes)
            beyond the spec: the whole message as on the wire, ``str`` for text and
            ``bytes`` for binary, before conversion ('in', emitted just before
            ``'message'``) or after it ('out', when it is handed to the transport).

    Attributes:
        url: The URL it connects to.
        options: The options, checked, with core's defaults filled in
            (``core.ClientSettings``).
        request_path: Once open, the path and query of the upgrade request.
        request_headers: Once open, the upgrade request's headers (websockets'
            case-insensitive ``Headers``).
        response_status: Once open, the server's status (101).
        response_reason: Once open, its phrase ("Switching Protocols").
        response_headers: Once open, the server's response headers.
        subprotocol: Once open, the subprotocol the server chose, or None.
        local_address: Once open, (host, port) of this end: the server's
            ``Socket.remote_address``.
        peer_certificate_subject: Once open, the verified server certificate's subject
            (as on ``Socket``); None without TLS or with ``trust_all``.
        last_wire_length: Read in a ``'wire_message'`` handler: that message's payload
            bytes on the wire when compressed (with the ``wire_lengths`` option); None
            without compression, where it is the payload's own length.
    """

    def __init__(
        self, options: Mapping[str, object] | str | None = None, **kwargs: Unpack[ClientOptions]
    ) -> None:
        if isinstance(options, str):
            options = _url_options(options, kwargs)
        self.options = cast(ClientSettings, parse("Client", CLIENT_OPTIONS, options, kwargs))
        o = self.options
        super().__init__(o["max_queue"])
        self._encode = mime.encoder_for(o["send_type"])
        self._decode = mime.decoder_for(o["receive_type"], max_image_pixels=o["max_image_pixels"])
        self._dialer = Dialer(o)  # loads the TLS files: ValueError if unusable
        self.url = self._dialer.url
        self._state = ClientState.IDLE
        self._pending: deque[Outgoing] = deque()
        self._channel: Channel | None = None
        self._opened: OpenFuture | None = None
        self._task: asyncio.Task[None] | None = None
        self._closing: Shielded | None = None
        self.request_path: str | None = None
        self.request_headers: Headers | None = None
        self.response_status: int | None = None
        self.response_reason = ""
        self.response_headers: Headers | None = None
        self.subprotocol: str | None = None
        self.local_address: Address = ()
        self.peer_certificate_subject: dict[str, str] | None = None

    def __repr__(self) -> str:
        return f"<Client {self.url} {self._state}>"

    async def __aenter__(self) -> Client:
        self.start_pulling()
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    @property
    def state(self) -> ClientState:
        """Where the client is in its life; a ``ClientState``, equal to its string
        (``client.state == "open"``)."""
        return self._state

    def is_open(self) -> bool:
        """Whether the socket is open (``isOpen`` is the spec's name).

        Returns:
            True while ``state`` is ``'open'``.
        """
        return self._state == ClientState.OPEN

    @property
    def pending_messages(self) -> int:
        """Messages accepted by ``send()`` and not yet handed to the transport (queued
        before open, or behind backpressure); beyond the spec."""
        channel = self._channel
        return len(self._pending) + (0 if channel is None else channel.pending_messages)

    @property
    def buffered_amount(self) -> int:
        """Bytes handed to the transport and not yet written to the network (the browser
        API's ``bufferedAmount``); 0 when not connected. Beyond the spec."""
        channel = self._channel
        return 0 if channel is None else channel.buffered_amount

    isOpen = is_open

    def open(self) -> asyncio.Future[None]:
        """Start connecting; the returned future completes when open or fails with ConnectError.

        Non-blocking: awaiting the result is optional (a failure is emitted on ``'error'``;
        it is logged as unhandled only when neither a listener nor an awaiting caller got
        it). Calling it while connecting or open returns the same future. Cancelling that
        future (e.g. ``wait_for(client.open(), 0.2)`` timing out) abandons the attempt: the
        client is ``'closed'``, messages queued before open are reported lost, and
        ``open()`` may be called again.

        Returns:
            A future done when the socket is open.

        Raises:
            ConnectError: (from the future) every attempt failed; also emitted on
                ``'error'``.
            NotOpenError: The previous connection is still closing.
            RuntimeError: No asyncio loop is running.
        """
        loop = running_loop("client.open()")
        if self._state in (ClientState.CONNECTING, ClientState.OPEN) and self._opened is not None:
            return self._opened
        if self._state == ClientState.CLOSING:
            raise NotOpenError(
                "the previous connection is still closing; await client.close() first", self.url
            )
        self._state = ClientState.CONNECTING
        self._opened = OpenFuture(self._open_settled)
        self._task = loop.create_task(self._connect_and_run())
        return self._opened

    async def ping(self) -> float:
        """Send a ping and wait for its pong.

        Cancelling the wait is safe (a late pong is ignored).

        Returns:
            The round trip in seconds.

        Raises:
            NotOpenError: The socket is not open, or closes before the pong arrives.
        """
        channel = self._channel
        if channel is None or self._state != ClientState.OPEN:
            raise NotOpenError(f"the Client to {self.url} is not open ({self._state})", self.url)
        return await channel.ping()

    def send(self, data: object) -> Awaitable[None]:
        """Convert ``data`` per ``sendType`` and send it, in call order.

        If it does not convert, nothing is sent or queued. Before the socket opens the
        message is queued (or dropped with ``discardMessagesBeforeOpen``); once closing or
        closed, ``NotOpenError`` is raised, from any caller (a coroutine, a plain callback,
        a Qt slot). Awaiting the result is optional and cancelling it does not unsend; it
        fails with ``NotOpenError`` if the connection ends first (that loss is also
        emitted on ``'error'``). While the open socket's outbox is at ``write_limit`` (the
        server does not read as fast as it is sent to) the message is refused: the
        awaitable fails with ``UnsentMessagesError``, also emitted on ``'error'`` once
        per burst; a sender that awaits each send never gets there.

        Args:
            data: The value to send: what the ``sendType`` converts (a JSON value,
                ``str``, bytes-like, a ``PIL.Image.Image``; ``*/*`` sends ``str`` as text
                and bytes as binary).

        Returns:
            An awaitable done when the message was handed to the transport.

        Raises:
            EncodeError: ``data`` does not convert (a ``TypeError``).
            NotOpenError: The client is closing or closed.
            RuntimeError: No asyncio loop is running.
        """
        payload, is_text = self._encode(data)
        channel = self._channel
        if channel is not None and channel.accepting:
            return channel.outbox.send(payload, is_text)
        if channel is not None:
            # The connection is ending (e.g. the server's close frame arrived): queueing here
            # would strand the message in the pre-open queue, neither sent nor reported.
            raise NotOpenError(
                f"the connection to {self.url} is closing; call open() to connect again", self.url
            )
        if self._state in (ClientState.CLOSING, ClientState.CLOSED):
            raise NotOpenError(
                f"the Client to {self.url} is closed; call open() to connect again", self.url
            )
        loop = running_loop("client.send(...)")
        done: asyncio.Future[None] = loop.create_future()
        if self.options["discard_messages_before_open"]:
            log.warning("Client %s: message discarded because the socket is not open", self.url)
            done.set_result(None)
            return done
        stall_ms = self.options["throttle_factor"] * len(self._pending)
        self._pending.append((payload, is_text, done))
        if stall_ms > 0:
            throttled = loop.create_task(self._throttled(done, stall_ms / 1000))
            throttled.add_done_callback(retrieve_exception)
            return throttled
        return done

    @staticmethod
    async def _throttled(handed_over: asyncio.Future[None], stall: float) -> None:
        await asyncio.sleep(stall)
        await handed_over

    def close(self, code: int = 1000, reason: str = "") -> Awaitable[None]:
        """Close the connection (default code 1000) and stop pending retries. Idempotent.

        Messages queued before open and never sent are dropped and reported once on ``'error'``.
        Messages already accepted on an open socket are sent before the close frame. The
        awaitable completes after ``'close'`` was emitted (at once if the socket never
        opened; ``'close'`` is emitted only for a socket that was open), within
        ``close_timeout`` whatever the peer does. Cancelling an await of it does not stop
        the close: awaiting ``close()`` again waits for the same end.

        Args:
            code: The close code (a ``CloseCode`` or a plain ``int``).
            reason: The close reason, at most 123 bytes in UTF-8.

        Returns:
            An awaitable done once the connection is closed.

        Raises:
            ValueError: A code a close frame may not carry, or a reason too long.
            TypeError: A code that is not an ``int``, or a reason that is not a ``str``.
        """
        check_close_code(code, reason)
        if self._closing is not None and not self._closing.done():
            return self._closing
        loop = running_loop("client.close()")
        if self._state == ClientState.OPEN and self._channel is not None:
            self._state = ClientState.CLOSING
            self._closing = Shielded(loop.create_task(self._channel.close(code, reason)))
            return self._closing
        self._abandon("close() was called before the socket opened")
        done = loop.create_future()
        done.set_result(None)
        return done

    def _abandon(self, why: str) -> None:
        """Stop connecting (or reconnecting): fail open()'s future, report the queue lost."""
        if self._state == ClientState.CONNECTING and self._task is not None:
            self._task.cancel()
            if self._opened is not None and not self._opened.done():
                self._opened.set_exception(NotOpenError(f"{why} ({self.url})", self.url))
                self._opened.exception()
        if self._state != ClientState.IDLE or self._pending:
            self._state = ClientState.CLOSED
        self._drop_pending(why)
        self._end_for_good()

    def _open_settled(self, opened: OpenFuture) -> None:
        if opened.cancelled() and opened is self._opened:
            self._abandon("open() was cancelled before the socket opened")

    def _drop_pending(self, why: str, report: bool = True) -> None:
        if not self._pending:
            return
        pending, self._pending = self._pending, deque()
        failure = NotOpenError(why, self.url)
        for _payload, _text, future in pending:
            if future is not None:
                fail_quietly(future, failure)
        if report:
            self.emit("error", UnsentMessagesError(len(pending), why, self.url))

    async def _connect_and_run(self) -> None:
        while True:
            ws = await self._connect()
            if ws is None:
                return
            channel = Channel(
                ws,
                self,
                self._decode,
                self.url,
                receive_type=self.options["receive_type"],
                close_timeout=seconds(self.options["close_timeout"]),
                write_limit=self.options["write_limit"],
            )
            self._channel = channel
            self.request_path = ws.request.path if ws.request else None
            self.request_headers = ws.request.headers if ws.request else None
            if ws.response:
                self.response_status = ws.response.status_code
                self.response_reason = ws.response.reason_phrase
            self.response_headers = ws.response.headers if ws.response else None
            self.subprotocol = ws.subprotocol
            self.local_address = tuple(ws.local_address or ())
            self.peer_certificate_subject = tls.peer_certificate_subject(ws.transport)
            channel.adopt(self._pending)
            self._pending = deque()
            self._state = ClientState.OPEN
            self._connection_opened()
            assert self._opened is not None
            self._opened.set_result(None)
            self.emit("open")
            try:
                await channel.run()
            except asyncio.CancelledError:  # the loop is shutting down: no reconnecting
                self._state = ClientState.CLOSED
                raise
            # Nothing is left to read from it (the reader took all before it ended): drop
            # the references that tie it to this Client, so that it is freed at once.
            channel.release()
            if self.state != ClientState.CONNECTING:  # connecting again after a lost connection
                return

    async def _connect(self) -> ClientConnection | None:
        """Try under the retry policy; None (after reporting the failure) if all failed."""
        dialed = await self._dialer.dial(self.emit, lambda: self.listener_count("frame") > 0)
        if isinstance(dialed, ConnectError):
            self._failed(dialed)
            return None
        return dialed

    def _failed(self, error: ConnectError) -> None:
        """Every attempt failed: settle open()'s future, report, drop the queue."""
        self._state = ClientState.FAILED
        error.__cause__ = error.cause
        opened = self._opened
        assert opened is not None
        watched = opened.watched
        opened.set_exception(error)
        opened.exception()  # the awaiting caller gets it, or it is emitted below
        report = not watched or self.has_listeners("error")
        if report:
            self.emit("error", error)
        self._drop_pending(f"could not connect to {self.url}", report=report)
        self._end_for_good()

    def _live_channel(self) -> Channel | None:
        return self._channel

    def _not_open(self) -> NotOpenError:
        return NotOpenError(f"the Client to {self.url} is not open, or is closing", self.url)

    def _channel_ended(self, code: int, reason: str, lost: bool) -> None:
        aborted = self._channel is not None and self._channel.aborted
        self._channel = None
        again = (
            self.options["reconnect"]
            and self._state == ClientState.OPEN
            and code in RECONNECT_CODES
            and not aborted
        )
        self._connection_ended(code, reason, lost, self.url, final=not again)
        if again:
            self._state = ClientState.CONNECTING
            self._opened = OpenFuture(self._open_settled)
        else:
            self._state = ClientState.CLOSED

    def _listener_added(self, event: str) -> None:
        super()._listener_added(event)
        if event == "frame" and self._channel is not None:
            self._channel.watch_frames()

    def _not_receiving(self) -> BaseException | None:
        ended = super()._not_receiving()
        if ended is None and self._state in (
            ClientState.IDLE,
            ClientState.CLOSED,
            ClientState.FAILED,
        ):
            return NotOpenError(
                f"the Client to {self.url} is not open; call open() first, or use async with",
                self.url,
            )
        return ended
