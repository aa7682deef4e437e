"""What the workspace file holds, taken from the engine and put back into it
(``Workbench.to_workspace`` and ``load_workspace``): the servers with their auto-reply and
classroom flags, the clients with the secrets they still miss, the composers' messages, the
scenarios and the relays."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

from workbench.engine.classroom.classroom import Classroom
from workbench.engine.compose.message_library import MessageLibrary
from workbench.engine.scenarios.library import ScenarioLibrary
from workbench.engine.workspace.client_secrets import describe_field
from workbench.engine.workspace.workspace import ClientConfig, ServerConfig, Workspace

from .clients import ClientController
from .handles import ClientHandle, ServerHandle
from .options import snake_case_client_options
from .relays import RelayController
from .servers import ServerController

__all__ = ["WorkspaceHost", "load_into", "workspace_of"]

AGAIN = "; without a system keyring it is not kept between runs"  # "type … again" news


class WorkspaceHost(Protocol):
    """The engine, as the workspace's contents need it (``workbench.engine.workbench``)."""

    classroom: Classroom
    messages: MessageLibrary
    scenarios: ScenarioLibrary
    relays: RelayController

    @property
    def servers(self) -> dict[str, ServerHandle]: ...

    @property
    def clients(self) -> dict[str, ClientHandle]: ...

    def add_server(self, options: Mapping[str, Any], name: str | None = None) -> str | None: ...

    def set_auto_reply(self, server_id: str, mode: str, text: str = "") -> bool: ...

    def server(self, server_id: str) -> ServerHandle: ...

    def inform(self, text: str) -> None: ...


def workspace_of(host: WorkspaceHost, base: Workspace | None = None) -> Workspace:
    """A ``Workspace`` with the current servers, clients, messages and scenarios, and
    ``base``'s window state (``base`` is not modified)."""
    base = base or Workspace()
    return Workspace(
        servers=[
            ServerConfig(
                h.name,
                host.classroom.saved_options(h.id),
                h.auto_reply.mode,
                h.auto_reply.text,
                shared=host.classroom.is_shared(h.id),
                any_origin=host.classroom.is_open_to_any_origin(h.id),
            )
            for h in host.servers.values()
        ],
        clients=[
            ClientConfig(h.name, dict(h.options), list(h.secret_missing))
            for h in host.clients.values()
        ],
        saved_messages=list(host.messages.saved),
        recent_messages=list(host.messages.recent),
        scenarios=host.scenarios.configs(),
        relays=host.relays.configs(),
        window=dict(base.window),
    )


async def load_into(
    host: WorkspaceHost,
    servers: ServerController,
    clients: ClientController,
    close_everything: Callable[[], Awaitable[None]],
    workspace: Workspace,
    replace: bool,
) -> None:
    """Add the workspace's servers and clients (stopped, closed), scenarios and relays; with
    ``replace``, first close and forget every existing one. Configs core refuses are skipped
    (the controllers report them)."""
    if replace:
        await close_everything()
        for client_id in list(host.clients):
            clients.forget(client_id)
        for old_id in list(host.servers):
            servers.forget(old_id)
    for config in workspace.servers:
        server_id = host.add_server(config.options, config.name)
        if server_id is None:
            continue
        if config.auto_reply != "off":
            host.set_auto_reply(server_id, config.auto_reply, config.auto_reply_text)
        host.server(server_id).secret_missing = config.name in workspace.missing_secrets
        if config.any_origin:
            host.classroom.set_any_origin(server_id, True)
        if config.shared:
            await host.classroom.share(server_id, True)
    for client in workspace.clients:
        options = snake_case_client_options(client.options)
        missing = client.missing_secrets
        if clients.add(options, client.name, missing=missing) and missing:
            what = ", ".join(describe_field(field) for field in missing)
            host.inform(f"{client.name}: type {what} again{AGAIN}")
    host.scenarios.load_configs(workspace.scenarios, replace)  # after the servers it targets
    await host.relays.load_configs(workspace.relays, replace)
    for name in workspace.missing_secrets:  # the server page asks for it at Start
        host.inform(f"{name}: type the PFX password again{AGAIN}")
