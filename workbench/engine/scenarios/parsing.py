"""Scenario files into plain data, remembering the line and column of every key and value.

PyYAML composes the file into nodes (each with its start mark); we turn the nodes into
dicts, lists and scalars ourselves so that each path (``("steps", 2, "expect", "within")``)
keeps where it was written. JSON files are read by ``json`` (its errors have a line and
column too); their positions come from the same YAML pass when YAML reads them alike.

Keys are kept as written (``200:`` is the key ``'200'``, ``on:`` stays ``'on'``); a
duplicate key is an error, as a reviewer would want. Dates stay text. Aliases expand, but a
file may hold at most ``MAX_NODES`` values, so a chain of aliases cannot exhaust memory.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from typing import Any

import yaml

__all__ = ["MAX_NODES", "Document", "ParseError", "Path", "Position", "parse_documents"]

Path = tuple[str | int, ...]
MAX_NODES = 200_000
_MERGE = "tag:yaml.org,2002:merge"


@dataclass(frozen=True)
class Position:
    """1-based line and column in the file."""

    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.line}:{self.column}"


class ParseError(ValueError):
    """The file is not well-formed YAML or JSON (``position``: where, when known)."""

    def __init__(self, message: str, position: Position | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


@dataclass
class Document:
    """One document of a file: its data and where each part of it was written."""

    data: Any
    values: dict[Path, Position] = field(default_factory=dict)
    keys: dict[Path, Position] = field(default_factory=dict)

    def where(self, path: Path, key: bool = False) -> Position | None:
        """Where ``path`` was written (its key, with ``key``), else its nearest ancestor."""
        if key and path in self.keys:
            return self.keys[path]
        for end in range(len(path), -1, -1):
            found = self.values.get(path[:end])
            if found is not None:
                return found
        return None


def parse_documents(text: str, is_json: bool = False) -> list[Document]:
    """The documents of a YAML stream (``---`` separates them), or the one of a JSON text."""
    if is_json:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ParseError(
                f"not valid JSON: {exc.msg}", Position(exc.lineno, exc.colno)
            ) from None
        try:
            documents = _yaml_documents(text)
        except ParseError:
            documents = []
        if len(documents) == 1 and documents[0].data == data:
            return documents
        return [Document(data)]  # YAML reads this JSON differently: no positions, still right
    return _yaml_documents(text)


def _yaml_documents(text: str) -> list[Document]:
    loader = yaml.SafeLoader(text)
    try:
        documents = []
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            document = Document(None)
            document.data = _Converter(loader, document).value(node, ())
            documents.append(document)
        return documents
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Position(mark.line + 1, mark.column + 1) if mark is not None else None
        said = exc.problem or exc.context or "the file is not valid YAML"
        if exc.context and exc.problem:
            said = f"{exc.problem} ({exc.context})"
        raise ParseError(f"not valid YAML: {said}", where) from None
    except yaml.YAMLError as exc:
        raise ParseError(f"not valid YAML: {exc}") from None
    finally:
        loader.dispose()


class _Converter:
    def __init__(self, loader: yaml.SafeLoader, document: Document) -> None:
        self.loader = loader
        self.document = document
        self.count = 0

    def value(self, node: yaml.Node, path: Path) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise ParseError(
                f"the file holds more than {MAX_NODES:,} values (aliases expanded); "
                "split it or use fewer aliases",
                _position(node),
            )
        self.document.values[path] = _position(node)
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.value(item, (*path, i)) for i, item in enumerate(node.value)]
        value = self.loader.construct_object(node, deep=True)
        if isinstance(value, datetime.date):  # YAML 1.1 reads 2024-01-31 as a date
            return node.value
        return value

    def mapping(self, node: yaml.MappingNode, path: Path) -> dict[str, Any]:
        written = sum(1 for key, _ in node.value if key.tag != _MERGE)
        self.loader.flatten_mapping(node)  # merge keys (<<: *defaults) come first, then these
        merged = len(node.value) - written
        result: dict[str, Any] = {}
        given: set[str] = set()
        for index, (key_node, value_node) in enumerate(node.value):
            if not isinstance(key_node, yaml.ScalarNode):
                raise ParseError("a key must be a plain word or text", _position(key_node))
            key = str(key_node.value)
            if index >= merged and key in given:
                raise ParseError(
                    f"the key {key!r} is given twice in the same mapping", _position(key_node)
                )
            if index >= merged:
                given.add(key)
            self.document.keys[(*path, key)] = _position(key_node)
            result[key] = self.value(value_node, (*path, key))
        return result


def _position(node: yaml.Node) -> Position:
    return Position(node.start_mark.line + 1, node.start_mark.column + 1)
