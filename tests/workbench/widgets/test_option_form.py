"""Option forms are built from core's tables and give core exactly what it accepts."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QCheckBox, QLineEdit, QSpinBox, QStyleOptionViewItem, QWidget

from core import Client, Server
from workbench.engine.options import CLIENT_OPTIONS, SERVER_OPTIONS
from workbench.widgets.compose.mime_chooser import MimeChooser
from workbench.widgets.pages.header_editor import MASK, HeaderEditor
from workbench.widgets.pages.option_form import client_form, server_form


def type_header(editor: HeaderEditor, name: str, value: str) -> None:
    """Fill the empty last row as a person would commit its two cells."""
    row = editor.table.rowCount() - 1
    editor.table.item(row, 0).setText(name)
    editor.table.item(row, 1).setText(value)


def test_every_option_has_an_editor_with_its_doc(qtbot):
    for form, table in ((server_form(), SERVER_OPTIONS), (client_form(), CLIENT_OPTIONS)):
        qtbot.addWidget(form)
        assert set(form.editors) == {o.name for o in table}
        for option in table:
            assert option.doc in form.editors[option.name].toolTip()


def test_an_unset_timeout_says_what_it_means(qtbot):
    """None is "off" for a ping, but "as ping timeout" for write_timeout (core's default)."""
    form = server_form()
    qtbot.addWidget(form)
    write_timeout = form.editor("write_timeout", QSpinBox)
    ping_interval = form.editor("ping_interval", QSpinBox)
    write_timeout.setValue(0)
    ping_interval.setValue(0)
    assert write_timeout.text() == "as ping timeout"
    assert ping_interval.text() == "off"
    assert form.values()["write_timeout"] is None


def test_defaults_round_trip_into_core(qtbot):
    server, client = server_form(), client_form()
    qtbot.addWidget(server)
    qtbot.addWidget(client)
    assert server.values() == {o.name: o.default for o in SERVER_OPTIONS}
    assert client.values() == {o.name: o.default for o in CLIENT_OPTIONS}
    assert server.problem() is None and client.problem() is None
    assert Server(server.values()).options == Server().options
    assert Client(client.values()).options == Client().options


def test_typed_values_reach_core(qtbot):
    form = client_form()
    qtbot.addWidget(form)
    host = form.editors["host"]
    assert isinstance(host, QLineEdit)
    host.clear()
    qtbot.keyClicks(host, "127.0.0.1")
    port = form.editors["port"]
    assert isinstance(port, QSpinBox)
    port.setValue(9001)
    qtbot.keyClicks(form.editors["subprotocols"], "chat, v2.json")
    headers = form.editors["headers"]
    assert isinstance(headers, HeaderEditor)
    type_header(headers, "X-Token", "abc")
    type_header(headers, "X-Mode", "test")
    mime = form.editors["send_type"]
    assert isinstance(mime, MimeChooser)
    mime.set_mime_type("image/png")
    form.editors["max_message_size"].setValue(0)
    form.editors["ping_interval"].setValue(0)
    values = form.values()
    assert values["host"] == "127.0.0.1"
    assert values["port"] == 9001
    assert values["subprotocols"] == ["chat", "v2.json"]
    assert values["headers"] == [("X-Token", "abc"), ("X-Mode", "test")]
    assert values["send_type"] == "image/png"
    assert values["max_message_size"] is None
    assert values["ping_interval"] is None
    client = Client(values)
    assert client.url == "ws://127.0.0.1:9001/"


def test_problem_reports_core_validation(qtbot):
    form = server_form()
    qtbot.addWidget(form)
    form.editors["host_interface"].setText("bad host/")
    assert "must be a host name or IP address" in form.problem()
    form.editors["host_interface"].setText("127.0.0.1")
    form.editors["receive_type"].set_mime_type("nonsense/type")
    assert "unsupported receiveType" in form.problem()
    form.show_error(form.problem(), "receive_type")
    assert not form.error_label.isHidden()
    form.editors["receive_type"].set_mime_type("text/plain")  # an edit hides the error
    assert form.error_label.isHidden()
    assert form.problem() is None


def test_tls_fields_follow_the_tls_switch(qtbot):
    form = client_form()
    qtbot.addWidget(form)
    tls = form.editors["ssl_tls"]
    assert isinstance(tls, QCheckBox)
    assert not form.editors["trust_all"].isEnabled()
    form.show()
    qtbot.waitExposed(form)
    qtbot.mouseClick(tls, Qt.MouseButton.LeftButton, pos=QPoint(8, tls.height() // 2))
    assert tls.isChecked()
    assert form.editors["trust_all"].isEnabled()
    assert form.editors["trusted_ca_cert_path"].isEnabled()
    form.editors["trust_all"].setChecked(True)
    assert not form.editors["trusted_ca_cert_path"].isEnabled()


def test_set_values_accepts_spec_names(qtbot):
    form = server_form()
    qtbot.addWidget(form)
    form.set_values(
        {"hostInterface": "127.0.0.1", "port": 0, "allowed_origins": ["http://a", "http://b"]}
    )
    values = form.values()
    assert values["host_interface"] == "127.0.0.1"
    assert values["port"] == 0
    assert values["allowed_origins"] == ["http://a", "http://b"]
    assert form.editors["port"].text() == "0 (any free port)"


def test_credential_headers_are_marked_secret_and_drawn_as_dots(qtbot):
    form = client_form()
    qtbot.addWidget(form)
    editor = form.editor("headers", HeaderEditor)
    for name, value in (("Authorization", "Bearer abc"), ("X-Trace", "t1"), ("X-Api-Key", "k")):
        type_header(editor, name, value)
    assert editor.table.rowCount() == 4  # and an empty row for the next one
    assert editor.secret_names() == ["Authorization", "X-Api-Key"]  # marked as typed
    delegate = editor.table.itemDelegateForColumn(1)
    shown = []
    for row in range(3):
        option = QStyleOptionViewItem()
        delegate.initStyleOption(option, editor.table.model().index(row, 1))
        shown.append(option.text)
    assert shown == [MASK, "t1", MASK]
    parent = QWidget()
    qtbot.addWidget(parent)
    secret_editor = delegate.createEditor(parent, option, editor.table.model().index(0, 1))
    assert secret_editor.echoMode() == QLineEdit.EchoMode.Password
    # The person unmarks Authorization and marks X-Trace: that is what the engine keeps.
    editor.table.item(0, 2).setCheckState(Qt.CheckState.Unchecked)
    editor.table.item(1, 2).setCheckState(Qt.CheckState.Checked)
    options = form.options()
    assert options["secret_headers"] == ["X-Trace", "X-Api-Key"]
    assert "secret_headers" not in form.values()  # core's options only
    assert Client(form.values()).options["headers"] == [
        ("Authorization", "Bearer abc"),
        ("X-Trace", "t1"),
        ("X-Api-Key", "k"),
    ]
    other = client_form()
    qtbot.addWidget(other)
    other.set_values(options)  # the marks come back with the options
    assert other.options() == options
    other.set_values({"headers": [["Cookie", "c=1"], ["X-Mode", "m"]]})  # a file without marks
    assert other.editor("headers", HeaderEditor).secret_names() == ["Cookie"]


def test_messages_name_options_by_their_labels():
    from workbench.widgets.pages.option_form import with_labels

    assert with_labels("set trusted_ca_cert_path, or trust_all") == (
        "set “CA file” (trusted_ca_cert_path), or “Trust any certificate” (trust_all)"
    )
    assert with_labels("Server option sslTls needs a certificate") == (
        "Server option “Use TLS (wss://)” (sslTls) needs a certificate"
    )
    assert with_labels("pick another port") == "pick another port"  # plain words stay
