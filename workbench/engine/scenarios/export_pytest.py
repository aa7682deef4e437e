"""A scenario as the pytest file a person would write on ``core``: ``export_pytest(scenarios)``.

Each scenario becomes one test function that runs a coroutine with ``asyncio.run`` (so the
file needs pytest and core only; ``jsonschema`` too when a step checks a schema): ``async
with Client(url) as alice:`` per open step, ``await alice.send(...)``, the matchers as plain
expressions (``m["type"] == "welcome"``) and small helpers for what a loop says better — the
next *matching* message, nothing arriving, the close. Variables become constants at the
top: a value from the file is written there; an UPPER_CASE one from outside the file is read
from the environment when the test runs (it may be a secret); saved values become locals.

What cannot be written plainly raises ``ExportError`` saying so: a JSONPath beyond
``$.a.b[0]['c']``, a client opened twice.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, field
from typing import Any

from .export_helpers import HELPERS
from .matchers import _REGEX
from .model import (
    ClientSpec,
    Close,
    Expect,
    ExpectClose,
    ExpectNone,
    Open,
    Ping,
    Scenario,
    Send,
    Sleep,
)
from .variables import REFERENCE

__all__ = ["ExportError", "export_pytest"]

_WHOLE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}")
_JSONPATH_STEP = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\['([^']*)'\]|\[\"([^\"]*)\"\]")
_FLAG_NAMES = {"i": "re.IGNORECASE", "m": "re.MULTILINE", "s": "re.DOTALL", "x": "re.VERBOSE"}
_WIDTH = 96


class ExportError(ValueError):
    """The scenario uses something the export cannot write as plain code; it says what."""


@dataclass
class _Code:
    """Python source standing for a value (a variable, an f-string)."""

    source: str

    def __repr__(self) -> str:
        return self.source


@dataclass
class _Names:
    """Python names for variables: constants for given values, locals for saved ones."""

    constants: dict[str, str] = field(default_factory=dict)
    saved: dict[str, str] = field(default_factory=dict)
    clients: dict[str, str] = field(default_factory=dict)
    taken: set[str] = field(default_factory=set)

    def allocate(self, wanted: str) -> str:
        name = re.sub(r"\W", "_", wanted)
        if name[0].isdigit() or keyword.iskeyword(name) or name in _RESERVED:
            name += "_"
        base, n = name, 2
        while name in self.taken:
            name, n = f"{base}_{n}", n + 1
        self.taken.add(name)
        return name

    def of(self, variable: str) -> str:
        if variable in self.saved:
            return self.saved[variable]
        return self.constants[variable]


_RESERVED = {
    "asyncio",
    "os",
    "re",
    "json",
    "jsonschema",
    "pytest",
    "Client",
    "ConnectionClosed",
    "message",
    "m",
    "code",
    "reason",
    *HELPERS,
}


def export_pytest(scenarios: list[Scenario], source: str = "") -> str:
    """One pytest file testing every scenario of a file (``source`` names it in the docstring)."""
    if not scenarios:
        raise ExportError("there is no scenario to export")
    writer = _Writer()
    names = _Names()
    constants: list[str] = []
    for scenario in scenarios:
        for variable, value in scenario.variables.items():
            if variable in names.constants:
                continue
            name = names.constants[variable] = names.allocate(variable.upper())
            if variable.isupper() and variable in scenario.outside:
                writer.imports.add("import os")
                constants.append(f"{name} = os.environ[{variable!r}]")
            else:
                constants.append(f"{name} = {_render(value, names, 0)}")
    bodies = [writer.test(scenario, names) for scenario in scenarios]
    title = scenarios[0].name if len(scenarios) == 1 else f"{len(scenarios)} scenarios"
    origin = f" exported from {source}" if source else ""
    typing = []
    if writer.helpers & {"receive_matching", "nothing_matching"}:
        typing.append("from collections.abc import Callable")
    if writer.helpers:
        typing.append("from typing import Any")
    lines = [
        f'"""{title}:{origin} by websocket-workbench.',
        "",
        "Run it with pytest; it needs the server the scenario talks to, and core.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        *sorted(writer.imports),
        *typing,
        "",
        *(["import jsonschema"] if writer.uses_schema else []),
        "from core import " + ", ".join(sorted(writer.core_names)),
        "",
    ]
    if constants:
        lines += [*constants, ""]
    for helper in ("holds", "receive_matching", "nothing_matching", "closed_with"):
        if helper in writer.helpers:
            lines += ["", *HELPERS[helper].strip("\n").splitlines(), ""]
    for body in bodies:
        lines += ["", *body]
    text = "\n".join(lines)
    text = re.sub(r"\n{4,}", "\n\n\n", text)
    return text.rstrip() + "\n"


class _Writer:
    def __init__(self) -> None:
        self.imports = {"import asyncio"}
        self.core_names = {"Client"}
        self.helpers: set[str] = set()
        self.uses_schema = False

    def test(self, scenario: Scenario, names: _Names) -> list[str]:
        function = names.allocate(_slug(scenario.name))
        lines = [
            f"def test_{function}() -> None:",
            f"    asyncio.run({function}())",
            "",
            "",
            f"async def {function}() -> None:",
        ]
        depth = 1
        opened: set[str] = set()
        body: list[str] = []

        def say(line: str) -> None:
            body.append("    " * depth + line)

        for step in scenario.steps:
            if isinstance(step, Open):
                again = [n for n in step.clients if n in opened]
                if again:
                    raise ExportError(
                        f"step {step.number} opens {', '.join(again)} again; the export opens each client once"
                    )
                opened.update(step.clients)
                clients = [
                    self.client(scenario.clients[n], scenario, names, depth) for n in step.clients
                ]
                say("async with " + ", ".join(clients) + ":")
                depth += 1
                continue
            if isinstance(step, Sleep):
                say(f"await asyncio.sleep({step.duration:g})")
                continue
            client = names.clients[str(step.client)]
            if isinstance(step, Send):
                say(
                    f"await {client}.send({self.payload(step, scenario.clients[str(step.client)], scenario, names, depth)})"
                )
            elif isinstance(step, Expect):
                self.expect(step, str(client), names, say, depth)
            elif isinstance(step, ExpectNone):
                self.helpers |= {"nothing_matching", "holds"}
                self.core_names.add("ConnectionClosed")
                check = self.check(step.written, names)
                say(f"await nothing_matching({client}, {check}, within={step.within:g})")
            elif isinstance(step, Ping):
                say(f"await asyncio.wait_for({client}.ping(), {step.within:g})")
            elif isinstance(step, Close):
                reason = f", {step.reason!r}" if step.reason else ""
                say(f"await {client}.close({step.code}{reason})")
            elif isinstance(step, ExpectClose):
                self.helpers.add("closed_with")
                self.core_names.add("ConnectionClosed")
                strict = ", strict=True" if step.strict else ""
                say(f"code, reason = await closed_with({client}, within={step.within:g}{strict})")
                if step.code is not None:
                    say(f"assert code == {step.code}, (code, reason)")
                if step.reason is not None:
                    say(f"assert {self.text_check('reason', step.reason)}, reason")
        if not body:
            body.append("    pass")
        return lines + body

    def client(self, spec: ClientSpec, scenario: Scenario, names: _Names, depth: int) -> str:
        options = dict(spec.written.get("options") or {})
        options.pop("sendType", None)
        options.pop("send_type", None)
        sends = [s for s in scenario.steps if isinstance(s, Send) and s.client == spec.name]
        mixed = any(s.payload.how != "message" for s in sends)
        send_type = "*/*" if mixed else spec.send_type
        if send_type != "application/json":
            options["send_type"] = send_type
        if "number_of_retries" not in options and "numberOfRetries" not in options:
            options["number_of_retries"] = 0
        arguments = [_render(spec.written["url"], names, depth + 1)]
        arguments += [f"{key}={_render(value, names, depth + 1)}" for key, value in options.items()]
        name = names.clients[spec.name] = names.allocate(spec.name)
        call = f"Client({', '.join(arguments)}) as {name}"
        if len(call) + 4 * depth + len("async with :") <= _WIDTH:
            return call
        pad = "    " * (depth + 1)
        lines = "".join(f"{pad}{argument},\n" for argument in arguments)
        return f"Client(\n{lines}{'    ' * depth}) as {name}"

    def payload(
        self, step: Send, spec: ClientSpec, scenario: Scenario, names: _Names, depth: int
    ) -> str:
        payload = step.payload
        value = _render(payload.written, names, depth)
        if payload.how == "bytes":
            if isinstance(payload.value, bytes):
                return f"bytes.fromhex({payload.value.hex(' ')!r})"
            return f"bytes.fromhex({value})"
        sends = [s for s in scenario.steps if isinstance(s, Send) and s.client == spec.name]
        if (
            payload.how == "message"
            and spec.send_type == "application/json"
            and any(s.payload.how != "message" for s in sends)
        ):
            self.imports.add("import json")
            return f"json.dumps({value}, separators=(',', ':'))"
        return value

    def expect(self, step: Expect, client: str, names: _Names, say: Any, depth: int) -> None:
        checks = self.checks(step.written, "message", names)
        if step.strict:
            say(f"message = await asyncio.wait_for({client}.recv(), {step.within:g})")
            for check in checks:
                say(f"assert {check}, message")
        else:
            self.helpers |= {"receive_matching", "holds"}
            lambda_checks = self.checks(step.written, "m", names)
            check = "lambda m: " + (" and ".join(lambda_checks) if lambda_checks else "True")
            keep = "message = " if step.save else ""
            say(f"{keep}await receive_matching({client}, {check}, within={step.within:g})")
        for variable, query in step.save.items():
            local = names.saved.get(variable) or names.allocate(variable)
            names.saved[variable] = local
            say(f"{local} = message{_subscripts(query)}")

    def check(self, written: dict[str, Any], names: _Names) -> str:
        checks = self.checks(written, "m", names)
        return "lambda m: " + (" and ".join(checks) if checks else "True")

    def checks(self, written: dict[str, Any], subject: str, names: _Names) -> list[str]:
        found: list[str] = []
        if "equals" in written:
            found.append(f"{subject} == {_render(written['equals'], names, 0)}")
        if "match" in written:
            _subset(written["match"], subject, names, found, self)
        if "text" in written:
            found.append(self.text_check(subject, written["text"], names))
        if "schema" in written:
            self.uses_schema = True
            schema = _render(written["schema"], names, 0)
            found.append(f"jsonschema.Draft202012Validator({schema}).is_valid({subject})")
        if "bytes" in written:
            from .matchers import decode_bytes

            found.append(
                f"{subject} == bytes.fromhex({decode_bytes(written['bytes'], 'bytes').hex(' ')!r})"
            )
        if "type" in written:
            kind = str(written["type"]).split(";")[0].strip().lower()
            if kind.startswith("text/"):
                found.append(f"isinstance({subject}, str)")
            elif kind == "application/octet-stream":
                found.append(f"isinstance({subject}, bytes)")
            elif kind != "*/*":
                found.append(f"not isinstance({subject}, (str, bytes))")
        return found

    def text_check(self, subject: str, text: str, names: _Names | None = None) -> str:
        regex = _REGEX.fullmatch(text) if len(text) >= 2 else None
        if regex is None:
            return f"{subject} == {_render(text, names, 0) if names else repr(text)}"
        self.imports.add("import re")
        flags = " | ".join(_FLAG_NAMES[f] for f in regex.group(2))
        return f"re.search({regex.group(1)!r}, {subject}{', ' + flags if flags else ''})"


def _subset(expected: Any, subject: str, names: _Names, found: list[str], writer: _Writer) -> None:
    """``match``: one expression per leaf, e.g. ``m["user"]["name"] == "alice"``."""
    if isinstance(expected, dict):
        if not expected:
            found.append(f"isinstance({subject}, dict)")
        for key, value in expected.items():
            _subset(value, f"{subject}[{key!r}]", names, found, writer)
    elif isinstance(expected, list):
        found.append(f"len({subject}) == {len(expected)}")
        for index, value in enumerate(expected):
            _subset(value, f"{subject}[{index}]", names, found, writer)
    elif isinstance(expected, str) and _REGEX.fullmatch(expected) and len(expected) >= 2:
        found.append(writer.text_check(subject, expected))
    else:
        found.append(f"{subject} == {_render(expected, names, 0)}")


def _subscripts(query: str) -> str:
    """``$.a.b[0]['c d']`` -> ``["a"]["b"][0]["c d"]``; ExportError for anything richer."""
    if not query.startswith("$"):
        raise ExportError(f"save: {query!r} must start with $")
    rest, out = query[1:], []
    while rest:
        step = _JSONPATH_STEP.match(rest)
        if step is None:
            raise ExportError(
                f"save: {query!r} is beyond a plain path ($.a.b[0]['c']); the export writes only those"
            )
        name, index, quoted, double = step.groups()
        out.append(f"[{index}]" if index is not None else f"[{(name or quoted or double or '')!r}]")
        rest = rest[step.end() :]
    return "".join(out)


def _render(value: Any, names: _Names | None, depth: int) -> str:
    """Python source for a value from the file, ``{{name}}`` written as the variable."""
    code = _with_names(value, names)
    text = repr(code)
    if len(text) + 4 * depth <= _WIDTH or not isinstance(code, dict | list):
        return text
    return _pretty(code, depth)


def _pretty(value: Any, depth: int) -> str:
    pad = "    " * (depth + 1)
    if isinstance(value, dict):
        items = [f"{pad}{key!r}: {_fit(item, depth + 1)}," for key, item in value.items()]
        return "{\n" + "\n".join(items) + "\n" + "    " * depth + "}"
    items = [f"{pad}{_fit(item, depth + 1)}," for item in value]
    return "[\n" + "\n".join(items) + "\n" + "    " * depth + "]"


def _fit(value: Any, depth: int) -> str:
    text = repr(value)
    if len(text) + 4 * depth <= _WIDTH or not isinstance(value, dict | list):
        return text
    return _pretty(value, depth)


def _with_names(value: Any, names: _Names | None) -> Any:
    if isinstance(value, str) and names is not None and "{{" in value:
        whole = _WHOLE.fullmatch(value)
        if whole is not None:
            return _Code(names.of(whole.group(1)))
        return _Code(_fstring(value, names))
    if isinstance(value, dict):
        return {key: _with_names(item, names) for key, item in value.items()}
    if isinstance(value, list):
        return [_with_names(item, names) for item in value]
    return value


def _fstring(text: str, names: _Names) -> str:
    parts, last = [], 0
    for found in REFERENCE.finditer(text):
        parts.append(_literal(text[last : found.start()]))
        parts.append("{" + names.of(found.group(1)) + "}")
        last = found.end()
    parts.append(_literal(text[last:]))
    return 'f"' + "".join(parts) + '"'


def _literal(text: str) -> str:
    """``text`` as the inside of a double-quoted f-string."""
    out = []
    for char in text:
        if char in '\\"':
            out.append("\\" + char)
        elif char in "{}":
            out.append(char * 2)
        elif char == "\n":
            out.append("\\n")
        elif ord(char) < 32 or char == "\x7f":
            out.append(f"\\x{ord(char):02x}")
        else:
            out.append(char)
    return "".join(out)


def _slug(name: str) -> str:
    slug = re.sub(r"\W+", "_", name.lower()).strip("_")
    return slug or "scenario"
