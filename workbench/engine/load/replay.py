"""Replay an exported log (JSON Lines) from a client or a server-side socket (Qt-free).

The messages of the chosen directions (by default the ones the logged side *sent*, "out")
are sent again in their order, with their original spacing divided by ``speed`` (1 = as
recorded, 2 = twice as fast, 0.5 = half as fast; ``None`` = as fast as possible). The
schedule is absolute (message *i* is due at ``start + (t_i - t_0) / speed``), so timer
slack does not add up over a long log. Each message is sent as the value its MIME type
decodes to (as the composer would send it; the target converts it per its send type), or
as the raw payload when it does not decode or the target sends frames unconverted (``*/*``).

Cancel by cancelling the task running ``Replay.run()``; the messages sent so far stay sent.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Collection, Iterable
from typing import TYPE_CHECKING, Any, Final

from core.mime import ANY
from workbench.engine.log.jsonl import LogFileError, import_jsonl_async
from workbench.engine.log.store import MESSAGE, OUT, LogEntry

if TYPE_CHECKING:
    from workbench.engine.workbench import Workbench

__all__ = ["FAST_BATCH", "SPEEDS", "Replay", "load_replay", "replay_log", "replay_messages"]

#: The speeds the workbench offers: label -> factor (None: as fast as possible).
SPEEDS: Final[dict[str, float | None]] = {
    "×0.5": 0.5,
    "original timing": 1.0,
    "×2": 2.0,
    "as fast as possible": None,
}
#: Messages sent between two yields to the loop when replaying as fast as possible.
FAST_BATCH: Final = 200


def replay_messages(
    entries: Iterable[LogEntry], directions: Collection[str] = (OUT,)
) -> list[LogEntry]:
    """The message entries of ``directions``, in log order."""
    return [e for e in entries if e.kind == MESSAGE and e.direction in directions]


async def load_replay(
    path: str | os.PathLike[str], directions: Collection[str] = (OUT,)
) -> list[LogEntry]:
    """Read an exported log (on a worker thread) and return its messages to replay;
    ``LogFileError`` if it is not a readable log."""
    imported = await import_jsonl_async(path)
    return replay_messages(imported.store, directions)


class Replay:
    """Sends ``entries`` through ``send(value) -> bool`` on the running loop.

    ``progress(done, total)`` is called after each message. ``run()`` returns how many were
    sent; it stops early when ``send`` returns False (the target closed: ``stopped`` says
    so). ``speed``: see the module docstring; ``ValueError`` if not positive. ``raw``:
    send each payload as it travelled (for a target that sends frames unconverted, ``*/*``).
    """

    def __init__(
        self,
        entries: list[LogEntry],
        send: Callable[[Any], bool],
        speed: float | None = 1.0,
        progress: Callable[[int, int], None] | None = None,
        raw: bool = False,
    ) -> None:
        if speed is not None and not speed > 0:
            raise ValueError(f"the replay speed must be positive, not {speed!r}")
        self.entries = entries
        self.speed = speed
        self._send = send
        self._progress = progress
        self._raw = raw
        self.done = 0
        self.stopped = False

    @property
    def total(self) -> int:
        return len(self.entries)

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        start = loop.time()
        first = self.entries[0].time if self.entries else 0.0
        for entry in self.entries:
            if self.speed is not None:
                delay = start + max(0.0, entry.time - first) / self.speed - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
            elif self.done % FAST_BATCH == FAST_BATCH - 1:
                await asyncio.sleep(0)  # let the loop (and the UI) breathe
            value, decodes = (entry.raw, True) if self._raw else entry.decoded()
            if not self._send(value if decodes else entry.raw):
                self.stopped = True
                break
            self.done += 1
            if self._progress is not None:
                self._progress(self.done, self.total)
        return self.done


async def replay_log(
    workbench: Workbench,
    path: str | os.PathLike[str],
    target_id: str,
    speed: float | None = 1.0,
    directions: Collection[str] = (OUT,),
    progress: Callable[[int, int], None] | None = None,
) -> bool:
    """Replay the log at ``path`` from ``target_id`` (a client or a server-side socket; a
    server id sends to all its open sockets); True if every message was sent. A file that is
    not a log, a log with nothing to replay, or a target that closes is reported on the
    workbench's error path and gives False."""
    context = f"Replay from {workbench.name_of(target_id)}"
    try:
        entries = await load_replay(path, directions)
    except LogFileError as exc:
        workbench.report(context, str(exc))
        return False
    if not entries:
        workbench.report(context, f"{os.fspath(path)} has no messages of that direction")
        return False
    if progress is not None:
        progress(0, len(entries))
    raw = workbench.send_type(target_id) == ANY  # frames unconverted: the payload as it was
    replay = Replay(entries, lambda value: workbench.send(target_id, value), speed, progress, raw)
    sent = await replay.run()
    if replay.stopped:
        workbench.report(context, f"stopped after {sent} of {replay.total} messages")
    else:
        workbench.inform(f"{context}: {sent} messages sent")
    return not replay.stopped
