"""A relay's settings: the upstream URL, the path and Host/Origin settings, the header edits
(set, add or strip), then where it listens (a server's options, ws or wss with its TLS files)
and how it opens the upstream (a client's options: CA, trust any, client certificate, the
open timeout). The options each side's relay sets itself are left out; only the options
changed from core's defaults are kept, so the relay's own defaults (its handshake timeout
follows the open timeout) apply to the rest. The engine checks the whole when it is applied
(``workbench.engine.relays.settings_of``)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from workbench.engine.options import CLIENT_OPTIONS, SERVER_OPTIONS
from workbench.engine.relay.settings import LISTEN_OWN_OPTIONS, UPSTREAM_OWN_OPTIONS
from workbench.engine.workspace.workspace import RelayConfig
from workbench.widgets.common.controls import named
from workbench.widgets.common.plain_text import plain
from workbench.widgets.common.wheel_guard import GuardedComboBox
from workbench.widgets.pages.option_form import TLS_ONLY, OptionForm, with_labels

__all__ = ["HeaderEdits", "RelaySettingsForm"]

LISTEN_TABLE = tuple(o for o in SERVER_OPTIONS if o.name not in LISTEN_OWN_OPTIONS)
UPSTREAM_TABLE = tuple(o for o in CLIENT_OPTIONS if o.name not in UPSTREAM_OWN_OPTIONS)
#: Always kept, even at their defaults: where the relay listens.
_ALWAYS = ("host_interface", "port")
_EDITS = (("set", "set (replace)"), ("add", "add"), ("strip", "strip"))


class _UpstreamForm(OptionForm):
    """The upstream leg's options: its TLS files apply whenever the URL is wss://."""

    def _update_tls(self) -> None:
        trust_all = self.editors.get("trust_all")
        for name in TLS_ONLY & self.editors.keys():
            self.editors[name].setEnabled(True)
        if isinstance(trust_all, QCheckBox) and "trusted_ca_cert_path" in self.editors:
            self.editors["trusted_ca_cert_path"].setEnabled(not trust_all.isChecked())


class HeaderEdits(QWidget):
    """The header edits: one row per edit — set, add or strip — with its name and value."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = named(QTableWidget(0, 3), "headerEdits")
        self.table.setHorizontalHeaderLabels(["Edit", "Header", "Value"])
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setMinimumHeight(90)
        self.add_button = named(QPushButton("Add header"), tip="Add a header edit")
        self.remove_button = named(QPushButton("Remove"), tip="Remove the selected edit")
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        self.add_button.clicked.connect(lambda: self.add_row("set", "", ""))
        self.remove_button.clicked.connect(self._remove)
        self.table.itemChanged.connect(self.changed)

    def add_row(self, edit: str, name: str, value: str) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        combo = GuardedComboBox()
        for key, words in _EDITS:
            combo.addItem(words, key)
        combo.setCurrentIndex(max(0, combo.findData(edit)))
        combo.currentIndexChanged.connect(self.changed)
        self.table.setCellWidget(row, 0, combo)
        self.table.setItem(row, 1, QTableWidgetItem(name))
        self.table.setItem(row, 2, QTableWidgetItem(value))
        self.changed.emit()

    def _remove(self) -> None:
        row = self.table.currentRow()
        if row >= 0:
            self.table.removeRow(row)
            self.changed.emit()

    def edits(self) -> dict[str, list[Any]]:
        """``{"set": [[name, value]], "add": [...], "strip": [name]}``, rows without a name
        left out."""
        found: dict[str, list[Any]] = {"set": [], "add": [], "strip": []}
        for row in range(self.table.rowCount()):
            combo = self.table.cellWidget(row, 0)
            name_item, value_item = self.table.item(row, 1), self.table.item(row, 2)
            name = name_item.text().strip() if name_item else ""
            value = value_item.text() if value_item else ""
            if not name or not isinstance(combo, GuardedComboBox):
                continue
            edit = str(combo.currentData())
            found[edit].append(name if edit == "strip" else [name, value])
        return found

    def set_edits(self, config: RelayConfig) -> None:
        self.table.setRowCount(0)
        for name, value in config.set_headers:
            self.add_row("set", name, value)
        for name, value in config.add_headers:
            self.add_row("add", name, value)
        for name in config.strip_headers:
            self.add_row("strip", name, "")


class RelaySettingsForm(QWidget):
    """``config()`` / ``set_config(config)``; ``show_error(text)`` under the form."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.upstream_url = named(
            QLineEdit(placeholderText="ws://localhost:8080/chat"),
            "upstreamUrl",
            "Where each connection is relayed to: ws:// or wss://",
        )
        self.fixed_path = named(
            QCheckBox("Always the URL's own path"),
            "fixedPath",
            "Off: the client's path and query are appended to the URL's path",
        )
        self.rewrite_origin = named(
            QCheckBox("Send the upstream's own Origin"),
            "rewriteOrigin",
            "Off: the client's Origin goes upstream as it is (Host is always the upstream's)",
        )
        self.headers = HeaderEdits()
        upstream_box = QGroupBox("Relay to")
        form = QFormLayout(upstream_box)
        form.addRow("Upstream URL:", self.upstream_url)
        form.addRow("", self.fixed_path)
        form.addRow("", self.rewrite_origin)
        form.addRow(QLabel("Header edits (the client's headers pass through):"))
        form.addRow(self.headers)
        self.listen = OptionForm("Server", LISTEN_TABLE)
        self.upstream = _UpstreamForm("Upstream", UPSTREAM_TABLE)
        self._listen_defaults = self.listen.values()
        self._upstream_defaults = self.upstream.values()
        self.error_label = named(plain(QLabel()), "formError")  # quotes what was typed
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(upstream_box)
        layout.addWidget(QLabel("Listen (as a server):"))
        layout.addWidget(self.listen)
        layout.addWidget(QLabel("Upstream leg (as a client):"))
        layout.addWidget(self.upstream)
        layout.addWidget(self.error_label)
        for signal in (
            self.upstream_url.textChanged,
            self.fixed_path.toggled,
            self.rewrite_origin.toggled,
            self.headers.changed,
            self.listen.changed,
            self.upstream.changed,
        ):
            signal.connect(self.changed)
        self.changed.connect(self.error_label.hide)

    def config(self, name: str) -> RelayConfig:
        """The settings as a ``RelayConfig`` named ``name`` (rules are the engine's)."""
        listen = {
            key: value
            for key, value in self.listen.values().items()
            if key in _ALWAYS or value != self._listen_defaults.get(key)
        }
        upstream = {
            key: value
            for key, value in self.upstream.values().items()
            if value != self._upstream_defaults.get(key)
        }
        edits = self.headers.edits()
        return RelayConfig(
            name,
            self.upstream_url.text().strip(),
            listen,
            upstream,
            fixed_path=self.fixed_path.isChecked(),
            rewrite_origin=self.rewrite_origin.isChecked(),
            set_headers=edits["set"],
            add_headers=edits["add"],
            strip_headers=edits["strip"],
        )

    def set_config(self, config: RelayConfig) -> None:
        self.upstream_url.setText(config.upstream_url)
        self.fixed_path.setChecked(config.fixed_path)
        self.rewrite_origin.setChecked(config.rewrite_origin)
        self.headers.set_edits(config)
        self.listen.set_values(config.listen)
        self.upstream.set_values(config.upstream)
        self.error_label.hide()

    def show_error(self, message: str) -> None:
        self.error_label.setText(with_labels(message))
        self.error_label.show()
