"""The faults that stay on one socket or server after the lab put them there: what the
workbench sends on a socket (``OutgoingFaults``: delay, drop) and the server's next handshakes
(``HandshakeRefusals``). Each handle owns its own; the fault lab (``workbench.engine.faults``)
only sets them."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from core import HandshakeRequest, WebSocketError
from core.options import seconds
from workbench.engine.log.store import FAULT, LogStore

__all__ = ["HandshakeRefusals", "OutgoingFaults"]


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

        loop.call_later(seconds(self.delay_ms) or 0.0, send_now)
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
