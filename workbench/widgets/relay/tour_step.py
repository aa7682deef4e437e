"""The tour's ``relay.png``: a relay in front of the tour's server, a client ("Shop page")
talking through it, one message edited on the way and one still held in the intercept queue,
with the three-lifeline conversation below (``workbench.widgets.window.tour``).

``relayed_conversation`` makes it happen (the server echoes again); ``show_relay`` shows the
relay's page with the Intercept tab and the Conversation view."""

from __future__ import annotations

from typing import Any

from workbench.engine.relays import RelayHandle
from workbench.engine.workspace.workspace import RelayConfig
from workbench.widgets.common.tour_waits import TourError, until

from .relay_page import RelayPage

__all__ = ["RELAY_CLIENT", "relayed_conversation", "show_relay"]

RELAY_CLIENT = "Shop page"
HELLO = {"type": "hello", "user": "alice"}
ORDER = {"type": "order", "item": "tea", "quantity": 1}
EDITED_ORDER = '{"type":"order","item":"tea","quantity":10}'
STILL_HELD = {"type": "pay", "card": "4111 1111 1111 1111"}


async def relayed_conversation(tour: Any) -> None:
    """A relay to the tour's server; the shop page's hello goes through, its order is held
    and edited (quantity 1 → 10), its payment stays held."""
    engine, window = tour.service.engine, tour.window
    relays = engine.relays
    engine.set_auto_reply(tour.server_id, "echo")
    port = engine.server(tour.server_id).port
    relay_id = window.relays.new_relay()
    config = RelayConfig(
        "Relay to the shop",
        f"ws://127.0.0.1:{port}/api",
        {"host_interface": "127.0.0.1", "port": 0},
    )
    if not relays.update(relay_id, config) or not await relays.start(relay_id):
        raise TourError(f"the relay did not start: {engine.errors[-1:]}")
    relays.rename(relay_id, "Relay to the shop")
    handle: RelayHandle = relays.relay(relay_id)
    tour.relay_id = relay_id
    options = {
        "host": "127.0.0.1",
        "port": handle.port,
        "path": "/shop",
        "send_type": "application/json",
        "receive_type": "*/*",
        "number_of_retries": 0,
    }
    client_id = engine.add_client(options, RELAY_CLIENT)
    if client_id is None or not await engine.open_client(client_id):
        raise TourError("the shop page did not open through the relay")
    log = engine.client(client_id).log
    engine.send(client_id, HELLO)
    await until(lambda: log.messages_in >= 1, "the hello's echo through the relay")
    relays.set_holding(relay_id, "to_upstream", True)
    engine.send(client_id, ORDER)
    await until(lambda: len(handle.held()) == 1, "the order to be held")
    relays.decide(relay_id, "edit", handle.held()[0].id, EDITED_ORDER)
    await until(lambda: log.messages_in >= 2, "the edited order's echo")
    engine.send(client_id, STILL_HELD)
    await until(lambda: len(handle.held()) == 1, "the payment to be held")


def show_relay(tour: Any) -> None:
    """The relay's page: the connection picked, the Intercept tab, the conversation."""
    window = tour.window
    window.tabs.setCurrentWidget(window.relays)
    window.relays.select(tour.relay_id)
    page: RelayPage = window.relays.page(tour.relay_id)
    page.settings_toggle.setChecked(False)
    page.connections.setCurrentRow(0)
    page.action_tabs.setCurrentWidget(page.intercept)
    page.views.setCurrentWidget(page.conversation)
    page.intercept.queue.setCurrentRow(0)
