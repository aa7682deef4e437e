"""The awaitables ``send()`` returns, cheaper than a Future a message (core._outbox).

Most sends are never awaited, and most messages are handed to the transport within
``send()``: ``HANDED_OVER`` (one for all) is done already; ``Delivery`` makes a future only
when someone awaits a message still queued; ``Refused`` raises the outbox's refusal when
awaited; ``Resumed`` finishes a websockets coroutine that ``send()`` started by hand.
"""

from __future__ import annotations

from collections.abc import Coroutine, Generator
from typing import Any, Final, Protocol

from ._errors import UnsentMessagesError

__all__ = ["HANDED_OVER", "Delivery", "Refused", "Resumed"]


class _Counted(Protocol):
    """What a Delivery asks of its outbox (core._outbox.Outbox)."""

    @property
    def sent(self) -> int: ...

    async def wait_sent(self, seq: int) -> None: ...


class Delivery:
    """The awaitable ``send()`` returns: done when message number ``seq`` left the outbox.

    Cheaper than a Future per message (most sends are never awaited): a future is made
    only when someone awaits a message that is still queued.
    """

    __slots__ = ("_outbox", "_seq")

    def __init__(self, outbox: _Counted, seq: int) -> None:
        self._outbox = outbox
        self._seq = seq

    def __await__(self) -> Generator[Any, None, None]:
        outbox = self._outbox
        if outbox.sent >= self._seq:  # handed over already, as most are: nothing to wait for
            return
        yield from outbox.wait_sent(self._seq).__await__()


class _HandedOver:
    """The awaitable of a message handed to the transport within ``send()``: done already."""

    __slots__ = ()

    def __await__(self) -> Generator[Any, None, None]:
        return
        yield  # a generator, as __await__ must be


#: One for all: most messages are handed over at once, and nothing waits on them.
HANDED_OVER: Final = _HandedOver()


class Refused:
    """The awaitable of a message the outbox refused: awaiting it raises ``error``.

    Not a Future, so one nobody awaits is never reported as an unretrieved exception (the
    refusal is on ``'error'``)."""

    __slots__ = ("error",)

    def __init__(self, error: UnsentMessagesError) -> None:
        self.error = error

    def __await__(self) -> Generator[Any, None, None]:
        raise self.error
        yield  # a generator, as __await__ must be


class Resumed:
    """Awaitable that finishes a coroutine started by hand and suspended at ``suspended_at``.

    It passes every future the coroutine waits on up to the awaiting task, and everything
    the task sends or throws (cancellation included) back down, as ``await`` would.
    """

    __slots__ = ("_coroutine", "_suspended_at")

    def __init__(self, coroutine: Coroutine[Any, Any, Any], suspended_at: Any) -> None:
        self._coroutine = coroutine
        self._suspended_at = suspended_at

    def __await__(self) -> Generator[Any, Any, Any]:
        coroutine, waiting_on = self._coroutine, self._suspended_at
        while True:
            try:
                value = yield waiting_on
            except BaseException as exc:
                try:
                    waiting_on = coroutine.throw(exc)
                except StopIteration as stop:
                    return stop.value
            else:
                try:
                    waiting_on = coroutine.send(value)
                except StopIteration as stop:
                    return stop.value
