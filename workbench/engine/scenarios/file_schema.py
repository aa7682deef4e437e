"""The shape of a scenario file as JSON Schema: the document, a client, each step's body.

The loader checks a document against ``SCENARIO``, then each step against the schema of its
kind in ``STEPS`` (one schema per kind gives one clear error, where a single ``oneOf`` over
all kinds would give a dozen). What a schema cannot say well — a duration, a close code's
range, a client that does not exist, a regex — the loader checks itself.
"""

from __future__ import annotations

from typing import Any

__all__ = ["CLIENT", "DURATION", "MATCHER_KEYS", "SCENARIO", "STEPS"]

DURATION: dict[str, Any] = {"type": "string"}  # durations.py says what is wrong with one
_DURATION = DURATION
_NAME: dict[str, Any] = {"type": "string"}
_WITHIN = {"within": _DURATION}

#: The matchers of expect / expect_none (schema_file is read into schema).
MATCHER_KEYS: dict[str, Any] = {
    "equals": {},
    "match": {},
    "text": {"type": "string"},
    "schema": {"type": ["object", "boolean"]},
    "schema_file": {"type": "string"},
    "bytes": {"type": "string"},
    "type": {"type": "string"},
}

CLIENT: dict[str, Any] = {
    "type": "object",
    "properties": {"url": {"type": "string"}, "options": {"type": "object"}},
    "required": ["url"],
    "additionalProperties": False,
}

SCENARIO: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "description": {"type": "string"},
        "vars": {"type": "object"},
        "url": {"type": "string"},
        "options": {"type": "object"},
        "clients": {"type": "object", "minProperties": 1, "additionalProperties": CLIENT},
        "within": _DURATION,
        "steps": {"type": "array", "minItems": 1, "items": {"type": ["object", "string"]}},
    },
    "required": ["steps"],
    "additionalProperties": False,
}


def _body(types: list[str], properties: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {
        "type": types,
        "properties": properties,
        "additionalProperties": False,
        **more,
    }


#: The body of each step kind. A string body names the client (``close: alice``); no body
#: (``- ping``) means the defaults.
STEPS: dict[str, dict[str, Any]] = {
    "open": _body(
        ["string", "array", "object", "null"],
        {"as": {"type": ["string", "array"], "items": _NAME, "minItems": 1}, **_WITHIN},
        items=_NAME,
        minItems=1,
    ),
    "send": _body(
        ["object"],
        {"as": _NAME, "message": {}, "text": {"type": "string"}, "bytes": {"type": "string"}}
        | _WITHIN,
    ),
    "expect": _body(
        ["object", "null"],
        {
            "as": _NAME,
            **MATCHER_KEYS,
            "strict": {"type": "boolean"},
            "save": {"type": "object", "additionalProperties": {"type": "string"}},
            **_WITHIN,
        },
    ),
    "expect_none": _body(["object", "null"], {"as": _NAME, **MATCHER_KEYS, **_WITHIN}),
    "ping": _body(["string", "object", "null"], {"as": _NAME, **_WITHIN}),
    "sleep": _DURATION,
    "close": _body(
        ["string", "object", "null"],
        {
            "as": _NAME,
            "code": {"type": "integer"},
            "reason": {"type": "string"},
            **_WITHIN,
        },
    ),
    "expect_close": _body(
        ["string", "object", "null"],
        {
            "as": _NAME,
            "code": {"type": "integer", "minimum": 1000, "maximum": 4999},
            "reason": {"type": "string"},
            "strict": {"type": "boolean"},
            **_WITHIN,
        },
    ),
}
