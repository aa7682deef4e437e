"""Secrets of the workspace: kept in the system keyring, never on disk.

``keep(path, password)`` stores the password of the PFX file at ``path`` in the keyring
(service ``websocket-workbench``, user ``pfx:<path>``) and says whether it could;
``recall(path)`` gives it back, or None when there is no keyring or nothing stored, in which
case the person types it again. A client's secrets (``client_secrets``: its secret headers,
tokens in its path or subprotocols, its key's password) go the same way under
``client_user(workspace file, client name, field)``, with ``keep_value``,
``recall_value`` and ``forget_value`` (a secret the file no longer lists). Keyring calls may be slow (a desktop daemon): call them where file I/O is
called, off the UI thread.
"""

from __future__ import annotations

import logging

import keyring
from keyring.errors import KeyringError, PasswordDeleteError

__all__ = [
    "SECRET_OPTIONS",
    "SERVICE",
    "available",
    "client_user",
    "forget_value",
    "keep",
    "keep_value",
    "recall",
    "recall_value",
]

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


def client_user(workspace: str, client: str, field: str) -> str:
    """The keyring user of a client's secret ``field`` in the workspace file ``workspace``
    (a resolved path: two workspaces with a client of the same name keep apart)."""
    return f"client:{workspace}#{client}#{field}"


def keep_value(user: str, value: str) -> bool:
    """Store ``value`` under ``user``; False if there is no keyring (or it refused)."""
    if not available():
        return False
    try:
        keyring.set_password(SERVICE, user, value)
    except (KeyringError, RuntimeError) as exc:
        log.warning("the keyring refused a secret (%s): %s", user, exc)
        return False
    return True


def recall_value(user: str) -> str | None:
    """The value stored under ``user``, or None."""
    if not available():
        return None
    try:
        return keyring.get_password(SERVICE, user)
    except (KeyringError, RuntimeError) as exc:
        log.warning("the keyring did not give a secret (%s): %s", user, exc)
        return None


def forget_value(user: str) -> None:
    """Delete what is stored under ``user``, if anything (no keyring: nothing to do)."""
    if not available():
        return
    try:
        keyring.delete_password(SERVICE, user)
    except PasswordDeleteError:
        pass  # nothing was stored
    except (KeyringError, RuntimeError) as exc:
        log.warning("the keyring did not delete a secret (%s): %s", user, exc)


def keep(path: str, password: str) -> bool:
    """Store ``password`` for the PFX file at ``path``; False if there is no keyring."""
    return keep_value(_user(path), password)


def recall(path: str) -> str | None:
    """The stored password of the PFX file at ``path``, or None."""
    return recall_value(_user(path))
