"""Finding the running event loop (with an error that says how to get one), and sharing it
fairly: how long core works through a burst, and how much a transport reads at a time.

A read of ``READ_SIZE`` bounds how many frames websockets parses in one go (a flood of small
frames). A large frame would take many such reads, each a loop turn and a call into
websockets' parser; so while the parser waits for the rest of a frame larger than a read,
the next read asks for exactly that rest (up to ``BIG_READ_SIZE``): it holds no byte of the
frames behind it, and so no more parsing work than the frame itself.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable, Generator
from typing import Any, Final

#: Longest core runs work that arrived in a burst (messages already parsed, frames to report)
#: before it lets the loop run other callbacks: a GUI on the same loop answers in between.
SLICE: Final = 0.004
#: Most bytes the transport reads at a time (asyncio's default is 256 KiB: about 5,000 small
#: frames, which websockets parses and decompresses in one call).
READ_SIZE: Final = 32 * 1024
#: Most bytes one read asks for while a larger frame is incomplete (see the module docstring).
BIG_READ_SIZE: Final = 1024 * 1024


def running_loop(what: str) -> asyncio.AbstractEventLoop:
    """The running loop; ``RuntimeError`` explaining how to run one if there is none."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        raise RuntimeError(
            f"{what} needs a running asyncio event loop. Call it from a coroutine, e.g.\n"
            "    async def main():\n"
            f"        await {what}\n"
            "        ...\n"
            "    asyncio.run(main())\n"
            "(inside the workbench, the qasync loop is already running)."
        ) from None


def retrieve_exception(future: asyncio.Future[Any]) -> None:
    """Done-callback: mark a fire-and-forget future's exception as seen (it is also emitted)."""
    if not future.cancelled():
        future.exception()


def fail_quietly(future: asyncio.Future[Any], exc: BaseException) -> None:
    """Fail ``future`` and mark the exception seen: the loss is reported on 'error' instead.

    Cheaper than a done-callback on every send future, which would cost a loop callback each.
    """
    if not future.done():
        future.set_exception(exc)
        future.exception()


class Shielded:
    """The awaitable that ``close()`` and ``stop()`` return: cancelling an await of it stops
    only that wait (e.g. ``wait_for(client.close(), 0.05)``), never the task itself, so a
    later await of the same task still completes normally. Awaiting it again is fine."""

    __slots__ = ("task",)

    def __init__(self, task: asyncio.Task[None]) -> None:
        self.task = task
        task.add_done_callback(retrieve_exception)

    def __await__(self) -> Generator[Any, None, None]:
        return asyncio.shield(self.task).__await__()

    def done(self) -> bool:
        return self.task.done()


def bound_reads(transport: Any) -> bool:  # duck-typed: max_size is not in its type
    """Make ``transport`` read at most ``READ_SIZE`` bytes at a time where it can be told to.

    asyncio's selector transports read ``max_size`` bytes per ``recv()`` (an attribute that
    has been there since asyncio began, not a documented option); uvloop's and TLS
    transports have no such setting and keep their own sizes.

    Returns:
        Whether the transport took the setting (then ``next_read_size`` may change it).
    """
    if isinstance(getattr(transport, "max_size", None), int):
        try:
            transport.max_size = min(transport.max_size, READ_SIZE)
        except AttributeError:
            return False
        return True
    return False


def next_read_size(protocol: Any) -> int:
    """How much the next read should ask for: the rest of the frame websockets' parser
    waits for when that is more than ``READ_SIZE`` (at most ``BIG_READ_SIZE``), else
    ``READ_SIZE``.

    The parser is a chain of generators (``Protocol.parse``, ``Frame.parse``) suspended in
    its reader's ``read_exact(n)``; ``n`` less what the reader holds is what is missing.
    Any other shape (another websockets version, no frame under way) gives ``READ_SIZE``.
    """
    waiting: Any = getattr(protocol, "parser", None)
    while (inner := getattr(waiting, "gi_yieldfrom", None)) is not None:
        waiting = inner
    code = getattr(waiting, "gi_code", None)
    if code is None or code.co_name != "read_exact" or waiting.gi_frame is None:
        return READ_SIZE
    wanted = waiting.gi_frame.f_locals.get("n")
    if not isinstance(wanted, int):
        return READ_SIZE
    missing = wanted - len(protocol.reader.buffer)
    return min(missing, BIG_READ_SIZE) if missing > READ_SIZE else READ_SIZE


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
