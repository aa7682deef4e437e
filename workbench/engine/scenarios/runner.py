"""Run a scenario on core's pull API: one step after another, each bounded by its ``within``.

``ScenarioRunner(scenario, on_event).run()`` returns a ``ScenarioResult``; ``on_event`` gets a
``StepEvent`` as each step starts and ends (see ``results``). The first failed step ends
the run (the rest are ``skipped``); every connection the run opened is closed before
``run()`` returns, whatever happened. ``stop()`` ends a run early and cleanly: the running
step is ``stopped``. Cancelling the task that awaits ``run()`` also closes the connections
(bounded by ``CLOSE_AT_END``) before the cancellation goes on. ``timeout`` bounds the whole
scenario: when it runs out the running step fails, saying so.

A runner may ``run()`` again once a run has returned: each run has a fresh ``result`` and
forgets what the last one saved. With ``keep_open`` (a load test's virtual user, one run per
iteration) the connections outlive a run that passed or was stopped: the next run's ``open``
finds them open and passes at once (``StepResult.reused``), and ``close(code)`` ends them; a
run that failed still closes them (1000), so the next one starts afresh. Messages a run left
unread are what the next run's ``expect`` sees first (and skips, unless ``strict``).

``expect`` waits for the next message that matches and reports the ones it skipped;
``strict`` makes the very next message the one that must match. ``expect_none`` and
``expect_close`` skip non-matching messages the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import jsonpath

from core import ConnectionClosed, WebSocketError

from .connections import Connection, CoreConnection
from .diffs import preview
from .durations import format_duration
from .matchers import Arrival, Expectation, MatcherError, Mismatch, compile_regex, decode_bytes
from .model import (
    ClientSpec,
    Close,
    Expect,
    ExpectClose,
    ExpectNone,
    Open,
    Payload,
    Ping,
    Scenario,
    Send,
    Sleep,
    Step,
)
from .results import EventKind, ScenarioResult, StepEvent, StepResult
from .variables import substitute

__all__ = ["CLOSE_AT_END", "SKIPPED_KEPT", "ScenarioRunner", "StepFailed", "run_scenario"]

#: Seconds the connections left open get to close at the end of a run.
CLOSE_AT_END = 2.0
#: Skipped messages kept (as previews) for a step's report; all are counted.
SKIPPED_KEPT = 20
_NO_TIMEOUT = contextlib.nullcontext()


class StepFailed(Exception):
    """A step did not do what it says; the message says why in words."""


class ScenarioRunner:
    """Runs one scenario; ``connect`` makes its connections (``CoreConnection`` by default)."""

    def __init__(
        self,
        scenario: Scenario,
        on_event: Callable[[StepEvent], None] | None = None,
        connect: Callable[[ClientSpec], Connection] = CoreConnection,
        timeout: float | None = None,
        keep_open: bool = False,
    ) -> None:
        self.scenario = scenario
        self.timeout = timeout
        self.keep_open = keep_open
        self._on_event = on_event
        self._connect = connect
        self._connections: dict[str, Connection] = {}
        self._saved: dict[str, Any] = {}
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._runs = 0
        self.result = self._new_result()

    def _new_result(self) -> ScenarioResult:
        show_client = len(self.scenario.clients) > 1
        return ScenarioResult(
            self.scenario,
            [StepResult(step, show_client=show_client) for step in self.scenario.steps],
        )

    def stop(self) -> None:
        """End the run early: the running step is reported ``stopped``, the rest ``skipped``."""
        self._stopping = True
        if self._task is not None and not self._task.done():
            self._task.cancel()

    async def run(self) -> ScenarioResult:
        """Run every step; the result (also ``self.result``). ``RuntimeError`` while a run
        is under way; after it returned, a new run starts with a fresh result."""
        if self._task is not None and not self._task.done():
            raise RuntimeError("the scenario is already running; await that run first")
        if self._runs:
            self.result = self._new_result()
            self._saved = {}
            self._stopping = False
        self._runs += 1
        loop = asyncio.get_running_loop()
        start = loop.time()
        self._task = loop.create_task(self._run_steps())
        try:
            await asyncio.shield(self._task)
        except asyncio.CancelledError:
            if not self._task.done():  # cancelled from outside: stop, tidy up, go on cancelling
                self.stop()
                await asyncio.gather(self._task, return_exceptions=True)
                await self._close_all()
                raise
        finally:
            self.result.elapsed = loop.time() - start
        if not self.keep_open or self.result.status == "failed":
            await self._close_all()
        return self.result

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close every connection still open with ``code`` and ``reason``, within
        ``CLOSE_AT_END`` in all (a load test's user ends with 1001). Call it between runs:
        a run under way is ``stop()``ped first."""
        if self._task is not None and not self._task.done():
            self.stop()
            await asyncio.gather(self._task, return_exceptions=True)
        await self._close_all(code, reason)

    async def _run_steps(self) -> None:
        results = iter(self.result.steps)
        current: StepResult | None = None
        try:
            async with asyncio.timeout(self.timeout) if self.timeout else _NO_TIMEOUT:
                for current in results:
                    await self._run_step(current)
                    if current.status == "failed":
                        self.result.status = "failed"
                        break
                current = None
        except asyncio.CancelledError:
            if not self._stopping:
                raise
            self.result.status = "stopped"
            self._end_step(current, "stopped", "stopped before it finished")
        except TimeoutError:
            self.result.status = "failed"
            self._end_step(
                current, "failed", f"the scenario ran out of its time ({self.timeout:g} s)"
            )
        for rest in results:
            rest.status = "skipped"
            self._emit("skipped", rest)

    def _end_step(self, result: StepResult | None, status: Any, message: str) -> None:
        if result is None or result.status not in ("running", "waiting"):
            return
        result.status = status
        result.message = message
        self._emit(status, result)

    def _emit(self, kind: EventKind, result: StepResult) -> None:
        if self._on_event is not None:
            self._on_event(StepEvent(kind, self.scenario, result))

    async def _run_step(self, result: StepResult) -> None:
        loop = asyncio.get_running_loop()
        result.status = "running"
        self._emit("started", result)
        start = loop.time()
        try:
            await _STEPS[type(result.step)](self, result.step, result)
        except StepFailed as failure:
            result.status = "failed"
            result.message = str(failure)
        except (WebSocketError, ValueError, TypeError) as exc:  # core said no, in words
            result.status = "failed"
            result.message = str(exc)
        else:
            result.status = "passed"
        finally:
            result.elapsed = loop.time() - start
        self._emit(result.status, result)

    # -- the steps ------------------------------------------------------------------------

    def _connection(self, name: str | None) -> Connection:
        assert name is not None, "the loader gives every step but open and sleep a client"
        connection = self._connections.get(name)
        if connection is None:
            raise StepFailed(f"{name} was never opened")
        return connection

    async def _open(self, step: Open, result: StepResult) -> None:
        connections = []
        for name in step.clients:
            connection = self._connections.get(name)
            if connection is None:
                connection = self._connections[name] = self._connect(self.scenario.clients[name])
            connections.append(connection)
        if all(c.is_open() for c in connections):  # kept open from an earlier run
            result.reused = True
            return
        try:
            async with asyncio.timeout(step.within):
                await asyncio.gather(*(c.open() for c in connections))
        except TimeoutError:
            late = [c.name for c in connections if not c.is_open()]
            raise StepFailed(
                f"{', '.join(late)} did not open within {format_duration(step.within)}"
            ) from None

    async def _send(self, step: Send, result: StepResult) -> None:
        connection = self._connection(step.client)
        spec = self.scenario.clients[connection.name]
        payload = _encode(self._resolved_payload(step.payload), spec.send_type)
        result.size = _size(payload)
        try:
            async with asyncio.timeout(step.within):
                await connection.send(payload)
        except TimeoutError:
            raise StepFailed(
                f"the message was not handed to the network within {format_duration(step.within)}"
                " (the peer is not reading)"
            ) from None

    async def _expect(self, step: Expect, result: StepResult) -> None:
        connection = self._connection(step.client)
        expectation = self._expectation(step.expectation, step.spec)
        result.expected = expectation.describe()
        closest: tuple[Arrival, list[Mismatch]] | None = None
        try:
            async with asyncio.timeout(step.within):
                while True:
                    arrival = await connection.receive()
                    mismatches = expectation.check(arrival)
                    if not mismatches:
                        break
                    if closest is None or len(mismatches) <= len(closest[1]):
                        closest = (arrival, mismatches)
                    if step.strict:
                        _explain(result, expectation, closest)
                        raise StepFailed("the next message does not match")
                    _skip(result, arrival)
        except TimeoutError:
            _explain(result, expectation, closest)
            raise StepFailed(
                f"no matching message within {format_duration(step.within)}"
                + _others_arrived(result.skipped_count)
            ) from None
        except ConnectionClosed as closed:
            _explain(result, expectation, closest)
            raise StepFailed(f"{_ended(connection, closed)} before a matching message") from None
        result.received = arrival.preview()
        result.size = _size(arrival.raw)
        for name, query in step.save.items():
            found = _jsonpath(query).findall(arrival.value)
            if not found:
                raise StepFailed(f"save {name}: {query} finds nothing in {arrival.preview()}")
            result.saved[name] = self._saved[name] = found[0] if len(found) == 1 else found

    async def _expect_none(self, step: ExpectNone, result: StepResult) -> None:
        connection = self._connection(step.client)
        expectation = self._expectation(step.expectation, step.spec)
        result.expected = f"no message ({expectation.describe()})"
        try:
            async with asyncio.timeout(step.within):
                while True:
                    arrival = await connection.receive()
                    if not expectation.check(arrival):
                        result.received = arrival.preview()
                        raise StepFailed(f"a message arrived: {arrival.preview()}")
                    _skip(result, arrival)
        except TimeoutError:
            result.message = f"nothing arrived in {format_duration(step.within)}"
        except ConnectionClosed as closed:
            result.message = f"{_ended(connection, closed)}; nothing arrived"

    async def _ping(self, step: Ping, result: StepResult) -> None:
        connection = self._connection(step.client)
        try:
            async with asyncio.timeout(step.within):
                round_trip = await connection.ping()
        except TimeoutError:
            raise StepFailed(f"no pong within {format_duration(step.within)}") from None
        result.message = f"round trip {format_duration(round_trip)}"

    async def _sleep(self, step: Sleep, result: StepResult) -> None:
        await asyncio.sleep(step.duration)

    async def _close(self, step: Close, result: StepResult) -> None:
        connection = self._connection(step.client)
        try:
            async with asyncio.timeout(step.within):
                await connection.close(step.code, step.reason)
        except TimeoutError:
            raise StepFailed(
                f"the close did not complete within {format_duration(step.within)}"
            ) from None
        result.message = f"closed: {connection.close_code} {connection.close_reason or ''}".strip()

    async def _expect_close(self, step: ExpectClose, result: StepResult) -> None:
        connection = self._connection(step.client)
        result.expected = f"close {'any code' if step.code is None else step.code}" + (
            f" {step.reason}" if step.reason else ""
        )
        try:
            async with asyncio.timeout(step.within):
                while True:
                    arrival = await connection.receive()
                    if step.strict:
                        result.received = arrival.preview()
                        raise StepFailed(f"a message arrived before the close: {arrival.preview()}")
                    _skip(result, arrival)
        except TimeoutError:
            raise StepFailed(
                f"the connection did not close within {format_duration(step.within)}"
            ) from None
        except ConnectionClosed as closed:
            code, reason = closed.code, closed.reason
        result.received = f"close {code}" + (f" {reason}" if reason else "")
        if step.code is not None and code != step.code:
            raise StepFailed(f"closed with {code} instead of {step.code}")
        if step.reason is not None:
            wanted = self._resolved(step.reason)
            pattern = compile_regex(wanted, "reason")
            if not (pattern.search(reason) if pattern else reason == wanted):
                raise StepFailed(f"closed with the reason {reason!r}, not {wanted!r}")

    # -- values known during the run ------------------------------------------------------

    def _saved_value(self, name: str) -> tuple[bool, Any]:
        if name in self._saved:
            return True, self._saved[name]
        return False, None

    def _resolved(self, value: Any) -> Any:
        return substitute(value, self._saved_value)

    def _resolved_payload(self, payload: Payload) -> Payload:
        if not payload.runtime:
            return payload
        value = self._resolved(payload.value)
        if payload.how == "bytes":
            value = decode_bytes(str(value), "bytes")
        return Payload(payload.how, value)

    def _expectation(self, compiled: Expectation | None, spec: dict[str, Any]) -> Expectation:
        if compiled is not None:
            return compiled
        try:
            return Expectation(self._resolved(spec))
        except MatcherError as exc:
            raise StepFailed(str(exc)) from None

    async def _close_all(self, code: int = 1000, reason: str = "") -> None:
        """Close what is still open, each with ``code``, within ``CLOSE_AT_END`` in all."""
        open_ones = [c for c in self._connections.values() if c.is_open()]
        if not open_ones:
            return
        closing = asyncio.gather(
            *(c.close(code, reason) for c in open_ones), return_exceptions=True
        )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(closing, CLOSE_AT_END)


_STEPS: dict[type[Step], Callable[[ScenarioRunner, Any, StepResult], Any]] = {
    Open: ScenarioRunner._open,
    Send: ScenarioRunner._send,
    Expect: ScenarioRunner._expect,
    ExpectNone: ScenarioRunner._expect_none,
    Ping: ScenarioRunner._ping,
    Sleep: ScenarioRunner._sleep,
    Close: ScenarioRunner._close,
    ExpectClose: ScenarioRunner._expect_close,
}


async def run_scenario(
    scenario: Scenario,
    on_event: Callable[[StepEvent], None] | None = None,
    timeout: float | None = None,
) -> ScenarioResult:
    """Run ``scenario`` over ``core.Client``s (see ``ScenarioRunner``)."""
    return await ScenarioRunner(scenario, on_event, timeout=timeout).run()


def _encode(payload: Payload, send_type: str) -> str | bytes:
    """The frame to send: text for ``text`` and JSON, binary for ``bytes``."""
    value = payload.value
    if payload.how == "bytes":
        if not isinstance(value, bytes):
            raise StepFailed(f"bytes: {preview(value, 60)} is not hex or base64")
        return value
    if payload.how == "message" and send_type == "application/json":
        try:
            return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise StepFailed(f"the message is not JSON: {exc}") from None
    if not isinstance(value, str):
        raise StepFailed(f"{preview(value, 60)} is not text; send_type {send_type} sends text")
    return value


def _size(payload: str | bytes) -> int:
    """A message's payload bytes on the wire (uncompressed): UTF-8 for a text frame."""
    return len(payload.encode()) if isinstance(payload, str) else len(payload)


def _skip(result: StepResult, arrival: Arrival) -> None:
    result.skipped_count += 1
    if len(result.skipped) < SKIPPED_KEPT:
        result.skipped.append(arrival.preview())


def _explain(
    result: StepResult, expectation: Expectation, closest: tuple[Arrival, list[Mismatch]] | None
) -> None:
    """What the failure shows: the message closest to the matchers, why not, and the diff."""
    if closest is None:
        result.received = "nothing"
        return
    arrival, mismatches = closest
    result.received = arrival.preview()
    result.mismatches = [str(m) for m in mismatches[:10]]
    result.diff = expectation.diff(arrival)


def _ended(connection: Connection, closed: ConnectionClosed) -> str:
    said = f"the connection closed with {closed.code}" + (
        f" ({closed.reason})" if closed.reason else ""
    )
    errors = [e for e in connection.errors if "never sent" not in e]
    return said + (f" [{errors[-1]}]" if errors and closed.code == 1006 else "")


@lru_cache(maxsize=256)
def _jsonpath(query: str) -> jsonpath.JSONPath | jsonpath.CompoundJSONPath:
    return jsonpath.compile(query)


def _others_arrived(count: int) -> str:
    """ "; 1 other message arrived" / "; 3 other messages arrived" / "" for none."""
    if not count:
        return ""
    return f"; {count} other message{'s' if count != 1 else ''} arrived"
