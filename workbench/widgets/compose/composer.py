"""The message composer: an editor that follows the send type, a Send button, Ctrl+Enter,
and recent / saved messages to reuse.

Which editor serves which send type, and what value each hands to ``send_requested``, is
the engine's (``workbench.engine.compose.drafts``, table in its docstring); the editors live in
``text_editors`` and ``file_editors``. Saved and recent messages belong to the library
(``QtMessageLibrary``) that every composer of the window shares.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMenu,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from workbench.engine.compose.drafts import (
    ANY_KINDS,
    ComposeError,
    draft_kind,
    editor_kind,
    frame_value,
    kind_mime,
    summary,
)
from workbench.engine.workspace.workspace import SavedMessage
from workbench.qt.message_library import QtMessageLibrary
from workbench.widgets.common.controls import named, tool_button
from workbench.widgets.common.notify import notifier
from workbench.widgets.common.plain_text import plain, set_plain_tooltip
from workbench.widgets.common.wheel_guard import GuardedComboBox

from .file_editors import BytesEditor, ImageEditor
from .text_editors import JsonEditor, TextEditor

__all__ = ["ANY_KIND_TIPS", "Composer"]

_NOTHING: Any = object()
ANY_KIND_TIPS = {
    "json": "JSON, checked as you type, sent as compact JSON text in a text frame",
    "text": "plain text in a text frame",
    "image": "an image file, sent as it is on disk in a binary frame",
    "bytes": "bytes typed as hex or base64, or a file, in a binary frame",
}


#: The editors of the four kinds of message (each has ``valid``, ``validity_changed`` and
#: ``value()``).
Editor = JsonEditor | TextEditor | ImageEditor | BytesEditor


def _squeezable(label: QLabel, minimum_width: int) -> QLabel:
    """``label``, giving up its width first (down to ``minimum_width``) when its row is short
    of room."""
    label.setMinimumWidth(minimum_width)
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    return label


class Composer(QWidget):
    """Compose a message for the current send type and ask for it to be sent.

    ``Composer(library)``: ``library`` (a ``QtMessageLibrary``) is shared between composers so
    that a message saved in one can be reused in another; one is made if none is given.

    Signals:
        ``send_requested(object)``: the value to send (see the module table); emitted by
        the Send button and by Ctrl+Enter, only when the editor holds a valid value.
    """

    send_requested = Signal(object)
    #: (button, value): one of the buttons made by ``add_send_button`` was pressed
    extra_send_requested = Signal(object, object)

    def __init__(
        self, library: QtMessageLibrary | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.send_type = "application/json"
        self.library = library if library is not None else QtMessageLibrary(parent=self)
        self.json_editor = JsonEditor()
        self.text_editor = TextEditor()
        self.image_editor = ImageEditor()
        self.bytes_editor = BytesEditor()
        self.editors: dict[str, Editor] = {
            "json": self.json_editor,
            "text": self.text_editor,
            "image": self.image_editor,
            "bytes": self.bytes_editor,
        }
        self.stack = QStackedWidget()
        for editor in self.editors.values():
            self.stack.addWidget(editor)
            editor.validity_changed.connect(self._update_send)

        top = self._top_row()
        self._extra: dict[QPushButton, bool] = {}
        self.send_button = named(
            QPushButton("Send", autoDefault=False), "sendButton", "Send this message (Ctrl+Enter)"
        )
        self.hint = _squeezable(named(QLabel("Ctrl+Enter sends"), "hint"), 40)
        self.button_row = QHBoxLayout()
        self.button_row.setContentsMargins(0, 0, 0, 0)
        self.button_row.addWidget(self.hint, 1)
        self.button_row.addWidget(self.send_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.stack, 1)
        layout.addLayout(self.button_row)

        self.send_button.clicked.connect(self.request_send)
        self.save_button.clicked.connect(self._save_dialog)
        self.reuse.activated.connect(self._reuse_chosen)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(self.request_send)
        self.library.changed.connect(self._fill_reuse)
        self._chain_focus()
        self.set_send_type(self.send_type)
        self._fill_reuse()

    def _top_row(self) -> QHBoxLayout:
        """Compose as (for ``*/*``), the send type, the reuse list and Save…."""
        tip = "The send type */* sends frames as they are: choose what to compose"
        self.any_kind = named(GuardedComboBox(), "composeAs", tip)
        self.any_kind.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        for label, kind, _mime in ANY_KINDS:
            self.any_kind.addItem(label, kind)
            self.any_kind.setItemData(
                self.any_kind.count() - 1, ANY_KIND_TIPS[kind], Qt.ItemDataRole.ToolTipRole
            )
        self.any_kind.currentIndexChanged.connect(lambda _index: self.set_send_type(self.send_type))
        self.type_label = _squeezable(plain(named(QLabel(), "sendTypeLabel")), 60)
        self.reuse = named(
            GuardedComboBox(
                sizeAdjustPolicy=QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon,
                minimumContentsLength=6,
            ),
            "reuseCombo",
            "Load a recent (↺) or saved (★) message into the editor",
        )
        self.reuse.setMaximumWidth(260)
        self.save_button = tool_button(
            "Save…", "Keep this message in the saved list (kept in the workspace)"
        )
        self.save_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.saved_menu = QMenu(self.save_button)
        self.saved_menu.aboutToShow.connect(self._fill_saved_menu)
        self.save_button.setMenu(self.saved_menu)
        self.any_label = named(QLabel("Compose as"), tip=tip)
        self.any_label.setBuddy(self.any_kind)
        self.any_label.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.any_label)
        top.addWidget(self.any_kind)
        top.addWidget(self.type_label, 1)
        top.addStretch(0)
        top.addWidget(self.reuse)
        top.addWidget(self.save_button)
        return top

    def _chain_focus(self) -> None:
        """Tab goes top to bottom: compose-as, reuse, save, the editor's fields, then the
        send buttons (hidden editors are skipped by Qt)."""
        chain: list[QWidget] = [
            self.any_kind,
            self.reuse,
            self.save_button,
            self.json_editor.edit,
            self.json_editor.pretty_button,
            self.text_editor.edit,
            self.image_editor.choose_button,
            self.image_editor.sample_button,
            self.bytes_editor.edit,
            self.bytes_editor.mode,
            self.bytes_editor.file_button,
            *self._extra,
            self.send_button,
        ]
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)

    # -- type --------------------------------------------------------------------------------

    def _show_editor(self, kind: str) -> None:
        """Show ``kind``'s editor; the hidden ones do not count in the stack's size, so the
        image editor's preview does not make a page with the text editor too tall to fit."""
        for name, editor in self.editors.items():
            shown = name == kind
            vertical = QSizePolicy.Policy.Preferred if shown else QSizePolicy.Policy.Ignored
            editor.setSizePolicy(editor.sizePolicy().horizontalPolicy(), vertical)
        self.stack.setCurrentWidget(self.editors[kind])

    def set_send_type(self, mime: str) -> None:
        """Show the editor for ``mime`` (the socket's ``send_type``)."""
        self.send_type = mime
        anything = editor_kind(mime) == "any"
        self.any_kind.setVisible(anything)
        self.any_label.setVisible(anything)
        self._show_editor(self.editor_kind())
        self.type_label.setVisible(not anything)
        if not anything:
            self.type_label.setText(f"as {mime}")  # the type the person typed in the form
            set_plain_tooltip(self.type_label, f"The send type: messages are converted to {mime}")
        self._update_send()

    def editor_kind(self) -> str:
        """The editor in use: the send type's, or the "Compose as" choice for ``*/*``."""
        kind = editor_kind(self.send_type)
        return self.any_kind.currentData() if kind == "any" else kind

    def set_compose_as(self, kind: str) -> None:
        """For ``*/*``: pick the editor ('json', 'text', 'image' or 'bytes')."""
        index = self.any_kind.findData(kind)
        if index >= 0:
            self.any_kind.setCurrentIndex(index)

    def current_editor(self) -> Editor:
        return self.editors[self.editor_kind()]

    _targets_ok = True

    def _update_send(self, *_: Any) -> None:
        valid = self.current_editor().valid
        self.send_button.setEnabled(valid and self._targets_ok)
        for button, can in self._extra.items():
            button.setEnabled(valid and can)

    def add_send_button(self, text: str, tooltip: str) -> QPushButton:
        """Another way to send (e.g. Broadcast), placed before Send; pressing it emits
        ``extra_send_requested(button, value)``. Enable it with ``set_button_can_send``."""
        button = QPushButton(text)
        button.setAutoDefault(False)
        button.setToolTip(tooltip)
        self.button_row.insertWidget(self.button_row.indexOf(self.send_button), button)
        self._extra[button] = True
        button.clicked.connect(lambda: self._extra_clicked(button))
        self._chain_focus()
        self._update_send()
        return button

    def set_button_can_send(self, button: QPushButton, can: bool) -> None:
        self._extra[button] = can
        self._update_send()

    def _extra_clicked(self, button: QPushButton) -> None:
        value = self.take_value()
        if value is not _NOTHING:
            self.extra_send_requested.emit(button, value)

    def set_can_send(self, can: bool, why: str = "") -> None:
        """Enable/disable sending from outside (e.g. no open socket); ``why`` becomes the tooltip."""
        self._targets_ok = can
        self.send_button.setToolTip("Send this message (Ctrl+Enter)" if can else why)
        self.hint.setText("Ctrl+Enter sends" if can else why)
        self._update_send()

    # -- value and sending ------------------------------------------------------------------

    def value(self) -> Any:
        """The value for the current send type; ``ComposeError`` saying what is wrong."""
        kind = self.editor_kind()
        value: Any = self.current_editor().value()
        file_data = self.image_editor.file_bytes() if kind == "image" else b""
        return frame_value(self.send_type, kind, value, file_data)

    def take_value(self) -> Any:
        """The value to send, remembered as recent; ``_NOTHING`` if the editor is not valid."""
        try:
            value = self.value()
        except ComposeError as exc:
            notifier().error(str(exc))
            return _NOTHING
        self.library.engine.remember(self.draft())
        return value

    def request_send(self) -> None:
        if not self.send_button.isEnabled():
            return
        value = self.take_value()
        if value is not _NOTHING:
            self.send_requested.emit(value)

    # -- drafts, recent and saved -------------------------------------------------------------

    def draft(self, name: str = "") -> SavedMessage:
        """What is in the current editor, as a ``SavedMessage`` (for ``*/*``, its MIME is
        the kind composed: application/json, text/plain, image/*, application/octet-stream)."""
        kind = self.editor_kind()
        mime = kind_mime(self.send_type, kind)
        if kind == "json":
            return SavedMessage(name, mime, self.json_editor.edit.toPlainText(), "text")
        if kind == "text":
            return SavedMessage(name, mime, self.text_editor.edit.toPlainText(), "text")
        if kind == "image":
            return SavedMessage(name, mime, self.image_editor.path, "file")
        mode = self.bytes_editor.current_mode()
        if mode == "file":
            return SavedMessage(name, mime, self.bytes_editor.path, "file")
        return SavedMessage(name, mime, self.bytes_editor.edit.toPlainText(), mode)

    def load_draft(self, message: SavedMessage) -> bool:
        """Put a saved/recent message into the editor it fits (with ``*/*`` every message
        fits: the editor of its own kind is chosen); else say why and change nothing. A
        file is read in the background (see ``file_editors``)."""
        kind = draft_kind(self.send_type, message)
        if kind is None:
            notifier().error(
                f"That message was made for {message.mime}; this composer sends {self.send_type}"
            )
            return False
        if editor_kind(self.send_type) == "any":
            self.set_compose_as(kind)
        if kind == "json":
            self.json_editor.edit.setPlainText(message.body)
        elif kind == "text":
            self.text_editor.edit.setPlainText(message.body)
        elif kind == "image":
            self.image_editor.load(message.body)
        elif message.body_format == "file":
            self.bytes_editor.load(message.body)
        else:
            self.bytes_editor.set_mode(message.body_format)
            self.bytes_editor.edit.setPlainText(message.body)
        self.current_editor().setFocus()
        return True

    def save_current(self, name: str) -> SavedMessage:
        message = self.draft(name)
        self.library.engine.save(message)
        return message

    def _save_dialog(self) -> None:
        name, ok = QInputDialog.getText(self, "Save message", "Name for this message:")
        if ok and name.strip():
            self.save_current(name.strip())
            notifier().info(f"Saved the message as “{name.strip()}”")

    def delete_saved(self, name: str) -> bool:
        deleted = self.library.engine.delete(name)
        if deleted:
            notifier().info(f"Deleted the saved message “{name}”")
        return deleted

    def _fill_saved_menu(self) -> None:
        self.saved_menu.clear()
        if not self.library.engine.saved:
            self.saved_menu.addAction("No saved messages yet").setEnabled(False)
        for message in self.library.engine.saved:
            action = self.saved_menu.addAction(f"Delete “{message.name}”")
            action.triggered.connect(
                lambda _checked=False, name=message.name: self.delete_saved(name)
            )

    def _fill_reuse(self) -> None:
        self.reuse.clear()
        self.reuse.addItem("Reuse…", None)
        for message in self.library.engine.saved:
            self.reuse.addItem(f"★ {message.name}", message)
        for message in self.library.engine.recent:
            self.reuse.addItem(f"↺ {summary(message)}", message)
        self.reuse.setEnabled(self.reuse.count() > 1)

    def _reuse_chosen(self, index: int) -> None:
        message = self.reuse.itemData(index)
        if message:
            self.load_draft(message)
        self.reuse.setCurrentIndex(0)
