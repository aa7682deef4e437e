"""What each step kind does, on a run's named connections and the values it saved.

``StepActions.perform(result)`` does ``result.step`` and fills ``result`` in (what was
expected and received, the size, what was saved); a step that does not do what it says
raises ``StepFailed`` (or core's error, in words). ``ScenarioRunner`` (``runner``) calls it
once per step, and owns the rest: the order, the events, stopping, closing.

What does not change from one iteration to the next is worked out once: a ``send`` whose
message refers to no saved value is encoded on its first run only, and a matched message's
preview is made when someone reads ``StepResult.received`` (a load test's user never does).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import jsonpath

from core import ConnectionClosed

from .connections import Connection
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
from .results import StepResult
from .step_deadline import StepDeadline
from .variables import substitute

__all__ = ["SKIPPED_KEPT", "StepActions", "StepFailed", "wire_size"]

#: Skipped messages kept (as previews) for a step's report; all are counted.
SKIPPED_KEPT = 20


class StepFailed(Exception):
    """A step did not do what it says; the message says why in words."""


class StepActions:
    """The steps of ``scenario`` on the connections ``connect`` makes (kept in
    ``connections`` by name, from run to run) and the values saved during a run (``saved``,
    emptied by the runner for each run)."""

    def __init__(self, scenario: Scenario, connect: Callable[[ClientSpec], Connection]) -> None:
        self.scenario = scenario
        self.connections: dict[str, Connection] = {}
        self.saved: dict[str, Any] = {}
        self.deadline = StepDeadline()
        self._connect = connect
        #: step number -> (frame, its size) of a ``send`` whose message is known before the run.
        self._frames: dict[int, tuple[str | bytes, int]] = {}

    async def perform(self, result: StepResult) -> None:
        """Do ``result.step``: ``StepFailed`` (or core's error) when it does not hold."""
        step = result.step
        await _ACTIONS[type(step)](self, step, result)

    def _connection(self, name: str | None) -> Connection:
        assert name is not None, "the loader gives every step but open and sleep a client"
        connection = self.connections.get(name)
        if connection is None:
            raise StepFailed(f"{name} was never opened")
        return connection

    async def _open(self, step: Open, result: StepResult) -> None:
        connections = []
        for name in step.clients:
            connection = self.connections.get(name)
            if connection is None:
                connection = self.connections[name] = self._connect(self.scenario.clients[name])
            connections.append(connection)
        if all(c.is_open() for c in connections):  # kept open from an earlier run
            result.reused = True
            return
        try:
            with self.deadline.bound(step.within):
                await asyncio.gather(*(c.open() for c in connections))
        except TimeoutError:
            late = [c.name for c in connections if not c.is_open()]
            raise StepFailed(
                f"{', '.join(late)} did not open within {format_duration(step.within)}"
            ) from None

    async def _send(self, step: Send, result: StepResult) -> None:
        connection = self._connection(step.client)
        frame = self._frames.get(step.number)
        if frame is None:
            spec = self.scenario.clients[connection.name]
            payload = encode(self._resolved_payload(step.payload), spec.send_type)
            frame = (payload, wire_size(payload))
            if not step.payload.runtime:
                self._frames[step.number] = frame
        payload, result.size = frame
        try:
            with self.deadline.bound(step.within):
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
            with self.deadline.bound(step.within):
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
        result.received_from(arrival.preview)
        result.size = wire_size(arrival.raw)
        for name, query in step.save.items():
            found = _jsonpath(query).findall(arrival.value)
            if not found:
                raise StepFailed(f"save {name}: {query} finds nothing in {arrival.preview()}")
            result.saved[name] = self.saved[name] = found[0] if len(found) == 1 else found

    async def _expect_none(self, step: ExpectNone, result: StepResult) -> None:
        connection = self._connection(step.client)
        expectation = self._expectation(step.expectation, step.spec)
        result.expected = f"no message ({expectation.describe()})"
        try:
            with self.deadline.bound(step.within):
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
            with self.deadline.bound(step.within):
                round_trip = await connection.ping()
        except TimeoutError:
            raise StepFailed(f"no pong within {format_duration(step.within)}") from None
        result.message = f"round trip {format_duration(round_trip)}"

    async def _sleep(self, step: Sleep, result: StepResult) -> None:
        await asyncio.sleep(step.duration)

    async def _close(self, step: Close, result: StepResult) -> None:
        connection = self._connection(step.client)
        try:
            with self.deadline.bound(step.within):
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
            with self.deadline.bound(step.within):
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
        if name in self.saved:
            return True, self.saved[name]
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


_ACTIONS: dict[type[Step], Callable[[StepActions, Any, StepResult], Any]] = {
    Open: StepActions._open,
    Send: StepActions._send,
    Expect: StepActions._expect,
    ExpectNone: StepActions._expect_none,
    Ping: StepActions._ping,
    Sleep: StepActions._sleep,
    Close: StepActions._close,
    ExpectClose: StepActions._expect_close,
}


def encode(payload: Payload, send_type: str) -> str | bytes:
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


def wire_size(payload: str | bytes) -> int:
    """A message's payload bytes on the wire (uncompressed): UTF-8 for a text frame."""
    if isinstance(payload, str):
        return len(payload) if payload.isascii() else len(payload.encode())
    return len(payload)


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
