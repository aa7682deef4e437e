"""The workspace's log budget: the memory every log of the workspace may hold together.

Each log is bounded on its own (``LogStore``'s row and byte caps), but a server that
accepts socket after socket keeps a log per socket, open or closed: six sockets that each
sent 140 messages of 1 MB and closed kept 845 MB, and every connection kept about 21 KB
after it closed, never freed. ``LogBudget`` counts what all the logs it tracks hold
(``LogStore.stored_bytes``, real memory: ``entry.row_cost``) plus a fixed ``SOCKET_COST``
per server-side socket (what a closed socket keeps besides its rows: its handle, its core
``Socket`` and ``websockets`` connection, its handshake record; measured with
``tests/benchmarks/log_budget.py``).

When an append takes ``used`` past ``limit``, ``reclaim()`` frees memory down to
``LOW_WATER`` of the limit, so that it runs once per tenth of the budget, not per message:

1. each of ``evictors`` in turn (the engine's: forget closed sockets, their logs and
   handles, oldest closed first; counted in ``evicted_logs`` and ``evicted_rows``), then
2. the oldest rows of the biggest logs still tracked (open sockets, clients, servers), one
   log at a time, never a log's newest row (counted in each log's ``dropped`` and in
   ``evicted_rows``).

``listeners`` are called after a reclaim that evicted anything (the engine re-emits it as
``log_budget_changed``). Everything runs on the loop's thread.

Freed is not yet given back: glibc's allocator keeps freed megabyte payloads in the heap
for reuse, so the process would stay at its largest size (measured: 847 MB resident after
the six sockets above with a 512 MiB budget, 578 MB once trimmed). After a reclaim that
freed at least ``TRIM_AFTER`` bytes, ``give_back_memory`` asks it to return free pages
(``malloc_trim``; nothing on other C libraries).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys
from collections.abc import Callable
from typing import Any, Final

from workbench.engine.units import format_size

from .store import LogStore

__all__ = [
    "DEFAULT_LOG_BUDGET",
    "LOW_WATER",
    "MIN_LOG_BUDGET",
    "SOCKET_COST",
    "TRIM_AFTER",
    "LogBudget",
    "give_back_memory",
]

#: What the logs of a workspace may hold together unless the person sets otherwise.
DEFAULT_LOG_BUDGET: Final = 512 * 2**20
#: The smallest budget that can be set: room for a few full messages and the handles.
MIN_LOG_BUDGET: Final = 16 * 2**20
#: A reclaim frees memory down to this fraction of the limit.
LOW_WATER: Final = 0.9
#: Bytes a server-side socket keeps besides its log's rows, open or closed (measured: 1,000
#: connect/close cycles kept 20.8 MB, of which 1 MB were their rows).
SOCKET_COST: Final = 20 * 1024
#: A reclaim that freed at least this much gives free memory back to the system.
TRIM_AFTER: Final = 16 * 2**20


@functools.cache
def _malloc_trim() -> Any:
    """glibc's ``malloc_trim``, or None (another C library, or not Linux)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


def give_back_memory() -> bool:
    """Ask the C allocator to return its free pages to the system; whether it could."""
    trim = _malloc_trim()
    return trim is not None and bool(trim(0))


class LogBudget:
    """``LogBudget(limit=DEFAULT_LOG_BUDGET)``: see the module docstring.

    Attributes: ``limit`` (bytes), ``used`` (bytes counted now), ``evicted_logs`` (logs of
    closed sockets forgotten to stay within it), ``evicted_rows`` (their rows, and rows
    shed from open logs), ``evictors`` (callables ``evict(target_bytes)`` that free
    memory, tried in order), ``listeners`` (called after a reclaim that evicted anything).
    """

    def __init__(self, limit: int = DEFAULT_LOG_BUDGET) -> None:
        self.limit = self._checked(limit)
        self.used = 0
        self.evicted_logs = 0
        self.evicted_rows = 0
        self.evictors: list[Callable[[int], None]] = []
        self.listeners: list[Callable[[], object]] = []
        self._stores: dict[int, LogStore] = {}
        self._reclaiming = False

    def __repr__(self) -> str:
        return (
            f"<LogBudget {self.used:,}/{self.limit:,} bytes, {len(self._stores)} logs, "
            f"{self.evicted_logs} evicted>"
        )

    @staticmethod
    def _checked(limit: int) -> int:
        if limit < MIN_LOG_BUDGET:
            raise ValueError(
                f"the log budget must be at least {format_size(MIN_LOG_BUDGET)} "
                f"(it was given {format_size(limit)})"
            )
        return limit

    def set_limit(self, limit: int) -> None:
        """A new limit (bytes, at least ``MIN_LOG_BUDGET``; ``ValueError`` otherwise),
        reclaiming at once if the logs hold more."""
        self.limit = self._checked(limit)
        if self.used > self.limit:
            self.reclaim()

    @property
    def logs(self) -> int:
        """How many logs count against the budget."""
        return len(self._stores)

    def track(self, store: LogStore) -> LogStore:
        """Count ``store`` (what it holds now and from now on); returns it."""
        if store.budget is not self:
            self._stores[id(store)] = store
            store.budget = self
            self.used += store.stored_bytes
        return store

    def release(self, store: LogStore, extra: int = 0) -> None:
        """Stop counting ``store``, which is being forgotten, and ``extra`` bytes charged
        with it (a socket's ``SOCKET_COST``); its rows are cleared at once: a closed
        socket's log is referenced from reference cycles (its core socket's listeners),
        which only a full garbage collection would free."""
        if store.budget is self:
            self.used -= store.stored_bytes
            store.budget = None
            self._stores.pop(id(store), None)
        store.clear()
        self.used -= extra

    def charge(self, nbytes: int) -> None:
        """Count ``nbytes`` held besides the logs (``release(..., extra=)`` gives them back)."""
        self.used += nbytes
        if self.used > self.limit:
            self.reclaim()

    def reclaim(self) -> None:
        """Free memory down to ``LOW_WATER`` of the limit (see the module docstring)."""
        if self._reclaiming:  # an evictor's own appends (a log line) must not recurse
            return
        self._reclaiming = True
        before = (self.evicted_logs, self.evicted_rows)
        used = self.used
        try:
            target = int(self.limit * LOW_WATER)
            for evict in self.evictors:
                if self.used <= target:
                    break
                evict(target)
            self._shed_open_logs(target)
        finally:
            self._reclaiming = False
        if used - self.used >= TRIM_AFTER:
            give_back_memory()
        if (self.evicted_logs, self.evicted_rows) != before:
            for listener in list(self.listeners):
                listener()

    def _shed_open_logs(self, target: int) -> None:
        """The oldest rows of the biggest logs, one log at a time, until ``target``."""
        if self.used <= target:
            return
        candidates = sorted(self._stores.values(), key=lambda s: s.stored_bytes, reverse=True)
        for store in candidates:
            if self.used <= target:
                return
            self.evicted_rows += store.shed(self.used - target)

    def forgotten(self, store: LogStore, extra: int = 0) -> None:
        """An evictor forgot ``store`` to stay within the budget: count it and release it."""
        self.evicted_logs += 1
        self.evicted_rows += len(store)
        self.release(store, extra)
