"""Scenario files into checked ``Scenario``s, or a ``ScenarioError`` listing every problem.

Nothing here opens a connection: a file that loads is one the runner can run, and a file
with a mistake is refused whole, with each problem's file, line and column. The checks, in
order: YAML/JSON syntax; the document's and each step's shape (``file_schema``, unknown keys
and step kinds answered with the closest valid name); then what a schema cannot say —
durations, clients named in ``as``, variables that nothing gives, regexes, JSON Schemas,
hex/base64, close codes, JSONPaths, and core's own check of each client's options.

A file holds one scenario, or several: YAML documents separated by ``---``, or a list.
``read`` reads the ``schema_file``s a scenario names (by default from the disk): a load
test's worker loads the master's scenario with the files the master sent.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .checking import Problem, ScenarioError, closest, read_text_file, schema_problems
from .client_building import ClientBuilder
from .durations import DurationError, parse_duration
from .file_schema import SCENARIO, STEPS
from .model import (
    DEFAULT_WITHIN,
    STEP_KINDS,
    ClientSpec,
    Location,
    Open,
    Scenario,
    Sleep,
    Step,
)
from .parsing import Document, ParseError, parse_documents
from .parsing import Path as DataPath
from .step_building import StepBuilder
from .variables import Sources, substitute, walk_references

__all__ = ["load_file", "load_text"]

_MAX_FILE = 16 * 1024 * 1024


def load_file(
    path: str | os.PathLike[str],
    sources: Sources | None = None,
    read: Callable[[Path], str] | None = None,
) -> list[Scenario]:
    """The scenarios of a ``.yaml`` / ``.yml`` / ``.json`` file; ``ScenarioError`` if any
    part of it is wrong (or it cannot be read)."""
    file = Path(path)
    text = read_text_file(file, _MAX_FILE)
    if isinstance(text, Problem):
        raise ScenarioError([text])
    return load_text(
        text,
        str(file),
        sources,
        base=file.parent,
        is_json=file.suffix.lower() == ".json",
        read=read,
    )


def load_text(
    text: str,
    file: str = "<scenario>",
    sources: Sources | None = None,
    base: Path | None = None,
    is_json: bool = False,
    read: Callable[[Path], str] | None = None,
) -> list[Scenario]:
    """The scenarios of a file's text; ``base`` is where ``schema_file`` paths start, and
    ``read`` reads one of them (``Path.read_text`` in UTF-8 by default)."""
    try:
        documents = parse_documents(text, is_json)
    except ParseError as exc:
        where = exc.position
        location = Location(file, where.line, where.column) if where else Location(file)
        raise ScenarioError([Problem(location, exc.message)]) from None
    if not documents:
        raise ScenarioError([Problem(Location(file), "the file holds no scenario")])
    sources = sources if sources is not None else Sources()
    scenarios: list[Scenario] = []
    problems: list[Problem] = []
    entries: list[tuple[Document, DataPath]] = []
    for document in documents:
        if isinstance(document.data, list):
            entries.extend((document, (i,)) for i in range(len(document.data)))
        else:
            entries.append((document, ()))
    for number, (document, prefix) in enumerate(entries, start=1):
        builder = _Builder(document, prefix, file, sources, base or Path.cwd(), read or _read)
        default_name = Path(file).stem + (f" #{number}" if len(entries) > 1 else "")
        try:
            scenarios.append(builder.build(default_name))
        except ScenarioError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ScenarioError(problems)
    return scenarios


def _read(file: Path) -> str:
    return file.read_text(encoding="utf-8")


class _Builder(ClientBuilder, StepBuilder):
    """Checks one scenario mapping and builds its ``Scenario`` (collecting every problem)."""

    def __init__(
        self,
        document: Document,
        prefix: DataPath,
        file: str,
        sources: Sources,
        base: Path,
        read: Callable[[Path], str],
    ) -> None:
        self.document = document
        self.prefix = prefix
        self.file = file
        self.sources = sources
        self.base = base
        self.read = read
        self.problems: list[Problem] = []
        self.data: Any = document.data
        for key in prefix:
            self.data = self.data[key]
        self.file_vars: dict[str, Any] = {}
        self.static: dict[str, Any] = {}
        self.outside: set[str] = set()

    # -- places and problems -------------------------------------------------------------

    def where(self, path: DataPath, key: bool = False) -> Location:
        position = self.document.where((*self.prefix, *path), key)
        if position is None:
            return Location(self.file)
        return Location(self.file, position.line, position.column)

    def problem(self, path: DataPath, message: str, key: bool = False) -> None:
        self.problems.append(Problem(self.where(path, key), message))

    def fail_if_problems(self) -> None:
        if self.problems:
            raise ScenarioError(self.problems)

    # -- the scenario ---------------------------------------------------------------------

    def build(self, default_name: str) -> Scenario:
        data = self.data
        self.problems.extend(schema_problems(data, SCENARIO, (), self.where, "the scenario"))
        self.fail_if_problems()
        kinds = self.check_step_shapes(data["steps"])
        self.resolve_variables(data, kinds)
        within = self.duration(("within",), data.get("within"), DEFAULT_WITHIN)
        clients = self.build_clients(data)
        steps = self.build_steps(data["steps"], kinds, clients, within)
        self.fail_if_problems()
        return Scenario(
            name=data.get("name") or default_name,
            location=self.where(()),
            clients=clients,
            steps=tuple(steps),
            variables=dict(self.static),
            outside=frozenset(self.outside),
            within=within,
        )

    def check_step_shapes(self, steps: list[Any]) -> list[str]:
        """Each step's kind (its body checked against its schema); '' where it is broken
        (its problems are recorded, and the other steps are still checked)."""
        kinds: list[str] = []
        for index, step in enumerate(steps):
            path: DataPath = ("steps", index)
            if isinstance(step, str):
                step = {step: None}
            if len(step) != 1:
                named = ", ".join(repr(k) for k in step) or "nothing"
                self.problem(
                    path,
                    f"a step has exactly one kind, this one has {named}; "
                    "put each on its own '- ' line",
                )
                kinds.append("")
                continue
            kind, body = next(iter(step.items()))
            if kind not in STEPS:
                self.problem(
                    (*path, kind),
                    f"unknown step kind {kind!r}{closest(kind, STEP_KINDS)}",
                    key=True,
                )
                kinds.append("")
                continue
            if body is None and kind in ("send", "sleep"):
                need = "a message (message:, text: or bytes:)" if kind == "send" else "a duration"
                self.problem((*path, kind), f"{kind} needs {need}", key=True)
                kind = ""
            else:
                found = schema_problems(body, STEPS[kind], (*path, kind), self.where, kind)
                self.problems.extend(found)
                kind = "" if found else kind
            kinds.append(kind)
        return kinds

    # -- variables ------------------------------------------------------------------------

    def resolve_variables(self, data: dict[str, Any], kinds: list[str]) -> None:
        """Every ``{{name}}`` is given before the run or saved by an earlier step."""
        sources = self.sources
        raw_vars = data.get("vars") or {}

        def outside_only(name: str) -> tuple[bool, Any]:
            return sources.lookup(name, {})

        for name, value in raw_vars.items():
            for path, ref in walk_references(value, ("vars", name)):
                if not outside_only(ref)[0]:
                    self.problem(
                        path,
                        f"the variable {{{{{ref}}}}} in vars is not given; "
                        f"vars may use --var, --env or environment values only",
                    )
            self.file_vars[name] = substitute(value, outside_only)
        saved: set[str] = set()

        def need(path: DataPath, name: str) -> None:
            if name in saved:
                return
            found, value = sources.lookup(name, self.file_vars)
            if not found:
                hint = closest(name, [*self.file_vars, *saved])
                self.problem(
                    path,
                    f"the variable {{{{{name}}}}} is not given: add it to vars, an --env file, "
                    f"--var {name}=…"
                    + (" or the environment" if name.isupper() else "")
                    + (hint if hint.startswith("; did") else ""),
                )
                return
            self.static[name] = value
            if sources.given_outside(name):
                self.outside.add(name)

        for key in ("url", "options", "clients"):
            if key in data:
                for path, name in walk_references(data[key], (key,)):
                    need(path, name)
        for index, step in enumerate(data["steps"]):
            if not kinds[index] or not isinstance(step, dict):
                continue
            body = step[kinds[index]]
            path = ("steps", index, kinds[index])
            for ref_path, name in walk_references(body, path):
                if ref_path[len(path) : len(path) + 1] != ("save",):
                    need(ref_path, name)
            if kinds[index] == "expect" and isinstance(body, dict):
                saved.update(body.get("save") or {})

    def value_of(self, name: str) -> tuple[bool, Any]:
        if name in self.static:
            return True, self.static[name]
        return False, None

    def resolved(self, value: Any) -> Any:
        return substitute(value, self.value_of)

    # -- steps -------------------------------------------------------------------------------

    def build_steps(
        self,
        raw_steps: list[Any],
        kinds: list[str],
        clients: dict[str, ClientSpec],
        within: float,
    ) -> list[Step]:
        steps: list[Step] = []
        opened_at = self.explicit_opens(raw_steps, kinds, clients)
        start = tuple(name for name in clients if name not in opened_at)
        if start:  # clients no step opens are opened before the first step
            steps.append(Open(0, self.where(()), None, within, start, implicit=True))
        for index, raw in enumerate(raw_steps):
            kind = kinds[index]
            if not kind:
                continue
            body = raw[kind] if isinstance(raw, dict) else None
            path: DataPath = ("steps", index, kind)
            location = self.where(("steps", index))
            step_within = within
            if isinstance(body, dict) and "within" in body:
                step_within = self.duration((*path, "within"), body["within"], within)
            if kind == "sleep":
                steps.append(
                    Sleep(index + 1, location, None, step_within, self.duration(path, body, 0.0))
                )
                continue
            if kind == "open":
                names = self.open_names(body, path, clients)
                steps.append(Open(index + 1, location, None, step_within, names))
                continue
            client = self.client_of(body, path, clients)
            if client is None:
                continue
            if opened_at.get(client, -1) > index:
                self.problem(
                    ("steps", index),
                    f"step {index + 1} uses {client!r} before the step that opens it "
                    f"(step {opened_at[client] + 1}); move that open up",
                )
            steps.append(
                self.step(
                    kind,
                    body or {},
                    path,
                    index + 1,
                    location,
                    client,
                    step_within,
                    clients[client],
                )
            )
        return steps

    def explicit_opens(
        self, raw_steps: list[Any], kinds: list[str], clients: dict[str, ClientSpec]
    ) -> dict[str, int]:
        """client -> index of the first step that opens it by name."""
        first: dict[str, int] = {}
        for index, kind in enumerate(kinds):
            if kind == "open":
                body = raw_steps[index]["open"] if isinstance(raw_steps[index], dict) else None
                names = body.get("as") if isinstance(body, dict) else body
                listed = (
                    list(clients) if names is None else [names] if isinstance(names, str) else names
                )
                for name in listed:
                    first.setdefault(name, index)
        return first

    def open_names(
        self, body: Any, path: DataPath, clients: dict[str, ClientSpec]
    ) -> tuple[str, ...]:
        if isinstance(body, dict):
            body = body.get("as")
            path = (*path, "as")
        if body is None:
            return tuple(clients)  # every client at once
        names = [body] if isinstance(body, str) else list(body)
        for name in names:
            if name not in clients:
                self.problem(path, f"open: there is no client {name!r}{closest(name, clients)}")
        return tuple(n for n in names if n in clients)

    def client_of(self, body: Any, path: DataPath, clients: dict[str, ClientSpec]) -> str | None:
        name = body if isinstance(body, str) else body.get("as") if isinstance(body, dict) else None
        at = path if isinstance(body, str) else (*path, "as")
        if name is None:
            if len(clients) == 1:
                return next(iter(clients))
            if clients:
                self.problem(
                    path, f"say which client with as: (one of {', '.join(clients)})", key=True
                )
            return None
        if name not in clients:
            self.problem(at, f"there is no client {name!r}{closest(name, clients)}")
            return None
        return name

    def duration(self, path: DataPath, value: Any, default: float) -> float:
        if value is None:
            return default
        try:
            seconds = parse_duration(self.resolved(value))
        except DurationError as exc:
            self.problem(path, str(exc))
            return default
        if not math.isfinite(seconds):
            self.problem(path, "a duration must be finite")
            return default
        return seconds
