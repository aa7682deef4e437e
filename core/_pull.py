"""The pull side shared by Client and Socket: ``recv()``, ``async for``, ``close_code``.

Pulling starts at the first ``recv()`` (or at a Client's ``async with``): from then on every
message also goes into an ``Inbox`` of at most ``max_queue`` messages, and the connection
stops reading while it is full (backpressure: the peer is slowed, nothing is dropped) until
it is down to a quarter of that (as websockets' own queue does: the reader and the puller
then take turns once per batch, not once per message). An endpoint used only with
listeners never makes an Inbox, so pulling costs it nothing.

While the inbox is empty and nothing else wants the messages (no ``'message'`` or
``'wire_message'`` listener), ``recv()`` reads from websockets itself, in the puller's task,
through the connection's ``DirectReader`` (core._connection.Channel): one task per message
instead of the reader's and then the puller's, as in websockets' own ``async for``.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, Final, Protocol, TypeVar

from ._close_codes import CloseCode
from ._errors import ConnectionClosed, ConnectionLostError
from ._events import EventEmitter

EventName = TypeVar("EventName", bound=str)

#: Events a ``wait_for`` keeps waiting for across the end of a connection.
LIFECYCLE_EVENTS = frozenset({"open", "close", "error", "connecting", "retrying"})


#: What a direct read returns when it got no message (the connection ends, or reading went
#: back to the reader): the puller looks at its inbox again.
NOTHING: Final = object()


def parsed_queue_bounds(max_queue: int) -> tuple[int, int]:
    """websockets' ``max_queue`` (high, low) for a connection of an endpoint with ``max_queue``.

    While the puller reads itself, messages wait in websockets' queue of parsed frames
    rather than in the inbox: it then pauses reading past ``max_queue`` frames (it pauses
    once it holds more than ``high``), as the inbox would, and reads again at a quarter.
    """
    return max(max_queue - 1, 0), max_queue // 4


class DirectReader(Protocol):
    """The open connection of an Endpoint, as ``recv()`` sees it (core._connection.Channel)."""

    def take_direct(self) -> object:
        """The next message if it can be taken here at once (parsed whole, reading left to
        the puller, the loop's slice not used up); else ``NOTHING``."""

    def direct_read(self) -> Awaitable[object] | None:
        """Read the next message here, or None if the reader must (it was asked to stop
        and will fill the inbox or nudge it)."""

    def take_back(self) -> None:
        """Reading goes back to the reader: a listener now wants the messages."""

    @property
    def parsed_messages(self) -> int:
        """Frames websockets parsed that nobody took yet."""


class Inbox:
    """Received messages kept for ``recv()``; says when the reader should wait for room."""

    def __init__(self, limit: int) -> None:
        self._items: deque[object] = deque()
        self._limit = limit
        self._low = limit // 4  # room again once down to this many
        self._arrived = asyncio.Event()
        self._room: asyncio.Future[None] | None = None
        self._end: Callable[[], BaseException] | None = None

    def __len__(self) -> int:
        return len(self._items)

    def put(self, value: object) -> None:
        self._items.append(value)
        self._arrived.set()

    def full(self) -> bool:
        """Whether ``limit`` messages wait (the reader should ask for ``room()``)."""
        return len(self._items) >= self._limit

    def room(self) -> asyncio.Future[None] | None:
        """None while fewer than ``limit`` messages wait; else a future done once no more
        than a quarter of ``limit`` do."""
        if len(self._items) < self._limit:
            return None
        self._room = asyncio.get_running_loop().create_future()
        return self._room

    def end(self, error: Callable[[], BaseException] | None) -> None:
        """No more messages will come (``error()`` is raised once empty); None: more will."""
        self._end = error
        if error is not None:
            self._arrived.set()

    def nudge(self) -> None:
        """Wake whoever waits: the puller may read itself now (see the module docstring)."""
        self._arrived.set()

    async def wait(self) -> None:
        """Until a message is there or ``nudge()``; raises the end's error once empty."""
        if self._items:
            return
        if self._end is not None:
            raise self._end()
        self._arrived.clear()
        await self._arrived.wait()

    def take(self) -> object:
        """The oldest message, which the caller saw is there."""
        value = self._items.popleft()
        if self._room is not None and len(self._items) <= self._low:
            room, self._room = self._room, None
            if not room.done():
                room.set_result(None)
        return value


class Endpoint(EventEmitter[EventName]):
    """Client and Socket: events plus ``recv()``, ``async for`` and the close status.

    ``'message'`` coroutine listeners run one at a time in arrival order (``serial_events``).
    """

    serial_events = frozenset({"message"})

    def __init__(self, max_queue: int) -> None:
        super().__init__()
        #: Most messages waiting for ``recv()`` (and for coroutine listeners) before the
        #: connection stops reading.
        self.max_queue = max_queue
        # The messages kept for recv() once pulling started, else None.
        self.inbox: Inbox | None = None
        # Read in a 'wire_message' handler: the payload bytes that message took on the wire,
        # compressed by permessage-deflate (core._wire_lengths); None on a connection
        # without compression, where it is the payload's own length. (Documented in the
        # Attributes of Client and Socket.)
        self.last_wire_length: int | None = None
        self._close_code: int | None = None
        self._close_reason: str | None = None
        self._ended_for_good: Callable[[], ConnectionClosed] | None = None
        self._last_end: tuple[int, str, bool, str] | None = None
        #: The open connection, which ``recv()`` may read from itself; None between them.
        self.direct_reader: DirectReader | None = None

    @property
    def close_code(self) -> int | None:
        """The code of the close that ended the connection; None until it closed."""
        return self._close_code

    @property
    def close_reason(self) -> str | None:
        """The reason of that close (``''`` if none was given); None until it closed."""
        return self._close_reason

    @property
    def unread_messages(self) -> int:
        """Messages received and not taken yet: in the inbox, or parsed and waiting in the
        connection (while ``recv()`` reads for itself, or handlers are behind); beyond the
        spec. Bounded by about ``max_queue`` each."""
        reader = self.direct_reader
        return (0 if self.inbox is None else len(self.inbox)) + (
            0 if reader is None else reader.parsed_messages
        )

    def start_pulling(self) -> Inbox:
        """Keep every message from now on for ``recv()`` (the first ``recv()`` does this).

        Idempotent. From now on the connection stops reading while ``max_queue`` messages
        wait, so the peer is slowed instead of memory growing.

        Returns:
            The inbox the messages are kept in.
        """
        if self.inbox is None:
            self.inbox = Inbox(self.max_queue)
            self.inbox.end(self._ended_for_good)
        return self.inbox

    async def recv(self) -> Any:
        """The next message, converted as for ``'message'``; waits until one arrives.

        Cancelling the wait is safe: no message is lost. Concurrent calls each get a
        different message. Messages received before the connection closed are all
        returned before the end is raised.

        Returns:
            The message: parsed JSON, ``str``, ``bytes`` or a ``PIL.Image.Image``,
            following the ``receiveType`` (unconverted if it did not convert).

        Raises:
            ConnectionClosed: The connection closed (``ConnectionLostError`` for an
                abnormal end); ``.code`` and ``.reason`` say how.
            NotOpenError: A Client that is not open (and not connecting).
        """
        inbox = self.start_pulling()
        while True:
            if len(inbox):
                return inbox.take()
            if (refusal := self._not_receiving()) is not None:
                try:
                    raise refusal
                finally:
                    del refusal  # its traceback holds this frame: no cycle through a local
            reader = self.direct_reader
            if reader is not None:
                if (value := reader.take_direct()) is not NOTHING:
                    return value
                if (read := reader.direct_read()) is not None:
                    value = await read
                    if value is not NOTHING:
                        return value
                    continue
            await inbox.wait()

    def __aiter__(self) -> Endpoint[EventName]:
        self.start_pulling()
        return self

    async def __anext__(self) -> Any:
        """The next message; ends on a normal close (1000, 1001), raises on any other."""
        inbox = self.inbox
        if inbox is not None:  # as recv() would, without its awaits (every message)
            if inbox._items:
                return inbox.take()
            reader = self.direct_reader
            if reader is not None:
                if (value := reader.take_direct()) is not NOTHING:
                    return value
                if (read := reader.direct_read()) is not None:
                    value = await read
                    if value is not NOTHING:
                        return value
        try:
            return await self.recv()
        except ConnectionClosed as closed:
            if closed.code in (CloseCode.NORMAL_CLOSURE, CloseCode.GOING_AWAY):
                raise StopAsyncIteration from None
            raise

    async def wait_for(self, event: EventName, timeout: float | None = None) -> Any:
        """Wait for the next ``event``, as ``EventEmitter.wait_for`` does.

        Args:
            event: The event's name.
            timeout: Seconds to wait at most; None waits for ever.

        Returns:
            The event's argument; a tuple if it has several, None if it has none.

        Raises:
            TimeoutError: No such event within ``timeout``.
            ConnectionClosed: For a data event (``'message'``, ``'frame'``...), at once if
                the connection has ended, or when it ends during the wait.
        """
        if event in LIFECYCLE_EVENTS:
            return await super().wait_for(event, timeout)
        if self._ended_for_good is not None:
            raise self._ended_for_good()
        return await self._wait_for(event, timeout, ("close", self._end_of_wait))

    def _end_of_wait(self, *_close_args: object) -> BaseException | None:
        return self._ended_for_good() if self._ended_for_good is not None else None

    def _listener_added(self, event: str) -> None:
        if event in ("message", "wire_message") and self.direct_reader is not None:
            self.direct_reader.take_back()  # every message goes through the listeners again

    def _not_receiving(self) -> BaseException | None:
        """What ``recv()`` raises when nothing is buffered; None while messages may come."""
        return self._ended_for_good() if self._ended_for_good is not None else None

    def _connection_opened(self) -> None:
        self._close_code = self._close_reason = None
        self._ended_for_good = self._last_end = None
        if self.inbox is not None:
            self.inbox.end(None)

    def _channel_ended(self, code: int, reason: str, lost: bool) -> None:
        """Told by the connection's ``core._connection.Channel`` when it ended, with the
        close code, reason and whether it was an abnormal end not asked for."""

    def _connection_ended(
        self, code: int, reason: str, lost: bool, peer: str, final: bool = True
    ) -> None:
        """Record the close; when ``final`` (no reconnect follows), end recv() and waits."""
        self._close_code, self._close_reason = code, reason
        self._last_end = (code, reason, lost, peer)
        if final:
            self._end_for_good()

    def _end_for_good(self) -> None:
        """No connection follows the last one: recv() and data waits raise from now on."""
        if self._last_end is None or self._ended_for_good is not None:
            return
        code, reason, lost, peer = self._last_end
        kind = ConnectionLostError if lost else ConnectionClosed

        def error() -> ConnectionClosed:
            return kind(code, reason, peer)

        self._ended_for_good = error
        if self.inbox is not None:
            self.inbox.end(error)
