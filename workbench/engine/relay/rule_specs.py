"""A relay's rules as the window edits and saves them: each rule a plain dict in the rules
file's form (``rules_file``), made from a form's fields and read back in words (Qt-free).

``rule_spec(...)`` turns what a person typed (match text regex / JSON subset, replace by regex
/ set a JSON path / drop / delay) into a spec, or a ``RuleSpecError`` that says what to type;
``rule_set(specs)`` checks them all with the rules file's own checks and builds the
``RuleSet`` a relay applies; ``spec_words(spec)`` is a row of the rules table.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Final

from core import json_codec

from .directions import DIRECTIONS, WORDS
from .rules import RuleSet
from .rules_file import RulesFileError, load_rules_text

__all__ = [
    "ACTIONS",
    "DIRECTION_CHOICES",
    "MATCHES",
    "RuleSpecError",
    "rule_set",
    "rule_spec",
    "spec_words",
]

#: (value, words) for the direction chooser.
DIRECTION_CHOICES: Final = (("both", "both directions"), *((d, WORDS[d]) for d in DIRECTIONS))
#: How a rule matches: (value, words).
MATCHES: Final = (
    ("any", "every message"),
    ("text", "text (/regex/ or exact)"),
    ("json", "JSON subset"),
)
#: What it does: (value, words).
ACTIONS: Final = (
    ("replace", "replace (regex → text)"),
    ("set", "set JSON path"),
    ("drop", "drop"),
    ("delay", "delay (ms)"),
)


class RuleSpecError(ValueError):
    """A rule cannot be made of what was typed; the message says what to type instead."""


def rule_spec(
    name: str,
    direction: str,
    match: str,
    match_value: str,
    action: str,
    first: str = "",
    second: str = "",
) -> dict[str, Any]:
    """A rule spec from a form's fields; ``RuleSpecError`` saying what is wrong.

    ``match``: ``any``, ``text`` (``match_value``: ``/regex/flags`` or the exact text) or
    ``json`` (``match_value``: a JSON object the message must contain). ``action``:
    ``replace`` (``first``: regex, ``second``: replacement), ``set`` (``first``: JSONPath,
    ``second``: the JSON value), ``drop``, or ``delay`` (``first``: milliseconds)."""
    spec: dict[str, Any] = {}
    if name.strip():
        spec["name"] = name.strip()
    if direction != "both":
        spec["direction"] = direction
    if match == "text":
        if not match_value:
            raise RuleSpecError("type the text to match, or a /regex/ (e.g. /token=\\w+/)")
        spec["match"] = {"text": match_value}
    elif match == "json":
        spec["match"] = {"json": _json(match_value, 'the JSON to match, e.g. {"type": "price"}')}
    elif match != "any":
        raise RuleSpecError(f"a rule matches any, text or json, not {match!r}")
    if action == "replace":
        if not first:
            raise RuleSpecError("type the regex to replace, e.g. token=\\w+")
        spec["replace"] = {"regex": first, "with": second}
    elif action == "set":
        if not first.strip():
            raise RuleSpecError("type the JSON path to set, e.g. $.amount")
        spec["set"] = {first.strip(): _json(second, 'the JSON value to set, e.g. 0 or "x"')}
    elif action == "drop":
        spec["drop"] = True
    elif action == "delay":
        try:
            ms = int(first.strip())
        except ValueError:
            raise RuleSpecError("type the delay in whole milliseconds, e.g. 500") from None
        if not 0 < ms <= 600_000:
            raise RuleSpecError("a delay is from 1 to 600000 ms")
        spec["delay"] = f"{ms}ms"
    else:
        raise RuleSpecError(f"a rule does replace, set, drop or delay, not {action!r}")
    rule_set([spec])  # the rules file's own checks (a regex that does not compile...)
    return spec


def _json(text: str, what: str) -> Any:
    if not text.strip():
        raise RuleSpecError(f"type {what}")
    try:
        return json_codec.decode(text)
    except ValueError as exc:
        raise RuleSpecError(f"{what}: this is not JSON ({exc})") from None


def rule_set(specs: Sequence[dict[str, Any]]) -> RuleSet:
    """The ``RuleSet`` of ``specs``; ``RuleSpecError`` listing what is wrong with them."""
    try:
        return load_rules_text(json.dumps({"rules": list(specs)}), "rules", is_json=True)
    except (RulesFileError, TypeError, ValueError) as exc:
        problems = getattr(exc, "problems", None)
        said = "; ".join(p.message for p in problems) if problems else str(exc)
        raise RuleSpecError(said) from None


def spec_words(spec: dict[str, Any]) -> tuple[str, str, str, str]:
    """``(name, direction, match, action)`` of a spec, in words, for the rules table."""
    direction = spec.get("direction", "both")
    ways = dict(DIRECTION_CHOICES).get(direction, direction)
    match = spec.get("match") or {}
    if "text" in match:
        matched = f"text {match['text']}"
    elif "json" in match:
        matched = "JSON " + json_codec.encode(match["json"])
    elif "frame" in match:
        matched = f"{match['frame']} frames"
    else:
        matched = "every message"
    if "replace" in spec:
        done = f"replace /{spec['replace']['regex']}/ → {spec['replace']['with']!r}"
    elif "set" in spec:
        done = "set " + ", ".join(f"{k} = {json_codec.encode(v)}" for k, v in spec["set"].items())
    elif spec.get("drop"):
        done = "drop"
    elif "delay" in spec:
        done = f"delay {spec['delay']}"
    else:
        done = "nothing"
    return str(spec.get("name", "")), ways, matched, done
