"""The student page: a browser chat client served over plain HTTP on a server's own port.

``serve_student_page`` is a core ``process_request`` function: an upgrade request goes on to
the WebSocket handshake; a plain ``GET /`` gets the page (``resources/student_page.html``,
read once); any other plain GET gets 404. The page opens a WebSocket back to the host and
port it came from, with ``?name=<the student's name>`` in the path (see ``student_name``).
"""

from __future__ import annotations

import functools
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from core import HandshakeRequest

__all__ = ["PAGE_PATHS", "serve_student_page", "student_name", "student_page"]

#: Paths that give the page (anything after "?" is ignored).
PAGE_PATHS = ("/", "/index.html")
#: The longest name the feed shows (the page's field allows as much).
NAME_LIMIT = 40

# Installed, resources/ is the package workbench.resources; in a checkout it is top-level.
_PACKAGED = Path(__file__).resolve().parents[2] / "resources"
_CHECKOUT = Path(__file__).resolve().parents[3] / "resources"
_PAGE_HEADERS = {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-cache"}


@functools.cache
def student_page() -> str:
    """The page's HTML (``OSError`` if the resource is missing from the installation)."""
    folder = _PACKAGED if _PACKAGED.is_dir() else _CHECKOUT
    return (folder / "student_page.html").read_text(encoding="utf-8")


def serve_student_page(request: HandshakeRequest) -> tuple[int, str, dict[str, str]] | None:
    """None for a WebSocket upgrade; else the page (200) or 404, as ``process_request``
    answers."""
    if request.headers.get("Upgrade", "").lower() == "websocket":
        return None
    if urlsplit(request.path).path in PAGE_PATHS:
        return 200, student_page(), _PAGE_HEADERS
    return 404, "Not found: the class page is at /\n", {}


def student_name(path: str) -> str | None:
    """The ``name`` the page put in its WebSocket path, trimmed and cut to ``NAME_LIMIT``;
    None when there is none."""
    names = parse_qs(urlsplit(path).query).get("name")
    name = names[0].strip()[:NAME_LIMIT] if names else ""
    return name or None
