"""The usual gevent way of load-testing WebSockets with Locust, for comparison: a ``User`` whose
greenlet does ``websocket-client``'s blocking ``send`` / ``recv`` (cooperative under Locust's
monkey-patching). Same traffic as ``locust_users.py``'s scenario: once a second (``--pace``
has no meaning here: ``constant_pacing(1)``), send ``{"n":1}`` and wait for it to come back
equal, each half reported as a request; one connection per user, closed with 1001.

``locust -f tests/benchmarks/gevent_websocket_client_locustfile.py --host ws://127.0.0.1:PORT/``
"""

from __future__ import annotations

import json
import random
import time
from typing import Any

import gevent
import websocket  # websocket-client (the 'benchmark' extra)
from locust import User, constant_pacing, task

MESSAGE = {"n": 1}


class WebSocketClientUser(User):
    wait_time = constant_pacing(1)

    def on_start(self) -> None:
        gevent.sleep(random.random())  # as our --pace: a random point of the first second
        start = time.perf_counter()
        self.ws = websocket.create_connection(self.host, enable_multithread=False)
        self._fire("open", start, 0, None)
        # constant_pacing counts from the user's creation: without this, the first pause
        # takes the random start back and every user sends in the same instant again
        self._cp_last_run = start

    @task
    def echo(self) -> None:
        payload = json.dumps(MESSAGE, separators=(",", ":"))
        start = time.perf_counter()
        self.ws.send(payload)
        self._fire('send: {"n":1}', start, len(payload), None)
        start = time.perf_counter()
        reply = self.ws.recv()
        failure = None if json.loads(reply) == MESSAGE else AssertionError(f"received {reply!r}")
        self._fire('expect: equals {"n":1}', start, len(reply), failure)

    def on_stop(self) -> None:
        self.ws.close(status=1001)

    def _fire(self, name: str, start: float, size: int, failure: Any) -> None:
        self.environment.events.request.fire(
            request_type="WS",
            name=name,
            response_time=(time.perf_counter() - start) * 1000,
            response_length=size,
            exception=failure,
            context={},
        )
