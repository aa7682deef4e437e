"""The Client: one connection to a WebSocket server, with retries and a pre-open queue."""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import Any, Literal, Unpack

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidURI
from websockets.uri import parse_uri

from . import mime, tls
from .connection import Channel, Outgoing
from .errors import ConnectError, NotOpenError, UnsentMessagesError, check_close_code
from .loop import Shielded, fail_quietly, retrieve_exception, running_loop
from .option_types import ClientOptions
from .options import CLIENT_OPTIONS, parse, seconds
from .pull import Endpoint
from .retry import RetryPolicy, is_fatal
from .wire_lengths import client_connection_class

log = logging.getLogger("core")

ClientEvent = Literal["open", "message", "close", "error", "connecting", "frame", "wire_message"]
ClientState = Literal["idle", "connecting", "open", "closing", "closed", "failed"]

#: Close codes after which ``reconnect=True`` connects again: the server went away or broke.
RECONNECT_CODES = frozenset({1001, 1006, 1011, 1012, 1013, 1014})


class OpenFuture(asyncio.Future[None]):
    """The future ``open()`` returns. It knows whether anyone waits for it (an ``await``,
    ``wait_for``, ``gather``... all add a done-callback), so that a ``ConnectError`` the
    waiting caller receives is not also logged as an unhandled ``'error'``."""

    def __init__(self, on_done: Callable[[OpenFuture], None]) -> None:
        super().__init__()
        self.watched = False
        asyncio.Future.add_done_callback(self, on_done)

    def add_done_callback(
        self,
        fn: Callable[[OpenFuture], object],
        *,
        context: contextvars.Context | None = None,
    ) -> None:
        self.watched = True
        super().add_done_callback(fn, context=context)


class Client(Endpoint[ClientEvent]):
    """A connection to a WebSocket server.

    ``Client('wss://host:8443/path?q=1', **keywords)`` or ``Client(options_dict, **keywords)``:
    options in the spec's camelCase dict and/or as snake_case keywords (see
    ``core.options.CLIENT_OPTIONS``; typed by ``core.ClientOptions``); a URL gives host, port,
    path and TLS. Mistakes raise at once. ``async with Client(...) as client:`` opens (raising
    ``ConnectError``), starts pulling for ``recv()`` / ``async for``, and closes on exit.

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
            queued messages were dropped (``UnsentMessagesError``), the connection was lost
            (``ConnectionLostError``), a handler raised (``HandlerError``).
        ``'connecting'`` (attempt: int, attempts: int)
            beyond the spec: a connection attempt starts.
        ``'frame'`` (frame: core.Frame)
            beyond the spec: every WebSocket frame in either direction, control frames
            and the ones websockets sends by itself included, in wire order, soon after
            it was parsed or serialized (see ``core.frames``). Costs nothing when no
            one listens.
        ``'wire_message'`` (direction: 'in' | 'out', payload: str | bytes)
            beyond the spec: the whole message as on the wire, ``str`` for text and
            ``bytes`` for binary, before conversion ('in', emitted just before
            ``'message'``) or after it ('out', when it is handed to the transport).

    Attributes once open: ``url``, ``request_path`` (path and query of the upgrade
    request), ``request_headers``, ``response_status`` / ``response_reason`` (the server's
    status line: 101 Switching Protocols), ``response_headers``, ``subprotocol``,
    ``local_address`` (host, port) of this end (the server's ``Socket.remote_address``),
    ``peer_certificate_subject`` (the verified server certificate's subject, as on ``Socket``;
    None without TLS or with ``trust_all``); once closed: ``close_code``, ``close_reason``.
    """

    def __init__(
        self, options: Mapping[str, Any] | str | None = None, **kwargs: Unpack[ClientOptions]
    ) -> None:
        if isinstance(options, str):
            options = _url_options(options, kwargs)
        self.options = parse("Client", CLIENT_OPTIONS, options, kwargs)
        o = self.options
        super().__init__(o["max_queue"])
        self._encode = mime.encoder_for(o["send_type"])
        self._decode = mime.decoder_for(o["receive_type"])
        self._retry = RetryPolicy.from_options(o)
        self._ssl = tls.client_context(o)  # loads the TLS files: ValueError if unusable
        host = o["host"]
        host = f"[{host}]" if ":" in host else host
        self.url = f"{'wss' if o['ssl_tls'] else 'ws'}://{host}:{o['port']}{o['path']}"
        self._state: ClientState = "idle"
        self._pending: deque[Outgoing] = deque()
        self._channel: Channel | None = None
        self._opened: OpenFuture | None = None
        self._task: asyncio.Task[None] | None = None
        self._closing: Shielded | None = None
        self.request_path: str | None = None
        self.request_headers: Any = None
        self.response_status: int | None = None
        self.response_reason = ""
        self.response_headers: Any = None
        self.subprotocol: str | None = None
        self.local_address: tuple[Any, ...] = ()
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
        """'idle', 'connecting', 'open', 'closing', 'closed' or 'failed' (retries exhausted)."""
        return self._state

    def is_open(self) -> bool:
        return self._state == "open"

    @property
    def pending_messages(self) -> int:
        """Beyond the spec: messages accepted by ``send()`` and not yet handed to the
        transport (queued before open, or behind backpressure)."""
        channel = self._channel
        return len(self._pending) + (0 if channel is None else channel.pending_messages)

    @property
    def buffered_amount(self) -> int:
        """Beyond the spec: bytes handed to the transport and not yet written to the network
        (the browser API's ``bufferedAmount``); 0 when not connected."""
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
        ``open()`` may be called again. Needs a running loop (``RuntimeError`` otherwise).
        """
        loop = running_loop("client.open()")
        if self._state in ("connecting", "open") and self._opened is not None:
            return self._opened
        if self._state == "closing":
            raise NotOpenError(
                "the previous connection is still closing; await client.close() first"
            )
        self._state = "connecting"
        self._opened = OpenFuture(self._open_settled)
        self._task = loop.create_task(self._connect_and_run())
        return self._opened

    async def ping(self) -> float:
        """Send a ping; return the round trip in seconds when its pong is back.

        ``NotOpenError`` if the socket is not open, or closes before the pong arrives.
        Cancelling the wait is safe (a late pong is ignored).
        """
        channel = self._channel
        if channel is None or self._state != "open":
            raise NotOpenError(f"the Client to {self.url} is not open ({self._state})")
        return await channel.ping()

    def send(self, data: Any) -> Awaitable[None]:
        """Convert ``data`` per ``sendType`` and send it, in call order.

        Raises ``EncodeError`` (a TypeError) at once if it does not convert: nothing is sent
        or queued. Before the socket opens the message is queued (or dropped with
        ``discardMessagesBeforeOpen``); once closing or closed, ``NotOpenError`` is raised,
        from any caller (a coroutine, a plain callback, a Qt slot). Returns an awaitable done
        when the message was handed to the transport; it fails with ``NotOpenError`` if the
        connection ends first (that loss is also emitted on ``'error'``). Awaiting it is
        optional and cancelling it does not unsend.
        """
        payload, is_text = self._encode(data)
        channel = self._channel
        if channel is not None and channel.accepting:
            return channel.send(payload, is_text)
        if channel is not None:
            # The connection is ending (e.g. the server's close frame arrived): queueing here
            # would strand the message in the pre-open queue, neither sent nor reported.
            raise NotOpenError(
                f"the connection to {self.url} is closing; call open() to connect again"
            )
        if self._state in ("closing", "closed"):
            raise NotOpenError(f"the Client to {self.url} is closed; call open() to connect again")
        loop = running_loop("client.send(...)")
        done: asyncio.Future[None] = loop.create_future()
        if self.options["discard_messages_before_open"]:
            log.warning("Client %s: message discarded because the socket is not open", self.url)
            done.set_result(None)
            return done
        stall_ms = self.options["throttle_factor"] * len(self._pending)
        self._pending.append((payload, is_text, done))
        if stall_ms > 0:
            throttled = loop.create_task(self._throttled(done, seconds(stall_ms) or 0.0))
            throttled.add_done_callback(retrieve_exception)
            return throttled
        return done

    @staticmethod
    async def _throttled(handed_over: asyncio.Future[None], stall: float) -> None:
        await asyncio.sleep(stall)
        await handed_over

    def close(self, code: int = 1000, reason: str = "") -> Awaitable[None]:
        """Close the connection (default code 1000) and stop pending retries. Idempotent.

        ``code``: 1000-1003, 1007-1014 or 3000-4999 (``ValueError`` otherwise). Messages
        queued before open and never sent are dropped and reported once on ``'error'``.
        Messages already accepted on an open socket are sent before the close frame. The
        awaitable completes after ``'close'`` was emitted (at once if the socket never
        opened; ``'close'`` is emitted only for a socket that was open), within
        ``close_timeout`` whatever the peer does. Cancelling an await of it does not stop
        the close: awaiting ``close()`` again waits for the same end.
        """
        check_close_code(code, reason)
        if self._closing is not None and not self._closing.done():
            return self._closing
        loop = running_loop("client.close()")
        if self._state == "open" and self._channel is not None:
            self._state = "closing"
            self._closing = Shielded(loop.create_task(self._channel.close(code, reason)))
            return self._closing
        self._abandon("close() was called before the socket opened")
        done = loop.create_future()
        done.set_result(None)
        return done

    def _abandon(self, why: str) -> None:
        """Stop connecting (or reconnecting): fail open()'s future, report the queue lost."""
        if self._state == "connecting" and self._task is not None:
            self._task.cancel()
            if self._opened is not None and not self._opened.done():
                self._opened.set_exception(NotOpenError(f"{why} ({self.url})"))
                self._opened.exception()
        if self._state != "idle" or self._pending:
            self._state = "closed"
        self._drop_pending(why)
        self._end_for_good()

    def _open_settled(self, opened: OpenFuture) -> None:
        if opened.cancelled() and opened is self._opened:
            self._abandon("open() was cancelled before the socket opened")

    def _drop_pending(self, why: str, report: bool = True) -> None:
        if not self._pending:
            return
        pending, self._pending = self._pending, deque()
        failure = NotOpenError(why)
        for _payload, _text, future in pending:
            if future is not None:
                fail_quietly(future, failure)
        if report:
            self.emit("error", UnsentMessagesError(len(pending), why))

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
                on_end=self._ended,
                close_timeout=seconds(self.options["close_timeout"]),
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
            self._state = "open"
            self._connection_opened()
            assert self._opened is not None
            self._opened.set_result(None)
            self.emit("open")
            try:
                await channel.run()
            except asyncio.CancelledError:  # the loop is shutting down: no reconnecting
                self._state = "closed"
                raise
            if self.state != "connecting":  # connecting again after a lost connection
                return

    async def _connect(self) -> ClientConnection | None:
        """Try under the retry policy; None (after reporting the failure) if all failed."""
        policy = self._retry
        o = self.options
        cause: BaseException | None = None
        attempt = 0
        while attempt < policy.attempts:
            attempt += 1
            if delay := policy.delay_before(attempt):
                await asyncio.sleep(delay)
            self.emit("connecting", attempt, policy.attempts)
            try:
                return await connect(
                    self.url,
                    open_timeout=policy.timeout,
                    close_timeout=seconds(o["close_timeout"]),
                    ssl=self._ssl,
                    subprotocols=o["subprotocols"],
                    additional_headers=o["headers"],
                    origin=o["origin"],
                    max_size=o["max_message_size"],
                    ping_interval=seconds(o["ping_interval"]),
                    ping_timeout=seconds(o["ping_timeout"]),
                    compression=o["compression"],
                    proxy=None,
                    # Tap from the first frame when someone listens (core.frames); count
                    # wire lengths from it if asked (core.wire_lengths).
                    create_connection=client_connection_class(
                        self.listener_count("frame") > 0, o["wire_lengths"]
                    ),
                )
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.debug("Client %s: attempt %d failed: %r", self.url, attempt, exc)
                cause = exc
                if is_fatal(exc):
                    break
        self._failed(ConnectError(self.url, attempt, cause))
        return None

    def _failed(self, error: ConnectError) -> None:
        """Every attempt failed: settle open()'s future, report, drop the queue."""
        self._state = "failed"
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

    def _ended(self, code: int, reason: str, lost: bool) -> None:
        self._channel = None
        again = self.options["reconnect"] and self._state == "open" and code in RECONNECT_CODES
        self._connection_ended(code, reason, lost, self.url, final=not again)
        if again:
            self._state = "connecting"
            self._opened = OpenFuture(self._open_settled)
        else:
            self._state = "closed"

    def _listener_added(self, event: str) -> None:
        if event == "frame" and self._channel is not None:
            self._channel.watch_frames()

    def _not_receiving(self) -> BaseException | None:
        ended = super()._not_receiving()
        if ended is None and self._state in ("idle", "closed", "failed"):
            return NotOpenError(
                f"the Client to {self.url} is not open; call open() first, or use async with"
            )
        return ended


def _url_options(url: str, given: Mapping[str, Any]) -> dict[str, Any]:
    """Options host, port, path (with the query) and ssl_tls from a ws:// or wss:// URL."""
    try:
        uri = parse_uri(url)
    except InvalidURI as exc:
        raise ValueError(f"Client URL {url!r} is not a valid ws:// or wss:// URL: {exc}") from exc
    if uri.username is not None:
        raise ValueError("Client URL: give credentials in the headers option, not in the URL")
    options = {
        "host": uri.host,
        "port": uri.port,
        "path": (uri.path or "/") + (f"?{uri.query}" if uri.query else ""),
        "ssl_tls": uri.secure,
    }
    for key in given:
        if key in options or key in ("sslTls",):
            raise ValueError(f"Client option {key!r} is already given by the URL {url!r}")
    return options
