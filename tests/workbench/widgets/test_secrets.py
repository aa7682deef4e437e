"""A PFX password the keyring could not keep is asked for again at Start (no keyring in CI:
this is the path every run without a desktop takes)."""

from __future__ import annotations

from pathlib import Path

import keyring
import pytest
import trustme
from cryptography import x509
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    load_pem_private_key,
    pkcs12,
)
from keyring.backends import fail
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QInputDialog

from workbench.engine.workspace.workspace import ServerConfig, Workspace
from workbench.widgets.window.main_window import MainWindow

WAIT = 5000
PASSWORD = "s3cret!"


@pytest.fixture
def no_keyring():
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(before)


def _pfx(tmp_path: Path) -> str:
    leaf = trustme.CA().issue_cert("127.0.0.1")
    key = load_pem_private_key(leaf.private_key_pem.bytes(), None)
    cert = x509.load_pem_x509_certificate(leaf.cert_chain_pems[0].bytes())
    data = pkcs12.serialize_key_and_certificates(
        b"server",
        key,  # type: ignore[arg-type]
        cert,
        None,
        BestAvailableEncryption(PASSWORD.encode()),
    )
    path = tmp_path / "server.pfx"
    path.write_bytes(data)
    return str(path)


def _answer(page, text: str | None) -> list[str]:
    """Type ``text`` into the password dialog the page is about to show (None: Cancel)."""
    asked: list[str] = []

    def answer() -> None:
        dialog = page.findChild(QInputDialog, "askPfxPassword")
        if dialog is None or not dialog.isVisible():
            QTimer.singleShot(10, answer)
            return
        asked.append(dialog.labelText())
        if text is None:
            dialog.reject()
        else:
            dialog.setTextValue(text)
            dialog.accept()

    QTimer.singleShot(0, answer)
    return asked


def test_a_password_not_kept_is_asked_for_at_start(
    qtbot, service, tmp_path, no_keyring, wait_for
) -> None:
    options = {
        "hostInterface": "127.0.0.1",
        "port": 0,
        "sslTls": True,
        "pfxKeyCertPath": _pfx(tmp_path),
        "pfxKeyCertPassword": PASSWORD,
    }
    path = Workspace(servers=[ServerConfig("tls", options)]).save(tmp_path / "workspace.json")
    assert PASSWORD not in path.read_text(encoding="utf-8")
    settings = QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)
    window = MainWindow(service, settings=settings, workspace_path=path)
    qtbot.addWidget(window)
    wait_for(lambda: service.engine.servers, what="the workspace's server")
    (server_id,) = service.engine.servers
    page = window.servers.page(server_id)
    assert page.form.values()["pfx_key_cert_password"] == ""
    wait_for(lambda: "type the PFX password again" in window.status.label.text())

    asked = _answer(page, None)  # Cancel: nothing starts
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    assert asked and "not kept without a system keyring" in asked[0]
    assert service.engine.server(server_id).state == "stopped"

    asked = _answer(page, PASSWORD)
    qtbot.mouseClick(page.start_button, Qt.MouseButton.LeftButton)
    assert len(asked) == 1
    wait_for(lambda: service.engine.server(server_id).state == "listening", what="the TLS server")
    assert service.engine.server(server_id).secret_missing is False
    # Saved again, the password still goes nowhere near the file.
    window.workspace_files.save(path)
    assert PASSWORD not in path.read_text(encoding="utf-8")


def test_a_client_secret_not_kept_is_asked_for_at_open(
    qtbot, service, tmp_path, no_keyring, run, wait_for
) -> None:
    """A client's Authorization header saved without a keyring: the file holds none of it,
    the page shows the header empty and marked secret, Open asks for it, and the server then
    receives what was typed."""
    from core import Server
    from workbench.engine.workspace.workspace import ClientConfig
    from workbench.widgets.pages.header_editor import HeaderEditor

    seen: list[str] = []

    def check(request) -> None:
        seen.append(request.headers.get("Authorization", ""))

    server = Server(host_interface="127.0.0.1", port=0, process_request=check)
    run(server.start())
    try:
        options = {
            "host": "127.0.0.1",
            "port": server.port,
            "headers": [("Authorization", "Bearer s3cret-token")],
        }
        path = Workspace(clients=[ClientConfig("api", options)]).save(tmp_path / "w.json")
        assert b"s3cret-token" not in path.read_bytes()
        settings = QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)
        window = MainWindow(service, settings=settings, workspace_path=path)
        qtbot.addWidget(window)
        wait_for(lambda: service.engine.clients, what="the workspace's client")
        (client_id,) = service.engine.clients
        page = window.clients.page(client_id)
        editor = page.form.editor("headers", HeaderEditor)
        assert editor.headers() == [("Authorization", "")] and editor.secret_names() == [
            "Authorization"
        ]
        wait_for(lambda: "type the Authorization header again" in window.status.label.text())

        asked = _answer_client(page, None)  # Cancel: nothing connects
        qtbot.mouseClick(page.open_button, Qt.MouseButton.LeftButton)
        assert asked and "The Authorization header is not kept" in asked[0]
        assert service.engine.client(client_id).state == "idle" and seen == []

        asked = _answer_client(page, "Bearer typed-again")
        qtbot.mouseClick(page.open_button, Qt.MouseButton.LeftButton)
        wait_for(lambda: service.engine.client(client_id).state == "open", what="the open")
        assert seen == ["Bearer typed-again"] and len(asked) == 1
        assert service.engine.client(client_id).secret_missing == []
        window.workspace_files.save(path)
        assert b"typed-again" not in path.read_bytes()
        run(service.engine.close_client(client_id))
    finally:
        run(server.stop())


def _answer_client(page, text: str | None) -> list[str]:
    """Type ``text`` into the client's secret dialog (None: Cancel)."""
    asked: list[str] = []

    def answer() -> None:
        dialog = page.findChild(QInputDialog, "askClientSecret")
        if dialog is None or not dialog.isVisible():
            QTimer.singleShot(10, answer)
            return
        asked.append(dialog.labelText())
        if text is None:
            dialog.reject()
        else:
            dialog.setTextValue(text)
            dialog.accept()

    QTimer.singleShot(0, answer)
    return asked


def test_the_window_settings_file_is_private(qtbot, service, config_dir) -> None:
    import stat

    from workbench.widgets.window.main_window import window_settings

    settings = window_settings()
    settings.setValue("view/zoom", 1.25)
    settings.sync()
    path = config_dir / "window.ini"
    assert path.read_text() and stat.S_IMODE(path.stat().st_mode) == 0o600
