"""The one error path: every failure the engine meets, and every one a view reports, ends in
``ErrorPath.report``, which logs it on the ``workbench`` logger, keeps it in a bounded history
and hands it to one sink (the engine emits it as ``error_reported``; the window shows it in
the status bar).

Repeated reports never flood the window or the terminal: a ``Coalescer`` lets the first
report of each kind (its context and message) through and holds the same kind back for a
second, then reports how many it held, once ("… (and 1,234 more like it in the last
second)"). A peer at the open-file limit makes asyncio report every failed ``accept()``;
without this, each was a traceback on stderr and a status-bar update.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Hashable
from typing import Any, Final

from core import DecodeError, WebSocketError

from .in_words import describe_error

__all__ = ["HISTORY", "OVERFLOW", "Coalescer", "ErrorPath", "ReportThrottle"]

log = logging.getLogger("workbench")

#: How many reports ``ErrorPath.errors`` keeps.
HISTORY = 200
#: The kind under which a ``Coalescer`` holds reports of kinds beyond its per-period limit.
OVERFLOW: Final = ("", "(other problems)")


class ReportThrottle:
    """At most one report per ``PERIOD`` seconds; counts what it held back. One per socket or
    client, dropped with it (it holds no timer)."""

    PERIOD = 1.0
    __slots__ = ("_held", "_last")

    def __init__(self) -> None:
        self._last = -1e9
        self._held = 0

    def allow(self) -> int | None:
        """None to hold this one back, else how many were held back since the last."""
        now = time.monotonic()
        if now - self._last < self.PERIOD:
            self._held += 1
            return None
        self._last = now
        held, self._held = self._held, 0
        return held


class _Window:
    __slots__ = ("end", "held", "latest")

    def __init__(self, end: float) -> None:
        self.end = end
        self.held = 0
        self.latest: Any = None


class Coalescer:
    """At most one report per kind per ``period`` seconds, with the count of the rest.

    ``offer(kind, now, item)`` is True for the first report of a kind: the caller reports it
    and a window of ``period`` seconds opens. Reports of that kind inside the window are
    held (False); ``due(now)`` then gives ``(kind, held, latest item)`` once per closed
    window that held any, and a new window opens at once, so a steady flood yields exactly
    one report per kind per period. A window that held none closes quietly. At most
    ``kinds_per_period`` windows open per period: reports of further kinds are held under
    ``OVERFLOW``, so many different kinds cannot flood either. Pure (the caller passes the
    clock, monotonic seconds); memory is bounded by the kinds seen in the last two periods.
    """

    def __init__(self, period: float = 1.0, kinds_per_period: int = 10) -> None:
        if period <= 0 or kinds_per_period < 1:
            raise ValueError("a coalescer needs a period > 0 and at least 1 kind per period")
        self.period = period
        self.kinds_per_period = kinds_per_period
        self._windows: dict[Hashable, _Window] = {}
        self._opened: list[float] = []  # when the windows of the last period opened

    def offer(self, kind: Hashable, now: float, item: Any = None) -> bool:
        """True: report this one now. False: held (counted, ``item`` kept as the latest)."""
        window = self._windows.get(kind)
        if window is None or (now >= window.end and not window.held):
            opened = self._opened
            while opened and opened[0] <= now - self.period:
                del opened[0]
            if len(opened) >= self.kinds_per_period:
                kind = OVERFLOW
                window = self._windows.get(kind)
            else:
                opened.append(now)
                self._windows[kind] = _Window(now + self.period)
                return True
        if window is None:
            window = self._windows[kind] = _Window(now + self.period)
        window.held += 1
        window.latest = item
        return False

    def due(self, now: float) -> list[tuple[Hashable, int, Any]]:
        """The closed windows that held reports: ``(kind, held, latest item)`` each."""
        out: list[tuple[Hashable, int, Any]] = []
        for kind, window in list(self._windows.items()):
            if now < window.end:
                continue
            if window.held:
                out.append((kind, window.held, window.latest))
                self._windows[kind] = _Window(now + self.period)
            else:
                del self._windows[kind]
        return out

    def next_due(self) -> float | None:
        """When the earliest window that holds reports closes (None: none holds any)."""
        ends = [window.end for window in self._windows.values() if window.held]
        return min(ends) if ends else None


class ErrorPath:
    """``report(context, error)`` → the ``workbench`` logger, ``errors`` and ``sink``, at
    most once per kind per second (``Coalescer``; the counts follow on the running loop)."""

    def __init__(self, sink: Callable[[str, str], object]) -> None:
        self._sink = sink
        #: Every (context, message) reported, newest last (at most ``HISTORY``).
        self.errors: list[tuple[str, str]] = []
        self.coalescer = Coalescer()
        self._timer: asyncio.TimerHandle | None = None
        self._timer_loop: asyncio.AbstractEventLoop | None = None

    def report(self, context: str, error: BaseException | str) -> None:
        """Report ``error`` (an exception is described in plain words) under ``context``.
        Unexpected exceptions (not core's, not a ValueError/TypeError) are logged with
        their traceback. A report of the same context and message as one less than a
        second ago is held and counted (see the module docstring)."""
        now = time.monotonic()
        self._flush(now)
        message = error if isinstance(error, str) else describe_error(error)
        if self.coalescer.offer((context, message), now, (context, message, error)):
            self._deliver(context, message, error)
        else:
            self._schedule(now)

    def _deliver(self, context: str, message: str, error: BaseException | str | None) -> None:
        if error is None:  # a count of held reports: said once, without a traceback
            log.warning("%s: %s", context, message)
        elif isinstance(error, BaseException) and not isinstance(
            error, (WebSocketError, ValueError, TypeError)
        ):
            log.error("%s: %s", context, message, exc_info=error)
        else:
            log.info("%s: %s", context, message)
        self.errors.append((context, message))
        del self.errors[:-HISTORY]
        self._sink(context, message)

    def _flush(self, now: float) -> None:
        for kind, held, (context, message, _error) in self.coalescer.due(now):
            if kind == OVERFLOW:
                text = f"{held:,} more problems in the last second; the latest: {message}"
            else:
                text = f"{message} (and {held:,} more like it in the last second)"
            self._deliver(context, text, None)

    def _schedule(self, now: float) -> None:
        """Flush the held counts when their window closes (on the running loop, if any;
        else at the next report)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        if self._timer is not None and self._timer_loop is loop:
            return  # one is pending (a timer of a loop that has gone is not)
        due = self.coalescer.next_due()
        if due is not None:
            self._timer = loop.call_later(max(0.0, due - now), self._on_timer)
            self._timer_loop = loop

    def _on_timer(self) -> None:
        self._timer = None
        now = time.monotonic()
        self._flush(now)
        self._schedule(now)

    def report_throttled(
        self, throttle: ReportThrottle, exc: BaseException, context: str, message: str
    ) -> None:
        """``report``, except that a peer flooding undecodable messages is reported at most
        once per ``ReportThrottle.PERIOD`` (each one is still in its log)."""
        if not isinstance(exc, DecodeError):
            self.report(context, message)
            return
        held = throttle.allow()
        if held is None:
            return
        if held:
            message += f" (and {held} more like it; see the log)"
        self.report(context, message)
