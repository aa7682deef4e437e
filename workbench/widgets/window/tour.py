"""The tour: ``python -m workbench --tour DIR`` runs one scripted conversation in the real
window and saves a PNG of each view into ``DIR`` (for the README, or a teacher's slides).

The conversation: a server (port 0, shared with the class) and a client to it on 127.0.0.1;
the handshake, a JSON message from the client, a text message from the server in four
fragments (its text in three, then websockets' empty final frame), a ping from the client,
and the client's close with 1001 (going away). Then each
``TourStep`` shows its view and the window is grabbed (``QWidget.grab``). A view from another
module is one more step in ``STEPS``: a file name and a function that shows the view (and,
for a view that records only while it is shown, one that shows it before the conversation;
for a view that needs more happening, a coroutine run just before its picture).

Before ``faults.png`` a second client ("Load client") joins the echoing server, the fault lab
drops the next ``DROPPED`` replies on its socket, and it sends ``BURST`` messages, one slice
per sample of the rates timer; before ``rates.png`` the tour waits until the client's rates
meter has counted every one of them.

Before ``scenario.png`` the server answers every message with ``SAD_REPLY`` and the
Scenarios tab runs ``TOUR_SCENARIO`` against it: the hello is answered, the ping too, the
``said`` expected is not — the failed step is shown with its diff.

Before ``relay.png`` a relay stands in front of the server and a client talks through it:
one message edited on the way, one still held (``widgets.relay.tour_step``).

Before ``load.png`` the server echoes again and the Load test tab runs a scenario against it
as a few Locust users (``widgets.load.tour_step``); closing the window stops it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import QSpinBox, QWidget

from workbench.engine.log.store import FAULT
from workbench.engine.private_files import make_private
from workbench.qt.rates_timer import RatesTimer
from workbench.qt.service import WorkbenchService
from workbench.widgets.common.tour_waits import STEP_TIMEOUT, TourError, until
from workbench.widgets.load.tour_step import load_test_run, show_load_test
from workbench.widgets.pages.client_page import ClientPage
from workbench.widgets.pages.server_page import ServerPage
from workbench.widgets.relay.tour_step import relayed_conversation, show_relay

from .main_window import CLIENTS_TAB, SERVERS_TAB, MainWindow

__all__ = ["STEPS", "TOUR_SIZE", "Tour", "TourError", "TourStep", "run_tour"]

TOUR_SIZE = (1200, 780)  # the window's size while it is grabbed: large enough, small files
SETTLE = 0.3  # seconds for the views' timers (log ticks) to show the last rows
JSON_MESSAGE = {"greeting": "hello", "from": "the tour", "numbers": [1, 2, 3]}
FRAGMENTED_TEXT = "This text message travels in four fragments."
FRAGMENTS = 4
CLOSE_CODE, CLOSE_REASON = 1001, "the tour is over"
#: Messages the load client sends, in slices, one slice per rates sample (twice a second):
#: a rise and a fall on the plot.
BURST = (20, 50, 120, 80, 30, 10)
#: Echoes the fault lab drops ("Drop next") on the load client's socket.
DROPPED = 5
LOAD_CLIENT = "Load client"
#: What the server answers before the scenario's picture, and the scenario run against it.
SAD_REPLY = '{"type": "sad", "text": "hi"}'
TOUR_SCENARIO = """name: the chat answers
url: 'ws://127.0.0.1:8080/chat'
steps:
  - send: {message: {type: hello, user: alice}}
  - expect: {match: {text: hi}, within: 1s}
  - ping
  - send: {message: {type: say, text: hi}}
  - expect: {match: {type: said, text: hi}, within: 1s}
  - close: {code: 1000, reason: bye}
"""


@dataclass
class Tour:
    """What the steps can reach: the window, its service and the conversation's ids."""

    window: MainWindow
    service: WorkbenchService
    server_id: str = ""
    client_id: str = ""
    socket_id: str = ""
    load_client_id: str = ""
    load_socket_id: str = ""


@dataclass(frozen=True)
class TourStep:
    """``show(tour)`` brings the view to the front and returns the widget to grab (None: the
    window); ``prepare(tour)``, if given, runs once the client exists and before it opens,
    for views that listen only while shown; ``before(tour)``, if given, is awaited just
    before ``show``, for views that need more to happen than the conversation."""

    file_name: str
    show: Callable[[Tour], QWidget | None]
    prepare: Callable[[Tour], None] | None = None
    before: Callable[[Tour], Awaitable[None]] | None = None


def show_client(tour: Tour) -> ClientPage:
    """The client's page, in front, with its settings folded and its Send box hidden: the
    pictures are of the log's views, and they need the whole height (the handshake's
    Accept computation, every frame and every decoded field of the selected one)."""
    window = tour.window
    window.tabs.setCurrentIndex(CLIENTS_TAB)
    window.clients.select(tour.client_id)
    page = window.clients.page(tour.client_id)
    page.settings_toggle.setChecked(False)
    page.top_area.hide()
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
    page.select_socket(tour.load_socket_id or tour.socket_id)
    return page


def show_classroom(tour: Tour) -> QWidget | None:
    page = show_server(tour)
    page.logs.setCurrentWidget(page.classroom)
    return None


async def load_and_fault(tour: Tour) -> None:
    """The load client joins the echoing server; the fault lab (its button, as a click)
    drops the next ``DROPPED`` echoes on its socket; then it sends the ``BURST``."""
    service, server_id = tour.service, tour.server_id
    service.engine.set_auto_reply(server_id, "echo")
    load_id = tour.window.new_client_to(server_id)
    if load_id is None:
        raise TourError("the load client could not be made")
    tour.load_client_id = load_id
    service.engine.rename_client(load_id, LOAD_CLIENT)
    service.engine.update_client(
        load_id, {**service.engine.client(load_id).options, "send_type": "text/plain"}
    )
    if not await service.engine.open_client(load_id):
        raise TourError("the load client did not open")
    server = service.engine.server(server_id)
    await until(lambda: server.open_sockets, "the load client's socket")
    tour.load_socket_id = server.open_sockets[0].id
    page = show_server(tour)
    count = page.fault_lab.editors["drop"]["count"]
    if not isinstance(count, QSpinBox):
        raise TourError("the fault lab's drop count is not a number field")
    count.setValue(DROPPED)
    page.fault_lab.buttons["drop"].click()
    socket = service.engine.socket(tour.load_socket_id)
    if socket.outgoing.drop_next != DROPPED:
        raise TourError(
            f"the fault lab did not drop the next replies: {service.engine.errors[-1:]}"
        )
    rates = tour.window.load.rates
    sent = 0
    for size in BURST:
        await next_sample(rates)
        for _ in range(size):
            if not service.engine.send(load_id, f"load message {sent + 1} of {sum(BURST)}"):
                raise TourError(f"the burst was not sent: {service.engine.errors[-1:]}")
            sent += 1
    client_log = service.engine.client(load_id).log
    await until(lambda: client_log.messages_in >= sent - DROPPED, "the echoes of the burst")


def show_fault_lab(tour: Tour) -> QWidget | None:
    """The fault lab beside the server's events, the fault's row shown in the detail pane."""
    page = show_server(tour)
    page.actions_tabs.setCurrentWidget(page.fault_lab)
    view = page.log_views[tour.server_id]
    page.logs.setCurrentWidget(view)
    for row in range(view.model.rowCount()):
        entry = view.model.entry(row)
        if entry is not None and entry.kind == FAULT:
            view.select_row(row)
    return None


async def rates_counted(tour: Tour) -> None:
    """Until the load client's meter has counted the whole burst in its complete seconds
    (the plot shows only those) and a quiet second after it (the curves come down again),
    waiting on the rates timer's samples."""
    rates = tour.window.load.rates
    meter = rates.meter(tour.load_client_id)
    sent = sum(BURST)
    deadline = time.monotonic() + STEP_TIMEOUT
    while not (
        sum(meter.history("messages_out")) >= sent
        and sum(meter.history("messages_in")) >= sent - DROPPED
        and meter.rate("messages_out") == meter.rate("messages_in") == 0
    ):
        if time.monotonic() > deadline:
            raise TourError(f"the tour waited {STEP_TIMEOUT:g} s for the rates of the burst")
        await next_sample(rates)


def show_rates(tour: Tour) -> QWidget | None:
    """The clients' table and the plot of the load client's rates."""
    load = tour.window.load
    tour.window.tabs.setCurrentWidget(load)
    load.source.setCurrentIndex(0)  # the selected client
    load.select_client(tour.load_client_id)
    return None


async def scenario_run(tour: Tour) -> None:
    """The Scenarios tab runs ``TOUR_SCENARIO`` against the tour's server, which now
    answers ``SAD_REPLY``: one step fails."""
    engine, tab = tour.service.engine, tour.window.scenarios
    engine.set_auto_reply(tour.server_id, "fixed", SAD_REPLY)
    tour.window.tabs.setCurrentWidget(tab)
    tab.select(engine.scenarios.add(TOUR_SCENARIO, "the chat answers", server_id=tour.server_id))
    run = tab.run()
    if run is None:
        raise TourError(f"the scenario did not run: {tab.status.text()}")
    await until(lambda: not run.running, "the scenario's run")


def show_scenario(tour: Tour) -> QWidget | None:
    """The run's steps, the failed one selected: expected, received and the diff."""
    tour.window.tabs.setCurrentWidget(tour.window.scenarios)
    return None


STEPS: list[TourStep] = [
    TourStep("log.png", show_client_log),
    TourStep("frames.png", show_client_frames, prepare_client_frames),
    TourStep("handshake.png", show_client_handshake),
    TourStep("conversation.png", show_conversation),
    TourStep("classroom.png", show_classroom),
    TourStep("faults.png", show_fault_lab, before=load_and_fault),
    TourStep("rates.png", show_rates, before=rates_counted),
    TourStep("scenario.png", show_scenario, before=scenario_run),
    TourStep("relay.png", show_relay, before=relayed_conversation),
    TourStep("load.png", show_load_test, before=load_test_run),
]


async def next_sample(rates: RatesTimer, timeout: float = STEP_TIMEOUT) -> None:
    """Until the rates timer's next sample; ``TourError`` after ``timeout`` s."""
    sampled = asyncio.get_running_loop().create_future()

    def done() -> None:
        if not sampled.done():
            sampled.set_result(None)

    rates.sampled.connect(done)
    try:
        await asyncio.wait_for(sampled, timeout)
    except TimeoutError:
        raise TourError(f"the rates timer did not sample within {timeout:g} s") from None
    finally:
        rates.sampled.disconnect(done)


async def converse(tour: Tour, steps: list[TourStep]) -> None:
    """Open a server and a client and run the scripted conversation between them."""
    window, service = tour.window, tour.service
    server_id = window.new_server()
    if server_id is None:
        raise TourError("the server could not be made")
    tour.server_id = server_id
    service.engine.update_server(
        server_id, {**service.engine.server(server_id).options, "send_type": "text/plain"}
    )
    # Shared with the class, so the Classroom feed follows its sockets (the clients still
    # reach it on loopback).
    if not await service.engine.classroom.share(server_id, True):
        raise TourError(f"the server could not be shared: {service.engine.errors[-1:]}")
    if not await service.engine.start_server(server_id):
        raise TourError("the server did not start")
    client_id = window.new_client_to(server_id)
    if client_id is None:
        raise TourError("the client could not be made")
    tour.client_id = client_id
    json_type = "application/json"
    options = {**service.engine.client(client_id).options, "send_type": json_type}
    service.engine.update_client(client_id, options)
    for step in steps:
        if step.prepare is not None:
            step.prepare(tour)
    await _settle()
    if not await service.engine.open_client(client_id):
        raise TourError("the client did not open")
    await until(lambda: service.engine.server(server_id).open_sockets, "the server's socket")
    socket = service.engine.server(server_id).open_sockets[0]
    tour.socket_id = socket.id
    client = service.engine.client(client_id)
    if not service.engine.send(client_id, JSON_MESSAGE):
        raise TourError(f"the JSON message was not sent: {service.engine.errors[-1:]}")
    await until(lambda: socket.messages_in >= 1, "the JSON message to arrive")
    await socket.core.send_fragments(FRAGMENTED_TEXT, FRAGMENTS)
    await until(lambda: client.log.messages_in >= 1, "the fragmented text to arrive")
    if client.core is None:
        raise TourError("the client has gone")
    await client.core.ping()
    if not await service.engine.close_client(client_id, CLOSE_CODE, CLOSE_REASON):
        raise TourError("the client did not close")
    await until(lambda: not socket.is_open, "the server's socket to close")


async def _settle() -> None:
    # Only the loop runs Qt's events: processEvents() inside this task would step other
    # tasks (a socket's) while it runs, which asyncio refuses.
    await asyncio.sleep(SETTLE)


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
        if step.before is not None:
            await step.before(tour)
        shown = step.show(tour) or window
        await _settle()
        path = make_private(folder / step.file_name)
        if not shown.grab().save(str(path), "PNG"):
            raise TourError(f"{path} could not be written")
        saved.append(path)
    return saved
