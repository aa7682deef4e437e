"""Where the shipped resources (icons, style sheet, sample payloads) are."""

from __future__ import annotations

from pathlib import Path

#: ``resources/`` at the top of the project (next to ``workbench/``).
RESOURCES = Path(__file__).resolve().parents[2] / "resources"


def resource_path(*parts: str) -> Path:
    return RESOURCES.joinpath(*parts)


def style_sheet() -> str:
    """The application style sheet, or '' when it is missing (the app still works)."""
    try:
        return resource_path("style.qss").read_text(encoding="utf-8")
    except OSError:
        return ""
