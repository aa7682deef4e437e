"""The auto-reply writer: replies in order, off the reading path, in slices that let the loop
run, bounded, and stopped with its socket (Qt-free, plain asyncio)."""

from __future__ import annotations

import asyncio

from workbench.engine import auto_reply
from workbench.engine.auto_reply import ReplyWriter


class Delivered:
    """What core's send returns: an awaitable that is done at once."""

    def __await__(self):
        if False:
            yield
        return None


def test_replies_go_out_in_order_and_let_the_loop_run_between_slices(monkeypatch) -> None:
    monkeypatch.setattr(auto_reply, "SLICE_SECONDS", 0.0)  # every reply is its own slice
    monkeypatch.setattr(auto_reply, "YIELD_SECONDS", 0.0)
    sent: list[int] = []
    interleaved: list[int] = []

    async def main() -> None:
        writer = ReplyWriter(lambda value: (sent.append(value), Delivered())[1])
        for n in range(50):
            writer.queue(n)
        assert sent == []  # queueing never sends: the reader goes on at once

        async def other() -> None:  # something else that wants the loop (the UI)
            for _ in range(200):
                interleaved.append(len(sent))
                await asyncio.sleep(0)
                if len(sent) == 50:
                    return

        await asyncio.wait_for(other(), 5)
        assert writer.sent == 50 and writer.waiting == 0

    asyncio.run(main())
    assert sent == list(range(50))
    # The other coroutine ran while replies were still waiting, many times.
    assert len([n for n in interleaved if 0 < n < 50]) > 10


def test_close_cancels_and_drops_and_the_limit_counts_what_it_drops() -> None:
    async def main() -> tuple[ReplyWriter, list[int]]:
        sent: list[int] = []
        told: list[int] = []
        writer = ReplyWriter(
            lambda value: (sent.append(value), Delivered())[1], limit=3, on_drop=told.append
        )
        for n in range(5):
            writer.queue(n)
        assert writer.waiting == 3 and writer.dropped == 2
        assert told == [3]  # told once for the burst, not per dropped reply
        writer.close()
        writer.queue(99)
        await asyncio.sleep(0.01)
        return writer, sent

    writer, sent = asyncio.run(main())
    assert sent == [] and writer.waiting == 0 and writer.dropped == 3


def test_a_refused_reply_is_skipped_and_the_rest_are_sent() -> None:
    async def main() -> list[int]:
        sent: list[int] = []

        def send(value: int):
            if value == 1:
                return None  # refused (reported by the caller)
            sent.append(value)
            return Delivered()

        writer = ReplyWriter(send)
        for n in range(3):
            writer.queue(n)
        for _ in range(100):
            await asyncio.sleep(0)
            if writer.waiting == 0:
                break
        assert writer.sent == 2
        return sent

    assert asyncio.run(main()) == [0, 2]


class Pending:
    """What core's send returns for a message it cannot hand over: never done."""

    def __init__(self) -> None:
        self.future: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def __await__(self):
        return self.future.__await__()


def test_the_wait_for_core_counts_across_bursts() -> None:
    """Before: the count of replies since the last wait started again whenever the queue
    emptied, so a peer that sends in bursts and never reads got every reply into core's
    outbox without the writer ever waiting."""

    async def main() -> tuple[int, int]:
        sent: list[int] = []
        writer = ReplyWriter(lambda value: (sent.append(value), Pending())[1])
        for burst in range(40):  # 40 bursts of 10: the queue empties after each...
            for n in range(10):
                writer.queue(burst * 10 + n)
            for _ in range(100):
                await asyncio.sleep(0)
                if writer.waiting == 0 or len(sent) >= auto_reply.ACK_EVERY:
                    break
            await asyncio.sleep(auto_reply.YIELD_SECONDS * 5)  # ... and its task ends
        await asyncio.sleep(0.01)
        return len(sent), writer.waiting

    sent, waiting = asyncio.run(main())
    assert sent == auto_reply.ACK_EVERY  # then it waits for core, whatever the bursts
    assert waiting == 400 - auto_reply.ACK_EVERY


def test_a_full_queue_asks_the_reader_to_pause_until_half_of_it_went() -> None:
    async def main() -> None:
        release = asyncio.get_running_loop().create_future()
        sent: list[int] = []

        class Held:
            def __await__(self):
                return asyncio.shield(release).__await__()

        writer = ReplyWriter(lambda value: (sent.append(value), Held())[1])
        rooms = [writer.queue(n) for n in range(auto_reply.HIGH_WATER + 400)]
        assert all(room is None for room in rooms[: auto_reply.HIGH_WATER - 1])
        room = next(room for room in rooms if room is not None)
        task = asyncio.ensure_future(room)
        await asyncio.sleep(0.05)
        assert not task.done() and len(sent) == auto_reply.ACK_EVERY  # core holds them
        release.set_result(None)  # core hands them over: the writer goes on, room comes
        await asyncio.wait_for(task, 5)
        assert writer.waiting <= auto_reply.HIGH_WATER // 2
        for other in rooms:
            if other is not None and other is not room:
                other.close()
        writer.close()

    asyncio.run(main())


def test_replies_to_a_peer_that_never_reads_stop_the_reading() -> None:
    """Through the engine, with real sockets: a raw client floods a server whose auto-reply
    echoes, and never reads. Before: the server read it all and queued every echo (the
    issue's 11 GB in 48 s); now it stops reading once the echoes cannot go."""
    from tests.faults.rawws import BINARY, RawClient, frame
    from workbench.engine.workbench import Workbench

    async def main() -> tuple[int, int]:
        engine = Workbench()
        server_id = engine.add_server(
            {"host_interface": "127.0.0.1", "port": 0, "receive_type": "*/*",
             "send_type": "*/*", "compression": None, "ping_interval": None},
            name="echo",
        )  # fmt: skip
        assert server_id is not None and await engine.start_server(server_id)
        assert engine.set_auto_reply(server_id, "echo")
        peer = await RawClient.connect(engine.server(server_id).port)
        await peer.upgrade()
        peer.writer.transport.pause_reading()  # never reads a reply
        size, count = 64 * 1024, 2000  # 128 MB offered
        message = frame(BINARY, bytes(size))
        for _ in range(count):
            peer.send(message)
        deadline = asyncio.get_running_loop().time() + 10
        settled = -1
        while asyncio.get_running_loop().time() < deadline:  # until the reading stops
            await asyncio.sleep(0.3)
            (sock,) = engine.sockets_of(server_id)
            read = sock.log.messages_in
            if read == settled:
                break
            settled = read
        waiting = peer.writer.transport.get_write_buffer_size()
        await peer.aclose()
        assert await asyncio.wait_for(engine.shutdown(5), 6)
        return settled, waiting

    read, waiting = asyncio.run(main())
    assert 0 < read < 2000 // 4, read  # it read a bounded part, then stopped
    assert waiting > 64 * 1024 * 1000, waiting  # the rest waits at the peer, not here
