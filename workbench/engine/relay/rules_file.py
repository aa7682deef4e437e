"""Relay rules from a YAML or JSON file, or a ``RulesFileError`` listing every problem with its
file, line and column (the scenario files' parser and sentences).

The file is a list of rules, or a mapping whose ``rules`` key holds that list::

    rules:
      - name: hide the token                # how the log names it (default: rule N)
        direction: to_upstream              # to_upstream, to_client or both (the default)
        match: {text: "/token=\\\\w+/"}     # text, json (a JSON subset), frame: text|binary
        replace: {regex: "token=\\\\w+", with: "token=***"}
      - direction: to_client
        match: {json: {type: price}}
        set: {"$.amount": 0}                # JSONPath: value
        delay: 200ms
      - match: {frame: binary}
        drop: true

What each key does is in ``rules``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from workbench.engine.scenarios.checking import Problem, read_text_file, schema_problems
from workbench.engine.scenarios.durations import DurationError, parse_duration
from workbench.engine.scenarios.file_schema import DURATION
from workbench.engine.scenarios.model import Location
from workbench.engine.scenarios.parsing import Document, ParseError, parse_documents
from workbench.engine.scenarios.parsing import Path as DataPath

from .directions import BOTH, DIRECTIONS
from .rules import FRAMES, Rule, RuleError, RuleSet

__all__ = ["RULE", "RulesFileError", "load_rules", "load_rules_text"]

_MAX_FILE = 4 * 1024 * 1024
_DIRECTION_WORDS = (*DIRECTIONS, "both")

RULE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "direction": {"type": "string", "enum": list(_DIRECTION_WORDS)},
        "match": {
            "type": "object",
            "properties": {
                "text": {"type": "string"},
                "json": {},
                "frame": {"type": "string", "enum": list(FRAMES)},
            },
            "additionalProperties": False,
        },
        "replace": {
            "type": "object",
            "properties": {"regex": {"type": "string"}, "with": {"type": "string"}},
            "required": ["regex", "with"],
            "additionalProperties": False,
        },
        "set": {"type": "object", "minProperties": 1},
        "drop": {"type": "boolean"},
        "delay": DURATION,
    },
    "additionalProperties": False,
}
_FILE: dict[str, Any] = {
    "type": "object",
    "properties": {"rules": {"type": "array", "items": {"type": "object"}}},
    "required": ["rules"],
    "additionalProperties": False,
}


class RulesFileError(Exception):
    """A rules file cannot be used; ``problems`` lists every reason found, in file order."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(
            problems, key=lambda p: (p.location.line or 0, p.location.column or 0)
        )
        super().__init__("\n".join(str(p) for p in self.problems))


def load_rules(path: str | os.PathLike[str]) -> RuleSet:
    """The rules of a ``.yaml`` / ``.yml`` / ``.json`` file; ``RulesFileError`` if any part
    of it is wrong or it cannot be read."""
    file = Path(path)
    text = read_text_file(file, _MAX_FILE)
    if isinstance(text, Problem):
        raise RulesFileError([text])
    return load_rules_text(text, str(file), is_json=file.suffix.lower() == ".json")


def load_rules_text(text: str, file: str = "<rules>", is_json: bool = False) -> RuleSet:
    """The rules of a file's text (see the module docstring)."""
    try:
        documents = parse_documents(text, is_json)
    except ParseError as exc:
        at = exc.position
        location = Location(file, at.line, at.column) if at else Location(file)
        raise RulesFileError([Problem(location, exc.message)]) from None
    if len(documents) != 1:
        said = "holds no rules" if not documents else "holds several YAML documents; use one"
        raise RulesFileError([Problem(Location(file), f"the file {said}")])
    document = documents[0]

    def where(path: DataPath, key: bool = False) -> Location:
        found = document.where(path, key)
        return Location(file, found.line, found.column) if found else Location(file)

    data = document.data
    prefix: DataPath = ()
    if isinstance(data, dict):
        problems = schema_problems(data, _FILE, (), where, "the rules file")
        if problems:
            raise RulesFileError(problems)
        data, prefix = data["rules"], ("rules",)
    elif not isinstance(data, list):
        raise RulesFileError(
            [Problem(where(()), "the file is a list of rules, or has rules: with that list")]
        )
    problems = []
    rules: list[Rule] = []
    for index, spec in enumerate(data):
        path = (*prefix, index)
        found = schema_problems(spec, RULE, path, where, f"rule {index + 1}")
        if found:
            problems.extend(found)
            continue
        try:
            rules.append(_rule(spec, index, document, path))
        except _Placed as exc:
            problems.append(Problem(where(exc.path), exc.message))
    if problems:
        raise RulesFileError(problems)
    return RuleSet(rules)


class _Placed(Exception):
    def __init__(self, message: str, path: DataPath) -> None:
        super().__init__(message)
        self.message = message
        self.path = path


def _rule(spec: dict[str, Any], index: int, document: Document, path: DataPath) -> Rule:
    name = spec.get("name") or f"rule {index + 1}"
    direction = spec.get("direction", "both")
    match = spec.get("match", {})
    delay = 0.0
    if "delay" in spec:
        try:
            delay = parse_duration(spec["delay"])
        except DurationError as exc:
            raise _Placed(f"delay: {exc}", (*path, "delay")) from None
    replace = spec.get("replace")
    try:
        return Rule(
            name,
            directions=BOTH if direction == "both" else (direction,),
            text=match.get("text"),
            json=match.get("json"),
            frame=match.get("frame"),
            replace=None if replace is None else (replace["regex"], replace["with"]),
            set=spec.get("set"),
            drop=spec.get("drop", False),
            delay=delay,
        )
    except RuleError as exc:
        key = exc.key
        at: DataPath = (*path, "match", key) if key in ("text", "json", "frame") else (*path, key)
        if at not in document.values:
            at = path
        raise _Placed(f"{name}: {exc}", at) from None
