"""The ``url`` / ``clients`` part of a scenario into ``ClientSpec``s, each client's URL and
options checked by core itself (``Client(url, **options)`` connects nothing).

``ClientBuilder`` is the client part of the loader's builder (``loading._Builder``), which
gives it ``problem`` (record one with its place) and ``resolved`` (variables known before
the run substituted).
"""

from __future__ import annotations

from typing import Any

from core import Client

from .model import ClientSpec
from .parsing import Path as DataPath
from .variables import REFERENCE, has_references

__all__ = ["SEND_TYPES", "SINGLE_CLIENT", "ClientBuilder"]

#: The name of the connection of a scenario that gives ``url:`` at the top.
SINGLE_CLIENT = "client"
#: What a ``send_type`` may be: how the runner encodes ``message`` values.
SEND_TYPES = ("application/json", "text/*", "*/*")


class ClientBuilder:
    """Builds client specs, recording problems through ``problem`` (see the module docstring)."""

    def problem(self, path: DataPath, message: str, key: bool = False) -> None:
        raise NotImplementedError

    def resolved(self, value: Any) -> Any:
        raise NotImplementedError

    def build_clients(self, data: dict[str, Any]) -> dict[str, ClientSpec]:
        if "url" in data and "clients" in data:
            self.problem(
                ("url",), "give either url (one client) or clients (named ones), not both", key=True
            )
            return {}
        if "url" in data:
            return {SINGLE_CLIENT: self.client(SINGLE_CLIENT, data, ())}
        if "options" in data:
            self.problem(
                ("options",),
                "top-level options go with url; put them under each client in clients",
                key=True,
            )
        if "clients" not in data:
            self.problem(
                (), "say where to connect: url: ws://host:port/path, or clients: {name: {url: …}}"
            )
            return {}
        clients = {}
        for name, spec in data["clients"].items():
            if not REFERENCE.fullmatch("{{" + name + "}}") or "." in name or "-" in name:
                self.problem(
                    ("clients", name),
                    f"client name {name!r}: use letters, digits and _ (it names a variable in the export)",
                    key=True,
                )
                continue
            clients[name] = self.client(name, spec, ("clients", name))
        return clients

    def client(self, name: str, spec: dict[str, Any], path: DataPath) -> ClientSpec:
        url = self.resolved(spec["url"])
        options = dict(self.resolved(spec.get("options") or {}))
        send_type = "application/json"
        for key in ("send_type", "sendType"):
            if key in options:
                send_type = str(options.pop(key))
                if not (send_type in SEND_TYPES or send_type.startswith("text/")):
                    self.problem(
                        (*path, "options", key),
                        f"send_type {send_type!r}: a scenario sends JSON (application/json), "
                        "text (text/plain) or frames as they are (*/*); send binary with bytes:",
                    )
        if "number_of_retries" not in options and "numberOfRetries" not in options:
            options["number_of_retries"] = 0  # a scenario fails fast; within bounds the open
        if not isinstance(url, str):
            self.problem((*path, "url"), "url must be text such as ws://localhost:8080/")
            url = ""
        elif not has_references([url, options]):  # else a variable is missing: said already
            try:
                Client(url, **options)  # core checks the URL and every option; nothing connects
            except (ValueError, TypeError) as exc:
                said = str(exc)
                at = (*path, "url")
                for key in options:
                    if f"{key!r}" in said:
                        at = (*path, "options", key)
                        break
                self.problem(at, f"client {name!r}: {said}", key=at[-1] != "url")
        written = {"url": spec["url"], "options": spec.get("options") or {}}
        return ClientSpec(name, url, options, send_type, written)
