"""Secrets of the workspace (the PFX password): kept in the system keyring, never on disk.

``keep(path, password)`` stores the password of the PFX file at ``path`` in the keyring
(service ``websocket-workbench``, user ``pfx:<path>``) and says whether it could;
``recall(path)`` gives it back, or None when there is no keyring or nothing stored, in which
case the person types it again. Keyring calls may be slow (a desktop daemon): call them
where file I/O is called, off the UI thread.
"""

from __future__ import annotations

import logging

import keyring
from keyring.errors import KeyringError

__all__ = ["SECRET_OPTIONS", "SERVICE", "available", "keep", "recall"]

log = logging.getLogger("workbench")

SERVICE = "websocket-workbench"
#: The options that hold secrets (snake_case: the one spelling inside the workbench).
SECRET_OPTIONS = ("pfx_key_cert_password",)


def available() -> bool:
    """Whether a real keyring backend is there (the "fail" backend of a bare CI is not)."""
    try:
        return float(keyring.get_keyring().priority) > 0
    except (KeyringError, RuntimeError, ValueError, TypeError):
        return False


def _user(path: str) -> str:
    return f"pfx:{path}"


def keep(path: str, password: str) -> bool:
    """Store ``password`` for the PFX file at ``path``; False if there is no keyring."""
    if not available():
        return False
    try:
        keyring.set_password(SERVICE, _user(path), password)
    except (KeyringError, RuntimeError) as exc:
        log.warning("the keyring refused the PFX password of %s: %s", path, exc)
        return False
    return True


def recall(path: str) -> str | None:
    """The stored password of the PFX file at ``path``, or None."""
    if not available():
        return None
    try:
        return keyring.get_password(SERVICE, _user(path))
    except (KeyringError, RuntimeError) as exc:
        log.warning("the keyring did not give the PFX password of %s: %s", path, exc)
        return None
