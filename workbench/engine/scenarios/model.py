"""A scenario as the runner, the reports and the export read it: plain frozen dataclasses.

Everything here is checked and resolved (durations in seconds, variables from the file, the
command line and the environment substituted, regexes compiled). What a step ``save``s is
only known during the run: a value that refers to a saved name keeps its ``{{name}}`` and
``runtime`` says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from .matchers import Expectation

__all__ = [
    "DEFAULT_WITHIN",
    "STEP_KINDS",
    "ClientSpec",
    "Close",
    "Expect",
    "ExpectClose",
    "ExpectNone",
    "Location",
    "Open",
    "Payload",
    "Ping",
    "Scenario",
    "Send",
    "Sleep",
    "Step",
]

#: How long a step may take when neither it nor its scenario says (seconds).
DEFAULT_WITHIN = 5.0


@dataclass(frozen=True)
class Location:
    """Where something was written: ``file:line:column`` (line and column when known)."""

    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        if self.line is None:
            return self.file
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class ClientSpec:
    """A named connection: its URL and core ``Client`` options (``send_type`` is ours: it
    says how ``message`` values are encoded; core sends frames as they are)."""

    name: str
    url: str
    options: dict[str, Any]
    send_type: str = "application/json"
    #: ``url`` and ``options`` as written, ``{{name}}`` kept (for the export).
    written: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Payload:
    """What a ``send`` step sends: ``how`` is ``'message'`` (``value`` encoded per the
    client's send type), ``'text'`` (a text frame) or ``'bytes'`` (a binary frame)."""

    how: Literal["message", "text", "bytes"]
    value: Any
    runtime: bool = False
    #: The value as written, ``{{name}}`` kept (for the export).
    written: Any = None


@dataclass(frozen=True)
class Step:
    """What every step has: its 1-based number, where it is, its client and time bound."""

    number: int
    location: Location
    client: str | None
    within: float

    @property
    def kind(self) -> str:
        return _KINDS[type(self)]


@dataclass(frozen=True)
class Open(Step):
    clients: tuple[str, ...] = ()
    #: True for the open the runner adds before a client's first use.
    implicit: bool = False


@dataclass(frozen=True)
class Send(Step):
    payload: Payload = Payload("message", None)


@dataclass(frozen=True)
class Expect(Step):
    #: The compiled matchers; None when they refer to a saved value (compiled at run time).
    expectation: Expectation | None = None
    spec: dict[str, Any] = field(default_factory=dict)
    #: The matchers as written, ``{{name}}`` kept (for the export).
    written: dict[str, Any] = field(default_factory=dict)
    strict: bool = False
    #: name -> JSONPath into the matched message.
    save: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ExpectNone(Step):
    expectation: Expectation | None = None
    spec: dict[str, Any] = field(default_factory=dict)
    written: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Ping(Step):
    pass


@dataclass(frozen=True)
class Sleep(Step):
    duration: float = 0.0


@dataclass(frozen=True)
class Close(Step):
    code: int = 1000
    reason: str = ""


@dataclass(frozen=True)
class ExpectClose(Step):
    code: int | None = None
    #: The reason expected: exact text, or a ``/regex/`` (kept as written, compiled by the runner).
    reason: str | None = None
    strict: bool = False


_KINDS: dict[type[Step], str] = {
    Open: "open",
    Send: "send",
    Expect: "expect",
    ExpectNone: "expect_none",
    Ping: "ping",
    Sleep: "sleep",
    Close: "close",
    ExpectClose: "expect_close",
}
#: The step kinds a file may use, in the order the README lists them.
STEP_KINDS = tuple(_KINDS.values())


@dataclass(frozen=True)
class Scenario:
    """One scenario of a file: its name, connections, steps and the values it was given."""

    name: str
    location: Location
    clients: dict[str, ClientSpec]
    steps: tuple[Step, ...]
    #: The variables resolved before the run (name -> value), for the export.
    variables: dict[str, Any] = field(default_factory=dict)
    #: Variables whose values came from outside the file (command line, environment).
    outside: frozenset[str] = frozenset()
    within: float = DEFAULT_WITHIN
