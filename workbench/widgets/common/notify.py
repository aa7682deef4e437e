"""How widgets tell the person something: into the service's one error path.

``notifier().error(text)`` goes to the engine's ``report`` (logged, kept, shown in the
status bar, like every failure of the engine); ``notifier().info(text)`` to its ``inform``.
The main window attaches its service; before that (a widget tested alone) the text goes to
the ``workbench`` logger only.
"""

from __future__ import annotations

import logging

from workbench.qt.service import WorkbenchService

__all__ = ["Notifier", "notifier"]

log = logging.getLogger("workbench")


class Notifier:
    def __init__(self) -> None:
        self._service: WorkbenchService | None = None

    def attach(self, service: WorkbenchService | None) -> None:
        """Send what widgets say to ``service`` from now on, until it is destroyed (None:
        to the logger only)."""
        self._service = service
        if service is not None:
            key = id(service)
            service.destroyed.connect(lambda *_: self._detach(key))

    def _detach(self, key: int) -> None:
        if self._service is not None and id(self._service) == key:
            self._service = None

    def info(self, text: str) -> None:
        if self._service is None:
            log.info("%s", text)
        else:
            self._service.engine.inform(text)

    def error(self, text: str, context: str = "") -> None:
        if self._service is None:
            log.warning("%s", text)
        else:
            self._service.engine.report(context, text)


_notifier = Notifier()


def notifier() -> Notifier:
    """The application's notifier."""
    return _notifier
