"""core's API reference: Sphinx builds it from the docstrings without a single warning, and
every public function and method documents its arguments and what it returns."""

from __future__ import annotations

import dataclasses
import inspect
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import core
from core import json_codec, mime, options

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "resources" / "docs"
PUBLIC_MODULES = (mime, options, json_codec)


@pytest.mark.timeout(600)
def test_the_api_reference_builds_without_warnings(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",  # every warning is an error
            "--keep-going",  # ... and all of them are reported
            "-q",
            "-b",
            "html",
            "-d",
            str(tmp_path / "doctrees"),
            str(DOCS),
            str(tmp_path / "html"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=540,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr.strip() == "", result.stderr
    client_page = (tmp_path / "html" / "endpoints.html").read_text(encoding="utf-8")
    # the reference is made of the docstrings: a phrase of Client.open()'s is in it
    assert "abandons the attempt" in client_page
    assert "core.Client.open" in client_page


def _defined_in_core(obj: object) -> bool:
    return (getattr(obj, "__module__", "") or "").split(".")[0] == "core"


def _public_callables() -> Iterator[tuple[str, Callable[..., object]]]:
    """(qualified name, function) for every public function and method of core, once each
    (an alias such as ``isOpen`` or ``supportedSendTypes`` is the same function)."""
    seen: set[int] = set()
    namespaces = [(f"core.{name}", getattr(core, name)) for name in core.__all__]
    for module in PUBLIC_MODULES:
        namespaces += [
            (f"{module.__name__}.{name}", getattr(module, name)) for name in module.__all__
        ]
    for qualified, obj in namespaces:
        if inspect.isfunction(obj) and _defined_in_core(obj) and id(obj) not in seen:
            seen.add(id(obj))
            yield qualified, obj
        if not inspect.isclass(obj) or not _defined_in_core(obj):
            continue
        for attribute, member in inspect.getmembers(obj):
            if attribute.startswith("_") or isinstance(
                inspect.getattr_static(obj, attribute), property
            ):
                continue
            if inspect.isfunction(member) or inspect.ismethod(member):
                function = inspect.unwrap(member)
                if _defined_in_core(function) and id(function) not in seen:
                    seen.add(id(function))
                    yield f"{qualified}.{function.__name__}", function


def _sections_missing(function: Callable[..., object]) -> list[str]:
    doc = inspect.getdoc(function) or ""
    if not doc:
        return ["a docstring"]
    signature = inspect.signature(function)
    missing = []
    parameters = [p for p in signature.parameters.values() if p.name not in ("self", "cls")]
    if parameters and "Args:" not in doc:
        missing.append("Args:")
    returns = signature.return_annotation
    if returns not in (inspect.Signature.empty, None, "None") and "Returns:" not in doc:
        missing.append("Returns:")
    return missing


def test_every_public_function_documents_args_and_returns() -> None:
    """``Args:`` when it takes arguments, ``Returns:`` when it returns something: the
    Google-style sections napoleon turns into the reference's parameter lists."""
    found = dict(_public_callables())
    assert {"core.Client.open", "core.Server.broadcast", "core.mime.encode"} <= set(found)
    assert {"core.Client.on", "core.Client.recv"} <= set(found)  # inherited ones count
    undocumented = {
        name: missing
        for name, function in found.items()
        if (missing := _sections_missing(function))
    }
    assert undocumented == {}


def test_every_public_class_documents_its_constructor() -> None:
    """A class users make says what its constructor takes (``Args:``); errors and
    dataclasses say it with ``Attributes:`` (the arguments are kept as attributes); a Socket
    is made by the Server."""
    missing = []
    for name in core.__all__:
        cls = getattr(core, name)
        if not inspect.isclass(cls) or not _defined_in_core(cls):
            continue
        doc = inspect.getdoc(cls) or ""
        init = cls.__dict__.get("__init__")
        takes = init is not None and len(inspect.signature(init).parameters) > 1
        if issubclass(cls, core.WebSocketError) or dataclasses.is_dataclass(cls):
            if takes and "Attributes:" not in doc:
                missing.append(name)
        elif takes and name != "Socket" and "Args:" not in doc:
            missing.append(name)
    assert missing == []
