"""The catalog of faults the fault lab can put on a server or a socket: each fault's name,
label, parameters and what the peer sees (pure data, no socket).

- ``close``: a close frame with that code and reason; ``cut``: the TCP connection ends with no
  close frame (the peer reports 1006); ``mute_pings``: pings stay unanswered (a peer with
  keepalive fails the connection, 1011); ``oversize``: one text message of that many bytes (a
  peer whose limit is lower closes with 1009); ``fragments``: one message in N frames.
- ``delay``: every message the workbench sends on the socket from now on (Send, Broadcast,
  auto-reply) leaves N ms later, in order; 0 ends the delay. ``drop``: the next N such
  messages are not sent at all (each one logged as a fault on the socket).
- ``refuse``: the next N upgrade requests get that HTTP status (core's ``process_request``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

__all__ = [
    "FAULTS",
    "FRAGMENTED_TEXT",
    "FaultSpec",
    "Parameter",
    "checked_parameters",
    "describe",
    "fault_spec",
]

Scope = Literal["socket", "server"]


@dataclass(frozen=True, slots=True)
class Parameter:
    """One parameter of a fault: an int from ``minimum`` to ``maximum``, or text (``text``)."""

    name: str
    label: str
    default: int | str
    minimum: int = 0
    maximum: int = 0
    text: bool = False


@dataclass(frozen=True, slots=True)
class FaultSpec:
    """A fault: ``name`` (for ``apply``), ``label`` (for a button), ``scope``, ``parameters``,
    ``help`` (what the peer sees, for a tooltip)."""

    name: str
    label: str
    scope: Scope
    parameters: tuple[Parameter, ...]
    help: str


#: Bytes in the default oversize message: one more than core's default max_message_size.
OVERSIZE_DEFAULT: Final = 1024 * 1024 + 1
#: The message ``fragments`` sends.
FRAGMENTED_TEXT: Final = "one message sent in fragments by the fault lab"

FAULTS: Final = (
    FaultSpec(
        "close",
        "Close now",
        "socket",
        (
            Parameter("code", "code", 4000, 1000, 4999),
            Parameter("reason", "reason", "closed by the fault lab", text=True),
        ),
        "sends a close frame with this code and reason",
    ),
    FaultSpec(
        "delay",
        "Delay replies",
        "socket",
        (Parameter("ms", "ms", 500, 0, 600_000),),
        "every message sent from now on leaves this many ms later (0: no delay)",
    ),
    FaultSpec(
        "drop",
        "Drop next",
        "socket",
        (Parameter("count", "messages", 3, 1, 1_000_000),),
        "the next messages sent on the socket are not sent at all",
    ),
    FaultSpec(
        "mute_pings",
        "Stop answering pings",
        "socket",
        (),
        "pings get no pong: the peer's keepalive then fails (1011)",
    ),
    FaultSpec(
        "oversize",
        "Send oversize",
        "socket",
        (Parameter("bytes", "bytes", OVERSIZE_DEFAULT, 1, 256 * 1024 * 1024),),
        "one text message this long: a client with a lower limit closes with 1009",
    ),
    FaultSpec(
        "fragments",
        "Send in fragments",
        "socket",
        (Parameter("count", "fragments", 4, 1, 1000),),
        "one message sent as this many frames (the last one empty, as websockets ends them)",
    ),
    FaultSpec(
        "refuse",
        "Refuse handshakes",
        "server",
        (
            Parameter("count", "next", 1, 1, 1000),
            Parameter("status", "HTTP status", 503, 200, 599),
        ),
        "the next upgrade requests get this HTTP status instead of 101",
    ),
    FaultSpec(
        "cut",
        "Cut TCP",
        "socket",
        (),
        "the TCP connection ends with no close frame: the peer sees 1006",
    ),
)


def fault_spec(name: str) -> FaultSpec:
    """``KeyError`` if there is no such fault."""
    for spec in FAULTS:
        if spec.name == name:
            return spec
    raise KeyError(f"there is no fault called {name!r}")


def checked_parameters(spec: FaultSpec, given: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters of ``spec`` from ``given`` (defaults for the missing); ``ValueError``."""
    values: dict[str, Any] = {}
    for parameter in spec.parameters:
        value = given.get(parameter.name, parameter.default)
        if parameter.text:
            values[parameter.name] = str(value)
            continue
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError(f"{parameter.label} must be a whole number, not {value!r}")
        if not parameter.minimum <= value <= parameter.maximum:
            raise ValueError(
                f"{parameter.label} must be from {parameter.minimum} to {parameter.maximum}"
            )
        values[parameter.name] = value
    return values


def describe(spec: FaultSpec, values: Mapping[str, Any]) -> str:
    """The log line of a fault: "fault: Delay replies (ms 500)"."""
    if not values:
        return f"fault: {spec.label}"
    shown = ", ".join(
        f"{p.label} {values[p.name]!r}" if p.text else f"{p.label} {values[p.name]}"
        for p in spec.parameters
    )
    return f"fault: {spec.label} ({shown})"
