"""Relay control: the workspace's relays (``engine.relay.relay.Relay``) — add, edit, start, stop,
remove — with their intercept switches and held messages, their rules, their relayed
connections (each with its three-lifeline conversation), the fault lab on one leg of a
connection and a scenario recorded from one.

A relay's settings are kept as the person gave them (``RelayConfig``) and checked by
``relay.settings.relay_settings`` when it is edited and when it starts; a start builds a new
``Relay``. The intercept switches and the rules outlive a restart and are saved with the
relay (``RelayConfig.intercept`` / ``rules``). A relay's own events
(listening, refused attempts, stopped) go to its ``log``, which stays across restarts. The
last ``KEEP_CLOSED`` closed connections are kept with their logs, older ones are forgotten;
every log counts against the workspace's ``LogBudget``, whose evictor forgets closed
connections first, oldest first. What is kept of each relay and connection is in
``engine.relay.handles``.

Actions that wait are coroutines that never raise (the facade's guard reports failures);
the others answer at once. Events (``on(name, handler)``):
    relay_added(relay_id), relay_removed(relay_id)
    relay_changed(relay_id): name, settings or rules changed
    relay_state_changed(relay_id, state, text): "stopped", "starting", "listening",
        "stopping" or "failed"
    connection_opened(relay_id, connection_id), connection_closed(relay_id, connection_id),
    connection_removed(relay_id, connection_id)
    held_changed(relay_id): a message was held or let go, or a switch changed
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any, Literal

from core import EventEmitter, ServerStartError
from workbench.engine.faults.relay_legs import apply_leg_fault, clear_leg_faults
from workbench.engine.log.budget import LogBudget
from workbench.engine.log.store import (
    CLOSE,
    EVENT,
    INFO,
    KIND,
    MESSAGE,
    LogEntry,
    LogStore,
    Row,
)
from workbench.engine.relay.connection import RelayedConnection
from workbench.engine.relay.handles import RelayedRecord, RelayHandle
from workbench.engine.relay.log_rows import marker_of
from workbench.engine.relay.relay import Relay
from workbench.engine.relay.rule_specs import RuleSpecError, rule_set
from workbench.engine.relay.settings import RelaySettings, RelaySettingsError, relay_settings
from workbench.engine.scenarios.library import ScenarioLibrary
from workbench.engine.scenarios.recording import RecordingSource, record_scenario
from workbench.engine.scenarios.yaml_writer import dump_scenario
from workbench.engine.workspace.workspace import RelayConfig

from .in_words import close_text

__all__ = [
    "KEEP_CLOSED",
    "RelayController",
    "RelayEvent",
    "RelayHandle",
    "RelayedRecord",
    "settings_of",
]

RelayEvent = Literal[
    "relay_added",
    "relay_removed",
    "relay_changed",
    "relay_state_changed",
    "connection_opened",
    "connection_closed",
    "connection_removed",
    "held_changed",
]
#: Closed connections a relay keeps (with their logs and diagrams).
KEEP_CLOSED = 50
#: Each relayed connection's log: rows and bytes.
CONNECTION_LOG_ROWS, CONNECTION_LOG_BYTES = 20_000, 8 * 1024 * 1024
Guard = Callable[[Coroutine[Any, Any, Any], str], Awaitable[bool]]


class RelayController(EventEmitter[RelayEvent]):
    """The workspace's relays by id (``relays``); see the module docstring."""

    def __init__(
        self,
        report: Callable[[str, BaseException | str], object],
        guard: Guard,
        scenarios: ScenarioLibrary,
        log_capacity: int,
        budget: LogBudget | None = None,
    ) -> None:
        super().__init__()
        self._budget = budget if budget is not None else LogBudget()
        self._budget.evictors.append(self._forget_closed_logs)
        self._report = report
        self._guard = guard
        self._scenarios = scenarios
        self._log_capacity = log_capacity
        self.relays: dict[str, RelayHandle] = {}
        self.records: dict[str, RelayedRecord] = {}
        self._numbers = itertools.count(1)

    # -- the list ----------------------------------------------------------------------------

    def relay(self, relay_id: str) -> RelayHandle:
        """``KeyError`` if there is no such relay."""
        return self.relays[relay_id]

    def add(self, config: RelayConfig) -> str:
        """Add a stopped relay (its settings are checked when it starts); its id."""
        relay_id = f"relay-{next(self._numbers)}"
        name = config.name or relay_id
        log = self._budget.track(LogStore(self._log_capacity, name))
        handle = RelayHandle(relay_id, name, config, log)
        config.name = name
        self.relays[relay_id] = handle
        self.emit("relay_added", relay_id)
        return relay_id

    def update(self, relay_id: str, config: RelayConfig) -> bool:
        """Take new settings (applied at the next start; the rules and intercept switches
        are kept); False (reported) if they cannot work."""
        handle = self.relays[relay_id]
        config.rules = handle.config.rules
        config.intercept = handle.config.intercept
        config.name = handle.name
        try:
            settings_of(config)
        except RelaySettingsError as exc:
            self._report(handle.name, str(exc))
            return False
        handle.config = config
        self.emit("relay_changed", relay_id)
        return True

    def rename(self, relay_id: str, name: str) -> None:
        handle = self.relays[relay_id]
        handle.name = handle.config.name = handle.log.name = name
        self.emit("relay_changed", relay_id)

    def set_rules(self, relay_id: str, specs: Sequence[dict[str, Any]]) -> bool:
        """Replace the relay's rules (a running relay applies them to the next message);
        False (reported) if one is wrong."""
        handle = self.relays[relay_id]
        try:
            rules = rule_set(specs)
        except RuleSpecError as exc:
            self._report(handle.name, f"rules not changed: {exc}")
            return False
        handle.config.rules = [dict(spec) for spec in specs]
        if handle.relay is not None:
            handle.relay.rules = rules
        handle.log.log_event(INFO, f"relay: {len(rules)} rule{'s' * (len(rules) != 1)} in force")
        self.emit("relay_changed", relay_id)
        return True

    def is_live(self, relay_id: str) -> bool:
        """Whether the relay has an open connection (removing it would cut it)."""
        return bool(self.relays[relay_id].open_connections)

    # -- start and stop ----------------------------------------------------------------------

    async def start(self, relay_id: str) -> bool:
        """Listen with the relay's settings and rules; whether it listens (else reported)."""
        return await self._guard(self._start(relay_id), self.relays[relay_id].name)

    async def stop(self, relay_id: str) -> bool:
        """Close every relayed connection (1001, both legs) and stop listening. Idempotent."""
        return await self._guard(self._stop(relay_id), self.relays[relay_id].name)

    async def remove(self, relay_id: str) -> bool:
        """Stop the relay, then forget it, its connections and their logs."""
        stopped = await self.stop(relay_id)
        self._forget(relay_id)
        return stopped

    def running(self) -> list[str]:
        return [h.id for h in self.relays.values() if h.relay is not None]

    async def _start(self, relay_id: str) -> bool:
        handle = self.relays[relay_id]
        if handle.relay is not None:
            return handle.state == "listening"
        try:
            settings, rules = settings_of(handle.config), rule_set(handle.config.rules)
        except (RelaySettingsError, RuleSpecError) as exc:
            self._set_state(handle, "failed", str(exc))
            self._report(handle.name, str(exc))
            return False
        relay = Relay(
            settings,
            rules,
            log_capacity=CONNECTION_LOG_ROWS,
            log_byte_capacity=CONNECTION_LOG_BYTES,
            keep_closed=KEEP_CLOSED,
            tap=self._own_rows(handle),
        )
        handle.relay = relay
        for direction, on in handle.holding.items():
            relay.intercept.set_holding(direction, on)
        for event in ("held", "released", "holding"):
            relay.intercept.on(event, lambda *_: self.emit("held_changed", relay_id))
        relay.on("connection", lambda connection: self._opened(handle, relay, connection))
        self._set_state(handle, "starting", f"starting on {relay.address}")
        try:
            await relay.start()
        except ServerStartError as exc:
            handle.relay = None
            self._set_state(handle, "failed", str(exc))
            self._report(handle.name, exc)
            return False
        self._set_state(handle, "listening", _listening_text(relay, settings))
        return True

    async def _stop(self, relay_id: str) -> bool:
        handle = self.relays[relay_id]
        relay = handle.relay
        if relay is None:
            return True
        self._set_state(handle, "stopping", "stopping")
        try:
            await relay.stop()
        finally:
            handle.relay = None
            self._set_state(handle, "stopped", "stopped")
            self.emit("held_changed", relay_id)
        return True

    def _own_rows(self, handle: RelayHandle) -> Callable[[Row], None]:
        """The relay's tap: its own rows (not those of a connection) into ``handle.log``."""

        def tap(row: Row) -> None:
            if row[KIND] == MESSAGE:  # the common case, first: a connection's message
                return
            marker = marker_of(row)
            relay = handle.relay
            if marker is not None and (
                marker[0] is None or relay is None or marker[0] not in relay.connections
            ):
                handle.log.append_row(row)

        return tap

    def _set_state(self, handle: RelayHandle, state: str, text: str) -> None:
        handle.state, handle.status_text = state, text
        if state == "failed":
            handle.log.log_event(INFO, f"relay: could not start: {text}")
        self.emit("relay_state_changed", handle.id, state, text)

    # -- connections -------------------------------------------------------------------------

    def _opened(self, handle: RelayHandle, relay: Relay, connection: RelayedConnection) -> None:
        record = RelayedRecord(handle.next_record_id(), handle.id, connection, relay)
        handle.connections[record.id] = record
        self.records[record.id] = record
        self._budget.track(connection.log)
        connection.on("open", lambda: self.emit("connection_opened", handle.id, record.id))
        connection.on("close", lambda _end: self._closed(handle, record))

    def _closed(self, handle: RelayHandle, record: RelayedRecord) -> None:
        self.emit("connection_closed", handle.id, record.id)
        closed = [r.id for r in handle.connections.values() if not r.is_open]
        for record_id in closed[: max(0, len(closed) - KEEP_CLOSED)]:
            self._drop(handle, record_id)

    def forget_closed(self, relay_id: str) -> int:
        """Forget the relay's closed connections and their logs; how many."""
        handle = self.relays[relay_id]
        closed = [r.id for r in handle.connections.values() if not r.is_open]
        for record_id in closed:
            self._drop(handle, record_id)
        return len(closed)

    def _drop(self, handle: RelayHandle, record_id: str, evicted: bool = False) -> None:
        """Forget a closed connection and its log (``connection_removed``)."""
        record = handle.connections.pop(record_id)
        self.records.pop(record_id, None)
        if evicted:
            self._budget.forgotten(record.log)
        else:
            self._budget.release(record.log)
        self.emit("connection_removed", handle.id, record_id)

    def _forget_closed_logs(self, target: int) -> None:
        """The log budget's evictor: forget closed connections, oldest first, until the
        budget counts at most ``target`` bytes (or none is left)."""
        for handle in list(self.relays.values()):
            for record in [r for r in handle.connections.values() if not r.is_open]:
                if self._budget.used <= target:
                    return
                self._drop(handle, record.id, evicted=True)

    def _forget(self, relay_id: str) -> None:
        handle = self.relays.pop(relay_id, None)
        if handle is not None:
            for record_id, record in handle.connections.items():
                self.records.pop(record_id, None)
                self._budget.release(record.log)
            self._budget.release(handle.log)
            self.emit("relay_removed", relay_id)

    # -- intercept ---------------------------------------------------------------------------

    def set_holding(self, relay_id: str, direction: str, on: bool) -> None:
        """Hold messages going ``direction`` (``to_upstream`` / ``to_client``) or stop (which
        forwards what it held); kept across restarts and saved with the relay. ``ValueError``
        for an unknown direction."""
        handle = self.relays[relay_id]
        holding = handle.holding
        if direction not in holding:
            raise ValueError(f"a direction is {' or '.join(holding)}, not {direction!r}")
        holding[direction] = on
        handle.config.intercept = [d for d, held in holding.items() if held]
        if handle.relay is not None:
            handle.relay.intercept.set_holding(direction, on)
        self.emit("held_changed", relay_id)

    def decide(self, relay_id: str, outcome: str, message_id: int, payload: Any = None) -> bool:
        """``outcome`` ``forward``, ``edit`` (with ``payload``: str or bytes) or ``drop`` for
        held message ``message_id``; False if it is no longer held (or the edit is refused,
        reported)."""
        relay = self.relays[relay_id].relay
        if relay is None:
            return False
        intercept = relay.intercept
        if outcome == "edit":
            try:
                return intercept.edit(message_id, payload)
            except (TypeError, ValueError) as exc:
                self._report(self.relays[relay_id].name, f"not sent: {exc}")
                return False
        act = {"forward": intercept.forward, "drop": intercept.drop}[outcome]
        return act(message_id)

    def forward_all(self, relay_id: str) -> int:
        relay = self.relays[relay_id].relay
        return 0 if relay is None else relay.intercept.forward_all()

    # -- faults and scenarios ----------------------------------------------------------------

    def apply_fault(self, record_id: str, side: str, name: str, **given: Any) -> bool:
        """Put fault ``name`` toward ``side`` (``client`` / ``upstream``) on a relayed
        connection (``faults.relay_legs``); whether it was put (else reported)."""
        record = self.records[record_id]
        return apply_leg_fault(record.connection, side, name, self._report, **given)

    def clear_faults(self, record_id: str) -> None:
        clear_leg_faults(self.records[record_id].connection)

    def record_scenario(self, record_id: str, entries: Sequence[LogEntry] | None = None) -> str:
        """A scenario of a relayed connection (all its rows, or ``entries``): what the client
        sent becomes ``send`` steps, the upstream's answers ``expect`` steps, against the
        upstream's URL. Its document id; ``RecordingError`` if the rows make none."""
        record = self.records[record_id]
        connection = record.connection
        rows = list(connection.log) if entries is None else list(entries)
        chosen = [e for e in rows if e.kind == MESSAGE]
        end = connection.end
        requests: tuple[float, ...] = ()
        if end is not None and (entries is None or any(e.kind == CLOSE for e in entries)):
            at = max((e.time for e in rows), default=connection.opened_at)
            code, reason = end.client if end.first == "client" else end.upstream
            detail = f"closed with {close_text(code, reason)}"
            chosen.append(LogEntry(EVENT, CLOSE, detail=detail, time=at))
            requests = (at,) if end.first == "client" else ()
        upstream = connection.upstream
        options = {"subprotocols": [upstream.subprotocol]} if upstream.subprotocol else {}
        source = RecordingSource(
            "client", upstream.url, options, requests, (connection.opened_at - 0.001,)
        )
        name = f"recorded through {self.relays[record.relay_id].name} #{connection.number}"
        data = record_scenario(chosen, source, name)
        doc_id = self._scenarios.add(dump_scenario(data), str(data["name"]))
        self._scenarios.emit("recorded", doc_id)
        return doc_id

    # -- the workspace -----------------------------------------------------------------------

    def configs(self) -> list[RelayConfig]:
        return [handle.config for handle in self.relays.values()]

    async def load_configs(self, configs: Sequence[RelayConfig], replace: bool) -> None:
        """Add the workspace's relays (stopped); with ``replace``, first remove every one."""
        if replace:
            for relay_id in list(self.relays):
                await self.remove(relay_id)
        for config in configs:
            self.add(config)


def settings_of(config: RelayConfig) -> RelaySettings:
    """The checked settings of ``config``; ``RelaySettingsError`` saying what to change."""
    return relay_settings(
        config.upstream_url,
        config.listen,
        config.upstream,
        fixed_path=config.fixed_path,
        set_headers=[(name, value) for name, value in config.set_headers],
        add_headers=[(name, value) for name, value in config.add_headers],
        strip_headers=config.strip_headers,
        rewrite_origin=config.rewrite_origin,
    )


def _listening_text(relay: Relay, settings: RelaySettings) -> str:
    scheme = "wss" if settings.listen.get("ssl_tls") else "ws"
    text = f"listening on {scheme}://{relay.address}/ → {settings.upstream_url.url}"
    if relay.host in ("0.0.0.0", "::", ""):
        text += " (on every interface: anyone who can reach this machine can use it)"
    return text
