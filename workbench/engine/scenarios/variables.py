"""``{{name}}`` in a scenario's strings, and where the values come from.

Sources, later ones winning: the file's ``vars`` (defaults), the ``--env`` file (YAML, or
``.env`` lines ``NAME=value``), the process environment (UPPER_CASE names only, so that
``{{user}}`` never picks up the login name in ``$USER``), then ``--var name=value`` (what
the person running it typed wins over everything). Values a step ``save``s join during the
run. A string that is exactly one ``{{name}}`` becomes that value with its type (a number, a
mapping); within longer text a value is written as text (JSON for mappings and lists).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .parsing import Path as DataPath

__all__ = [
    "REFERENCE",
    "Sources",
    "VariableError",
    "has_references",
    "parse_assignments",
    "read_env_file",
    "references",
    "substitute",
    "walk_references",
]

REFERENCE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}")
_WHOLE = re.compile(r"\s*\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}\s*")
UPPER_CASE = re.compile(r"[A-Z][A-Z0-9_]*")


class VariableError(ValueError):
    """A variable source cannot be read, or a ``--var`` is not ``name=value``."""


@dataclass(frozen=True)
class Sources:
    """The values given outside the file: ``--env`` file, ``--var``, the process environment."""

    env_file: Mapping[str, Any] = field(default_factory=dict)
    cli: Mapping[str, Any] = field(default_factory=dict)
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))

    def lookup(self, name: str, file_vars: Mapping[str, Any]) -> tuple[bool, Any]:
        """(found, value) for ``name`` by the precedence in the module docstring."""
        if name in self.cli:
            return True, self.cli[name]
        if UPPER_CASE.fullmatch(name) and name in self.environ:
            return True, self.environ[name]
        if name in self.env_file:
            return True, self.env_file[name]
        if name in file_vars:
            return True, file_vars[name]
        return False, None

    def given_outside(self, name: str) -> bool:
        """True when the value comes from the command line or the environment, not the file
        (an exported test must not write it into its source: it may be a secret)."""
        return self.lookup(name, {})[0]


def references(text: str) -> list[str]:
    """The names ``text`` refers to, in order."""
    return REFERENCE.findall(text)


def walk_references(data: Any, path: DataPath = ()) -> Iterator[tuple[DataPath, str]]:
    """(path, name) of every reference in the strings of ``data`` (keys are not templates)."""
    if isinstance(data, str):
        for name in REFERENCE.findall(data):
            yield path, name
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from walk_references(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from walk_references(value, (*path, index))


def has_references(data: Any) -> bool:
    return next(walk_references(data), None) is not None


def substitute(data: Any, value_of: Callable[[str], tuple[bool, Any]]) -> Any:
    """``data`` with each reference whose ``value_of(name)`` is found replaced; others kept."""
    if isinstance(data, str):
        if "{{" not in data:
            return data
        whole = _WHOLE.fullmatch(data)
        if whole is not None:
            found, value = value_of(whole.group(1))
            return value if found else data

        def text_of(match: re.Match[str]) -> str:
            found, value = value_of(match.group(1))
            return as_text(value) if found else match.group(0)

        return REFERENCE.sub(text_of, data)
    if isinstance(data, dict):
        return {key: substitute(value, value_of) for key, value in data.items()}
    if isinstance(data, list):
        return [substitute(value, value_of) for value in data]
    return data


def as_text(value: Any) -> str:
    """A value as it reads inside a longer string: text as is, anything else as JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def parse_assignments(items: Sequence[str], called: str = "--var") -> dict[str, str]:
    """``['user=alice', 'n=2']`` -> ``{'user': 'alice', 'n': '2'}``; ``VariableError`` if
    one has no ``=`` or an invalid name (the message calls an item ``called``)."""
    values: dict[str, str] = {}
    for item in items:
        name, equals, value = item.partition("=")
        name = name.strip()
        if not equals or not _valid_name(name):
            raise VariableError(
                f"{called} {item!r} is not name=value (a name is letters, digits, _ . -)"
            )
        values[name] = value
    return values


def read_env_file(path: str | os.PathLike[str], called: str = "the --env file") -> dict[str, Any]:
    """Variables from a YAML/JSON mapping (``.yaml``, ``.yml``, ``.json``) or a ``.env`` file:
    ``NAME=value`` lines, ``export`` allowed, ``#`` comments, values optionally quoted (the
    messages call the file ``called``)."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise VariableError(f"cannot read {called} {file}: {exc}") from None
    if file.suffix.lower() in (".yaml", ".yml", ".json"):
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise VariableError(f"{called} {file} is not valid YAML: {exc}") from None
        if data is None:
            return {}
        if not isinstance(data, dict) or not all(isinstance(k, str) for k in data):
            raise VariableError(f"{called} {file} must be a mapping of names to values")
        return dict(data)
    values: dict[str, Any] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        line = line.removeprefix("export ").strip()
        name, equals, value = line.partition("=")
        name = name.strip()
        if not equals or not _valid_name(name):
            raise VariableError(f"{file}:{number}: expected NAME=value, found {raw.strip()!r}")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        elif " #" in value:
            value = value.split(" #", 1)[0].rstrip()
        values[name] = value
    return values


def _valid_name(name: str) -> bool:
    return REFERENCE.fullmatch("{{" + name + "}}") is not None
