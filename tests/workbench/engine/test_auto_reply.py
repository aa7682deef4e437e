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
