"""The matchers of ``expect``: which received message is the one, and why another is not.

``equals`` (the whole converted message), ``match`` (a JSON subset: every key given is
present and matches, recursively; a list matches element by element and has the same
length; a string ``/regex/`` is searched for), ``text`` (the message as text, exact or
``/regex/``), ``schema`` (JSON Schema), ``bytes`` (a binary message: hex, or ``base64:…``)
and ``type`` (the MIME type it arrived as; ``text/*`` and ``*/*`` allowed). Several may be
given; all must hold. ``/regex/`` may end in flags ``i``, ``m``, ``s``, ``x``.

``Expectation(spec)`` compiles a step's matchers once (``MatcherError`` with the key at fault
for a regex that does not compile, a schema that is not valid, bad hex...); ``check``
returns the ``Mismatch``es of one ``Arrival`` (none: it matches).
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Any

import jsonschema

from .diffs import json_diff, preview, shown

__all__ = [
    "MATCHERS",
    "Arrival",
    "Expectation",
    "MatcherError",
    "Mismatch",
    "compile_regex",
    "decode_bytes",
]

#: The matcher keys of expect and expect_none (schema_file is read into ``schema`` first).
MATCHERS = ("equals", "match", "text", "schema", "bytes", "type")
_REGEX = re.compile(r"/(.*)/([imsx]*)", re.DOTALL)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE}


@dataclass(frozen=True)
class Arrival:
    """A received message: ``value`` converted per the client's receive type (the raw
    payload when it did not convert), ``raw`` as on the wire (``str`` for a text frame,
    ``bytes`` for binary), ``mime`` the type it arrived as, ``at`` the loop time."""

    value: Any
    raw: str | bytes
    mime: str
    at: float = 0.0

    def preview(self) -> str:
        return preview(self.value)


@dataclass(frozen=True)
class Mismatch:
    """Why a message is not the expected one: which matcher, where in it, what each side is."""

    matcher: str
    where: str
    expected: str
    received: str

    def __str__(self) -> str:
        at = f" at {self.where}" if self.where else ""
        return f"{self.matcher}{at}: expected {self.expected}, received {self.received}"


class MatcherError(ValueError):
    """A matcher cannot be compiled; ``key`` is the matcher (and ``path`` the place in it)."""

    def __init__(self, message: str, key: str, path: tuple[str | int, ...] = ()) -> None:
        super().__init__(message)
        self.key = key
        self.path = path


def compile_regex(text: str, key: str, path: tuple[str | int, ...] = ()) -> re.Pattern[str] | None:
    """The pattern of a ``/regex/flags`` string, None for any other string."""
    found = _REGEX.fullmatch(text) if len(text) >= 2 else None
    if found is None:
        return None
    flags = 0
    for letter in found.group(2):
        flags |= _FLAGS[letter]
    try:
        return re.compile(found.group(1), flags)
    except re.error as exc:
        raise MatcherError(f"the regex {text!r} does not compile: {exc}", key, path) from None


def decode_bytes(text: str, key: str) -> bytes:
    """Hex (spaces and colons allowed) or ``base64:…``; ``MatcherError`` saying which."""
    if text.startswith("base64:"):
        try:
            return base64.b64decode(text[len("base64:") :].strip(), validate=True)
        except (binascii.Error, ValueError):
            raise MatcherError(f"{key}: the text after base64: is not base64", key) from None
    try:
        return bytes.fromhex(text.replace(":", " "))
    except ValueError:
        raise MatcherError(
            f"{key}: {preview(text, 40)} is not hex (write 0a 1b ff, or base64:…)", key
        ) from None


class Expectation:
    """The compiled matchers of one step (an empty spec matches any message)."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = {key: spec[key] for key in MATCHERS if key in spec}
        self._described: str | None = None
        self._equals = spec.get("equals", _ABSENT)
        self._match = _compile_tree(spec["match"], "match", ()) if "match" in spec else _ABSENT
        text = spec.get("text")
        self._text: str | re.Pattern[str] | None = None
        if text is not None:
            self._text = compile_regex(text, "text") or text
        self._schema: Any = None
        if "schema" in spec:
            schema = spec["schema"]
            validator_class = jsonschema.validators.validator_for(schema)
            try:
                validator_class.check_schema(schema)
            except jsonschema.SchemaError as exc:
                where = "/".join(str(p) for p in exc.path)
                raise MatcherError(
                    f"the schema is not a valid JSON Schema: {exc.message}"
                    + (f" (at {where})" if where else ""),
                    "schema",
                    tuple(exc.path),
                ) from None
            self._schema = validator_class(schema)
        self._bytes = decode_bytes(spec["bytes"], "bytes") if "bytes" in spec else None
        mime = spec.get("type")
        self._type = mime.split(";")[0].strip().lower() if isinstance(mime, str) else None

    def describe(self) -> str:
        """The matchers in one short line: ``match {"type":"welcome"}``; ``any message``."""
        if self._described is None:
            self._described = (
                ", ".join(f"{key} {preview(value, 60)}" for key, value in self.spec.items())
                if self.spec
                else "any message"
            )
        return self._described

    def check(self, arrival: Arrival) -> list[Mismatch]:
        """Every reason ``arrival`` is not the expected message (none when it matches)."""
        found: list[Mismatch] = []
        value = arrival.value
        if self._equals is not _ABSENT:
            _compare(self._equals, value, None, True, "equals", found)
        if self._match is not _ABSENT:
            _compare(self._match, value, None, False, "match", found)
        if self._text is not None:
            self._check_text(arrival, found)
        if self._schema is not None:
            for error in list(self._schema.iter_errors(value))[:5]:
                where = "$" + "".join(_step(p) for p in error.absolute_path)
                found.append(Mismatch("schema", where, "valid", error.message))
        if self._bytes is not None:
            data = arrival.raw if isinstance(arrival.raw, bytes) else value
            if not isinstance(data, bytes):
                found.append(Mismatch("bytes", "", "a binary message", _kind(arrival)))
            elif data != self._bytes:
                found.append(Mismatch("bytes", "", preview(self._bytes), preview(data)))
        if self._type is not None and not _type_matches(self._type, arrival.mime):
            found.append(Mismatch("type", "", self._type, arrival.mime))
        return found

    def diff(self, arrival: Arrival) -> list[str]:
        """A readable JSON diff against ``equals`` / ``match`` (empty without them)."""
        if self._equals is not _ABSENT:
            return json_diff(self._equals, arrival.value, exact=True)
        if self._match is not _ABSENT:
            return json_diff(self._match, arrival.value, exact=False)
        return []

    def _check_text(self, arrival: Arrival, found: list[Mismatch]) -> None:
        text = arrival.raw if isinstance(arrival.raw, str) else arrival.value
        if not isinstance(text, str):
            found.append(Mismatch("text", "", "a text message", _kind(arrival)))
        elif isinstance(self._text, re.Pattern):
            if not self._text.search(text):
                found.append(Mismatch("text", "", f"/{self._text.pattern}/", preview(text)))
        elif text != self._text:
            found.append(Mismatch("text", "", preview(self._text), preview(text)))


_ABSENT: Any = object()


def _compile_tree(value: Any, key: str, path: tuple[str | int, ...]) -> Any:
    """``match``'s expected value with each ``/regex/`` string compiled."""
    if isinstance(value, str):
        return compile_regex(value, key, path) or value
    if isinstance(value, dict):
        return {k: _compile_tree(v, key, (*path, k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_compile_tree(v, key, (*path, i)) for i, v in enumerate(value)]
    return value


#: Where ``_compare`` is in a message: None at the top, else (the parent's place, key/index),
#: written out (``$.a[0]``) only for a mismatch.
_Place = tuple[Any, str | int] | None


def _compare(
    expected: Any, actual: Any, place: _Place, exact: bool, matcher: str, found: list[Mismatch]
) -> None:
    """Append a Mismatch for each place ``actual`` differs (``exact``: extra keys count)."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            found.append(Mismatch(matcher, _where(place), "an object", _describe(actual)))
            return
        missing = 0
        for key, want in expected.items():
            if key not in actual:
                missing += 1
                found.append(
                    Mismatch(matcher, _where((place, key)), preview(shown(want)), "nothing")
                )
            else:
                _compare(want, actual[key], (place, key), exact, matcher, found)
        if exact and len(actual) > len(expected) - missing:  # keys it was not given
            for key in actual.keys() - expected.keys():
                found.append(
                    Mismatch(matcher, _where((place, key)), "nothing", preview(actual[key]))
                )
    elif isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            found.append(
                Mismatch(matcher, _where(place), preview(shown(expected)), preview(actual))
            )
            return
        for index, (want, got) in enumerate(zip(expected, actual, strict=True)):
            _compare(want, got, (place, index), exact, matcher, found)
    elif isinstance(expected, re.Pattern):
        if not isinstance(actual, str) or not expected.search(actual):
            found.append(Mismatch(matcher, _where(place), f"/{expected.pattern}/", preview(actual)))
    elif not _same_scalar(expected, actual):
        found.append(Mismatch(matcher, _where(place), preview(expected), preview(actual)))


def _where(place: _Place) -> str:
    """``$.a[0]['b c']`` for a ``_Place``."""
    steps: list[str] = []
    while place is not None:
        place, key = place
        steps.append(_step(key))
    return "$" + "".join(reversed(steps))


def _same_scalar(expected: Any, actual: Any) -> bool:
    """JSON equality: ``true`` is not ``1``, ``1`` is ``1.0``."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        return expected == actual
    return type(expected) is type(actual) and bool(expected == actual)


def _step(key: str | int) -> str:
    if isinstance(key, int):
        return f"[{key}]"
    return f".{key}" if _NAME.fullmatch(key) else f"[{key!r}]"


def _describe(value: Any) -> str:
    if isinstance(value, list):
        return f"a list {preview(value, 60)}"
    return preview(value, 80)


def _kind(arrival: Arrival) -> str:
    raw = arrival.raw
    if isinstance(raw, bytes):
        return f"a binary message of {len(raw)} bytes"
    return f"a text message {preview(raw, 80)}"


def _type_matches(pattern: str, mime: str) -> bool:
    want_main, _, want_sub = pattern.partition("/")
    main, _, sub = mime.lower().partition("/")
    return want_main in ("*", main) and want_sub in ("*", sub)
