"""The fault lab: faults a teacher puts on a server on purpose, and their application (Qt-free).

``FAULTS`` lists each fault with its parameters (the panel is built from it). ``FaultLab.apply``
puts one on the selected socket or on every open socket of a server (``refuse`` is for the
server itself: its next handshakes) and logs it as a ``FAULT`` row on the server's log and on
each socket's log. What the peer then sees is in the peer's own log:

- ``close``: a close frame with that code and reason; ``cut``: the TCP connection ends with no
  close frame (the peer reports 1006); ``mute_pings``: pings stay unanswered (a peer with
  keepalive fails the connection, 1011); ``oversize``: one text message of that many bytes (a
  peer whose limit is lower closes with 1009); ``fragments``: one message in N frames.
- ``delay``: every message the workbench sends on the socket from now on (Send, Broadcast,
  auto-reply) leaves N ms later, in order; 0 ends the delay. ``drop``: the next N such
  messages are not sent at all (each one logged as a fault on the socket).
- ``refuse``: the next N upgrade requests get that HTTP status (core's ``process_request``).

``clear`` ends the faults that last (delay, drops to come, muted pings, refusals).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal

from core import WebSocketError
from core.handshake import HandshakeRequest
from workbench.engine.in_words import describe_error
from workbench.engine.log.store import FAULT, LogStore

if TYPE_CHECKING:
    from workbench.engine.handles import SocketHandle
    from workbench.engine.servers import ServerController

__all__ = [
    "FAULTS",
    "FaultLab",
    "FaultSpec",
    "HandshakeRefusals",
    "OutgoingFaults",
    "Parameter",
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
        "pings get no pong: the client's keepalive then fails (1011)",
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
        "one message sent as this many frames",
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
        "the TCP connection ends with no close frame: the client sees 1006",
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


Send = Callable[[Any], Awaitable[None]]


class OutgoingFaults:
    """The faults on what the workbench sends on one socket: ``delay_ms`` and ``drop_next``.

    ``send(value, send, on_error)`` is used in place of ``send(value)`` while ``active``. It
    returns an awaitable done once the message was handed over, dropped or failed (failures of
    a delayed send go to ``on_error``), so an auto-reply writer waiting on it keeps going.
    Delayed messages keep their order among themselves; one sent after the delay was set to 0
    may pass those still waiting.
    """

    def __init__(self, log: LogStore) -> None:
        self._log = log
        self.delay_ms = 0
        self.drop_next = 0
        self.dropped = 0

    @property
    def active(self) -> bool:
        return bool(self.delay_ms or self.drop_next)

    def send(
        self, value: Any, send: Send, on_error: Callable[[BaseException], object]
    ) -> Awaitable[None]:
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        if self.drop_next:
            self.drop_next -= 1
            self.dropped += 1
            left = f", {self.drop_next} more to drop" if self.drop_next else ""
            self._log.log_event(FAULT, f"dropped an outgoing message (fault lab{left})")
            done.set_result(None)
            return done

        def send_now() -> None:
            try:
                delivery = send(value)
            except (WebSocketError, TypeError, ValueError) as exc:
                on_error(exc)
                done.set_result(None)
                return
            asyncio.ensure_future(delivery).add_done_callback(handed_over)

        def handed_over(delivery: asyncio.Future[None]) -> None:
            if not delivery.cancelled():
                delivery.exception()  # a send cut short by the close is already in the log
            if not done.done():
                done.set_result(None)

        loop.call_later(self.delay_ms / 1000, send_now)
        return done


class HandshakeRefusals:
    """A server's ``process_request`` function: refuses the next ``count`` handshakes with
    ``status``, logging each as a fault on the server's ``log``; accepts the others."""

    def __init__(self, log: LogStore) -> None:
        self._log = log
        self.count = 0
        self.status = 503

    def __call__(self, request: HandshakeRequest) -> tuple[int, str] | None:
        if self.count <= 0:
            return None
        self.count -= 1
        host = ":".join(str(part) for part in request.remote_address[:2])
        self._log.log_event(
            FAULT, f"refused the handshake from {host} with HTTP {self.status} ({self.count} more)"
        )
        return self.status, "refused by the workbench's fault lab\n"


class FaultLab:
    """Applies ``FAULTS`` to the servers and sockets of a ``ServerController``.

    ``servers`` gives ``servers`` (id -> ``ServerHandle``) and ``sockets`` (id ->
    ``SocketHandle``); ``report(context, message)`` is the one error path.
    """

    def __init__(self, servers: ServerController, report: Callable[[str, str], object]) -> None:
        self._servers = servers
        self._report = report

    def apply(self, server_id: str, name: str, socket_id: str | None = None, **given: Any) -> int:
        """Put fault ``name`` on socket ``socket_id`` (None: every open socket of the server).

        Returns on how many sockets it was put (1 for ``refuse``, which is for the server);
        0 when it could not be (bad parameters, no open socket, a closed socket: reported).
        """
        handle = self._servers.servers[server_id]
        try:
            spec = fault_spec(name)
            values = checked_parameters(spec, given)
        except (KeyError, ValueError) as exc:
            self._report(handle.name, f"fault not applied: {exc.args[0]}")
            return 0
        said = describe(spec, values)
        if spec.scope == "server":
            handle.refusal_fault.count, handle.refusal_fault.status = (
                values["count"],
                values["status"],
            )
            handle.log.log_event(FAULT, said)
            return 1
        if socket_id is None:
            targets = handle.open_sockets
        else:
            entry = self._servers.sockets[socket_id]
            targets = [entry] if entry.is_open else []
        if not targets:
            self._report(handle.name, f"fault not applied: no open socket for {spec.label!r}")
            return 0
        applied = 0
        for entry in targets:
            try:
                self._apply_to_socket(entry, spec.name, values)
            except (WebSocketError, TypeError, ValueError) as exc:
                message = describe_error(exc)
                entry.log.log_event(FAULT, f"{said}: failed, {message}")
                self._report(f"{handle.name} → {entry.remote_address}", message)
                continue
            entry.log.log_event(FAULT, said)
            applied += 1
        where = "1 socket" if applied == 1 else f"{applied} sockets"
        handle.log.log_event(FAULT, f"{said} on {where}")
        return applied

    def clear(self, server_id: str) -> None:
        """End the lasting faults: delays, drops to come, muted pings, handshake refusals."""
        handle = self._servers.servers[server_id]
        handle.refusal_fault.count = 0
        for entry in handle.open_sockets:
            entry.outgoing.delay_ms = entry.outgoing.drop_next = 0
            entry.core.answer_pings()
        handle.log.log_event(FAULT, "faults cleared")

    @staticmethod
    def _apply_to_socket(entry: SocketHandle, name: str, values: Mapping[str, Any]) -> None:
        socket = entry.core
        if name == "close":
            socket.close(values["code"], values["reason"])
        elif name == "delay":
            entry.outgoing.delay_ms = values["ms"]
        elif name == "drop":
            entry.outgoing.drop_next = values["count"]
        elif name == "mute_pings":
            socket.answer_pings(False)
        elif name == "oversize":
            socket.send("x" * values["bytes"])
        elif name == "fragments":
            socket.send_fragments(FRAGMENTED_TEXT, values["count"])
        elif name == "cut":
            socket.abort()


def describe(spec: FaultSpec, values: Mapping[str, Any]) -> str:
    """The log line of a fault: "fault: Delay replies (ms 500)"."""
    if not values:
        return f"fault: {spec.label}"
    shown = ", ".join(
        f"{p.label} {values[p.name]!r}" if p.text else f"{p.label} {values[p.name]}"
        for p in spec.parameters
    )
    return f"fault: {spec.label} ({shown})"
