"""A scenario's connections as workbench clients: the runner drives ordinary clients of the
window, so their logs, frames, handshake and conversation views work during and after a run.

``WorkbenchClients(host, scenario_name, server_id)`` is the runner's ``connect``: for each
client of the scenario it adds (or, on the next run, reuses) the workbench client named
``"<scenario> · <client>"`` — aimed at the workbench server ``server_id`` when given (its
host, port and TLS trust, following its port as "New client to it" does; the path comes
from the scenario's URL), else at the scenario's URL. A client of that name that is busy
(connecting or open) is left alone and a new one is made.

``WorkbenchConnection`` is the runner's ``Connection`` over one such client: opening,
closing and pinging go through the facade (logged like a click on Open, Close or Ping);
before the client's connection starts (its ``'connecting'`` state), the core ``Client``
the facade made is tapped by ``PulledClient``, so the runner receives every message while
the client's own log records it. The runner encodes what it sends itself: the client sends
frames as they are (``send_type`` ``*/*``).
"""

from __future__ import annotations

from typing import Any

from core import Client, ConnectError, NotOpenError, WebSocketError
from workbench.engine.pinging import ping_and_log

from .connections import PulledClient
from .host import ScenarioHost
from .matchers import Arrival
from .model import ClientSpec

__all__ = ["WorkbenchClients", "WorkbenchConnection", "client_name", "workbench_options"]

_BUSY = ("connecting", "open", "closing")


def client_name(scenario_name: str, client: str) -> str:
    """The workbench client of a scenario's client: ``"chat says welcome · alice"``."""
    return f"{scenario_name} · {client}"


def workbench_options(spec: ClientSpec) -> dict[str, Any]:
    """The workbench client options of a scenario's client: its URL as host, port, path
    (with the query) and TLS, its options, frames sent as they are."""
    parsed = Client(spec.url, **spec.options).options  # core reads the URL; nothing connects
    options = dict(spec.options)
    for key in ("host", "port", "path", "ssl_tls"):
        options[key] = parsed[key]
    options["send_type"] = "*/*"
    return options


class WorkbenchClients:
    """The runner's ``connect`` for a run in the window (see the module docstring)."""

    def __init__(self, host: ScenarioHost, scenario_name: str, server_id: str | None = None):
        self.host = host
        self.scenario_name = scenario_name
        self.server_id = server_id
        #: scenario client name -> workbench client id, of this run.
        self.client_ids: dict[str, str] = {}

    def __call__(self, spec: ClientSpec) -> WorkbenchConnection:
        client_id = self._client_for(spec)
        self.client_ids[spec.name] = client_id
        return WorkbenchConnection(self.host, spec.name, client_id)

    def _client_for(self, spec: ClientSpec) -> str:
        host = self.host
        name = client_name(self.scenario_name, spec.name)
        options = workbench_options(spec)
        server_id = self.server_id if self.server_id in host.servers else None
        reused = next(
            (h.id for h in host.clients.values() if h.name == name and h.state not in _BUSY),
            None,
        )
        if reused is not None:
            done = (
                host.aim_client(reused, server_id, options)
                if server_id is not None
                else host.update_client(reused, options)
            )
            if not done:
                raise ValueError(f"{name}: its options were refused (see the status bar)")
            if server_id is None:
                host.client(reused).server_id = None  # no longer following a server
            return reused
        if server_id is not None:
            made = host.add_client_for(server_id, options, name)
        else:
            made = host.add_client(options, name)
        if made is None:
            raise ValueError(f"{name}: the client could not be made (see the status bar)")
        return made


class WorkbenchConnection:
    """A ``Connection`` over the workbench client ``client_id`` (see the module docstring)."""

    def __init__(self, host: ScenarioHost, name: str, client_id: str) -> None:
        self.name = name
        self.client_id = client_id
        self._host = host
        self._pulled: PulledClient | None = None
        self._failure: ConnectError | None = None

    @property
    def close_code(self) -> int | None:
        return None if self._pulled is None else self._pulled.client.close_code

    @property
    def close_reason(self) -> str | None:
        return None if self._pulled is None else self._pulled.client.close_reason

    @property
    def errors(self) -> list[str]:
        return [] if self._pulled is None else self._pulled.errors

    def is_open(self) -> bool:
        return self._pulled is not None and self._pulled.client.is_open()

    async def open(self) -> None:
        """Open the client through the facade; ``ConnectError`` (core's, with the reason)
        when it cannot, or ``NotOpenError`` when it was closed or removed meanwhile."""
        self._failure = None
        self._host.on("client_state_changed", self._state_changed)
        try:
            opened = await self._host.open_client(self.client_id)
        finally:
            self._host.off("client_state_changed", self._state_changed)
        if opened:
            self._tap()  # it was open already (opened by hand): pull from now on
            return
        if self._failure is not None:
            raise self._failure
        handle = self._host.clients.get(self.client_id)
        why = handle.status_text if handle is not None else "it was removed"
        raise NotOpenError(f"{self.name} did not open: {why}")

    def _state_changed(self, client_id: str, state: str, _text: str) -> None:
        if client_id == self.client_id and state == "connecting":
            self._tap()  # before its first attempt: no frame is missed

    def _tap(self) -> None:
        core = self._host.client(self.client_id).core
        if core is None or (self._pulled is not None and self._pulled.client is core):
            return
        self._pulled = PulledClient(core)
        core.on("error", self._on_error)

    def _on_error(self, error: WebSocketError) -> None:
        if isinstance(error, ConnectError):
            self._failure = error

    def _client(self) -> Client:
        if self._pulled is None:
            raise NotOpenError(f"{self.name} is not open")
        return self._pulled.client

    async def send(self, payload: str | bytes) -> None:
        await self._client().send(payload)  # the client's log records it as it goes out

    async def receive(self) -> Arrival:
        self._client()
        assert self._pulled is not None
        return await self._pulled.receive()

    async def ping(self) -> float:
        """A ping whose round trip goes into the client's log, as the Ping button's does."""
        return await ping_and_log(self._client(), self._host.log(self.client_id))

    async def close(self, code: int = 1000, reason: str = "") -> None:
        if self._pulled is None or self.client_id not in self._host.clients:
            return
        await self._host.close_client(self.client_id, code, reason)
