"""Finding the running event loop, with an error that says how to get one."""

from __future__ import annotations

import asyncio
from typing import Any


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
