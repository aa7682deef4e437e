"""Problems in a scenario file, each with its place and a sentence that says what to do.

``schema_problems`` turns jsonschema's errors into such sentences: an unknown key names the
closest valid one (difflib), a wrong type says what was expected in words, a duration says
how to write one.
"""

from __future__ import annotations

import difflib
import pathlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import jsonschema

from workbench.engine.units import format_size

from .durations import DurationError, parse_duration
from .file_schema import DURATION
from .model import Location
from .parsing import Path

__all__ = [
    "Problem",
    "ScenarioError",
    "closest",
    "read_text_file",
    "schema_problems",
    "type_words",
]

_QUOTE = " (put it in quotes: YAML reads 00, yes or 1.0 as other types)"
_TYPE_WORDS = {
    "string": "text",
    "object": "a mapping (key: value)",
    "array": "a list",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "empty",
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file, and where."""

    location: Location
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


def read_text_file(file: pathlib.Path, limit: int) -> str | Problem:
    """``file``'s UTF-8 text, or the ``Problem`` saying why it cannot be read (over ``limit``
    bytes, missing, not UTF-8...): a scenario's or a relay's rules file."""
    try:
        if file.stat().st_size > limit:
            return Problem(Location(str(file)), f"the file is over {format_size(limit)}")
        return file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return Problem(Location(str(file)), f"cannot read the file: {why}")


class ScenarioError(Exception):
    """A scenario file cannot run; ``problems`` lists every reason found, in file order."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(
            problems, key=lambda p: (p.location.file, p.location.line or 0, p.location.column or 0)
        )
        super().__init__("\n".join(str(p) for p in self.problems))


def closest(word: str, options: Iterable[str]) -> str:
    """``" (did you mean 'expect'?)"``, or the valid choices when none is close."""
    choices = sorted(options)
    found = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    if found:
        return f"; did you mean {found[0]!r}?"
    return f"; use one of: {', '.join(choices)}" if choices else ""


def type_words(value: Any) -> str:
    """What a value is, in words: ``a number``, ``text``, ``a list``..."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


_validators: dict[int, jsonschema.Draft202012Validator] = {}


def schema_problems(
    instance: Any,
    schema: dict[str, Any],
    path: Path,
    where: Callable[[Path, bool], Location],
    what: str,
) -> list[Problem]:
    """The problems of ``instance`` (at ``path`` in the file) against ``schema``; ``what``
    names it in the sentences (``"the scenario"``, ``"expect"``)."""
    problems: list[Problem] = []
    validator = _validators.get(id(schema))
    if validator is None:  # the file's schemas are module constants: build each one once
        validator = _validators[id(schema)] = jsonschema.Draft202012Validator(schema)
    for error in validator.iter_errors(instance):
        at: Path = (*path, *error.absolute_path)
        name = _name(error.absolute_path, what)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = error.schema.get("properties", {})
            for key in error.instance:
                if key not in allowed:
                    problems.append(
                        Problem(
                            where((*at, key), True),
                            f"unknown key {key!r} in {name}{closest(key, allowed)}",
                        )
                    )
        elif error.schema is DURATION:
            problems.append(Problem(where(at, False), f"{name}: {_duration_problem(error)}"))
        elif error.validator == "type":
            wanted = error.validator_value
            types = [str(t) for t in (wanted if isinstance(wanted, list) else [wanted])]
            words = " or ".join(_TYPE_WORDS.get(t, t) for t in types)
            problems.append(
                Problem(
                    where(at, False),
                    f"{name} must be {words}, not {type_words(error.instance)}"
                    + (
                        _QUOTE
                        if types == ["string"] and type_words(error.instance) != "a mapping"
                        else ""
                    ),
                )
            )
        elif error.validator == "required":
            missing = error.message.split("'")[1] if "'" in error.message else error.message
            problems.append(Problem(where(at, False), f"{name} needs {missing!r}"))
        elif error.validator in ("minItems", "minProperties"):
            problems.append(Problem(where(at, False), f"{name} must not be empty"))
        else:
            problems.append(Problem(where(at, False), f"{name}: {error.message}"))
    return problems


def _duration_problem(error: jsonschema.ValidationError) -> str:
    try:
        parse_duration(error.instance)
    except DurationError as exc:
        return str(exc)
    return error.message


def _name(path: Iterable[str | int], what: str) -> str:
    keys = [p for p in path if isinstance(p, str)]
    return repr(keys[-1]) if keys else what
