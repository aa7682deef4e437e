"""The helper functions an exported pytest file carries, as source text; each is written
into the file only when one of its tests uses it.

They are what a loop says better than inline code: the next *matching* message, nothing
matching within a time, the close (code and reason).
"""

__all__ = ["HELPERS"]

HELPERS = {
    "receive_matching": '''
async def receive_matching(client: Client, check: Callable[[Any], bool], within: float) -> Any:
    """The next message for which check(message) holds; the ones before it are skipped."""
    skipped = []
    try:
        async with asyncio.timeout(within):
            while True:
                message = await client.recv()
                if holds(check, message):
                    return message
                skipped.append(message)
    except TimeoutError:
        raise AssertionError(f"no matching message within {within} s; skipped: {skipped!r}") from None
''',
    "nothing_matching": '''
async def nothing_matching(client: Client, check: Callable[[Any], bool], within: float) -> None:
    """Fail if a message for which check(message) holds arrives within `within` seconds."""
    try:
        async with asyncio.timeout(within):
            while True:
                message = await client.recv()
                assert not holds(check, message), f"a message arrived: {message!r}"
    except (TimeoutError, ConnectionClosed):
        pass
''',
    "holds": '''
def holds(check: Callable[[Any], bool], message: Any) -> bool:
    """check(message), False where the message lacks what it looks at."""
    try:
        return bool(check(message))
    except (KeyError, IndexError, TypeError):
        return False
''',
    "closed_with": '''
async def closed_with(client: Client, within: float, strict: bool = False) -> tuple[Any, Any]:
    """(code, reason) of the close; messages before it are skipped (not when strict)."""
    try:
        async with asyncio.timeout(within):
            async for message in client:
                assert not strict, f"a message arrived before the close: {message!r}"
    except ConnectionClosed:
        pass
    return client.close_code, client.close_reason
''',
}
