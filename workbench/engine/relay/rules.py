"""Rules that change relayed messages with no person needed: match, then replace, set, drop
or delay (pure: no sockets, no loop).

A rule applies in one direction or both (``directions``). It matches a message when every
matcher it has holds: ``text`` (a ``/regex/flags`` searched in a text message, or a text the
whole message must equal), ``json`` (a JSON subset, as a scenario's ``match``: every key given
is there and matches, ``/regex/`` strings searched), ``frame`` (``text`` or ``binary``); no
matcher matches every message. Then, in this order: ``replace`` (a regular expression
substituted in the text, Python's ``re.sub``, ``\\1`` for groups), ``set`` (the value at every
match of each JSONPath replaced; the message is then written again as compact JSON, key order
kept), ``delay`` (seconds before it goes on; later messages wait behind it, so order is kept)
and ``drop`` (never sent; no later rule sees it). Replace and set apply to text messages
only. Rules run in their order, each on what the ones before it left.

``RuleSet.apply`` returns None when no rule did anything (the common case costs a dict
lookup), else an ``Outcome`` listing each rule that did something, in words, with the message
as it was before that rule changed or dropped it: the relay logs each as a row.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import jsonpath

from core import json_codec
from workbench.engine.scenarios.matchers import Arrival, Expectation, MatcherError, compile_regex

from .directions import BOTH, DIRECTIONS

__all__ = ["FRAMES", "Applied", "Outcome", "Rule", "RuleError", "RuleSet"]

FRAMES: Final = ("text", "binary")
_UNPARSED: Any = object()
_NOT_JSON: Any = object()


class RuleError(ValueError):
    """A rule cannot be made; ``key`` is the part of it at fault (``"replace"``...)."""

    def __init__(self, message: str, key: str = "") -> None:
        super().__init__(message)
        self.key = key


@dataclass(frozen=True)
class Applied:
    """One rule that did something to one message: ``what`` in words ("replaced 1 match of
    /token=\\w+/", "set $.user", "delayed 500 ms", "dropped"); ``before``: the message before
    this rule changed or dropped it (None when it only delayed it)."""

    rule: str
    what: str
    before: str | bytes | None


@dataclass
class Outcome:
    """What the rules did to one message: the ``payload`` to send, whether it was
    ``dropped``, the ``delay`` in seconds, and each rule that did something (``applied``)."""

    payload: str | bytes
    dropped: bool = False
    delay: float = 0.0
    applied: list[Applied] = field(default_factory=list)


class Rule:
    """One rule (see the module docstring); ``RuleError`` naming the key at fault.

    Args:
        name: How the log names it.
        directions: ``to_upstream``, ``to_client`` or both (the default).
        text: ``/regex/flags`` searched, or the exact text of the whole message.
        json: A JSON subset the message must contain.
        frame: ``"text"`` or ``"binary"``.
        replace: ``(regex, replacement)`` for ``re.sub``.
        set: JSONPath → the value put at each of its matches.
        drop: Never send a matching message.
        delay: Seconds a matching message waits before it goes on.
    """

    def __init__(
        self,
        name: str,
        *,
        directions: Iterable[str] = BOTH,
        text: str | None = None,
        json: Any = None,
        frame: str | None = None,
        replace: tuple[str, str] | None = None,
        set: Mapping[str, Any] | None = None,
        drop: bool = False,
        delay: float = 0.0,
    ) -> None:
        self.name = name
        self.directions = frozenset(directions)
        unknown = self.directions - BOTH
        if unknown or not self.directions:
            raise RuleError(
                f"a direction is {' or '.join(DIRECTIONS)}, not {', '.join(sorted(unknown))}",
                "direction",
            )
        try:
            self._text: str | re.Pattern[str] | None = (
                None if text is None else compile_regex(text, "text") or text
            )
            self._json = None if json is None else Expectation({"match": json})
        except MatcherError as exc:
            raise RuleError(str(exc), "text" if exc.key == "text" else "json") from None
        if frame is not None and frame not in FRAMES:
            raise RuleError(f"frame is text or binary, not {frame!r}", "frame")
        self._frame = frame
        self._replace: tuple[re.Pattern[str], str] | None = None
        if replace is not None:
            pattern, replacement = replace
            try:
                self._replace = (re.compile(pattern), replacement)
            except re.error as exc:
                raise RuleError(
                    f"the regex {pattern!r} does not compile: {exc}", "replace"
                ) from None
        self._set: list[tuple[str, Any, Any]] = []
        for path, value in (set or {}).items():
            try:
                self._set.append((path, jsonpath.compile(path), value))
            except jsonpath.JSONPathError as exc:
                raise RuleError(f"{path!r} is not a JSONPath: {exc}", "set") from None
        if (self._replace or self._set) and frame == "binary":
            raise RuleError(
                "replace and set change text messages: leave out frame: binary", "frame"
            )
        if drop and (self._replace or self._set or delay):
            raise RuleError("a rule that drops a message cannot also change or delay it", "drop")
        if delay < 0:
            raise RuleError("a delay cannot be negative", "delay")
        self.drop = drop
        self.delay = delay
        self._needs_json = self._json is not None or bool(self._set)
        self._text_only = self._replace is not None or bool(self._set) or frame == "text"

    def __repr__(self) -> str:
        return f"<Rule {self.name!r} {sorted(self.directions)}>"

    def _matches(self, payload: str | bytes, parsed: Any) -> bool:
        if isinstance(payload, bytes):
            return not (self._text_only or self._text is not None or self._json is not None)
        if self._frame == "binary":
            return False
        if isinstance(self._text, re.Pattern):
            if not self._text.search(payload):
                return False
        elif self._text is not None and payload != self._text:
            return False
        if self._json is not None:
            if parsed is _NOT_JSON:
                return False
            return not self._json.check(Arrival(parsed, payload, "application/json"))
        return True


class RuleSet:
    """Rules in their order, applied per direction (``apply``)."""

    def __init__(self, rules: Iterable[Rule] = ()) -> None:
        self.rules = list(rules)
        self._by_direction = {
            direction: [rule for rule in self.rules if direction in rule.directions]
            for direction in DIRECTIONS
        }

    def __len__(self) -> int:
        return len(self.rules)

    def apply(self, direction: str, payload: str | bytes) -> Outcome | None:
        """What the rules of ``direction`` do to ``payload``; None if none did anything."""
        rules = self._by_direction[direction]
        if not rules:
            return None
        outcome: Outcome | None = None
        parsed: Any = _UNPARSED
        for rule in rules:
            if rule._needs_json and parsed is _UNPARSED:
                parsed = _parse(payload)
            if not rule._matches(payload, parsed):
                continue
            if outcome is None:
                outcome = Outcome(payload)
            if rule.drop:
                outcome.applied.append(Applied(rule.name, "dropped", payload))
                outcome.dropped = True
                return outcome
            before = payload
            done: list[str] = []
            if rule._replace is not None and isinstance(payload, str):
                pattern, replacement = rule._replace
                payload, count = pattern.subn(replacement, payload)
                if count:
                    noun = "match" if count == 1 else "matches"
                    done.append(f"replaced {count} {noun} of /{pattern.pattern}/")
                    parsed = _UNPARSED
            if rule._set and isinstance(payload, str):
                if parsed is _UNPARSED:
                    parsed = _parse(payload)
                changed = _set_paths(parsed, rule._set) if parsed is not _NOT_JSON else []
                if changed:
                    parsed = changed.pop()  # the (maybe new) root
                    payload = json_codec.encode(parsed)
                    done.append("set " + ", ".join(changed))
            if rule.delay:
                done.append(f"delayed {rule.delay * 1000:g} ms")
                outcome.delay += rule.delay
            if done:
                changed_payload = payload is not before and payload != before
                outcome.applied.append(
                    Applied(rule.name, "; ".join(done), before if changed_payload else None)
                )
        if outcome is None or not outcome.applied:
            return None
        outcome.payload = payload
        return outcome


def _parse(payload: str | bytes) -> Any:
    if isinstance(payload, bytes):
        return _NOT_JSON
    try:
        return json_codec.decode(payload)
    except ValueError:
        return _NOT_JSON


def _set_paths(root: Any, paths: list[tuple[str, Any, Any]]) -> list[Any]:
    """Put each value at its path's matches in ``root``; the paths that matched, then the
    root (a new one when a path was ``$``) as the last item; [] when none matched."""
    done: list[Any] = []
    for text, compiled, value in paths:
        matches = list(compiled.finditer(root))
        for match in matches:
            parts = match.parts
            if not parts:
                root = _copy(value)
                continue
            parent = root
            for part in parts[:-1]:
                parent = parent[part]
            parent[parts[-1]] = _copy(value)
        if matches:
            done.append(text)
    return [*done, root] if done else []


def _copy(value: Any) -> Any:
    return json_codec.decode(json_codec.encode(value)) if isinstance(value, dict | list) else value
