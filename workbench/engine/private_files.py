"""Files only their owner may read: every file the workbench writes is created with mode 0600.

Exports hold what a connection carried (its headers with ``Export with secrets``, its
messages), the workspace holds the connections' settings, scenario reports hold what was
sent: none of it is for the other users of a shared machine (a lab PC, a CI runner). A file
that already exists is truncated and set to 0600 as well. On Windows the mode only sets the
read-only flag; files there get their folder's access list.

``open_private(path, "w")`` opens one for writing (text or ``"wb"``); ``write_private``
writes one at once; ``make_private`` creates (or empties) one for a library that writes by
path (Qt's image and SVG writers keep the mode of a file that exists).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Any, BinaryIO, Literal, TextIO, overload

__all__ = ["PRIVATE_MODE", "make_private", "open_private", "write_private"]

#: Read and write for the owner, nothing for the group and others.
PRIVATE_MODE = 0o600


def _open_fd(path: str | os.PathLike[str]) -> int:
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags, PRIVATE_MODE)
    if hasattr(os, "fchmod"):
        try:
            os.fchmod(fd, PRIVATE_MODE)  # a file that existed keeps its mode otherwise
        except OSError:
            os.close(fd)
            raise
    return fd


@overload
def open_private(
    path: str | os.PathLike[str], mode: Literal["w"] = "w", **kwargs: Any
) -> TextIO: ...
@overload
def open_private(path: str | os.PathLike[str], mode: Literal["wb"], **kwargs: Any) -> BinaryIO: ...
def open_private(path: str | os.PathLike[str], mode: str = "w", **kwargs: Any) -> IO[Any]:
    """``open(path, mode, **kwargs)`` for writing (``"w"`` or ``"wb"``), the file created
    (or truncated) with mode 0600. ``OSError`` as ``open`` raises it."""
    if mode not in ("w", "wb"):
        raise ValueError(f"open_private writes files: mode 'w' or 'wb', not {mode!r}")
    return os.fdopen(_open_fd(path), mode, **kwargs)


def write_private(path: str | os.PathLike[str], data: str | bytes, encoding: str = "utf-8") -> Path:
    """Write ``data`` (text in ``encoding``, or bytes) to ``path`` with mode 0600; the path."""
    if isinstance(data, str):
        with open_private(path, "w", encoding=encoding, newline="") as stream:
            stream.write(data)
    else:
        with open_private(path, "wb") as stream:
            stream.write(data)
    return Path(path)


def make_private(path: str | os.PathLike[str]) -> Path:
    """Create ``path`` empty with mode 0600 (emptying it if it exists) before a library
    that writes by path fills it; the path."""
    os.close(_open_fd(path))
    return Path(path)
