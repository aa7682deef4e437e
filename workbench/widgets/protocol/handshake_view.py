"""The Handshake view: one connection's opening handshake (RFC 6455 §4), explained.

The client's upgrade request beside the server's answer, the ``Sec-WebSocket-Accept``
computation step by step with the check against what was received, and the negotiated
subprotocol and extensions in plain words. A refused handshake shows its status and the
server's reason. A chooser at the top picks which connection when there are several (a
server's sockets and refused attempts); it hides when there is one.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from workbench.engine.protocol.handshake_record import GUID, AcceptCheck, HandshakeRecord
from workbench.qt.service import WorkbenchService
from workbench.widgets.common.controls import named
from workbench.widgets.common.fonts import fixed_width_font
from workbench.widgets.common.plain_text import plain
from workbench.widgets.common.wheel_guard import GuardedComboBox

__all__ = ["HandshakeView", "accept_steps_html", "client_handshakes", "server_handshakes"]

#: (label in the chooser, record), in the order the chooser lists them.
Records = Sequence[tuple[str, HandshakeRecord]]

_OK, _BAD = "#15803d", "#b91c1c"


def client_handshakes(service: WorkbenchService, client_id: str) -> Callable[[], Records]:
    """The records of a client's page: its last opening or refused attempt."""

    def records() -> Records:
        client = service.engine.clients.get(client_id)
        record = client.handshake if client is not None else None
        return [] if record is None else [(client_id, record)]

    return records


def server_handshakes(service: WorkbenchService, server_id: str) -> Callable[[], Records]:
    """The records of a server's page: each socket's handshake and each refused attempt
    it keeps, oldest first."""

    def records() -> Records:
        if server_id not in service.engine.servers:
            return []
        found: list[tuple[str, HandshakeRecord]] = [
            (f"{socket.id.rsplit('/', 1)[-1]} {socket.remote_address}: 101", socket.handshake)
            for socket in service.engine.sockets_of(server_id)
            if socket.handshake is not None
        ]
        found += [
            (f"refused {record.peer}: {record.status}", record)
            for record in service.engine.server(server_id).refusals
        ]
        return sorted(found, key=lambda pair: pair[1].at)

    return records


def _message_text(first_line: str, headers: Sequence[tuple[str, str]], note: str = "") -> str:
    lines = [first_line, *(f"{name}: {value}" for name, value in headers)]
    if note:
        lines += ["", note]
    return "\n".join(lines)


def accept_steps_html(check: AcceptCheck) -> str:
    """The four steps from the client's key to the accept value, and the verdict."""

    def code(text: str) -> str:
        return f"<code>{html.escape(text)}</code>"

    if check.matches:
        verdict = f"<b style='color:{_OK}'>✓ matches the Sec-WebSocket-Accept received</b>"
    else:
        got = "none" if check.received is None else code(check.received)
        verdict = f"<b style='color:{_BAD}'>✗ the server sent {got}: it does not match</b>"
    rows = [
        ("1. Sec-WebSocket-Key (16 random bytes, base64)", code(check.key)),
        (f"2. key + GUID {html.escape(GUID)}", code(check.concatenated)),
        ("3. SHA-1 of that text (hex)", code(check.sha1_hex)),
        ("4. the 20 digest bytes in base64", code(check.computed)),
    ]
    body = "".join(f"<tr><td>{label}</td><td>{value}</td></tr>" for label, value in rows)
    return f"<table cellspacing='4'>{body}</table><p>{verdict}</p>"


ACCEPT_TITLE = "Sec-WebSocket-Accept = base64(SHA-1(key + GUID))  (RFC 6455 §4.2.2)"


def _boxed(title: str, widget: QWidget) -> QGroupBox:
    box = QGroupBox(title)
    QVBoxLayout(box).addWidget(widget)
    return box


class HandshakeView(QWidget):
    """``HandshakeView(records, empty_text)``: ``records()`` gives the handshakes to choose
    from; ``refresh()`` reads them again and shows the newest, or the one the person picked
    in the chooser while it is still there."""

    def __init__(
        self,
        records: Callable[[], Records],
        empty_text: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._records = records
        self._shown: Records = ()
        self._picked: HandshakeRecord | None = None
        selectable = Qt.TextInteractionFlag.TextSelectableByMouse
        self.chooser = named(
            GuardedComboBox(), "handshakeChooser", "Which connection's handshake to show"
        )
        self.chooser.currentIndexChanged.connect(self._chosen)
        self.chooser.activated.connect(self._pick)
        self.summary = named(  # our markup around escaped text (``_show``)
            QLabel(
                textFormat=Qt.TextFormat.RichText, wordWrap=True, textInteractionFlags=selectable
            ),
            "handshakeSummary",
        )
        top = QHBoxLayout()
        top.addWidget(self.chooser)
        top.addWidget(self.summary, 1)
        self.accept = named(
            QLabel(
                textFormat=Qt.TextFormat.RichText, textInteractionFlags=selectable, wordWrap=True
            ),
            "handshakeAccept",
        )
        self.negotiation = plain(  # the subprotocol and extensions the peers sent
            named(QLabel(wordWrap=True, textInteractionFlags=selectable), "handshakeNegotiation")
        )
        details = QWidget()
        details_layout = QVBoxLayout(details)
        details_layout.setContentsMargins(0, 0, 0, 0)
        details_layout.addWidget(self._request_and_response(), 1)
        details_layout.addWidget(_boxed(ACCEPT_TITLE, self.accept))
        details_layout.addWidget(_boxed("Negotiated", self.negotiation))
        scroller = named(QScrollArea(widgetResizable=True), "handshakeScroller")
        scroller.setFrameShape(QScrollArea.Shape.NoFrame)
        scroller.setWidget(details)
        shown = QWidget()
        shown_layout = QVBoxLayout(shown)
        shown_layout.setContentsMargins(0, 0, 0, 0)
        shown_layout.addLayout(top)
        shown_layout.addWidget(scroller, 1)
        self.empty_hint = named(
            QLabel(empty_text, alignment=Qt.AlignmentFlag.AlignCenter, wordWrap=True), "emptyHint"
        )
        self.pages = QStackedWidget()
        self.pages.addWidget(self.empty_hint)
        self.pages.addWidget(shown)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pages)
        self.refresh()

    def _request_and_response(self) -> QSplitter:
        """The upgrade ``request`` beside the ``response``, in a fixed-width font."""
        fixed = fixed_width_font()  # follows the zoom
        self.request = named(QPlainTextEdit(readOnly=True), "handshakeRequest")
        self.response = named(QPlainTextEdit(readOnly=True), "handshakeResponse")
        sides = QSplitter(Qt.Orientation.Horizontal)
        for title, edit in (
            ("Request: client → server", self.request),
            ("Response: server → client", self.response),
        ):
            edit.setFont(fixed)
            # Long headers (Sec-WebSocket-Extensions with its parameters, User-Agent) wrap, so
            # every header reads whole at the pane's width and on a projector.
            edit.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
            # Room for the 9 header lines of a usual handshake (more scroll inside): at 1200 x
            # 760 the Accept computation and the negotiation then show below without scrolling.
            edit.setMinimumHeight(edit.fontMetrics().lineSpacing() * 9 + 8)
            sides.addWidget(_boxed(title, edit))
        sides.setChildrenCollapsible(False)
        return sides

    @property
    def record(self) -> HandshakeRecord | None:
        """The handshake shown now (None in the empty state)."""
        index = self.chooser.currentIndex()
        return self._shown[index][1] if 0 <= index < len(self._shown) else None

    def refresh(self) -> None:
        chosen = self._picked
        records = list(self._records())
        self._shown = records
        self.chooser.blockSignals(True)
        self.chooser.clear()
        self.chooser.addItems([label for label, _record in records])
        index = next((i for i, (_, r) in enumerate(records) if r is chosen), len(records) - 1)
        self.chooser.setCurrentIndex(index)
        self.chooser.blockSignals(False)
        self.chooser.setVisible(len(records) > 1)
        self._chosen(index)

    def pick(self, record: HandshakeRecord) -> None:
        """Show ``record`` (if listed) and keep showing it, as if the person picked it."""
        index = next((i for i, (_, r) in enumerate(self._shown) if r is record), -1)
        if index >= 0:
            self.chooser.setCurrentIndex(index)
            self._picked = record

    def _pick(self, _index: int) -> None:
        self._picked = self.record

    def _chosen(self, _index: int) -> None:
        record = self.record
        self.pages.setCurrentIndex(0 if record is None else 1)
        if record is not None:
            self._show(record)

    def _show(self, record: HandshakeRecord) -> None:
        color = _BAD if record.refused else _OK
        where = "to" if record.side == "client" else "from"
        self.summary.setText(
            f"<b style='color:{color}'>{html.escape(record.summary)}</b>"
            f" — {record.side} side, {where} {html.escape(record.peer)}"
        )
        if record.request_headers:
            self.request.setPlainText(_message_text(record.request_line, record.request_headers))
        else:
            self.request.setPlainText(
                _message_text(
                    record.request_line,
                    (),
                    "(the headers of a refused attempt\n are kept on the server's end only)",
                )
            )
        note = f"The server's reason:\n{record.reason}" if record.refused and record.reason else ""
        self.response.setPlainText(_message_text(record.status_line, record.response_headers, note))
        check = record.accept
        if check is not None:
            self.accept.setText(accept_steps_html(check))
        elif record.refused:
            self.accept.setText("Not computed: the server refused, so it sent no accept value.")
        else:
            self.accept.setText("Not computed: the request's Sec-WebSocket-Key is not known.")
        self.negotiation.setText("\n".join([record.subprotocol_text, *record.extension_lines]))
