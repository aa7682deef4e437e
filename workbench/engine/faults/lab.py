"""The fault lab: puts the faults of the catalog (``catalog``) on a server's sockets on
purpose and logs each as a ``FAULT`` row on the server's log and on each socket's log; what
the peer then sees is in the peer's own log. ``clear`` ends the faults that last (delay, drops
to come, muted pings, refusals). Qt-free.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from core import WebSocketError
from workbench.engine.handles import ServerHandle, SocketHandle
from workbench.engine.in_words import describe_error
from workbench.engine.log.store import FAULT

from .catalog import FRAGMENTED_TEXT, checked_parameters, describe, fault_spec

__all__ = ["FaultLab"]


class FaultLab:
    """Applies the catalog's faults to servers and sockets.

    ``servers`` (id -> ``ServerHandle``) and ``sockets`` (id -> ``SocketHandle``) are the
    engine's live tables, read at each call; ``report(context, message)`` is the one error path.
    """

    def __init__(
        self,
        servers: Mapping[str, ServerHandle],
        sockets: Mapping[str, SocketHandle],
        report: Callable[[str, str], object],
    ) -> None:
        self._servers = servers
        self._sockets = sockets
        self._report = report

    def apply(self, server_id: str, name: str, socket_id: str | None = None, **given: Any) -> int:
        """Put fault ``name`` on socket ``socket_id`` (None: every open socket of the server).

        Returns on how many sockets it was put (1 for ``refuse``, which is for the server);
        0 when it could not be (bad parameters, no open socket, a closed socket: reported).
        """
        handle = self._servers[server_id]
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
            entry = self._sockets[socket_id]
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
        handle = self._servers[server_id]
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
