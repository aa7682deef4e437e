"""A running Locust master's live figures, read from its own web UI (``/stats/requests``).

``fetch_stats(host, port)`` asks the master's web UI for the JSON its page draws from and
returns it as ``LoadStats``: the state, users, requests/s, failures, and per step (Locust's
request names are the steps' names, ``step_requests``) the requests, failures, p50 and p95.

The request is one HTTP/1.0 GET over ``asyncio.open_connection``, not a library in a
thread: it runs on whatever loop the caller has (the window's qasync loop), every part of
it is bounded by ``timeout`` and cancellable, and the answer is read up to ``MAX_ANSWER``
bytes. The answer is our child's, but it is parsed as untrusted input all the same: a field
that is missing or of the wrong type makes ``StatsError``, never a crash, and names are
plain text of bounded length. Locust caches this answer for two seconds, so polling it
faster than that shows nothing new.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from dataclasses import dataclass
from typing import Any

from workbench.engine.scenarios.console import plain
from workbench.engine.units import format_size

__all__ = [
    "MAX_ANSWER",
    "MAX_STEPS",
    "STATS_PATH",
    "LoadStats",
    "StatsError",
    "StepFigures",
    "fetch_stats",
    "parse_stats",
]

#: The path of the master's figures on its web UI.
STATS_PATH = "/stats/requests"
#: The most bytes of an answer read; the most step rows kept (Locust sends at most 500).
MAX_ANSWER = 8 * 1024 * 1024
MAX_STEPS = 500
_MAX_NAME = 300
#: Locust's name for the row that adds up every step.
AGGREGATED = "Aggregated"


class StatsError(Exception):
    """The master did not answer with its figures; the message says why, in words."""


@dataclass(frozen=True, slots=True)
class StepFigures:
    """One step's figures so far (times in ms; None before its first request)."""

    name: str
    requests: int
    failures: int
    requests_per_s: float
    median_ms: float | None
    p95_ms: float | None


@dataclass(frozen=True, slots=True)
class LoadStats:
    """What the master's page shows at one moment. ``state``: Locust's (``ready``,
    ``spawning``, ``running``, ``stopping``, ``stopped``…); ``workers``: how many are
    connected, and their states."""

    state: str
    users: int
    requests_per_s: float
    failures_per_s: float
    steps: tuple[StepFigures, ...]
    total: StepFigures
    workers: tuple[str, ...] = ()

    @property
    def running(self) -> bool:
        return self.state in ("spawning", "running")


async def fetch_stats(host: str, port: int, timeout: float = 2.0) -> LoadStats:
    """The master's figures now; ``StatsError`` (in words) if it cannot be had in time."""
    where = f"http://{host}:{port}{STATS_PATH}"
    try:
        async with asyncio.timeout(timeout):
            status, body = await _get(host, port, STATS_PATH)
    except TimeoutError:
        raise StatsError(f"{where} did not answer within {timeout:g} s") from None
    except OSError as exc:  # asyncio's text names the address again: the errno's words
        why = os.strerror(exc.errno) if exc.errno else str(exc)
        raise StatsError(f"cannot reach {where} ({why})") from None
    if status != 200:
        raise StatsError(f"{where} answered HTTP {status}")
    try:
        data = json.loads(body)
    except ValueError:
        raise StatsError(f"{where} did not answer with JSON") from None
    return parse_stats(data)


async def _get(host: str, port: int, path: str) -> tuple[int, bytes]:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(
            f"GET {path} HTTP/1.0\r\nHost: {host}:{port}\r\nAccept: application/json\r\n"
            "Connection: close\r\n\r\n".encode("ascii")
        )
        await writer.drain()
        answer = b""
        while chunk := await reader.read(65536):
            answer += chunk
            if len(answer) > MAX_ANSWER:
                raise StatsError(f"the answer is over {format_size(MAX_ANSWER)}")
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
    head, _sep, body = answer.partition(b"\r\n\r\n")
    status_line = head.split(b"\r\n", 1)[0].split()
    if len(status_line) < 2 or not status_line[1].isdigit():
        raise StatsError("the answer is not HTTP")
    return int(status_line[1]), body


def parse_stats(data: Any) -> LoadStats:
    """``LoadStats`` from the ``/stats/requests`` JSON; ``StatsError`` if it is not that."""
    try:
        if not isinstance(data, dict) or not isinstance(data.get("stats"), list):
            raise StatsError("the answer has no list of stats")
        rows = [_step(row) for row in data["stats"][: MAX_STEPS + 1]]
        total = next((row for row in rows if row.name == AGGREGATED), None)
        if total is None:
            raise StatsError("the answer has no Aggregated row")
        workers = data.get("workers") or []
        return LoadStats(
            state=_text(data.get("state", "")),
            users=_int(data.get("user_count", 0)),
            requests_per_s=_number(data.get("current_rps", 0.0)),
            failures_per_s=_number(data.get("current_fail_per_sec", 0.0)),
            steps=tuple(row for row in rows if row.name != AGGREGATED)[:MAX_STEPS],
            total=total,
            workers=tuple(_text(w.get("state", "")) for w in workers if isinstance(w, dict)),
        )
    except (TypeError, ValueError, AttributeError) as exc:
        raise StatsError(f"the master's figures are not what Locust sends: {exc}") from None


def _step(row: Any) -> StepFigures:
    if not isinstance(row, dict):
        raise TypeError("a stats row is not a mapping")
    requests = _int(row.get("num_requests", 0))
    return StepFigures(
        name=_text(row.get("name", "")),
        requests=requests,
        failures=_int(row.get("num_failures", 0)),
        requests_per_s=_number(row.get("current_rps", 0.0)),
        median_ms=_time(row.get("median_response_time"), requests),
        p95_ms=_time(row.get("response_time_percentile_0.95"), requests),
    )


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{value!r:.40} is not text")
    text = plain(value)
    return text if len(text) <= _MAX_NAME else text[: _MAX_NAME - 1] + "…"


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{value!r:.40} is not a count")
    return int(value)


def _number(value: Any) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{value!r:.40} is not a number")
    return float(value)


def _time(value: Any, requests: int) -> float | None:
    return None if value is None or requests == 0 else _number(value)
