"""Where the shipped resources (icons, style sheet, sample payloads) are.

Installed (``pip install .``), they are inside the package, ``workbench/resources`` (the
project's ``pyproject.toml`` maps the top-level ``resources/`` there); in a source checkout
they are ``resources/`` at the top of the project, next to ``workbench/``.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGED = Path(__file__).resolve().parents[2] / "resources"
_CHECKOUT = Path(__file__).resolve().parents[3] / "resources"
RESOURCES = _PACKAGED if _PACKAGED.is_dir() else _CHECKOUT


def resource_path(*parts: str) -> Path:
    return RESOURCES.joinpath(*parts)


def style_sheet() -> str:
    """The application style sheet, or '' when it is missing (the app still works)."""
    try:
        return resource_path("style.qss").read_text(encoding="utf-8")
    except OSError:
        return ""
