"""Each step's body into its ``Step``, with the checks a schema cannot make: one payload
per ``send`` (hex and JSON checked), matchers compiled (a regex, a JSON Schema, hex), a
``schema_file`` read, ``save`` paths parsed as JSONPath, close codes and reasons.

``StepBuilder`` is the step part of the loader's builder (``loading._Builder``), which gives
it ``problem`` (record one with its place), ``resolved`` (variables known before the run
substituted), ``base`` (where ``schema_file`` paths start) and ``read`` (a file's text).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonpath
import yaml

from .matchers import MATCHERS, Expectation, MatcherError, compile_regex, decode_bytes
from .model import (
    ClientSpec,
    Close,
    Expect,
    ExpectClose,
    ExpectNone,
    Location,
    Payload,
    Ping,
    Send,
    Step,
)
from .parsing import Path as DataPath
from .variables import REFERENCE, has_references

__all__ = ["StepBuilder"]


class StepBuilder:
    """Builds steps, recording problems through ``problem`` (see the module docstring)."""

    base: Path
    read: Callable[[Path], str]

    def problem(self, path: DataPath, message: str, key: bool = False) -> None:
        raise NotImplementedError

    def resolved(self, value: Any) -> Any:
        raise NotImplementedError

    def step(
        self,
        kind: str,
        body: Any,
        path: DataPath,
        number: int,
        location: Location,
        client: str,
        within: float,
        spec: ClientSpec,
    ) -> Step:
        body = body if isinstance(body, dict) else {}
        if kind == "send":
            return Send(number, location, client, within, self.payload(body, path, spec))
        if kind in ("expect", "expect_none"):
            written, resolved, expectation = self.matchers(body, path)
            if kind == "expect_none":
                return ExpectNone(number, location, client, within, expectation, resolved, written)
            save = dict(body.get("save") or {})
            for name, query in save.items():
                if not REFERENCE.fullmatch("{{" + name + "}}"):
                    self.problem(
                        (*path, "save", name), f"save: {name!r} is not a variable name", key=True
                    )
                try:
                    jsonpath.compile(query)
                except jsonpath.JSONPathError as exc:
                    first = str(exc).splitlines()[0]
                    self.problem(
                        (*path, "save", name),
                        f"save: {query!r} is not a JSONPath ({first}); write e.g. $.session",
                    )
            return Expect(
                number,
                location,
                client,
                within,
                expectation,
                resolved,
                written,
                bool(body.get("strict", False)),
                save,
            )
        if kind == "ping":
            return Ping(number, location, client, within)
        if kind == "close":
            code = body.get("code", 1000)
            reason = self.resolved(body.get("reason", ""))
            if not (1000 <= code <= 1003 or 1007 <= code <= 1014 or 3000 <= code <= 4999):
                self.problem(
                    (*path, "code"),
                    f"close code {code} cannot be sent; use 1000-1003, 1007-1014, or 3000-4999 for an application's own",
                )
            if not isinstance(reason, str) or len(reason.encode("utf-8")) > 123:
                self.problem((*path, "reason"), "a close reason is text of at most 123 bytes")
            return Close(number, location, client, within, code, str(reason))
        reason = body.get("reason")
        if isinstance(reason, str) and not has_references(reason):
            self.check_regex(reason, (*path, "reason"), "reason")
        return ExpectClose(
            number,
            location,
            client,
            within,
            body.get("code"),
            None if reason is None else self.resolved(reason),
            bool(body.get("strict", False)),
        )

    def payload(self, body: dict[str, Any], path: DataPath, spec: ClientSpec) -> Payload:
        given = [key for key in ("message", "text", "bytes") if key in body]
        if len(given) != 1:
            self.problem(
                path,
                "send needs one of message: (a value), text: or bytes:"
                if not given
                else f"send takes one of message, text and bytes, not {' and '.join(given)}",
                key=True,
            )
            return Payload("message", None)
        how = given[0]
        written = body[how]
        value = self.resolved(written)
        runtime = has_references(value)
        if how == "bytes" and not runtime:
            try:
                value = decode_bytes(value, "bytes")
            except MatcherError as exc:
                self.problem((*path, "bytes"), str(exc))
        elif how == "message" and not runtime:
            if spec.send_type == "application/json":
                try:
                    json.dumps(value, allow_nan=False)
                except (TypeError, ValueError) as exc:
                    self.problem((*path, "message"), f"message is not JSON: {exc}")
            elif not isinstance(value, str):
                self.problem(
                    (*path, "message"),
                    f"client {spec.name!r} sends {spec.send_type}: message must be text (or use bytes:)",
                )
        return Payload(how, value, runtime, written)

    def matchers(
        self, body: dict[str, Any], path: DataPath
    ) -> tuple[dict[str, Any], dict[str, Any], Expectation | None]:
        written = {key: body[key] for key in (*MATCHERS, "schema_file") if key in body}
        if "schema_file" in written:
            if "schema" in written:
                self.problem(
                    (*path, "schema_file"), "give schema or schema_file, not both", key=True
                )
            else:
                written["schema"] = self.schema_file(written["schema_file"], (*path, "schema_file"))
            del written["schema_file"]
        resolved = {k: (self.resolved(v) if k != "schema" else v) for k, v in written.items()}
        if "type" in resolved and "/" not in str(resolved["type"]):
            self.problem(
                (*path, "type"),
                f"type {resolved['type']!r} is not a MIME type; write e.g. application/json, text/plain, text/*",
            )
        if has_references(resolved):
            return written, resolved, None  # compiled once the saved values are known
        try:
            return written, resolved, Expectation(resolved)
        except MatcherError as exc:
            self.problem((*path, exc.key, *exc.path), str(exc))
            return written, resolved, None

    def schema_file(self, name: str, path: DataPath) -> Any:
        file = self.base / self.resolved(name)
        try:
            return yaml.safe_load(self.read(file))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            self.problem(path, f"cannot read the schema file {file}: {exc}")
            return {}

    def check_regex(self, text: str, path: DataPath, key: str) -> None:
        try:
            compile_regex(text, key)
        except MatcherError as exc:
            self.problem(path, str(exc))
