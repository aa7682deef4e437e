"""The intercept of a relay: a switch per direction and the queue of held messages, in the
order they came, with Forward, Edit and forward (the composer, with the message's MIME type),
Drop and Forward all, and how many are held. Pings and closes are never held (the engine's
``intercept``); the queue is the relay's, across its connections."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from workbench.engine.relay.directions import TO_CLIENT, TO_UPSTREAM, WORDS
from workbench.engine.relay.held_editing import edited_payload, held_draft
from workbench.engine.relay.intercept import HeldMessage
from workbench.qt.message_library import QtMessageLibrary
from workbench.qt.roles import ITEM_ID_ROLE
from workbench.qt.service import WorkbenchService
from workbench.widgets.common.controls import named
from workbench.widgets.common.flow_row import FlowRow
from workbench.widgets.compose.composer import Composer

__all__ = ["EditHeldDialog", "InterceptPanel"]

PREVIEW_CHARS = 80
#: Held messages the queue lists at most (the count says how many there are).
LISTED = 500


def held_text(held: HeldMessage) -> str:
    """One line of the queue: "#4 · connection #1 · client → upstream · text 'hello'"."""
    payload = held.payload
    if isinstance(payload, bytes):
        shown = f"binary {len(payload)} B {payload[:16].hex(' ')}"
    else:
        flat = payload.replace("\n", "⏎")
        shown = "text " + repr(flat[:PREVIEW_CHARS] + ("…" if len(flat) > PREVIEW_CHARS else ""))
    return f"#{held.id} · connection #{held.connection} · {WORDS[held.direction]} · {shown}"


class EditHeldDialog(QDialog):
    """The composer holding a held message, with its MIME type; ``payload`` once accepted."""

    def __init__(
        self, held: HeldMessage, library: QtMessageLibrary, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("editHeld")
        self.setWindowTitle(f"Edit held message #{held.id}")
        draft = held_draft(held.payload)
        self.mime = draft.mime
        self.payload: str | bytes | None = None
        self.composer = Composer(library)
        self.composer.set_send_type(draft.mime)
        self.composer.load_draft(draft)
        self.composer.send_button.setText("Forward edited")
        self.composer.send_requested.connect(self._take)
        intro = named(
            QLabel(f"Held #{held.id}: {WORDS[held.direction]}, connection #{held.connection}"),
            "hint",
        )
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.composer, 1)
        layout.addWidget(buttons)
        self.resize(560, 380)

    def _take(self, value: Any) -> None:
        try:
            self.payload = edited_payload(self.mime, value)
        except TypeError as exc:
            self.composer.hint.setText(str(exc))
            return
        self.accept()


class InterceptPanel(QWidget):
    """``InterceptPanel(service, relay_id, library)``; follows ``held_changed``."""

    def __init__(
        self,
        service: WorkbenchService,
        relay_id: str,
        library: QtMessageLibrary,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("interceptPanel")
        self.relays = service.relays.engine
        self.relay_id = relay_id
        self.library = library
        self.switches = {
            TO_UPSTREAM: named(
                QCheckBox("Hold client → upstream"),
                "holdToUpstream",
                "Hold each message the client sends until you forward, edit or drop it",
            ),
            TO_CLIENT: named(
                QCheckBox("Hold upstream → client"),
                "holdToClient",
                "Hold each message the upstream sends until you forward, edit or drop it",
            ),
        }
        self.count = named(QLabel(), "heldCount")
        switches = QGridLayout()
        for row, (direction, box) in enumerate(self.switches.items()):
            box.toggled.connect(lambda on, d=direction: self.relays.set_holding(relay_id, d, on))
            switches.addWidget(box, row, 0)
        switches.addWidget(self.count, 0, 1, Qt.AlignmentFlag.AlignRight)
        switches.setColumnStretch(0, 1)
        self.queue = named(QListWidget(), "heldQueue", "The held messages, oldest first")
        self.queue.setMinimumWidth(120)
        self.queue.setAccessibleName("Held messages")
        self.forward_button = named(QPushButton("Forward"), tip="Send the selected message on")
        self.edit_button = named(
            QPushButton("Edit and forward…"), tip="Change the selected message, then send it on"
        )
        self.drop_button = named(QPushButton("Drop"), tip="Never send the selected message")
        self.all_button = named(QPushButton("Forward all"), tip="Send every held message on")
        for button in (self.forward_button, self.edit_button, self.drop_button, self.all_button):
            button.setAutoDefault(False)
        buttons = FlowRow(
            [
                (self.forward_button, True),
                (self.edit_button, True),
                (self.drop_button, True),
                (self.all_button, True),
            ]
        )
        self.empty = named(QLabel(), "emptyHint")
        self.empty.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(switches)
        layout.addWidget(self.queue, 1)
        layout.addWidget(self.empty)
        layout.addWidget(buttons)
        self.forward_button.clicked.connect(lambda: self.decide("forward"))
        self.drop_button.clicked.connect(lambda: self.decide("drop"))
        self.edit_button.clicked.connect(self.edit_selected)
        self.all_button.clicked.connect(lambda: self.relays.forward_all(relay_id))
        self.queue.itemDoubleClicked.connect(lambda _item: self.edit_selected())
        self.queue.currentRowChanged.connect(self._update_buttons)
        service.relays.held_changed.connect(self._held_changed)
        self.refresh()

    def held(self) -> list[HeldMessage]:
        return self.relays.relay(self.relay_id).held()

    def selected(self) -> HeldMessage | None:
        item = self.queue.currentItem()
        if item is None:
            return None
        wanted = item.data(ITEM_ID_ROLE)
        return next((h for h in self.held() if h.id == wanted), None)

    def decide(self, outcome: str) -> bool:
        held = self.selected()
        return held is not None and self.relays.decide(self.relay_id, outcome, held.id)

    def edit_selected(self) -> bool:
        """Open the composer on the selected message; True if an edit was sent on."""
        held = self.selected()
        if held is None:
            return False
        dialog = EditHeldDialog(held, self.library, self)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted and dialog.payload is not None
        payload = dialog.payload
        dialog.deleteLater()
        return accepted and self.relays.decide(self.relay_id, "edit", held.id, payload)

    def _held_changed(self, relay_id: str) -> None:
        if relay_id == self.relay_id:
            self.refresh()

    def refresh(self) -> None:
        if self.relay_id not in self.relays.relays:
            return
        handle = self.relays.relay(self.relay_id)
        for direction, box in self.switches.items():
            box.blockSignals(True)
            box.setChecked(handle.holding[direction])
            box.blockSignals(False)
        held = handle.held()
        wanted = self.queue.currentItem().data(ITEM_ID_ROLE) if self.queue.currentItem() else None
        self.queue.clear()
        for message in held[:LISTED]:
            item = QListWidgetItem(held_text(message))
            item.setData(ITEM_ID_ROLE, message.id)
            self.queue.addItem(item)
        rows = [m.id for m in held[:LISTED]]
        if rows:
            self.queue.setCurrentRow(rows.index(wanted) if wanted in rows else 0)
        self.count.setText(f"{len(held)} held" if held else "nothing held")
        holding = any(handle.holding.values())
        self.empty.setText(
            "Nothing held. Messages going a held way wait here until you decide."
            if holding
            else "Turn on a switch above to hold messages going that way."
        )
        self.empty.setVisible(not held)
        self.queue.setVisible(bool(held))
        self._update_buttons()

    def _update_buttons(self, *_: Any) -> None:
        chosen = self.queue.currentItem() is not None
        for button in (self.forward_button, self.edit_button, self.drop_button):
            button.setEnabled(chosen)
        self.all_button.setEnabled(self.queue.count() > 0)
