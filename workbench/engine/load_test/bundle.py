"""What a load test's master sends its workers: the scenario file and all it needs to load.

A worker on another machine has the package but not the file, the ``schema_file``s it
names, the ``--env`` file or the master's environment. ``pack`` loads the file on the master
(so a file with a mistake is refused there, whole) and keeps, beside its text, every schema
file the loader read and the values given outside the file: ``--var``, the ``--env`` file,
and the UPPER_CASE environment variables the text refers to (nothing else of the master's
environment leaves it). ``unpack`` loads the same scenarios from that on a worker, reading
nothing from the worker's disk or environment. ``as_message`` / ``from_message`` are the
plain mapping Locust's custom messages carry (msgpack); ``from_message`` checks its shape,
because it comes over the network.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.engine.scenarios.checking import Problem, ScenarioError
from workbench.engine.scenarios.loading import load_file, load_text
from workbench.engine.scenarios.model import Location, Scenario
from workbench.engine.scenarios.variables import UPPER_CASE, Sources, references

__all__ = ["MAX_BUNDLE", "ScenarioBundle", "pack", "unpack"]

#: The most text (scenario and schema files together) a bundle may carry, in characters.
MAX_BUNDLE = 16 * 1024 * 1024


@dataclass(frozen=True)
class ScenarioBundle:
    """A scenario file as its master loaded it: ``file`` (its path there, for messages),
    ``text``, the ``schemas`` read (path there -> text) and the ``Sources`` values."""

    file: str
    text: str
    schemas: dict[str, str] = field(default_factory=dict)
    env_file: dict[str, Any] = field(default_factory=dict)
    cli: dict[str, Any] = field(default_factory=dict)
    environ: dict[str, str] = field(default_factory=dict)

    def as_message(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "text": self.text,
            "schemas": self.schemas,
            "env_file": self.env_file,
            "cli": self.cli,
            "environ": self.environ,
        }

    @classmethod
    def from_message(cls, data: Any) -> ScenarioBundle:
        """The bundle in a message; ``ScenarioError`` if it is not one."""
        if not isinstance(data, Mapping):
            raise _broken("the message is not a mapping")
        file, text = data.get("file"), data.get("text")
        if not isinstance(file, str) or not isinstance(text, str):
            raise _broken("the file name or text is missing")
        maps = {key: data.get(key) for key in ("schemas", "env_file", "cli", "environ")}
        for key, value in maps.items():
            if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
                raise _broken(f"{key} is not a mapping of names")
        schemas, environ = maps["schemas"], maps["environ"]
        assert isinstance(schemas, Mapping) and isinstance(environ, Mapping)
        if not all(isinstance(v, str) for v in [*schemas.values(), *environ.values()]):
            raise _broken("a schema file or an environment value is not text")
        if len(text) + sum(len(v) for v in schemas.values()) > MAX_BUNDLE:
            raise _broken("it is over 16 MiB")
        return cls(file, text, *(dict(maps[k] or {}) for k in maps))


def pack(path: str | os.PathLike[str], sources: Sources) -> tuple[list[Scenario], ScenarioBundle]:
    """Load the file (``ScenarioError`` if it is wrong) and bundle it for the workers."""
    file = Path(path)
    schemas: dict[str, str] = {}

    def read(schema: Path) -> str:
        text = schema.read_text(encoding="utf-8")
        schemas[str(schema)] = text
        return text

    scenarios = load_file(file, sources, read)
    text = file.read_text(encoding="utf-8")  # load_file read it: it is there and UTF-8
    named = {name for name in references(text) if UPPER_CASE.fullmatch(name)}
    environ = {name: value for name, value in sources.environ.items() if name in named}
    bundle = ScenarioBundle(
        str(file), text, schemas, dict(sources.env_file), dict(sources.cli), environ
    )
    return scenarios, bundle


def unpack(bundle: ScenarioBundle) -> list[Scenario]:
    """The bundle's scenarios, loaded from it alone; ``ScenarioError`` as ``load_text``."""
    file = Path(bundle.file)

    def read(schema: Path) -> str:
        text = bundle.schemas.get(str(schema))
        if text is None:
            raise OSError("the master did not send it")
        return text

    sources = Sources(bundle.env_file, bundle.cli, bundle.environ)
    return load_text(
        bundle.text,
        bundle.file,
        sources,
        base=file.parent,
        is_json=file.suffix.lower() == ".json",
        read=read,
    )


def _broken(why: str) -> ScenarioError:
    return ScenarioError(
        [Problem(Location("<from the master>"), f"the scenario from the master is unusable: {why}")]
    )
