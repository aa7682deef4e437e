"""The fault lab on a relayed connection: the catalog's faults put on one of its two legs, so
a tester sees how a real client copes with a misbehaving server, or a real server with a
misbehaving client (Qt-free).

A fault goes on what the relay sends on the chosen leg: ``"client"`` (client ↔ relay: the
client sees the upstream misbehave) or ``"upstream"`` (relay ↔ upstream: the upstream sees the
client misbehave). ``delay`` and ``drop`` act on the relayed messages going to that leg (its
``lane.Lane``: later messages wait behind a delayed one, in order); ``close``, ``oversize``,
``fragments``, ``mute_pings`` and ``cut`` act on the leg itself. The upstream leg is a
``core.Client``, which offers no way to stop answering pings, send fragments or cut TCP:
``faults_for("upstream")`` leaves those out and ``apply`` refuses them with that reason.
Each fault is a ``fault`` row in the connection's log; ``clear`` ends delays, drops and
muted pings on both legs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from core import WebSocketError
from workbench.engine.in_words import describe_error
from workbench.engine.log.store import FAULT
from workbench.engine.relay.connection import RelayedConnection
from workbench.engine.relay.directions import CLIENT_LEG, TO_CLIENT, TO_UPSTREAM, UPSTREAM_LEG

from .catalog import FAULTS, FRAGMENTED_TEXT, FaultSpec, checked_parameters, describe, fault_spec

__all__ = ["LEGS", "SIDES", "SIDE_HELP", "apply_leg_fault", "clear_leg_faults", "faults_for"]

#: The sides a fault can go on, and what a person reads for each.
SIDES: Final = {"client": "toward the client", "upstream": "toward the upstream"}
#: What a fault on each side shows, in words.
SIDE_HELP: Final = {
    "client": "what the relay sends the client: the upstream seems to misbehave",
    "upstream": "what the relay sends the upstream: the client seems to misbehave",
}
#: Each side's leg as the relay's log names it.
LEGS: Final = {"client": CLIENT_LEG, "upstream": UPSTREAM_LEG}
_LANE = {"client": TO_CLIENT, "upstream": TO_UPSTREAM}
#: What core's Client (the upstream leg) cannot do.
_NOT_ON_UPSTREAM = frozenset({"mute_pings", "fragments", "cut"})


def faults_for(side: str) -> tuple[FaultSpec, ...]:
    """The faults that can go on ``side``'s leg (never ``refuse``: that is a server's)."""
    return tuple(
        spec
        for spec in FAULTS
        if spec.scope == "socket" and not (side == "upstream" and spec.name in _NOT_ON_UPSTREAM)
    )


def apply_leg_fault(
    connection: RelayedConnection,
    side: str,
    name: str,
    report: Callable[[str, str], object],
    **given: Any,
) -> bool:
    """Put fault ``name`` on ``side``'s leg of ``connection``; whether it was put (if not,
    the reason went to ``report(context, message)``)."""
    context = f"relayed connection #{connection.number}"
    if side not in SIDES:
        report(context, f"a fault goes toward the client or the upstream, not {side!r}")
        return False
    try:
        spec = fault_spec(name)
        if spec not in faults_for(side):
            raise ValueError(
                f"“{spec.label}” cannot go toward the upstream: the relay's upstream leg is a "
                "core Client, which cannot do that; put it toward the client instead"
            )
        values = checked_parameters(spec, given)
    except (KeyError, ValueError) as exc:
        report(context, f"fault not applied: {exc.args[0]}")
        return False
    if connection.end is not None:
        report(context, "fault not applied: the connection is closed")
        return False
    said = f"#{connection.number} {LEGS[side]}: {describe(spec, values)}"
    try:
        _apply(connection, side, spec.name, values)
    except (WebSocketError, TypeError, ValueError) as exc:
        message = describe_error(exc)
        connection.log.log_event(FAULT, f"{said}: failed, {message}")
        report(context, message)
        return False
    connection.log.log_event(FAULT, said)
    return True


def clear_leg_faults(connection: RelayedConnection) -> None:
    """End delays, drops to come and muted pings on both legs."""
    for lane in connection.lanes.values():
        lane.fault_delay, lane.fault_drop = 0.0, 0
    if connection.end is None:
        connection.client.answer_pings()
    connection.log.log_event(FAULT, f"#{connection.number} relay: faults cleared")


def _apply(connection: RelayedConnection, side: str, name: str, values: Mapping[str, Any]) -> None:
    lane = connection.lanes[_LANE[side]]
    leg: Any = connection.client if side == "client" else connection.upstream
    if name == "delay":
        lane.fault_delay = values["ms"] / 1000
    elif name == "drop":
        lane.fault_drop = values["count"]
    elif name == "close":
        leg.close(values["code"], values["reason"])
    elif name == "oversize":
        leg.send("x" * values["bytes"])
    elif name == "mute_pings":
        connection.client.answer_pings(False)
    elif name == "fragments":
        connection.client.send_fragments(FRAGMENTED_TEXT, values["count"])
    elif name == "cut":
        connection.client.abort()
