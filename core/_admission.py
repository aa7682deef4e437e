"""Who a Server lets in: caps on open connections, and failed accepts said once a second.

``Admission`` counts a Server's open TCP connections, in total and per remote host, from the
accept to the end (handshakes under way included: each holds a file descriptor). The
Server's request hook (core._handshake) asks ``refusal(host)`` before anything else, so a
connection over ``max_connections`` or ``max_per_address`` is answered HTTP 503
with the reason, which the Server reports on ``'refused'`` like any refused handshake.

A process out of file descriptors cannot accept: asyncio then reports each failed
``accept()`` to the loop's exception handler, whose default logs a traceback each time.
``watch_accept_errors`` puts a filter in front of that handler (it hands on everything else
to the handler it replaced): the accept errors of a Server's listening sockets go to that
Server, and ``AcceptErrorReporter`` turns them into at most one ``AcceptError`` per kind
(errno) per second, with the count of those it did not report.
"""

from __future__ import annotations

import asyncio
import errno
import time
import weakref
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from ._errors import AcceptError

__all__ = [
    "REPORT_EVERY",
    "RETIRE_AFTER",
    "AcceptErrorReporter",
    "Admission",
    "watch_accept_errors",
]

#: Seconds between two reports of the same kind of accept error.
REPORT_EVERY = 1.0


class Admission:
    """Open connections of one Server; ``total`` and ``per_address`` caps (0: none)."""

    def __init__(self, total: int, per_address: int) -> None:
        self.total = total
        self.per_address = per_address
        self.open = 0
        self._by_host: Counter[str] = Counter()

    def opened(self, host: str) -> None:
        self.open += 1
        self._by_host[host] += 1

    def closed(self, host: str) -> None:
        self.open -= 1
        self._by_host[host] -= 1
        if self._by_host[host] <= 0:
            del self._by_host[host]

    def from_host(self, host: str) -> int:
        """Open connections from ``host`` (the one asking included)."""
        return self._by_host.get(host, 0)

    def refusal(self, host: str) -> str | None:
        """Why a connection from ``host`` (already counted) is refused, or None to go on."""
        if self.total and self.open > self.total:
            return (
                f"the server is full: it takes at most {self.total} connections"
                " (max_connections); try again later"
            )
        if self.per_address and self.from_host(host) > self.per_address:
            return (
                f"too many connections from {host}: at most {self.per_address} from one"
                " address (max_per_address); close some and try again"
            )
        return None


class AcceptErrorReporter:
    """Turns asyncio's accept-error contexts into ``report(AcceptError)``, at most one per
    kind per ``REPORT_EVERY`` seconds; each report counts those left out since the last."""

    def __init__(
        self,
        host: str,
        port: int,
        report: Callable[[AcceptError], None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._host = host
        self._port = port
        self._report = report
        self._clock = clock
        self._last: dict[str, float] = {}
        self._left_out: Counter[str] = Counter()

    def __call__(self, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        if not isinstance(exc, BaseException):
            exc = OSError(str(context.get("message", "accept() failed")))
        kind = errno.errorcode.get(getattr(exc, "errno", None) or -1, type(exc).__name__)
        now = self._clock()
        last = self._last.get(kind)
        if last is not None and now - last < REPORT_EVERY:
            self._left_out[kind] += 1
            return
        self._last[kind] = now
        left_out = self._left_out.pop(kind, 0)
        error = AcceptError(self._host, self._port, exc, left_out)
        error.__cause__ = exc
        self._report(error)


class _LoopFilter:
    """A loop's exception handler: accept errors of watched sockets to their Server, all
    else to the handler it replaced (or the loop's default one).

    asyncio (3.11, 3.12) schedules a retry of the accept for every ``accept()`` that failed
    for want of resources; a retry that comes after the Server closed its socket fails with
    "Invalid file descriptor" and would print one traceback each. The filter keeps a stopped
    Server's sockets for ``RETIRE_AFTER`` seconds to swallow those.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.previous = loop.get_exception_handler()
        self.watched: dict[int, Callable[[dict[str, Any]], None]] = {}
        self.retired: list[Any] = []  # the raw sockets of stopped Servers, for a while

    def __call__(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        sock = context.get("socket")
        report = None
        if sock is not None and "accept" in str(context.get("message", "")):
            try:
                report = self.watched.get(sock.fileno())
            except (AttributeError, OSError):
                report = None
        if report is not None:
            report(context)
        elif self._retired_retry(context):
            pass
        elif self.previous is not None:
            self.previous(loop, context)
        else:
            loop.default_exception_handler(context)

    def _retired_retry(self, context: dict[str, Any]) -> bool:
        handle = context.get("handle")
        callback = getattr(handle, "_callback", None)
        if getattr(callback, "__name__", "") != "_start_serving":
            return False
        arguments = getattr(handle, "_args", ()) or ()
        return any(argument is sock for argument in arguments for sock in self.retired)

    def settle(self) -> None:
        """Step aside (giving back the handler it replaced) once nothing is left to filter,
        unless someone set another handler meanwhile."""
        if not self.watched and not self.retired:
            if self.loop.get_exception_handler() is self:
                self.loop.set_exception_handler(self.previous)
            if _FILTERS.get(self.loop) is self:
                del _FILTERS[self.loop]


#: Seconds a stopped Server's sockets stay filtered: asyncio retries a failed accept after 1 s.
RETIRE_AFTER = 2.0

_FILTERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _LoopFilter] = (
    weakref.WeakKeyDictionary()
)


def watch_accept_errors(
    loop: asyncio.AbstractEventLoop,
    sockets: Iterable[Any],
    report: Callable[[dict[str, Any]], None],
) -> Callable[[], None]:
    """Send the accept errors asyncio reports for ``sockets`` to ``report``.

    Returns the function that stops it (call it when the Server stops listening); the
    filter steps aside a little later (see ``_LoopFilter``).
    """
    loop_filter = _FILTERS.get(loop)
    if loop_filter is None or loop.get_exception_handler() is not loop_filter:
        loop_filter = _FILTERS[loop] = _LoopFilter(loop)
        loop.set_exception_handler(loop_filter)
    sockets = list(sockets)
    filenos = [sock.fileno() for sock in sockets]
    raw = [getattr(sock, "_sock", sock) for sock in sockets]  # asyncio's TransportSocket
    for fileno in filenos:
        loop_filter.watched[fileno] = report

    def forget() -> None:
        loop_filter.retired = [sock for sock in loop_filter.retired if sock not in raw]
        loop_filter.settle()

    def unwatch() -> None:
        for fileno in filenos:
            if loop_filter.watched.get(fileno) is report:
                del loop_filter.watched[fileno]
        loop_filter.retired.extend(raw)
        loop.call_later(RETIRE_AFTER, forget)

    return unwatch
