"""Client control: add, edit, open (with core's retries), close, send; the wiring of each
connection's events into the client's log.

Every failure goes to the one error path; the coroutines may raise (``Workbench`` guards
them). Events go out through ``emit`` (listed in ``workbench.engine.workbench``).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from core import Client, ConnectError, NotOpenError, WebSocketError
from workbench.engine.log.budget import LogBudget
from workbench.engine.log.from_core import log_opening, wire_logger
from workbench.engine.log.store import CLOSE, CONNECTING, ERROR, INFO, LogStore
from workbench.engine.protocol.glossary import close_refusal
from workbench.engine.protocol.handshake_record import from_client, from_connect_error
from workbench.engine.workspace.client_secrets import (
    describe_field,
    marked_headers,
    secret_values,
    with_secrets,
)

from .error_path import ErrorPath
from .handles import ClientHandle
from .in_words import close_text, describe_error
from .options import (
    WORKBENCH_OPTIONS,
    client_refusal,
    client_url,
    core_client_options,
    parse_client_options,
)
from .servers import SHUTDOWN_TIMEOUT

__all__ = ["ClientController"]


class ClientController:
    """The workspace's clients (``clients``), by id."""

    def __init__(
        self,
        emit: Callable[..., object],
        errors: ErrorPath,
        log_capacity: int,
        budget: LogBudget | None = None,
    ) -> None:
        self._emit = emit
        self._errors = errors
        self._log_capacity = log_capacity
        self._budget = budget if budget is not None else LogBudget()
        self.clients: dict[str, ClientHandle] = {}
        self._numbers: Iterator[int] = itertools.count(1)

    def add(
        self,
        options: Mapping[str, Any],
        name: str | None = None,
        server_id: str | None = None,
        missing: list[str] | None = None,
    ) -> str | None:
        """Add a closed client; its id, or None if core refuses the options (reported).
        ``server_id``: the workbench server it is made for (it follows that server's port);
        ``missing``: the fields of its secrets that are not known (``provide_secrets``)."""
        why = client_refusal(options)
        if why is not None:
            self._errors.report(name or "New client", why)
            return None
        client_id = f"client-{next(self._numbers)}"
        store = self._budget.track(LogStore(self._log_capacity, ""))
        handle = ClientHandle(client_id, name or client_id, dict(options), store)
        handle.server_id = server_id
        handle.secret_missing = list(missing or [])
        self._set_options(handle, options)
        self.clients[client_id] = handle
        self._emit("client_added", client_id)
        return client_id

    def update(self, client_id: str, options: Mapping[str, Any], name: str | None = None) -> bool:
        """Replace a client's options (applied at its next open); False if refused."""
        handle = self.clients[client_id]
        why = client_refusal(options)
        if why is not None:
            self._errors.report(handle.name, why)
            return False
        if name:
            handle.name = name
        self._set_options(handle, options)
        if handle.secret_missing:  # typed again in the form: no longer missing
            held = secret_values(options)
            handle.secret_missing = [f for f in handle.secret_missing if f not in held]
        self._emit("client_changed", client_id)
        return True

    def rename(self, client_id: str, name: str) -> None:
        handle = self.clients[client_id]
        handle.name = name
        handle.log.name = f"{name} → {handle.url}"
        self._emit("client_changed", client_id)

    def follow_port(self, server_id: str, port: int) -> None:
        """A server listens on ``port``: the clients made for it point there from now on
        (a port-0 server gets a new port at each start). Open clients keep their connection."""
        for handle in self.clients.values():
            if handle.server_id == server_id and handle.options.get("port") != port:
                self._set_options(handle, {**handle.options, "port": port})
                self._emit("client_changed", handle.id)

    def _set_options(self, handle: ClientHandle, options: Mapping[str, Any]) -> None:
        handle.options = dict(options)
        handle.url = client_url(parse_client_options(options))
        handle.log.name = f"{handle.name} → {handle.url}"
        handle.log.secret_headers = marked_headers(options) or frozenset()

    async def remove(self, client_id: str) -> None:
        """Close the client, then forget it and its log."""
        await self.close(client_id, 1000, "")
        self.forget(client_id)

    def forget(self, client_id: str) -> None:
        """Drop the client and its log; ``client_removed`` if it was there."""
        handle = self.clients.pop(client_id, None)
        if handle is not None:
            self._budget.release(handle.log)
            self._emit("client_removed", client_id)

    def send_type(self, client_id: str) -> str:
        """The type ``send`` converts to: the connection's, else the options'."""
        handle = self.clients[client_id]
        if handle.core is not None and handle.core.state in ("connecting", "open"):
            return str(handle.core.options["send_type"])
        return handle.send_type

    def active(self) -> list[ClientHandle]:
        """The clients that are connecting, open or closing (for shutdown)."""
        return [
            h
            for h in self.clients.values()
            if h.core is not None and h.core.state in ("connecting", "open", "closing")
        ]

    def provide_secrets(self, client_id: str, values: Mapping[str, str]) -> bool:
        """Put secrets typed again into the options (``values``: field -> value, see
        ``client_secrets``); False (reported) if refused."""
        handle = self.clients[client_id]
        return self.update(client_id, with_secrets(handle.options, values))

    async def open(self, client_id: str) -> bool:
        """Connect with the current options (retrying per them); whether it opened. Not
        while secrets are missing (reported)."""
        handle = self.clients[client_id]
        if handle.secret_missing:
            what = ", ".join(describe_field(f) for f in handle.secret_missing)
            self._errors.report(handle.name, f"type {what} again first: it is not known")
            return False
        if handle.core is not None and handle.core.state in ("connecting", "open"):
            try:
                await handle.core.open()
            except (ConnectError, NotOpenError):
                return False
            return True
        if handle.core is not None and handle.core.state == "closing":
            await handle.core.close()
        client = Client({**core_client_options(handle.options), **WORKBENCH_OPTIONS})
        handle.core = client
        handle.url = client.url
        self._wire(handle, client)
        try:
            await client.open()
        except ConnectError:
            return False  # logged and reported by the 'error' handler
        except NotOpenError:
            return False  # closed while connecting: close() said so
        return True

    def _wire(self, handle: ClientHandle, client: Client) -> None:
        """Log every event of this connection; only the current one changes the state."""
        store = handle.log
        on_wire_message = wire_logger(
            store, client, client.options["send_type"], client.options["receive_type"]
        )

        def current() -> bool:
            return handle.core is client

        def on_connecting(attempt: int, attempts: int) -> None:
            store.log_event(CONNECTING, f"attempt {attempt} of {attempts} to {client.url}")
            if current():
                self._set_state(
                    handle, "connecting", f"connecting (attempt {attempt} of {attempts})"
                )

        def on_retrying(attempt: int, attempts: int, reason: str) -> None:
            # A refusal that a later attempt gets past is in the log too, not only the open.
            store.log_event(ERROR, f"attempt {attempt} of {attempts} failed: {reason}")

        def on_open() -> None:
            handle.handshake = from_client(client)
            log_opening(store, f"GET {client.url}", client, f"connected to {client.url}")
            if current():
                self._set_state(handle, "open", "open")

        def on_close(code: int, reason: str) -> None:
            text = close_text(code, reason)
            store.log_event(CLOSE, f"closed with {text}")
            if current():
                self._set_state(handle, "closed", f"closed: {text}")

        def on_error(exc: BaseException) -> None:
            message = describe_error(exc)
            store.log_event(ERROR, message)
            if isinstance(exc, ConnectError) and current():
                handle.handshake = from_connect_error(client, exc)
                self._set_state(handle, "failed", f"failed: {message}")
            self._errors.report_throttled(handle.throttle, exc, handle.name, message)

        client.on("connecting", on_connecting)
        client.on("retrying", on_retrying)
        client.on("open", on_open)
        client.on("wire_message", on_wire_message)
        client.on("close", on_close)
        client.on("error", on_error)

    async def close(self, client_id: str, code: int, reason: str) -> None:
        """Close the client (or stop its connection attempts). Idempotent. ValueError
        (the client untouched) for a code or reason a close frame cannot carry."""
        handle = self.clients.get(client_id)
        if handle is None or handle.core is None:
            return
        if (refusal := close_refusal(code, reason)) is not None:
            raise ValueError(refusal)
        client = handle.core
        was = client.state
        handle.close_requests.append(time.time())
        if was == "open":
            self._set_state(handle, "closing", "closing")
        await asyncio.wait_for(client.close(code, reason), SHUTDOWN_TIMEOUT)
        if was == "connecting" and handle.core is client:
            handle.log.log_event(INFO, "connection attempts stopped")
            self._set_state(handle, "closed", "closed before it opened")

    def send(self, client_id: str, value: Any) -> bool:
        """Send to the client's server; False (reported, nothing sent) if it fails. A client
        that is still connecting queues it."""
        handle = self.clients[client_id]
        client = handle.core
        if client is None or client.state not in ("connecting", "open"):
            self._errors.report(handle.name, "the client is not connected; open it first")
            return False
        try:
            client.send(value)  # logged by the client's 'wire_message' handler once handed over
        except (WebSocketError, TypeError, ValueError) as exc:
            message = describe_error(exc)
            handle.log.log_event(ERROR, f"not sent: {message}")
            self._errors.report(handle.name, message)
            return False
        return True

    def _set_state(self, handle: ClientHandle, state: str, text: str) -> None:
        handle.state = state
        handle.status_text = text
        self._emit("client_state_changed", handle.id, state, text)
