"""A scenario being edited in the window: its data as plain dicts, the step list's
operations, and the text both ways (Qt-free).

``ScenarioDraft.from_text(text)`` reads YAML (or JSON) into the draft, or raises a
``DraftError`` with the line and column — the caller keeps its old draft, so a typo in the
text never empties the step list. ``to_text()`` writes it back (``yaml_writer``). A draft
holds one scenario; what it says is checked by the loader (``problems()``), which a draft
may fail while it is being written: the list shows the steps anyway.

Steps are one-key mappings ``{kind: body}`` (a step written as a bare word, ``- ping``, is
read as ``{"ping": None}``). The operations (``insert``, ``remove``, ``move``,
``duplicate``, ``replace``) change ``steps`` in place; ``match_on_keys`` turns an
``equals`` into a ``match`` on the keys chosen.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .checking import Problem, ScenarioError
from .client_building import SINGLE_CLIENT
from .loading import load_text
from .model import STEP_KINDS
from .parsing import ParseError, parse_documents
from .variables import Sources
from .yaml_writer import dump_scenario, flow

__all__ = [
    "NEW_SCENARIO",
    "STEP_TEMPLATES",
    "DraftError",
    "ScenarioDraft",
    "step_summary",
]

#: What a new scenario starts with: one client, a hello and an answer to wait for.
NEW_SCENARIO: dict[str, Any] = {
    "name": "new scenario",
    "url": "ws://127.0.0.1:8080/",
    "steps": [
        {"send": {"message": {"hello": "world"}}},
        {"expect": {"within": "2s"}},
    ],
}

#: The body a step of each kind gets when it is added (``as`` is added for many clients).
STEP_TEMPLATES: dict[str, Any] = {
    "open": None,
    "send": {"message": {"hello": "world"}},
    "expect": {"within": "2s"},
    "expect_none": {"within": "300ms"},
    "ping": None,
    "sleep": "100ms",
    "close": {"code": 1000},
    "expect_close": {"code": 1000},
}
_BODY_TAKES_AS = ("send", "expect", "expect_none", "ping", "close", "expect_close")


class DraftError(ValueError):
    """The text cannot become a step list: ``message`` says why, ``line``/``column`` where
    (1-based; None when unknown)."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        where = f"line {line}, column {column}: " if line is not None else ""
        super().__init__(where + message)
        self.message = message
        self.line = line
        self.column = column


@dataclass
class ScenarioDraft:
    """One scenario's data as the file holds it (see the module docstring)."""

    data: dict[str, Any]

    @classmethod
    def new(cls) -> ScenarioDraft:
        return cls(copy.deepcopy(NEW_SCENARIO))

    @classmethod
    def from_text(cls, text: str, is_json: bool = False) -> ScenarioDraft:
        """The draft of ``text``; ``DraftError`` when it is not YAML, holds no scenario or
        more than one, or its top level or ``steps`` has the wrong shape."""
        try:
            documents = parse_documents(text, is_json)
        except ParseError as exc:
            where = exc.position
            raise DraftError(
                exc.message, where.line if where else None, where.column if where else None
            ) from None
        if len(documents) != 1 or isinstance(documents[0].data, list):
            count = len(documents) if len(documents) != 1 else len(documents[0].data)
            raise DraftError(
                "the file holds no scenario"
                if not count
                else f"the file holds {count} scenarios; the window edits one scenario per file "
                "(websocket-workbench run runs them all)"
            )
        document = documents[0]
        data = document.data
        if not isinstance(data, dict):
            raise DraftError("a scenario is a mapping: name:, url:, steps: …", 1, 1)
        steps = data.get("steps", [])
        if not isinstance(steps, list):
            where = document.where(("steps",))
            raise DraftError(
                "steps must be a list (each step on its own '- ' line)",
                where.line if where else None,
                where.column if where else None,
            )
        data = dict(data)
        data["steps"] = [{step: None} if isinstance(step, str) else step for step in steps]
        return cls(data)

    def to_text(self) -> str:
        return dump_scenario(self.data)

    def problems(
        self, text: str | None = None, file: str = "<scenario>", base: Path | None = None
    ) -> list[Problem]:
        """What the loader finds wrong in ``text`` (this draft's text as it was typed;
        default: as ``to_text`` writes it), each with its line and column; none: it runs."""
        try:
            load_text(self.to_text() if text is None else text, file, Sources(), base)
        except ScenarioError as exc:
            return exc.problems
        return []

    # -- what it holds ----------------------------------------------------------------------

    @property
    def name(self) -> str:
        return str(self.data.get("name") or "")

    @property
    def steps(self) -> list[Any]:
        steps = self.data.setdefault("steps", [])
        assert isinstance(steps, list)
        return steps

    def clients(self) -> list[str]:
        """The client names steps may use in ``as`` (``client`` for a top-level ``url``)."""
        clients = self.data.get("clients")
        if isinstance(clients, dict) and clients:
            return [str(name) for name in clients]
        return [SINGLE_CLIENT]

    @property
    def many_clients(self) -> bool:
        return len(self.clients()) > 1

    def kind(self, index: int) -> str:
        step = self.steps[index]
        return str(next(iter(step))) if isinstance(step, dict) and len(step) == 1 else ""

    def body(self, index: int) -> Any:
        step = self.steps[index]
        return next(iter(step.values())) if isinstance(step, dict) and len(step) == 1 else None

    # -- the list's operations ----------------------------------------------------------------

    def insert(self, index: int, kind: str) -> int:
        """Add a step of ``kind`` (its template) at ``index``; the index it got."""
        if kind not in STEP_KINDS:
            raise ValueError(f"unknown step kind {kind!r}; use one of {', '.join(STEP_KINDS)}")
        body = copy.deepcopy(STEP_TEMPLATES[kind])
        if self.many_clients and kind in _BODY_TAKES_AS:
            body = {"as": self.clients()[0], **(body or {})}
        index = max(0, min(index, len(self.steps)))
        self.steps.insert(index, {kind: body})
        return index

    def remove(self, index: int) -> None:
        del self.steps[index]

    def move(self, index: int, delta: int) -> int:
        """Move a step ``delta`` places (clamped to the list); its new index."""
        target = max(0, min(index + delta, len(self.steps) - 1))
        self.steps.insert(target, self.steps.pop(index))
        return target

    def duplicate(self, index: int) -> int:
        """A copy of the step just after it; the copy's index."""
        self.steps.insert(index + 1, copy.deepcopy(self.steps[index]))
        return index + 1

    def replace(self, index: int, kind: str, body: Any) -> None:
        self.steps[index] = {kind: body}

    def match_on_keys(self, index: int, keys: list[str]) -> None:
        """Turn the ``equals`` of an ``expect`` (a mapping) into a ``match`` on ``keys``
        only (in the mapping's order): what else arrives in the message no longer counts."""
        body = self.body(index)
        if self.kind(index) not in ("expect", "expect_none") or not isinstance(body, dict):
            raise ValueError("only an expect with equals can become a match")
        if "equals" not in body:
            raise ValueError("only an expect with equals can become a match")
        expected = body.get("equals")
        if not isinstance(expected, dict):
            raise ValueError("equals holds no mapping: there are no keys to match on")
        chosen = {key: value for key, value in expected.items() if key in keys}
        new_body = {("match" if key == "equals" else key): value for key, value in body.items()}
        new_body["match"] = chosen
        self.replace(index, self.kind(index), new_body)


def step_summary(step: Any, limit: int = 120) -> str:
    """One line for a step of a draft: ``send: {as: alice, message: {type: hello}}``."""
    if isinstance(step, dict) and len(step) == 1:
        kind, body = next(iter(step.items()))
        text = str(kind) if body is None else f"{kind}: {flow(body)}"
    else:
        text = flow(step)
    return text if len(text) <= limit else text[: limit - 1] + "…"
