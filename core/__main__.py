"""``python -m core``: the seed's example, headless: a Server and a Client exchange messages."""

from __future__ import annotations

import asyncio

from core import Client, Server


async def main() -> None:
    server = Server({"hostInterface": "127.0.0.1", "port": 0})
    server.on("listening", lambda port: print(f"server listening on 127.0.0.1:{port}"))
    server.on(
        "connection",
        lambda socket: socket.on(
            "message",
            lambda message: (print("server received:", message), socket.send("Reply message")),
        ),
    )
    await server.start()

    client = Client({"host": "127.0.0.1", "port": server.port})
    replied: asyncio.Future[object] = asyncio.get_running_loop().create_future()

    def on_reply(message: object) -> None:
        print("Received from web socket:", message)
        replied.set_result(message)

    client.on("message", on_reply)
    client.on("close", lambda code, reason: print(f"client closed: {code} {reason}".rstrip()))
    client.send({"foo": "bar"})  # queued: the socket is not open yet
    await client.open()
    await asyncio.wait_for(replied, timeout=5)
    await client.close()
    await server.stop()


if __name__ == "__main__":
    asyncio.run(main())
