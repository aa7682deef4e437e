"""The fault lab on a relayed connection: the catalog's faults put on one of its two legs, so
a tester sees how a real client copes with a misbehaving server, or a real server with a
misbehaving client (Qt-free).

A fault goes on what the relay sends on the chosen leg: ``"client"`` (client ↔ relay: the
client sees the upstream misbehave) or ``"upstream"`` (relay ↔ upstream: the upstream sees the
client misbehave). ``delay`` and ``drop`` act on the relayed messages going to that leg (its
``lane.Lane``: later messages wait behind a delayed one, in order); ``close``, ``oversize``,
``fragments``, ``mute_pings`` and ``cut`` act on the leg itself: the client's ``core.Socket``
or the upstream's ``core.Client``, which take the same fault hooks. Each fault is a ``fault``
row in the connection's log; ``clear`` ends delays, drops and muted pings on both legs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from core import Client, Socket, WebSocketError
from workbench.engine.in_words import describe_error
from workbench.engine.log.store import FAULT
from workbench.engine.relay.connection import RelayedConnection
from workbench.engine.relay.directions import CLIENT_LEG, TO_CLIENT, TO_UPSTREAM, UPSTREAM_LEG

from .catalog import FAULTS, FRAGMENTED_TEXT, FaultSpec, checked_parameters, describe, fault_spec

__all__ = ["LEGS", "LEG_FAULTS", "SIDES", "SIDE_HELP", "apply_leg_fault", "clear_leg_faults"]

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
#: The faults that go on either leg: each one that acts on a connection (not ``refuse``,
#: which is a server's).
LEG_FAULTS: Final[tuple[FaultSpec, ...]] = tuple(spec for spec in FAULTS if spec.scope == "socket")


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
        if spec not in LEG_FAULTS:
            raise ValueError(f"“{spec.label}” is for a server, not for a relayed connection")
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
        connection.upstream.answer_pings()
    connection.log.log_event(FAULT, f"#{connection.number} relay: faults cleared")


def _apply(connection: RelayedConnection, side: str, name: str, values: Mapping[str, Any]) -> None:
    lane = connection.lanes[_LANE[side]]
    leg: Socket | Client = connection.client if side == "client" else connection.upstream
    if name == "delay":
        lane.fault_delay = values["ms"] / 1000
    elif name == "drop":
        lane.fault_drop = values["count"]
    elif name == "close":
        leg.close(values["code"], values["reason"])
    elif name == "oversize":
        leg.send("x" * values["bytes"])
    elif name == "mute_pings":
        leg.answer_pings(False)
    elif name == "fragments":
        leg.send_fragments(FRAGMENTED_TEXT, values["count"])
    elif name == "cut":
        leg.abort()
