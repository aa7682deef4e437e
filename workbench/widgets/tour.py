"""The tour: ``python -m workbench --tour DIR`` runs one scripted conversation in the real
window and saves a PNG of each view into ``DIR`` (for the README, or a teacher's slides).

The conversation: a server on 127.0.0.1 (port 0) and a client to it; the handshake, a JSON
message from the client, a text message from the server in three fragments, a ping from the
client, and the client's close with 1001 (going away). Then each ``TourStep`` shows its view
and the window is grabbed (``QWidget.grab``). A view from another module is one more step in
``STEPS``: a file name and a function that shows the view (and, for a view that records only
while it is shown, one that shows it before the conversation).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import QApplication, QWidget

from ..qt.service import WorkbenchService
from .clients_panel import ClientPage
from .main_window import CLIENTS_TAB, SERVERS_TAB, MainWindow
from .server_page import ServerPage

__all__ = ["STEPS", "TOUR_SIZE", "Tour", "TourError", "TourStep", "run_tour"]

TOUR_SIZE = (1200, 760)  # the window's size while it is grabbed: large enough, small files
STEP_TIMEOUT = 10.0
SETTLE = 0.3  # seconds for the views' timers (log ticks) to show the last rows
JSON_MESSAGE = {"greeting": "hello", "from": "the tour", "numbers": [1, 2, 3]}
FRAGMENTED_TEXT = "This text message travels in three fragments."
CLOSE_CODE, CLOSE_REASON = 1001, "the tour is over"


class TourError(RuntimeError):
    """A step of the tour did not happen (in time); the message says which."""


@dataclass
class Tour:
    """What the steps can reach: the window, its service and the conversation's ids."""

    window: MainWindow
    service: WorkbenchService
    server_id: str = ""
    client_id: str = ""
    socket_id: str = ""


@dataclass(frozen=True)
class TourStep:
    """``show(tour)`` brings the view to the front and returns the widget to grab (None: the
    window); ``prepare(tour)``, if given, runs once the client exists and before it opens,
    for views that listen only while shown."""

    file_name: str
    show: Callable[[Tour], QWidget | None]
    prepare: Callable[[Tour], None] | None = None


def show_client(tour: Tour) -> ClientPage:
    """The client's page, in front, with its settings folded to give its views the room."""
    window = tour.window
    window.tabs.setCurrentIndex(CLIENTS_TAB)
    window.clients.select(tour.client_id)
    page = window.clients.page(tour.client_id)
    page.settings_toggle.setChecked(False)
    page.right.setSizes([1, 10_000])  # the Send box at its minimum, the rest for the views
    return page


def show_client_log(tour: Tour) -> QWidget | None:
    """The message log with the received (fragmented) text selected in the detail pane."""
    page = show_client(tour)
    view = page.log_view
    page.log_tabs.setCurrentWidget(view)
    model = view.table.model()
    for row in range(model.rowCount()):
        if "in" in str(model.index(row, 1).data()):
            view.table.selectRow(row)
    return None


def prepare_client_frames(tour: Tour) -> None:
    """The Frames view records from the moment it is first shown: show it before the open."""
    page = show_client(tour)
    page.log_tabs.setCurrentWidget(page.frames_view)


def show_client_frames(tour: Tour) -> QWidget | None:
    """Every frame, with the fragmented text's first frame decoded in the header pane."""
    page = show_client(tour)
    view = page.frames_view
    page.log_tabs.setCurrentWidget(view)
    for row in range(view.model.rowCount()):
        if FRAGMENTED_TEXT[:8] in view.preview(row):
            view.select_row(row)
            break
    return None


def show_client_handshake(tour: Tour) -> QWidget | None:
    """The upgrade request beside the server's answer, the accept key computed."""
    page = show_client(tour)
    page.log_tabs.setCurrentWidget(page.handshake_view)
    return None


def show_conversation(tour: Tour) -> QWidget | None:
    """The sequence diagram, a window of its own: that window is grabbed."""
    view = show_client(tour).show_conversation()
    view.resize(*TOUR_SIZE)
    return view


def show_server(tour: Tour) -> ServerPage:
    window = tour.window
    window.tabs.setCurrentIndex(SERVERS_TAB)
    window.servers.select(tour.server_id)
    page = window.servers.page(tour.server_id)
    page.settings_toggle.setChecked(False)
    page.select_socket(tour.socket_id)
    return page


def show_classroom(tour: Tour) -> QWidget | None:
    page = show_server(tour)
    page.logs.setCurrentWidget(page.classroom)
    return None


def show_fault_lab(tour: Tour) -> QWidget | None:
    page = show_server(tour)
    page.actions_tabs.setCurrentWidget(page.fault_lab)
    return None


def show_rates(tour: Tour) -> QWidget | None:
    tour.window.tabs.setCurrentWidget(tour.window.load)
    return None


STEPS: list[TourStep] = [
    TourStep("log.png", show_client_log),
    TourStep("frames.png", show_client_frames, prepare_client_frames),
    TourStep("handshake.png", show_client_handshake),
    TourStep("conversation.png", show_conversation),
    TourStep("classroom.png", show_classroom),
    TourStep("faults.png", show_fault_lab),
    TourStep("rates.png", show_rates),
]


async def until(condition: Callable[[], object], what: str, timeout: float = STEP_TIMEOUT) -> None:
    """Let the loop run until ``condition()`` holds; ``TourError`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TourError(f"the tour waited {timeout:g} s for {what}")
        await asyncio.sleep(0.02)


async def converse(tour: Tour, steps: list[TourStep]) -> None:
    """Open a server and a client and run the scripted conversation between them."""
    window, service = tour.window, tour.service
    server_id = window.new_server()
    if server_id is None:
        raise TourError("the server could not be made")
    tour.server_id = server_id
    service.update_server(
        server_id, {**service.server(server_id).options, "send_type": "text/plain"}
    )
    if not await service.start_server(server_id):
        raise TourError("the server did not start")
    client_id = window.new_client_to(server_id)
    if client_id is None:
        raise TourError("the client could not be made")
    tour.client_id = client_id
    json_type = "application/json"
    options = {**service.client(client_id).options, "send_type": json_type}
    service.update_client(client_id, options)
    for step in steps:
        if step.prepare is not None:
            step.prepare(tour)
    await _settle()
    if not await service.open_client(client_id):
        raise TourError("the client did not open")
    await until(lambda: service.server(server_id).open_sockets, "the server's socket")
    socket = service.server(server_id).open_sockets[0]
    tour.socket_id = socket.id
    client = service.client(client_id)
    if not service.send(client_id, JSON_MESSAGE):
        raise TourError(f"the JSON message was not sent: {service.errors[-1:]}")
    await until(lambda: socket.messages_in >= 1, "the JSON message to arrive")
    await socket.core.send_fragments(FRAGMENTED_TEXT, 3)
    await until(lambda: client.log.messages_in >= 1, "the fragmented text to arrive")
    if client.core is None:
        raise TourError("the client has gone")
    await client.core.ping()
    if not await service.close_client(client_id, CLOSE_CODE, CLOSE_REASON):
        raise TourError("the client did not close")
    await until(lambda: not socket.is_open, "the server's socket to close")


async def _settle() -> None:
    await asyncio.sleep(SETTLE)
    QApplication.processEvents()


async def run_tour(
    window: MainWindow, directory: str | Path, steps: list[TourStep] | None = None
) -> list[Path]:
    """Run the conversation in ``window`` and save one PNG per step into ``directory``
    (made if missing); returns the files in step order. ``TourError`` if a step fails."""
    steps = STEPS if steps is None else steps
    folder = Path(directory)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise TourError(f"the folder {folder} cannot be made: {exc.strerror}") from exc
    window.resize(*TOUR_SIZE)
    tour = Tour(window, window.service)
    await converse(tour, steps)
    saved = []
    for step in steps:
        shown = step.show(tour) or window
        await _settle()
        path = folder / step.file_name
        if not shown.grab().save(str(path), "PNG"):
            raise TourError(f"{path} could not be written")
        saved.append(path)
    return saved
