"""Every module, name and file that the docstrings and comments of ``core/`` and
``workbench/`` (and the README) point a reader to exists.

What is checked:

- dotted paths ``core.x.Y`` and ``workbench.x.y`` (``engine.``, ``qt.`` and ``widgets.`` are
  read as ``workbench.engine.`` ...): the longest prefix that is a module is imported and the
  rest must be attributes of it (an instance attribute counts when a method of its class
  assigns ``self.name``);
- file paths ``core/...``, ``workbench/...``, ``tests/...``, ``resources/...`` (relative
  ``engine/...``, ``qt/...``, ``widgets/...`` too) and bare ``name.py`` file names;
- the map in each package's ``__init__`` docstring: every ````name```` there is one of the
  package's modules or sub-packages, or a name the package defines;
- in README.md: the paths inside its code spans, and every ``name.py`` it mentions anywhere
  (the Layout tree names files without their folders).

Why: modules were moved into feature folders and renamed; a docstring that still sends the
reader to ``workbench.jsonl`` or ``wiring.py`` is a small lie the type checker cannot see.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import io
import re
import tokenize
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted([*ROOT.glob("core/**/*.py"), *ROOT.glob("workbench/**/*.py")])
#: ``workbench.resources`` is the top-level ``resources/`` once installed (pyproject.toml).
INSTALLED_AS = {"workbench/resources": "resources"}
#: Short forms the docstrings use for the workbench's layers.
LAYERS = ("engine", "qt", "widgets")
DOTTED_ROOTS = ("core", "workbench", *LAYERS)
#: A dotted word that ends like this is a file name (``workbench.png``), not a module path.
FILE_ENDINGS = frozenset({"py", "png", "html", "json", "qss", "sh", "md", "toml"})

DOTTED = re.compile(r"(?<![\w./-])((?:core|workbench|engine|qt|widgets)(?:\.[A-Za-z_]\w*)+)")
FILE_PATH = re.compile(
    r"(?<![\w./-])((?:core|workbench|tests|resources|engine|qt|widgets)/[\w./-]*[\w/])"
)
#: ``-o name.py`` names a file a command writes, not one that must exist.
PY_FILE = re.compile(r"(?<![\w./-])(?<!-o )(\w+\.py)\b")
CODE_SPAN = re.compile(r"`([^`\n]+)`")
PACKAGE_MAP_NAME = re.compile(r"``([a-z_][a-z0-9_]*)``")
#: ````module.Name````: a class or constant named by its module's short name.
SHORT_REFERENCE = re.compile(r"``([a-z_][a-z0-9_]*)\.([A-Z]\w*)")


def _prose(path: Path) -> Iterator[tuple[int, str]]:
    """(line, text) of every docstring (any bare string statement) and comment in ``path``."""
    source = path.read_text(encoding="utf-8")
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            yield node.lineno, node.value.value
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            yield token.start[0], token.string


def _module_prefix(parts: list[str]) -> tuple[str, int]:
    """The longest leading run of ``parts`` that is a module or package, and its length."""
    folder, used = ROOT, 0
    for count, part in enumerate(parts, start=1):
        if (folder / part / "__init__.py").is_file():
            folder, used = folder / part, count
        elif (folder / f"{part}.py").is_file():
            return ".".join(parts[:count]), count
        else:
            break
    return ".".join(parts[:used]), used


def _has_attribute(owner: Any, name: str) -> bool:
    if hasattr(owner, name):
        return True
    if not inspect.isclass(owner):
        return False
    # An instance attribute: assigned as ``self.name`` or annotated in the class body.
    try:
        source = inspect.getsource(owner)
    except (OSError, TypeError):
        return False
    return re.search(rf"(self\.{name}\s*[:=]|^\s+{name}\s*:)", source, re.MULTILINE) is not None


def dotted_path_problem(dotted: str) -> str | None:
    """Why ``dotted`` names nothing that exists, or None when it does."""
    parts = dotted.split(".")
    if parts[-1] in FILE_ENDINGS:
        return None  # a file name: checked as one
    if parts[0] in LAYERS:
        parts = ["workbench", *parts]
    if parts[:2] == ["workbench", "resources"]:
        return file_path_problem("/".join(parts))  # a folder of data, not a module
    module_name, used = _module_prefix(parts)
    if not module_name:
        return "no such module"
    owner: Any = importlib.import_module(module_name)
    for name in parts[used:]:
        if not _has_attribute(owner, name):
            return f"{module_name} has no {'.'.join(parts[used:])}"
        owner = getattr(owner, name, None)
    return None


def file_path_problem(path_text: str) -> str | None:
    path_text = path_text.rstrip("./")
    if path_text.split("/", 1)[0] in LAYERS:
        path_text = f"workbench/{path_text}"
    for installed, here in INSTALLED_AS.items():
        if path_text == installed or path_text.startswith(installed + "/"):
            path_text = here + path_text[len(installed) :]
    return None if (ROOT / path_text).exists() else "no such file or folder"


_FILE_NAMES: set[str] | None = None


def py_file_problem(name: str) -> str | None:
    """A bare ``name.py``: some file of the repository must be called that."""
    global _FILE_NAMES
    if _FILE_NAMES is None:
        _FILE_NAMES = {
            path.name
            for folder in ("core", "workbench", "tests", "resources")
            for path in (ROOT / folder).rglob("*.py")
        }
    return None if name in _FILE_NAMES else "no file of that name"


def package_map_problem(package: Path, name: str) -> str | None:
    """A ````name```` in a package's ``__init__`` docstring: one of its modules or
    sub-packages, a top-level package, or a name the package defines."""
    if (package / f"{name}.py").is_file() or (package / name / "__init__.py").is_file():
        return None
    if (ROOT / name / "__init__.py").is_file():
        return None
    module = ".".join(package.relative_to(ROOT).parts)
    if hasattr(importlib.import_module(module), name):
        return None
    return f"not a module of {module}"


_MODULES: dict[str, list[str]] | None = None


def short_reference_problem(module: str, name: str) -> str | None:
    """````module.Name````: ``module`` is importable (the standard library, a dependency) or
    is the last part of a module of ``core``/``workbench`` that defines ``Name``."""
    global _MODULES
    if module in (*DOTTED_ROOTS, "self", "cls"):
        return None
    if _MODULES is None:
        _MODULES = {}
        for path in SOURCES:
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            _MODULES.setdefault(parts[-1], []).append(".".join(parts))
    candidates = _MODULES.get(module)
    if candidates is None:
        return None if importlib.util.find_spec(module) is not None else "no such module"
    if any(hasattr(importlib.import_module(found), name) for found in candidates):
        return None
    return f"no module called {module} defines {name}"


def _problems_in(where: str, text: str) -> Iterator[str]:
    for module, name in SHORT_REFERENCE.findall(text):
        problem = short_reference_problem(module, name)
        if problem:
            yield f"{where}: {module}.{name}: {problem}"
    for match in DOTTED.finditer(text):
        problem = dotted_path_problem(match.group(1))
        if problem:
            yield f"{where}: {match.group(1)}: {problem}"
    for match in FILE_PATH.finditer(text):
        problem = file_path_problem(match.group(1))
        if problem:
            yield f"{where}: {match.group(1)}: {problem}"
    for match in PY_FILE.finditer(text):
        problem = py_file_problem(match.group(1))
        if problem:
            yield f"{where}: {match.group(1)}: {problem}"


def test_docstrings_and_comments_name_modules_and_files_that_exist() -> None:
    problems = [
        problem
        for path in SOURCES
        for line, text in _prose(path)
        for problem in _problems_in(f"{path.relative_to(ROOT)}:{line}", text)
    ]
    assert not problems, "\n".join(problems)


def test_each_package_docstring_maps_modules_that_exist() -> None:
    problems = []
    for init in SOURCES:
        if init.name != "__init__.py":
            continue
        docstring = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        for name in PACKAGE_MAP_NAME.findall(docstring):
            problem = package_map_problem(init.parent, name)
            if problem:
                problems.append(f"{init.relative_to(ROOT)}: ``{name}``: {problem}")
    assert not problems, "\n".join(problems)


def test_readme_names_paths_and_files_that_exist() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    problems = [
        problem for span in CODE_SPAN.findall(readme) for problem in _problems_in("README", span)
    ]
    # The Layout tree (a code block) names files without their folders.
    problems += [
        f"README: {name}: {problem}"
        for name in sorted(set(PY_FILE.findall(readme)))
        if (problem := py_file_problem(name))
    ]
    assert not problems, "\n".join(sorted(set(problems)))


@pytest.mark.parametrize(
    ("text", "wrong"),
    [
        ("see ``workbench.jsonl`` for the format", True),
        ("adapted by ``workbench.qt.log_model.LogModel``", False),
        ("``workbench.engine.log.store.LogStore.no_such_method``", True),
        ("``core.Frame.opcode`` and ``engine.log.store``", False),
        ("``engine.replay``", True),
        ("# in workbench/engine/log/store.py", False),
        ("# in workbench/engine/log_store.py", True),
        ("the feed (classroom_feed.py)", True),
        ("installed as workbench/resources/icons", False),
        ("kept by ``messages.MessageLibrary``", True),
        ("kept by ``message_library.MessageLibrary``", False),
        ("awaits an ``asyncio.Task``", False),
    ],
)
def test_the_checker_tells_a_stale_path_from_a_good_one(text: str, wrong: bool) -> None:
    assert bool(list(_problems_in("example", text))) == wrong
