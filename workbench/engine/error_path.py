"""The one error path: every failure the engine meets, and every one a view reports, ends in
``ErrorPath.report``, which logs it on the ``workbench`` logger, keeps it in a bounded history
and hands it to one sink (the engine emits it as ``error_reported``; the window shows it in
the status bar).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from core import DecodeError, WebSocketError

from .in_words import describe_error

__all__ = ["HISTORY", "ErrorPath", "ReportThrottle"]

log = logging.getLogger("workbench")

#: How many reports ``ErrorPath.errors`` keeps.
HISTORY = 200


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


class ErrorPath:
    """``report(context, error)`` → the ``workbench`` logger, ``errors`` and ``sink``."""

    def __init__(self, sink: Callable[[str, str], object]) -> None:
        self._sink = sink
        #: Every (context, message) reported, newest last (at most ``HISTORY``).
        self.errors: list[tuple[str, str]] = []

    def report(self, context: str, error: BaseException | str) -> None:
        """Report ``error`` (an exception is described in plain words) under ``context``.
        Unexpected exceptions (not core's, not a ValueError/TypeError) are logged with
        their traceback."""
        message = error if isinstance(error, str) else describe_error(error)
        if isinstance(error, BaseException) and not isinstance(
            error, (WebSocketError, ValueError, TypeError)
        ):
            log.error("%s: %s", context, message, exc_info=error)
        else:
            log.info("%s: %s", context, message)
        self.errors.append((context, message))
        del self.errors[:-HISTORY]
        self._sink(context, message)

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
