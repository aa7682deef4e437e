"""How the owner's ``recv()`` reads from websockets itself, in its own task (core._pull).

Mixed into core._connection.Channel. Once the owner pulls and nothing else wants the
messages (``_hands_over``), the reader parks after putting a message in the inbox, and
``recv()`` takes a message websockets parsed whole at once (``take_direct``) or reads its
queue in its own task (``direct_read``): one task a message, as in websockets' own
``async for``. Whatever changes that (a ``'message'`` or ``'wire_message'``
listener, a second ``recv()`` at once, ``close()``, a failure, the end of the connection)
calls ``take_back``: the reader reads again once a read under way is over.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections import deque
from collections.abc import Awaitable, Callable
from time import perf_counter
from typing import Any, Final

from websockets.asyncio.connection import Connection
from websockets.exceptions import ConnectionClosed
from websockets.protocol import OPEN

from ._errors import DecodeError
from ._loop import SLICE
from ._parsed_take import next_parsed, take_parsed
from ._pull import NOTHING, Endpoint
from ._wire_lengths import WireLengths

__all__ = ["DirectReads"]

#: The context the connection-lost callback runs in (see ``start_direct_reads``).
_NO_CONTEXT: Final = contextvars.Context()


class DirectReads:
    """The direct reads of one connection (see the module docstring)."""

    __slots__ = (
        "_assembler",
        "_parked",
        "_parsed",
        "_puller_reading",
        "_slice_started",
        "_take_back_wanted",
    )

    # Channel's, read here.
    ws: Connection
    _owner: Endpoint[Any]
    _loop: asyncio.AbstractEventLoop
    _offload: Callable[[bytes | str], bool] | None
    _decode: Callable[[Any], Any]
    _pausable: bool
    _closing: bool
    _broken: BaseException | None
    _peer: str
    _receive_type: str
    _wire_lengths: WireLengths | None

    def _fail_soon(self, exc: BaseException, doing: str) -> None:
        raise NotImplementedError

    def start_direct_reads(self, ws: Connection, owner: Endpoint[Any]) -> None:
        """Called once the connection opened: ``owner``'s recv() may read ``ws`` itself."""
        self._parked: asyncio.Future[None] | None = None  # the reader waits on it meanwhile
        # The frames websockets parsed and nobody took yet (its queue's deque).
        self._assembler = ws.recv_messages
        self._parsed: deque[Any] = ws.recv_messages.frames.queue
        self._puller_reading = False
        self._take_back_wanted = False
        self._slice_started = 0.0
        owner.direct_reader = self
        # In one shared empty context rather than a copy of the current one: an object less
        # per connection (a server holds many), and take_back reads no context variable.
        ws.connection_lost_waiter.add_done_callback(self._connection_lost, context=_NO_CONTEXT)

    def _hands_over(self) -> bool:
        """Whether the reader should leave reading to the owner's recv(): it pulls, no
        listener wants the messages and the connection is open."""
        listeners = self._owner._listeners
        return (
            self._offload is None  # a decode on a worker thread stays in the reader
            and self._pausable
            and not self._closing
            and self._broken is None
            and self.ws.protocol.state is OPEN
            and not listeners.get("message")
            and not listeners.get("wire_message")
        )

    def take_direct(self) -> object:
        """The owner's next message if it can be taken at once: reading is parked, no read is
        under way, the loop's slice is not used up and websockets parsed the message whole
        (``core._parsed_take``); else ``NOTHING`` (then ``direct_read``)."""
        parked = self._parked
        if (
            parked is None
            or parked.done()
            or self._puller_reading
            or not self._parsed
            or perf_counter() - self._slice_started > SLICE
        ):
            return NOTHING
        data = take_parsed(self._assembler)
        if data is None:
            return NOTHING
        return self._deliver(data)

    def direct_read(self) -> Awaitable[object] | None:
        """The owner's recv() found its inbox empty: an awaitable of the next message, read
        in its own task while the reader is parked; else None (it waits on the inbox).

        The reader parks after putting a message in the inbox whenever ``_hands_over``
        (so the first message of a pull still goes through the inbox), and nudges it.
        """
        parked = self._parked
        if parked is None or parked.done():  # every change of _hands_over() takes back
            return None
        if self._puller_reading:  # a second recv() at once: the reader serves them both
            self._take_back_wanted = True
            return None
        return self._read_for_owner()

    async def _park(self) -> None:
        """In the reader: leave reading to the owner's recv() until ``take_back``."""
        self._parked = parked = self._loop.create_future()
        inbox = self._owner.inbox
        if inbox is not None:
            inbox.nudge()
        try:
            await parked
        finally:
            self._parked = None

    @property
    def parsed_messages(self) -> int:
        """Frames websockets parsed that nobody took yet (see core._pull.parsed_queue_bounds)."""
        return len(self._parsed)

    def take_back(self) -> None:
        """Reading goes back to the reader (once the owner's read under way is over)."""
        if self._puller_reading:
            self._take_back_wanted = True
        elif self._parked is not None and not self._parked.done():
            self._parked.set_result(None)

    def _connection_lost(self, _waiter: asyncio.Future[None]) -> None:
        self.take_back()  # the reader reads what is left, then reports the end

    async def _read_for_owner(self) -> object:
        """One message for the owner's recv(), as the reader's loop would deliver it; NOTHING
        if there was none (the end: the reader reports it)."""
        parsed = self._parsed
        if parsed and perf_counter() - self._slice_started > SLICE:
            # Messages parsed already would not let the loop run: give it a turn (SLICE).
            await asyncio.sleep(0)
            self._slice_started = perf_counter()
            if self._puller_reading or self._parked is None or self._parked.done():
                return NOTHING
        waits = not parsed
        self._puller_reading = True
        try:
            data = await next_parsed(self._assembler) if waits else take_parsed(self._assembler)
            if data is None:
                data = await self.ws.recv()
        except ConnectionClosed:
            # The reader reads the rest and reports the end; websockets may raise this
            # without letting the loop run, so the puller must not come back here.
            self._take_back_wanted = True
            return NOTHING
        except Exception as exc:  # as in the reader: log it, close with 1011
            self._take_back_wanted = True
            self._fail_soon(exc, "reading")
            return NOTHING
        finally:
            self._puller_reading = False
            if self._take_back_wanted:
                self._take_back_wanted = False
                self.take_back()
        if waits:
            self._slice_started = perf_counter()
        return self._deliver(data)

    def _deliver(self, data: str | bytes) -> object:
        """A message read for the owner, as the reader's loop would deliver it."""
        owner = self._owner
        if self._wire_lengths is not None:
            received = self._wire_lengths.received
            owner.last_wire_length = received.popleft() if received else None
        try:
            value = self._decode(data)
        except Exception as exc:
            return self._undecodable(data, exc)
        if owner._listeners.get("message"):  # added while this read waited
            owner.emit("message", value)
        return value

    def _undecodable(self, data: str | bytes, exc: Exception) -> object:
        """Report a message that did not convert: raw on ``'message'``, then its
        ``DecodeError`` on ``'error'``; returns the raw value.

        A function of its own so that no reader's frame keeps the error in a local: the
        error's traceback holds that frame, a cycle left for Python's cycle collector.
        """
        if isinstance(exc, DecodeError):
            error = exc
        else:
            error = DecodeError(self._receive_type, data, f"{type(exc).__name__}: {exc}")
            error.__cause__ = exc
        error.peer = self._peer
        emit = self._owner.emit
        emit("message", error.raw)
        emit("error", error)
        return error.raw
