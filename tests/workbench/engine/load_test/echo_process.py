"""A core echo server in a process of its own, for load tests and the load benchmark.

``python -m tests.workbench.engine.load_test.echo_process [--uvloop]`` prints its port on the
first line of stdout, then one JSON line per connection that opens (``{"open": N}``, N open
now) and per connection that ends (``{"close": code}``) and,
when stdin closes (the parent is done), a last line ``{"opened": N, "closed": N, "messages":
N, "codes": {...}, "most_open": N, "phases": [...]}`` (``most_open``: the most connections
open at once; ``phases``: the messages by the tenth of a second they arrived in, whatever the
second), and exits. Every message is echoed as it came.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import Counter

from core import Server, Socket


class Echo:
    def __init__(self) -> None:
        self.opened = 0
        self.open_now = 0
        self.most_open = 0
        self.messages = 0
        self.phases = [0] * 10
        self.codes: Counter[int] = Counter()

    def join(self, socket: Socket) -> None:
        self.opened += 1
        self.open_now += 1
        self.most_open = max(self.most_open, self.open_now)
        print(json.dumps({"open": self.open_now}), flush=True)
        socket.on("message", lambda message: self.echo(socket, message))
        socket.on("close", self.left)

    def echo(self, socket: Socket, message: object) -> None:
        self.messages += 1
        self.phases[int(time.time() % 1 * 10)] += 1
        if socket.is_open():  # a user may be closing
            socket.send(message)

    def left(self, code: int, reason: str) -> None:
        self.open_now -= 1
        self.codes[code] += 1
        print(json.dumps({"close": code}), flush=True)

    def summary(self) -> dict[str, object]:
        return {
            "opened": self.opened,
            "closed": sum(self.codes.values()),
            "messages": self.messages,
            "codes": {str(code): n for code, n in sorted(self.codes.items())},
            "most_open": self.most_open,
            "phases": self.phases,
        }


async def serve() -> None:
    echo = Echo()
    server = Server(host_interface="127.0.0.1", port=0, send_type="*/*", receive_type="*/*")
    server.on("connection", echo.join)
    await server.start()
    print(server.port, flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)  # until the parent closes our stdin
    await server.stop()
    print(json.dumps(echo.summary()), flush=True)


def main() -> None:
    if sys.platform != "win32":  # thousands of sockets: the soft limit up to the hard one
        import resource

        _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    parser = argparse.ArgumentParser()
    parser.add_argument("--uvloop", action="store_true", help="serve on uvloop")
    if parser.parse_args().uvloop:
        import uvloop

        uvloop.run(serve())
    else:
        asyncio.run(serve())


if __name__ == "__main__":
    main()
