"""A second locustfile for a test, beside ours (``locust -f ours,this``): as Locust exits (its
``quit`` event, after ours), it prints one JSON line on stderr with what the process still
holds: whether the asyncio thread is alive, the tasks its loop had to cancel, and the TCP
connections still open to ``PROBE_PORT``."""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import psutil
from locust import events

from workbench.engine.load_test.node import NODE


def _report(**_: Any) -> None:
    process = psutil.Process()
    port = int(os.environ["PROBE_PORT"])
    thread = NODE.bridge.native_id
    report = {
        "thread_alive": thread is not None and thread in {t.id for t in process.threads()},
        "thread_started": thread is not None,
        "leftover_tasks": NODE.bridge.leftover_tasks,
        "connections": sum(
            1 for c in process.net_connections("tcp") if c.raddr and c.raddr.port == port
        ),
    }
    print("probe " + json.dumps(report), file=sys.stderr, flush=True)


events.quit.add_listener(_report)
