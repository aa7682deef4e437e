"""One place for widgets to tell the person something: the main window shows it in the status
bar. (Errors of the service arrive through its own error signal; this is for what widgets do
themselves: an export written, a file that cannot be read.)"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class Notifier(QObject):
    #: (text, is_error)
    message = Signal(str, bool)

    def info(self, text: str) -> None:
        self.message.emit(text, False)

    def error(self, text: str) -> None:
        self.message.emit(text, True)


_notifier: Notifier | None = None


def notifier() -> Notifier:
    """The application's notifier (made on first use, after the QApplication exists)."""
    global _notifier
    if _notifier is None:
        _notifier = Notifier()
    return _notifier
