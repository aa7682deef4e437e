"""Option forms are built from core's tables and give core exactly what it accepts."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QCheckBox, QLineEdit, QPlainTextEdit, QSpinBox

from core import Client, Server
from workbench.engine.options import CLIENT_OPTIONS, SERVER_OPTIONS
from workbench.widgets.compose.mime_chooser import MimeChooser
from workbench.widgets.pages.option_form import client_form, parse_headers, server_form


def test_every_option_has_an_editor_with_its_doc(qtbot):
    for form, table in ((server_form(), SERVER_OPTIONS), (client_form(), CLIENT_OPTIONS)):
        qtbot.addWidget(form)
        assert set(form.editors) == {o.name for o in table}
        for option in table:
            assert option.doc in form.editors[option.name].toolTip()


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
    assert isinstance(headers, QPlainTextEdit)
    headers.setPlainText("X-Token: abc\n\nX-Mode: test")
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


def test_parse_headers_rejects_lines_without_colon():
    assert parse_headers("") is None
    try:
        parse_headers("no colon here")
    except ValueError as exc:
        assert "Name: value" in str(exc)
    else:
        raise AssertionError("accepted a header line without ':'")


def test_messages_name_options_by_their_labels():
    from workbench.widgets.pages.option_form import with_labels

    assert with_labels("set trusted_ca_cert_path, or trust_all") == (
        "set “CA file” (trusted_ca_cert_path), or “Trust any certificate” (trust_all)"
    )
    assert with_labels("Server option sslTls needs a certificate") == (
        "Server option “Use TLS (wss://)” (sslTls) needs a certificate"
    )
    assert with_labels("pick another port") == "pick another port"  # plain words stay
