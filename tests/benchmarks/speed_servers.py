"""The servers that tests/benchmarks/core_vs_websockets.py measures, one per process:

    python -m tests.benchmarks.speed_servers KIND [--uvloop] [--deflate]

KIND: ``core`` (core's event style: a ``'message'`` listener that calls ``socket.send``),
``core-pull`` (core's pull style: ``async for message in socket: await socket.send(...)``),
``websockets`` (plain websockets, its own ``async for`` handler) or ``picows`` (always on
uvloop, never with deflate). Node's ws is tests/interop/node/bench_server.js.
``--frame-listener`` gives every core Socket a no-op ``'frame'`` listener.

Every server does the same on each connection, by request path: ``/echo`` sends every message
back in its own frame type; ``/sink`` reads text messages and answers only ``END`` with a
reply; ``/json`` decodes every message as JSON (with core: its ``application/json`` receive
type) and answers only the JSON string ``"END"``. It prints one JSON line
``{"port": P, "json_port": Q}`` once listening (core listens twice, one Server per receive
type) and serves until it is killed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
from typing import Any

HOST = "127.0.0.1"
#: The listen queue of every server: core's default, so 500 clients at once compare the
#: libraries rather than their queues (plain websockets passes asyncio's 100 otherwise).
BACKLOG = 1024
END = "END"


def raise_file_limit() -> None:
    """500 connections need more than the usual 1,024 descriptors with both ends here."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 8192)), hard))


async def serve_core(pull: bool, deflate: bool, frame_listener: bool = False) -> tuple[Any, ...]:
    from core import Server, Socket

    extra: dict[str, Any] = {"compression": "deflate" if deflate else None}
    common = {"host_interface": HOST, "port": 0, "max_message_size": None, "backlog": BACKLOG}
    frames = Server(receive_type="*/*", send_type="*/*", **common, **extra)
    parsed = Server(
        receive_type="application/json", send_type="application/json", **common, **extra
    )

    def answer_end(socket: Socket) -> Any:
        def on_message(value: object) -> None:
            if value == END:
                socket.send(END)

        return on_message

    def on_connection(socket: Socket) -> None:
        socket.on("message", socket.send if socket.path == "/echo" else answer_end(socket))

    async def pull_connection(socket: Socket) -> None:
        if socket.path == "/echo":
            async for message in socket:
                await socket.send(message)
        else:
            async for message in socket:
                if message == END:
                    await socket.send(END)

    for server in (frames, parsed):
        if frame_listener:  # what watching every frame costs (a no-op listener)
            server.on("connection", lambda socket: socket.on("frame", lambda _frame: None))
        server.on("connection", pull_connection if pull else on_connection)
        await server.start()
    return frames.port, parsed.port


async def serve_websockets(deflate: bool) -> tuple[Any, ...]:
    from websockets.asyncio.server import ServerConnection, serve

    async def handler(ws: ServerConnection) -> None:
        path = ws.request.path if ws.request else "/"
        if path == "/echo":
            async for message in ws:
                await ws.send(message)
        elif path == "/json":
            async for message in ws:
                if json.loads(message) == END:
                    await ws.send(json.dumps(END))
        else:
            async for message in ws:
                if message == END:
                    await ws.send(END)

    server = await serve(
        handler,
        HOST,
        0,
        max_size=None,
        compression="deflate" if deflate else None,
        backlog=BACKLOG,
    )
    port = server.sockets[0].getsockname()[1]
    return port, port


async def serve_picows() -> tuple[Any, ...]:
    from picows import (
        WSFrame,
        WSListener,
        WSMsgType,
        WSTransport,
        WSUpgradeRequest,
        ws_create_server,
    )

    class Echo(WSListener):
        def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
            if frame.msg_type is WSMsgType.CLOSE:
                transport.send_close(frame.get_close_code())
                transport.disconnect()
            elif frame.msg_type in (WSMsgType.TEXT, WSMsgType.BINARY):
                transport.send(frame.msg_type, frame.get_payload_as_memoryview())

    class Sink(WSListener):
        """Text messages: decoded to str, as the others do; JSON parsed on /json."""

        def __init__(self, parse: bool) -> None:
            self.parse = parse

        def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
            if frame.msg_type is WSMsgType.CLOSE:
                transport.send_close(frame.get_close_code())
                transport.disconnect()
                return
            text = frame.get_payload_as_utf8_text()
            value = json.loads(text) if self.parse else text
            if value == END:
                transport.send(WSMsgType.TEXT, json.dumps(END).encode() if self.parse else b"END")

    def listener(request: WSUpgradeRequest) -> WSListener:
        path = request.path.decode() if isinstance(request.path, bytes) else str(request.path)
        return Echo() if path == "/echo" else Sink(parse=path == "/json")

    server = await ws_create_server(
        listener, HOST, 0, max_frame_size=64 * 1024 * 1024, backlog=BACKLOG
    )
    port = server.sockets[0].getsockname()[1]
    return port, port


async def main(kind: str, deflate: bool, frame_listener: bool) -> None:
    if kind == "picows":
        ports = await serve_picows()
    elif kind == "websockets":
        ports = await serve_websockets(deflate)
    else:
        ports = await serve_core(kind == "core-pull", deflate, frame_listener)
    print(json.dumps({"port": ports[0], "json_port": ports[1]}), flush=True)
    await asyncio.Event().wait()  # until killed


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("kind", choices=("core", "core-pull", "websockets", "picows"))
    parser.add_argument("--uvloop", action="store_true")
    parser.add_argument("--deflate", action="store_true")
    parser.add_argument("--frame-listener", action="store_true", help="core: a 'frame' listener")
    args = parser.parse_args()
    raise_file_limit()
    if args.uvloop or args.kind == "picows":
        import uvloop

        uvloop.run(main(args.kind, args.deflate, args.frame_listener))
    else:
        asyncio.run(main(args.kind, args.deflate, args.frame_listener))
    sys.exit(0)
