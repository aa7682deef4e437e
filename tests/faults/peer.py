"""A WebSocket peer in its own process, written with plain ``websockets`` (not core), to kill.

    python -m tests.faults.peer stream-server     serve on 127.0.0.1, print the port, then send
                                                  "0", "1", ... (up to 10**6) to the first client
    python -m tests.faults.peer sink-server       serve one client, print the port, then print
                                                  the first 8 characters of each message, 1 ms apart
    python -m tests.faults.peer stream-client URL connect, print "open", then send "0", "1", ...

The tests end it with SIGKILL mid-stream: no close frame, no FIN before the kernel's RST.
"""

from __future__ import annotations

import base64
import hashlib
import socket
import sys
import time

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect
from websockets.sync.server import serve

LIMIT = 10**6  # every loop is bounded; the tests kill the peer long before this


def stream(ws) -> None:  # type: ignore[no-untyped-def]
    try:
        for i in range(LIMIT):
            ws.send(str(i))
    except ConnectionClosed:
        pass


def read_exactly(conn: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def slow_sink(listener: socket.socket) -> None:
    """Accept one client, complete its handshake by hand, then read one frame per ms.

    Hand-made so that nothing reads ahead of the application: unread frames stay in the
    kernel's 64 KiB receive buffer and the sender's backlog really grows.
    """
    conn, _ = listener.accept()
    head = b""
    while b"\r\n\r\n" not in head:
        head += conn.recv(1)
    key = next(
        line.split(b":", 1)[1].strip()
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"sec-websocket-key:")
    )
    accept = base64.b64encode(hashlib.sha1(key + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest())
    conn.sendall(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
        b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n"
    )
    for _ in range(LIMIT):
        b0, b1 = read_exactly(conn, 2)
        n = b1 & 0x7F
        if n == 126:
            n = int.from_bytes(read_exactly(conn, 2), "big")
        elif n == 127:
            n = int.from_bytes(read_exactly(conn, 8), "big")
        mask = read_exactly(conn, 4)
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(read_exactly(conn, n)[:8]))
        if b0 & 0x0F == 0x1:
            sys.stdout.write(payload.decode() + "\n")
            sys.stdout.flush()
        time.sleep(0.001)


def main(mode: str, url: str = "") -> None:
    if mode == "stream-client":
        with connect(url, max_size=None) as ws:
            print("open", flush=True)
            stream(ws)
        return
    # A fixed 64 KiB receive buffer (no autotuning up to tcp_rmem's maximum), so a slow sink
    # really leaves the sender with a backlog.
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    print(listener.getsockname()[1], flush=True)
    if mode == "sink-server":
        slow_sink(listener)
        return
    with serve(stream, sock=listener, max_size=None) as server:
        server.serve_forever()


if __name__ == "__main__":
    main(*sys.argv[1:])
