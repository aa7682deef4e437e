"""Live rates (Qt-free): messages/s and bytes/s in and out per socket, client and server.

The rates are *sampled*, never counted per message: a ``RateSampler`` reads the cumulative
totals every log already keeps (``LogStore.messages_in`` ...) a few times a second and puts
the increase since its last look into a ``RateMeter``, a ring buffer of per-second buckets
over the last ``HISTORY_SECONDS``. So a flood costs the rates nothing per message.
``span_to_fit`` picks how many of those seconds a plot shows so that it fits the traffic.

A server's meter gets the sum of its sockets' increases (closed sockets included, so the
figure does not jump when one is forgotten). The backlog (messages accepted and not yet
sent, see core's ``pending_messages``) is read as it is at each sample.
"""

from __future__ import annotations

import time
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Final

from workbench.engine.log.store import LogStore

if TYPE_CHECKING:
    from core import Client, Socket
    from workbench.engine.workbench import Workbench

__all__ = ["HISTORY_SECONDS", "PLOT_SPANS", "SERIES", "RateMeter", "RateSampler", "span_to_fit"]

#: Seconds of history a meter keeps: the longest span a plot offers. Kept in one flat array
#: of 8-byte counts, 19 KB a meter (a list per second took more for half as long).
HISTORY_SECONDS: Final = 600
#: The spans a plot offers, shortest first (10 s, a minute, 10 minutes).
PLOT_SPANS: Final = (10, 60, 600)
#: The four rates, in the order of ``RateMeter`` values.
SERIES: Final = ("messages_in", "messages_out", "bytes_in", "bytes_out")

Counts = tuple[int, int, int, int]
_ZERO: Counts = (0, 0, 0, 0)


def _counts(log: LogStore) -> Counts:
    return (log.messages_in, log.messages_out, log.bytes_in, log.bytes_out)


class RateMeter:
    """Per-second buckets of the four ``SERIES`` over the last ``seconds``.

    ``add(second, deltas)`` adds to the bucket of that whole second (epoch or monotonic, as
    long as the caller keeps to one clock); seconds nobody added to read as 0. A second is
    *complete* once a later one was added: ``rate()`` reports the newest complete second, so
    a half-filled current second never shows as a drop.
    """

    def __init__(self, seconds: int = HISTORY_SECONDS) -> None:
        if seconds < 2:
            raise ValueError("a rate meter needs at least 2 seconds of history")
        self.seconds = seconds
        # Four counts a second, second by second: bucket ``s`` is ``[4 * i, 4 * i + 4)`` with
        # ``i = s % seconds``.
        self._counts = array("q", bytes(8 * 4 * seconds))
        self._newest: int | None = None  # the whole second of the newest bucket
        self.backlog = 0  # unsent messages at the last sample

    def add(self, second: int, deltas: Counts) -> None:
        newest = self._newest
        if newest is None:
            newest = self._newest = second
        elif second > newest:
            for skipped in range(newest + 1, min(second, newest + self.seconds) + 1):
                first = 4 * (skipped % self.seconds)
                self._counts[first : first + 4] = _EMPTY
            newest = self._newest = second
        elif second <= newest - self.seconds:
            return  # older than the history
        first = 4 * (second % self.seconds)
        for index, delta in enumerate(deltas):
            self._counts[first + index] += delta

    def rate(self, series: str) -> int:
        """The count in the newest complete second (per second); 0 before there is one."""
        if self._newest is None:
            return 0
        return self._counts[4 * ((self._newest - 1) % self.seconds) + SERIES.index(series)]

    def history(self, series: str, seconds: int | None = None) -> list[int]:
        """The per-second counts of the last ``seconds`` complete seconds, oldest first
        (zeros before the first sample)."""
        span = self.seconds - 1 if seconds is None else min(seconds, self.seconds - 1)
        if self._newest is None:
            return [0] * span
        index, seconds, counts = SERIES.index(series), self.seconds, self._counts
        first = self._newest - span
        return [counts[4 * (s % seconds) + index] for s in range(first, self._newest)]


_EMPTY = array("q", bytes(8 * 4))


def span_to_fit(*histories: Sequence[int], spans: Sequence[int] = PLOT_SPANS) -> int:
    """The shortest of ``spans`` (seconds) that holds all the traffic in ``histories``
    (per-second counts, oldest first, newest last): a burst 5 s ago fits 10 s, one 3 minutes
    ago 10 minutes. The middle span when there is no traffic at all, the longest when the
    traffic is older than every span."""
    age = 0
    for history in histories:
        for back, count in enumerate(reversed(history), start=1):
            if count and back > age:
                age = back
    if age == 0:
        return spans[len(spans) // 2]
    return next((span for span in spans if span >= age), spans[-1])


class RateSampler:
    """Keeps a ``RateMeter`` per id and feeds it from cumulative log totals.

    ``sample(sources, now)``: ``sources`` yields ``(meter_id, log, backlog, group_id)``
    tuples, one per socket or client; ``group_id`` (a server id, or None) also gets the
    increase. Call it a few times a second; ids that stop appearing keep their meters
    until ``forget``. ``clock`` gives seconds for ``sample()`` without ``now``.
    """

    def __init__(
        self, seconds: int = HISTORY_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.seconds = seconds
        self._clock = clock
        self.meters: dict[str, RateMeter] = {}
        self._seen: dict[str, Counts] = {}

    def meter(self, meter_id: str) -> RateMeter:
        """The meter of ``meter_id`` (an empty one until it was sampled)."""
        meter = self.meters.get(meter_id)
        if meter is None:
            meter = self.meters[meter_id] = RateMeter(self.seconds)
        return meter

    def sample(
        self,
        sources: Iterable[tuple[str, LogStore, int, str | None]],
        now: float | None = None,
        groups: Iterable[str] = (),
    ) -> None:
        """Read every source once; ``groups``: ids (servers) whose meters advance even when
        no source names them (a server without sockets shows 0, not its last rate)."""
        second = int(self._clock() if now is None else now)
        group_backlog: dict[str, int] = dict.fromkeys(groups, 0)
        group_deltas: dict[str, list[int]] = {group: [0, 0, 0, 0] for group in group_backlog}
        for meter_id, log, backlog, group_id in sources:
            counts = _counts(log)
            # A new source counts from zero: a socket's log starts with its connection, and
            # messages it took in before its first sample belong to the rates too.
            before = self._seen.get(meter_id, _ZERO)
            self._seen[meter_id] = counts
            # A cleared or replaced log restarts its totals: count from there, never negative.
            deltas: Counts = tuple(max(0, a - b) for a, b in zip(counts, before, strict=True))  # type: ignore[assignment]
            meter = self.meter(meter_id)
            meter.add(second, deltas)
            meter.backlog = backlog
            if group_id is not None:
                summed = group_deltas.setdefault(group_id, [0, 0, 0, 0])
                for index, delta in enumerate(deltas):
                    summed[index] += delta
                group_backlog[group_id] = group_backlog.get(group_id, 0) + backlog
        for group_id, summed in group_deltas.items():
            meter = self.meter(group_id)
            meter.add(second, (summed[0], summed[1], summed[2], summed[3]))
            meter.backlog = group_backlog[group_id]

    def forget(self, meter_id: str) -> None:
        self.meters.pop(meter_id, None)
        self._seen.pop(meter_id, None)

    def sample_workbench(self, workbench: Workbench, now: float | None = None) -> None:
        """Sample every client and every server-side socket of ``workbench``; each server
        gets the sum of its sockets."""
        self.sample(_workbench_sources(workbench), now, groups=list(workbench.servers))


def _backlog(core: Client | Socket | None) -> int:
    return 0 if core is None else core.pending_messages


def _workbench_sources(workbench: Workbench) -> Iterator[tuple[str, LogStore, int, str | None]]:
    for client in workbench.clients.values():
        yield client.id, client.log, _backlog(client.core), None
    for server_id in workbench.servers:
        for socket in workbench.sockets_of(server_id):
            yield socket.id, socket.log, _backlog(socket.core) if socket.is_open else 0, server_id
