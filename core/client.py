"""The Client: one connection to a WebSocket server, with retries and a pre-open queue."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Mapping
from typing import Any, Literal, Unpack

from websockets.asyncio.client import connect

from . import mime, tls
from .connection import Channel, Outgoing, check_close_code
from .errors import ConnectError, NotOpenError, UnsentMessagesError
from .events import EventEmitter
from .loop import fail_quietly, retrieve_exception, running_loop
from .option_types import ClientOptions
from .options import CLIENT_OPTIONS, parse
from .retry import RetryPolicy

log = logging.getLogger("core")

ClientEvent = Literal["open", "message", "close", "error", "connecting", "frame"]
ClientState = Literal["idle", "connecting", "open", "closing", "closed", "failed"]


class Client(EventEmitter[ClientEvent]):
    """A connection to a WebSocket server.

    ``Client(options_dict, **keywords)``: options in the spec's camelCase dict and/or as
    snake_case keywords (see ``core.options.CLIENT_OPTIONS``; typed by ``core.ClientOptions``);
    mistakes raise at once.

    Events:
        ``'open'`` ()
            the socket is open; messages queued before it were already handed over.
        ``'message'`` (value)
            a whole message, converted per ``receiveType`` (raw if it did not convert).
        ``'close'`` (code: int, reason: str)
            the open socket closed, from either side (1006: lost without a close frame).
        ``'error'`` (exception: WebSocketError)
            retries exhausted (``ConnectError``), a conversion failed (``DecodeError``),
            queued messages were dropped (``UnsentMessagesError``), the connection was lost
            (``ConnectionLostError``), a handler raised (``HandlerError``).
        ``'connecting'`` (attempt: int, attempts: int)
            beyond the spec: a connection attempt starts.
        ``'frame'`` (direction: 'in' | 'out', payload: str | bytes)
            beyond the spec: the message as on the wire, ``str`` for a text frame and
            ``bytes`` for a binary one, before conversion ('in', emitted just before
            ``'message'``) or after it ('out', when it is handed to the transport).
            Costs nothing when no one listens.

    Attributes once open: ``url``, ``request_headers``, ``response_headers``, ``subprotocol``,
    ``peer_certificate_subject`` (the verified server certificate's subject, as on ``Socket``;
    None without TLS or with ``trust_all``).
    """

    def __init__(
        self, options: Mapping[str, Any] | None = None, **kwargs: Unpack[ClientOptions]
    ) -> None:
        super().__init__()
        self.options = parse("Client", CLIENT_OPTIONS, options, kwargs)
        o = self.options
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
        self._opened: asyncio.Future[None] | None = None
        self._task: asyncio.Task[None] | None = None
        self._closing: asyncio.Task[None] | None = None
        self.request_headers: Any = None
        self.response_headers: Any = None
        self.subprotocol: str | None = None
        self.peer_certificate_subject: dict[str, str] | None = None

    def __repr__(self) -> str:
        return f"<Client {self.url} {self._state}>"

    @property
    def state(self) -> ClientState:
        """'idle', 'connecting', 'open', 'closing', 'closed' or 'failed' (retries exhausted)."""
        return self._state

    def is_open(self) -> bool:
        return self._state == "open"

    isOpen = is_open

    def open(self) -> asyncio.Future[None]:
        """Start connecting; the returned future completes when open or fails with ConnectError.

        Non-blocking: awaiting the result is optional (a failure is emitted on ``'error'``
        either way). Calling it while connecting or open returns the same future. Needs a
        running loop (``RuntimeError`` otherwise). Cancelling the returned future does not
        stop the attempts: call ``close()``.
        """
        loop = running_loop("client.open()")
        if self._state in ("connecting", "open") and self._opened is not None:
            return self._opened
        if self._state == "closing":
            raise NotOpenError(
                "the previous connection is still closing; await client.close() first"
            )
        self._state = "connecting"
        self._opened = loop.create_future()
        self._opened.add_done_callback(retrieve_exception)
        self._task = loop.create_task(self._connect_and_run(self._opened))
        return self._opened

    def send(self, data: Any) -> Awaitable[None]:
        """Convert ``data`` per ``sendType`` and send it, in call order.

        Raises ``EncodeError`` (a TypeError) at once if it does not convert: nothing is sent
        or queued. Before the socket opens the message is queued (or dropped with
        ``discardMessagesBeforeOpen``); once closed, ``NotOpenError`` is raised. Returns an
        awaitable done when the message was handed to the transport; it fails with
        ``NotOpenError`` if the connection ends first (that loss is also emitted on
        ``'error'``). Awaiting it is optional and cancelling it does not unsend.
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
        loop = running_loop("client.send(...)")
        if self._state in ("closing", "closed"):
            raise NotOpenError(f"the Client to {self.url} is closed; call open() to connect again")
        done: asyncio.Future[None] = loop.create_future()
        if self.options["discard_messages_before_open"]:
            log.warning("Client %s: message discarded because the socket is not open", self.url)
            done.set_result(None)
            return done
        stall_ms = self.options["throttle_factor"] * len(self._pending)
        self._pending.append((payload, is_text, done))
        if stall_ms > 0:
            return loop.create_task(self._throttled(done, stall_ms / 1000))
        return done

    @staticmethod
    async def _throttled(handed_over: asyncio.Future[None], stall: float) -> None:
        await asyncio.sleep(stall)
        await handed_over

    def close(self, code: int = 1000, reason: str = "") -> Awaitable[None]:
        """Close the connection (default code 1000) and stop pending retries. Idempotent.

        Messages queued before open and never sent are dropped and reported once on
        ``'error'``. Messages already accepted on an open socket are sent before the close
        frame. The awaitable completes after ``'close'`` was emitted (at once if the socket
        never opened; ``'close'`` is emitted only for a socket that was open).
        """
        check_close_code(code, reason)
        if self._closing is not None and not self._closing.done():
            return self._closing
        loop = running_loop("client.close()")
        if self._state == "open" and self._channel is not None:
            self._state = "closing"
            self._closing = loop.create_task(self._channel.close(code, reason))
            return self._closing
        if self._state == "connecting" and self._task is not None:
            self._task.cancel()
            if self._opened is not None and not self._opened.done():
                self._opened.set_exception(
                    NotOpenError(f"close() was called before {self.url} opened")
                )
        if self._state != "idle" or self._pending:
            self._state = "closed"
        self._drop_pending("close() was called before the socket opened")
        done = loop.create_future()
        done.set_result(None)
        return done

    def _drop_pending(self, why: str) -> None:
        if not self._pending:
            return
        pending, self._pending = self._pending, deque()
        failure = NotOpenError(why)
        for _payload, _text, future in pending:
            if future is not None:
                fail_quietly(future, failure)
        self.emit("error", UnsentMessagesError(len(pending), why))

    async def _connect_and_run(self, opened: asyncio.Future[None]) -> None:
        policy = self._retry
        o = self.options
        cause: BaseException | None = None
        for attempt in range(1, policy.attempts + 1):
            if delay := policy.delay_before(attempt):
                await asyncio.sleep(delay)
            self.emit("connecting", attempt, policy.attempts)
            try:
                ws = await connect(
                    self.url,
                    open_timeout=policy.timeout,
                    ssl=self._ssl,
                    subprotocols=o["subprotocols"],
                    additional_headers=o["headers"],
                    origin=o["origin"],
                    max_size=o["max_message_size"],
                    ping_interval=_seconds(o["ping_interval"]),
                    proxy=None,
                )
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.debug("Client %s: attempt %d failed: %r", self.url, attempt, exc)
                cause = exc
                continue
            break
        else:
            self._state = "failed"
            error = ConnectError(self.url, policy.attempts, cause)
            error.__cause__ = cause
            opened.set_exception(error)
            self.emit("error", error)
            return
        channel = Channel(ws, self, self._decode, self.url, on_end=self._ended)
        self._channel = channel
        self.request_headers = ws.request.headers if ws.request else None
        self.response_headers = ws.response.headers if ws.response else None
        self.subprotocol = ws.subprotocol
        self.peer_certificate_subject = tls.peer_certificate_subject(ws.transport)
        channel.adopt(self._pending)
        self._pending = deque()
        self._state = "open"
        opened.set_result(None)
        self.emit("open")
        await channel.run()

    def _ended(self) -> None:
        self._state = "closed"
        self._channel = None


def _seconds(ms: float | None) -> float | None:
    return None if ms is None or ms == 0 else ms / 1000
