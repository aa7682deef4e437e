"""The student page: a browser chat client served over plain HTTP on a server's own port.

``serve_student_page`` is a core ``process_request`` function: a plain ``GET /`` gets the
page (``resources/student_page.html``, read once); any other plain GET gets 404; an upgrade
request goes on to the WebSocket handshake if its ``Origin`` is allowed (``origin_refusal``),
else it is refused with 403 and the reason. The page opens a WebSocket back to the host and
port it came from, with ``?name=<the student's name>`` in the path (see ``student_name``).

Hostile pages and students (issue 17):

- **Origin.** Any web page a student opens could otherwise open sockets to the teacher's
  server. Allowed: a request without ``Origin`` (a script, a command-line client: no
  browser page is involved) and the student page's own origin — ``Origin`` is
  ``http(s)://`` plus the request's ``Host``, and that host is an IP address or
  ``localhost`` (the addresses the classroom shows are; a DNS name there would be a page
  rebinding its own name to this machine). ``any_origin`` lets every page in.
- **The page's headers** (``page_headers``): a ``Content-Security-Policy`` that runs only
  the page's own inline script and style (by their SHA-256, computed from the file), lets
  it connect only to where it came from and no page frame it (``frame-ancestors 'none'``,
  and ``X-Frame-Options: DENY`` for older browsers).
- **The teacher's mark.** The teacher's announcements carry ``"from_teacher": true``
  (``TEACHER_FIELD``); the page draws only those as the teacher's, whatever the ``name``.
  ``strip_teacher_mark`` removes the field from what a student sends before the server
  echoes it, so a student cannot send themself, or anyone, the mark.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import ipaddress
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from core import HandshakeRequest

__all__ = [
    "PAGE_PATHS",
    "TEACHER_FIELD",
    "origin_refusal",
    "page_headers",
    "serve_student_page",
    "strip_teacher_mark",
    "student_name",
    "student_page",
]

#: Paths that give the page (anything after "?" is ignored).
PAGE_PATHS = ("/", "/index.html")
#: The longest name the feed shows (the page's field allows as much).
NAME_LIMIT = 40
#: The field only the teacher's announcements carry (``true``); the page marks those.
TEACHER_FIELD = "from_teacher"

# Installed, resources/ is the package workbench.resources; in a checkout it is top-level.
_PACKAGED = Path(__file__).resolve().parents[2] / "resources"
_CHECKOUT = Path(__file__).resolve().parents[3] / "resources"
_INLINE = {tag: re.compile(rf"<{tag}>(.*?)</{tag}>", re.DOTALL) for tag in ("script", "style")}


@functools.cache
def student_page() -> str:
    """The page's HTML (``OSError`` if the resource is missing from the installation)."""
    folder = _PACKAGED if _PACKAGED.is_dir() else _CHECKOUT
    return (folder / "student_page.html").read_text(encoding="utf-8")


def _hashes(tag: str, page: str) -> str:
    """The CSP sources of the page's inline ``tag`` elements: ``'sha256-…'`` each."""
    return " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in _INLINE[tag].findall(page)
    )


@functools.cache
def page_headers() -> dict[str, str]:
    """The headers the page is served with (see the module docstring)."""
    page = student_page()
    policy = (
        "default-src 'none'",
        f"script-src {_hashes('script', page)}",
        f"style-src {_hashes('style', page)}",
        "connect-src 'self'",
        "img-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
    return {
        "Content-Type": "text/html; charset=utf-8",
        "Cache-Control": "no-cache",
        "Content-Security-Policy": "; ".join(policy),
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }


def _page_host(host: str) -> bool:
    """Whether ``host`` (a ``Host`` header: name or address, then maybe ``:port``) names
    this machine by address or as localhost, as the page's URLs do."""
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    name = name[1:-1] if name.startswith("[") and name.endswith("]") else name
    if name.lower() == "localhost":
        return True
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def origin_refusal(request: HandshakeRequest, any_origin: bool = False) -> str | None:
    """Why an upgrade request's ``Origin`` is refused, or None to let it in (see the
    module docstring)."""
    origins = request.headers.get_all("Origin")
    if not origins or any_origin:
        return None
    if len(origins) > 1:
        return "more than one Origin header"
    origin, host = origins[0], request.headers.get("Host", "")
    if _page_host(host) and origin.lower() in (f"http://{host}".lower(), f"https://{host}".lower()):
        return None
    return (
        f"Origin {origin[:200]!r} is not the class page's: a shared server lets in its own "
        "student page and clients without an Origin (the teacher can allow any page)"
    )


def serve_student_page(
    request: HandshakeRequest, any_origin: bool = False
) -> tuple[int, str, dict[str, str]] | None:
    """None for a WebSocket upgrade whose Origin is allowed, 403 for one that is not; else
    the page (200) or 404, as ``process_request`` answers."""
    if request.headers.get("Upgrade", "").lower() == "websocket":
        why = origin_refusal(request, any_origin)
        return None if why is None else (403, why + "\n", {})
    if urlsplit(request.path).path in PAGE_PATHS:
        return 200, student_page(), page_headers()
    return 404, "Not found: the class page is at /\n", {}


def strip_teacher_mark(value: Any) -> Any:
    """``value`` as a student sent it, less a top-level ``TEACHER_FIELD``: a dict (a JSON
    server's message), or JSON object text; anything else as it is. ``ValueError`` for text
    too deeply nested to read here (a browser might read it): do not echo it."""
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if k != TEACHER_FIELD}
    if not isinstance(value, str) or not value.lstrip().startswith("{"):
        return value  # binary frames and non-objects are never drawn as the teacher's
    try:
        parsed = json.loads(value)
    except RecursionError:
        raise ValueError("nested too deeply to check for the teacher's mark") from None
    except ValueError:
        return value  # not JSON: the page shows it as it came
    if not isinstance(parsed, dict) or TEACHER_FIELD not in parsed:
        return value
    del parsed[TEACHER_FIELD]
    return json.dumps(parsed, ensure_ascii=False)


def student_name(path: str) -> str | None:
    """The ``name`` the page put in its WebSocket path, trimmed and cut to ``NAME_LIMIT``;
    None when there is none."""
    names = parse_qs(urlsplit(path).query).get("name")
    name = names[0].strip()[:NAME_LIMIT] if names else ""
    return name or None
