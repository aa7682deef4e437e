"""A form built from core's option tables (``CLIENT_OPTIONS`` / ``SERVER_OPTIONS``).

One editor per option, chosen by the option's ``kind``; the option's ``doc`` becomes the
tooltip. ``values()`` gives ``{snake_name: value}`` ready for ``core.Client``/``core.Server``;
``options()`` adds the workbench's own (a client's ``secret_headers``, marked in the header
editor) for the engine; ``problem()`` runs core's own validation and returns its message (or
``None``) so the form can say what is wrong before anything is started.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, TypeVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from workbench.engine.options import (
    CLIENT_OPTIONS,
    SERVER_OPTIONS,
    Option,
    refusal,
    snake_case_client_options,
    snake_case_server_options,
)
from workbench.widgets.common.plain_text import plain
from workbench.widgets.common.wheel_guard import GuardedSpinBox
from workbench.widgets.compose.mime_chooser import MimeChooser

from .header_editor import HeaderEditor

#: Labels a person reads; options not listed get their name with spaces.
LABELS = {
    "host": "Host",
    "host_interface": "Host interface",
    "port": "Port",
    "path": "Path",
    "receive_type": "Receive type",
    "send_type": "Send type",
    "connect_timeout": "Connect timeout",
    "number_of_retries": "Retries",
    "time_between_retries": "Retry interval",
    "discard_messages_before_open": "Discard before open",
    "throttle_factor": "Throttle",
    "ssl_tls": "Use TLS (wss://)",
    "trust_all": "Trust any certificate",
    "trusted_ca_cert_path": "CA file",
    "subprotocols": "Subprotocols",
    "headers": "Extra headers",
    "origin": "Origin",
    "max_message_size": "Max message size",
    "ping_interval": "Keepalive ping every",
    "ping_timeout": "Keepalive timeout",
    "close_timeout": "Close timeout",
    "compression": "Compress (deflate)",
    "pfx_key_cert_path": "PFX file",
    "pfx_key_cert_password": "PFX password",
    "cert_path": "PEM certificate",
    "key_path": "PEM key",
    "allowed_origins": "Allowed origins",
    "handshake_timeout": "Handshake timeout",
}

#: Which group each option sits in; the rest go to "Advanced".
SECTIONS = {
    "host": "Connection",
    "host_interface": "Connection",
    "port": "Connection",
    "path": "Connection",
    "receive_type": "Messages",
    "send_type": "Messages",
    "max_message_size": "Messages",
    "compression": "Messages",
    "ping_interval": "Keepalive",
    "ping_timeout": "Keepalive",
    "close_timeout": "Keepalive",
    "connect_timeout": "Retries",
    "number_of_retries": "Retries",
    "time_between_retries": "Retries",
    "discard_messages_before_open": "Retries",
    "throttle_factor": "Retries",
    "ssl_tls": "TLS",
    "trust_all": "TLS",
    "trusted_ca_cert_path": "TLS",
    "pfx_key_cert_path": "TLS",
    "pfx_key_cert_password": "TLS",
    "cert_path": "TLS",
    "key_path": "TLS",
}
SECTION_ORDER = ("Connection", "Messages", "Keepalive", "Retries", "TLS", "Advanced")

#: Options only meaningful with TLS on; disabled while it is off.
TLS_ONLY = {
    "trust_all",
    "trusted_ca_cert_path",
    "pfx_key_cert_path",
    "pfx_key_cert_password",
    "cert_path",
    "key_path",
}

_MAX_INT = 2_147_483_647


def with_labels(text: str) -> str:
    """Name options in ``text`` by the labels the forms show: core's messages say
    ``trusted_ca_cert_path`` or ``sslTls``; a student looks for “CA file” or “Use TLS”.
    Only identifiers (with ``_`` or an inner capital) are replaced, never plain words."""
    return _IDENTIFIER.sub(lambda match: f"“{_LABEL_OF[match.group(0)]}” ({match.group(0)})", text)


def label_for(option: Option) -> str:
    return LABELS.get(option.name, option.name.replace("_", " ").capitalize())


class FileField(QWidget):
    """A path line edit with a Browse… button."""

    changed = Signal()

    def __init__(self, caption: str, filters: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.caption = caption
        self.filters = filters
        self.edit = QLineEdit()
        self.edit.setPlaceholderText("no file")
        self.edit.setClearButtonEnabled(True)
        self.button = QPushButton("Browse…")
        self.button.setAutoDefault(False)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.button)
        self.button.clicked.connect(self._browse)
        self.edit.textChanged.connect(self.changed)
        self.setFocusProxy(self.edit)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.caption, self.edit.text(), self.filters)
        if path:
            self.edit.setText(path)

    def text(self) -> str:
        return self.edit.text().strip()

    def set_text(self, text: str) -> None:
        self.edit.setText(text)


_FILE_FILTERS = {
    "pfx_key_cert_path": "PKCS#12 (*.pfx *.p12);;All files (*)",
    "cert_path": "PEM certificate (*.pem *.crt *.cer);;All files (*)",
    "key_path": "PEM key (*.pem *.key);;All files (*)",
    "trusted_ca_cert_path": "PEM certificate (*.pem *.crt *.cer);;All files (*)",
}
#: What an ``optional_ms`` spin box at 0 (None to core) means, where it is not "off".
_WHEN_UNSET = {"write_timeout": "as ping timeout"}


#: What edits one option: a MIME chooser, a checkbox, a number, a file, headers or text.
OptionEditor = MimeChooser | QCheckBox | QSpinBox | FileField | HeaderEditor | QLineEdit
E = TypeVar("E", bound=QWidget)


class OptionForm(QWidget):
    """Every option of ``table`` as a labelled editor, grouped into sections.

    Signals: ``changed()`` whenever any value is edited.
    """

    changed = Signal()

    def __init__(
        self, owner: str, table: tuple[Option, ...], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.owner = owner
        self.table = table
        self.editors: dict[str, OptionEditor] = {}
        self._marked: list[str] | None = None  # secret_headers given to set_values
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        forms: dict[str, QFormLayout] = {}
        for section in SECTION_ORDER:
            options = [o for o in table if SECTIONS.get(o.name, "Advanced") == section]
            if not options:
                continue
            box = QGroupBox(section)
            form = QFormLayout(box)
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            forms[section] = form
            layout.addWidget(box)
            for option in options:
                editor = self._editor_for(option)
                editor.setToolTip(f"{option.doc} (core option '{option.spec_name or option.name}')")
                editor.setObjectName(f"option_{option.name}")
                self.editors[option.name] = editor
                if isinstance(editor, QCheckBox):
                    form.addRow("", editor)
                elif isinstance(editor, HeaderEditor):  # a table: the column's full width
                    label = QLabel(label_for(option) + ":")
                    label.setBuddy(editor)
                    form.addRow(label)
                    form.addRow(editor)
                else:
                    label = QLabel(label_for(option) + ":")
                    label.setBuddy(editor)
                    label.setToolTip(option.doc)
                    form.addRow(label, editor)
        self.error_label = plain(QLabel())  # core's complaint quotes the value typed
        self.error_label.setObjectName("formError")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        layout.addWidget(self.error_label)
        layout.addStretch(1)
        self.set_values({})
        for name in ("ssl_tls", "trust_all"):
            if name in self.editors:
                self.editor(name, QCheckBox).toggled.connect(self._update_tls)
        self._update_tls()
        self.changed.connect(self._hide_error)

    # -- building ---------------------------------------------------------------------------

    def editor(self, name: str, kind: type[E]) -> E:
        """The editor of option ``name``, which is a ``kind`` (``TypeError`` if not)."""
        editor = self.editors[name]
        if not isinstance(editor, kind):
            raise TypeError(f"the editor of {name!r} is a {type(editor).__name__}")
        return editor

    def _editor_for(self, option: Option) -> OptionEditor:
        kind, name = option.kind, option.name
        if kind in ("receive_type", "send_type"):
            chooser = MimeChooser("send" if kind == "send_type" else "receive")
            chooser.mime_changed.connect(self.changed)
            return chooser
        if kind in ("bool", "compression"):  # compression: checked is 'deflate', else None
            box = QCheckBox(label_for(option))
            box.toggled.connect(self.changed)
            return box
        if kind in ("port", "count", "positive", "ms", "optional_ms", "size"):
            spin = GuardedSpinBox()
            spin.setRange(1 if kind == "positive" else 0, 65535 if kind == "port" else _MAX_INT)
            spin.setGroupSeparatorShown(kind != "port")
            if kind in ("ms", "optional_ms"):
                spin.setSuffix(" ms")
                spin.setSingleStep(100)
            if kind == "optional_ms":
                spin.setSpecialValueText(_WHEN_UNSET.get(name, "off"))
            if kind == "size":
                spin.setSuffix(" bytes")
                spin.setSpecialValueText("no limit")
                spin.setSingleStep(1024)
            if kind == "port" and self.owner == "Server":
                spin.setSpecialValueText("0 (any free port)")
            spin.valueChanged.connect(self.changed)
            return spin
        if kind == "file":
            field = FileField(
                f"Choose the {label_for(option)}", _FILE_FILTERS.get(name, "All files (*)")
            )
            field.changed.connect(self.changed)
            return field
        if kind == "headers":
            headers = HeaderEditor()
            headers.changed.connect(self.changed)
            return headers
        edit = QLineEdit()
        edit.setClearButtonEnabled(kind in ("strings", "str", "optional_str"))
        if kind == "strings":
            edit.setPlaceholderText("comma separated; empty for none")
        elif name == "origin":
            edit.setPlaceholderText("none sent")
        if "password" in name:
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        edit.textChanged.connect(self.changed)
        return edit

    def _update_tls(self) -> None:
        box = self.editors.get("ssl_tls")
        on = isinstance(box, QCheckBox) and box.isChecked()
        for name in TLS_ONLY & self.editors.keys():
            self.editors[name].setEnabled(on)
        if "trusted_ca_cert_path" in self.editors and "trust_all" in self.editors:
            trust_all = self.editor("trust_all", QCheckBox).isChecked()
            self.editors["trusted_ca_cert_path"].setEnabled(on and not trust_all)

    # -- values -----------------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        """``{snake_name: value}`` for every option, as core expects them.

        A string option left empty whose default is None (the client's ``origin``) is left
        out: core's check takes only strings for it, and leaving it out means "none".
        """
        values = {option.name: self._value_of(option) for option in self.table}
        return {
            option.name: values[option.name]
            for option in self.table
            if not (option.kind == "str" and values[option.name] is None)
        }

    def options(self) -> dict[str, Any]:
        """``values()`` and the workbench's own options, as the engine keeps them: a
        client's ``secret_headers`` (the names marked secret) when it has headers."""
        values = self.values()
        editor = self.editors.get("headers")
        if self.owner == "Client" and isinstance(editor, HeaderEditor) and values.get("headers"):
            values["secret_headers"] = editor.secret_names()
        return values

    def _value_of(self, option: Option) -> Any:
        editor = self.editors[option.name]
        kind = option.kind
        if isinstance(editor, MimeChooser):
            return editor.mime_type()
        if isinstance(editor, QCheckBox):
            if kind == "compression":
                return "deflate" if editor.isChecked() else None
            return editor.isChecked()
        if isinstance(editor, QSpinBox):
            value = editor.value()
            if kind in ("optional_ms", "size") and value == 0:
                return None
            return value
        if isinstance(editor, FileField):
            return editor.text()
        if isinstance(editor, HeaderEditor):
            return editor.headers()
        text = editor.text()
        if kind == "strings":
            items = [part.strip() for part in text.split(",") if part.strip()]
            return items or None
        if kind in ("str", "optional_str") and option.default is None:
            return text.strip() or None
        if kind in ("host", "path"):
            return text.strip()
        return text

    def set_values(self, values: Mapping[str, Any]) -> None:
        """Fill every editor: from ``values`` (either spelling; ``options()`` too) where
        given, else the option's default."""
        snake_case = (
            snake_case_server_options if self.owner == "Server" else snake_case_client_options
        )
        values = snake_case(values)
        self._marked = values.get("secret_headers")
        for option in self.table:
            self._set_value(option, values.get(option.name, option.default))
        self._update_tls()

    def _set_value(self, option: Option, value: Any) -> None:
        editor = self.editors[option.name]
        if isinstance(editor, MimeChooser):
            editor.set_mime_type(str(value))
        elif isinstance(editor, QCheckBox):
            editor.setChecked(bool(value))
        elif isinstance(editor, QSpinBox):
            editor.setValue(int(value or 0))
        elif isinstance(editor, FileField):
            editor.set_text(str(value or ""))
        elif isinstance(editor, HeaderEditor):
            editor.set_headers(value, self._marked)
        elif option.kind == "strings":
            editor.setText(", ".join(value or []))
        else:
            editor.setText("" if value is None else str(value))

    # -- validation ---------------------------------------------------------------------------

    def problem(self) -> str | None:
        """Core's own complaint about the current values, or ``None`` when they are valid."""
        return refusal(self.owner, self.values())

    def show_error(self, message: str, option: str | None = None) -> None:
        """Show ``message`` under the form (and focus the option it names, if given)."""
        self.error_label.setText(with_labels(message))
        self.error_label.show()
        if option and option in self.editors:
            self.editors[option].setFocus()

    def _hide_error(self) -> None:
        self.error_label.hide()


_LABEL_OF = {
    name: label_for(option)
    for option in (*CLIENT_OPTIONS, *SERVER_OPTIONS)
    for name in (option.name, option.spec_name)
    if name and ("_" in name or name != name.lower())
}
_IDENTIFIER = re.compile(
    r"(?<![\w])("
    + "|".join(re.escape(n) for n in sorted(_LABEL_OF, key=len, reverse=True))
    + r")(?![\w])"
)


def client_form(parent: QWidget | None = None) -> OptionForm:
    return OptionForm("Client", CLIENT_OPTIONS, parent)


def server_form(parent: QWidget | None = None) -> OptionForm:
    return OptionForm("Server", SERVER_OPTIONS, parent)
