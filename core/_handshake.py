"""The Server's ``process_request`` hook on top of websockets' own one, and the report of
every refused handshake (``HandshakeRefusal``, the Server's ``'refused'`` event).

websockets calls its ``process_request(connection, request)`` after reading the upgrade
request and before accepting it (so before the Origin check and subprotocol choice), inside
the handshake timeout. ``RequestHook`` adapts it to the user's simpler ``fn(request)``: the
function sees a ``HandshakeRequest`` and answers None (go on with the handshake) or
``(status, body)`` or ``(status, body, headers)`` (answer with that HTTP response instead
of upgrading: a refusal, or a plain HTTP page on the WebSocket's port); it may be a coroutine
function. Its headers are checked by ``accepted_headers``, as a ``response_headers`` answer
is, less the names websockets writes for any refusal (``REFUSAL_HEADERS``).

websockets calls ``process_response(connection, request, response)`` with the response it
is about to send, whether it accepts (101) or refuses (an Origin not allowed, no common
subprotocol, a bad request, a ``process_request`` refusal): ``ResponseHook`` is that hook. To
a 101 it adds the headers of the Server's ``response_headers`` function, if any (checked by
``accepted_headers``); it emits ``'refused'`` for every response that is not 101, then closes
the connection once the response is written (websockets would wait ``close_timeout`` for the
client to do it).

Before the user's function, ``RequestHook`` asks the Server's ``Admission`` (core._admission)
whether the connection is over a cap; if so it answers HTTP 503 with the reason (and
``Retry-After``), which ``RefusalReporter`` reports as for any refusal.

websockets calls ``select_subprotocol(connection, offered)`` when it accepts the request (after
``process_request``): ``SubprotocolHook`` adapts it to the user's ``fn(request, offered)``, so a
server can answer with a subprotocol it learnt in ``process_request`` (a relay answers with the
one its upstream picked).
"""

from __future__ import annotations

import http
import inspect
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from websockets.asyncio.server import ServerConnection
from websockets.datastructures import Headers
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from ._admission import Admission
from ._errors import HandlerError
from ._events import EventEmitter

#: A socket address as asyncio gives it: (host, port), or (host, port, flowinfo, scope_id)
#: for IPv6; empty when unknown.
Address = tuple[str | int, ...]
#: Headers to add to a response: a mapping of name to value, or (name, value) pairs (a
#: name may repeat, e.g. several ``Set-Cookie``).
ResponseHeaders = Mapping[str, str] | Iterable[tuple[str, str]]
#: What a ``process_request`` function answers: None to go on with the handshake, or the
#: HTTP response to send instead: ``(status, body)`` or ``(status, body, headers)``, the
#: headers a mapping or (name, value) pairs, repeated names kept in order.
RequestAnswer = tuple[int, str | bytes] | tuple[int, str | bytes, ResponseHeaders] | None
#: A Server's ``process_request`` function: sync, or async (returning an awaitable).
RequestFunction = Callable[["HandshakeRequest"], RequestAnswer | Awaitable[RequestAnswer]]
#: A Server's ``select_subprotocol`` function: the request and the subprotocols the client
#: offered, in its order; it returns one of them, or None for no subprotocol. Sync only.
SubprotocolFunction = Callable[["HandshakeRequest", list[str]], str | None]
#: A Server's ``response_headers`` function: the accepted request; the headers to add to its
#: 101 response, or None for none. Sync only.
ResponseHeadersFunction = Callable[["HandshakeRequest"], ResponseHeaders | None]
#: Headers of the handshake itself (lower case), which websockets writes from what it
#: negotiated: a ``response_headers`` function may not set them.
HANDSHAKE_HEADERS = frozenset(
    {
        "upgrade",
        "connection",
        "sec-websocket-accept",
        "sec-websocket-extensions",
        "sec-websocket-protocol",
        "content-length",
        "transfer-encoding",
    }
)
#: Headers websockets writes on every refusal from its body and its end of the connection
#: (lower case): a ``process_request`` answer may not set them.
REFUSAL_HEADERS = frozenset({"connection", "content-length", "transfer-encoding"})
# RFC 9110 field names (a token) and values (no CR, LF or NUL: no response splitting).
_FIELD_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_BAD_VALUE = re.compile(r"[\r\n\0]")


@dataclass(frozen=True, slots=True)
class HandshakeRequest:
    """An upgrade request not yet accepted: what a ``process_request`` function gets.

    Attributes:
        path: The request path and query.
        headers: The request headers (websockets' case-insensitive ``Headers``).
        remote_address: The client's (host, port).
    """

    path: str
    headers: Headers
    remote_address: Address


@dataclass(frozen=True, slots=True)
class HandshakeRefusal:
    """An upgrade request the Server refused: what its ``'refused'`` handlers get.

    Attributes:
        remote_address: The client's (host, port).
        path: The request path and query.
        status: The HTTP status sent (e.g. 403).
        status_phrase: Its phrase ("Forbidden").
        reason: The server's explanation, the response body as text (may be empty).
        request_headers: The request's headers (websockets' case-insensitive ``Headers``).
        response_headers: The response's headers.
    """

    remote_address: Address
    path: str
    status: int
    status_phrase: str
    reason: str
    request_headers: Headers
    response_headers: Headers


def body_text(body: bytes | bytearray | None) -> str:
    """A response body as the reason a person reads: UTF-8 (bad bytes replaced), stripped."""
    return body.decode("utf-8", "replace").strip() if body else ""


class ResponseHook:
    """websockets' ``process_response``: adds ``headers(request)`` to a 101 response (the
    Server's ``response_headers``); emits ``'refused'`` on ``server`` for any other response.

    A ``headers`` function that raises or answers badly (see ``accepted_headers``) turns the
    101 into HTTP 500, reported on ``'refused'``, and a ``HandlerError`` is emitted on
    ``server``.
    """

    def __init__(
        self, server: EventEmitter[Any], headers: ResponseHeadersFunction | None = None
    ) -> None:
        self._server = server
        self._headers = headers

    def __call__(
        self, connection: ServerConnection, request: Request, response: Response
    ) -> Response | None:
        if response.status_code == 101:  # (an int: HTTPStatus's member costs a lookup)
            if self._headers is None:
                return None
            try:
                added = accepted_headers(self._headers(_asked(connection, request)))
            except Exception as exc:
                error = HandlerError("response_headers", exc)
                error.__cause__ = exc
                self._server.emit("error", error)
                response = connection.respond(
                    http.HTTPStatus.INTERNAL_SERVER_ERROR, "the server's response_headers failed\n"
                )
            else:
                _set_headers(response, added)  # replacing websockets' Date or Server
                return response
        # websockets then waits up to close_timeout for the client to end TCP: a client
        # refused for a cap could hold that many descriptors. Close once it is written.
        connection.loop.call_soon(connection.transport.close)
        self._server.emit(
            "refused",
            HandshakeRefusal(
                tuple(connection.remote_address or ()),
                request.path,
                response.status_code,
                response.reason_phrase,
                body_text(response.body),
                request.headers,
                response.headers,
            ),
        )
        return response


def accepted_headers(
    answer: object, what: str = "response_headers", reserved: frozenset[str] = HANDSHAKE_HEADERS
) -> list[tuple[str, str]]:
    """Headers given to a hook's response as (name, value) pairs, in order; ``TypeError`` /
    ``ValueError`` saying what is wrong with them, beginning with ``what``.

    ``answer``: None (no header), a mapping of ``str`` to ``str`` or an iterable of
    ``(name, value)`` pairs of ``str``. Names are HTTP tokens, not one of ``reserved``
    (lower case); values hold no CR, LF or NUL.
    """
    if answer is None:
        return []
    if isinstance(answer, Mapping):
        pairs: list[object] = list(answer.items())
    elif isinstance(answer, Iterable) and not isinstance(answer, (str, bytes, bytearray)):
        pairs = list(answer)
    else:
        raise TypeError(
            f"{what} must be None, a mapping of str to str or (name, value) pairs, "
            f"not {type(answer).__name__}"
        )
    checked: list[tuple[str, str]] = []
    for pair in pairs:
        if not (
            isinstance(pair, tuple)
            and len(pair) == 2
            and isinstance(pair[0], str)
            and isinstance(pair[1], str)
        ):
            raise TypeError(f"{what}: {pair!r} is not a (name, value) pair of str")
        name, value = pair
        if not _FIELD_NAME.fullmatch(name):
            raise ValueError(f"{what}: {name!r} is not an HTTP header name")
        if name.lower() in reserved:
            raise ValueError(f"{what} may not set {name}: websockets writes it itself")
        if _BAD_VALUE.search(value):
            raise ValueError(f"{what}: the value of {name} holds CR, LF or NUL")
        checked.append((name, value))
    return checked


def _asked(connection: ServerConnection, request: Request) -> HandshakeRequest:
    return HandshakeRequest(request.path, request.headers, tuple(connection.remote_address or ()))


#: Seconds a client refused for a connection cap is told to wait before it tries again.
RETRY_AFTER = 5


class RequestHook:
    """websockets' ``process_request``: the Server's connection caps, then ``function``.

    A connection over a cap of ``admission`` is answered HTTP 503 with the reason. A
    ``function`` that raises or answers something other than None or ``(status, body)``
    refuses the handshake with HTTP 500 and a ``HandlerError`` is emitted on ``server``.
    """

    def __init__(
        self,
        function: RequestFunction | None,
        server: EventEmitter[Any],
        admission: Admission | None = None,
    ) -> None:
        self._function = function
        self._server = server
        self._admission = admission

    async def __call__(self, connection: ServerConnection, request: Request) -> Response | None:
        address = tuple(connection.remote_address or ())
        if self._admission is not None:
            why = self._admission.refusal(str(address[0]) if address else "")
            if why is not None:
                response = connection.respond(http.HTTPStatus.SERVICE_UNAVAILABLE, why + "\n")
                response.headers["Retry-After"] = str(RETRY_AFTER)
                return response
        if self._function is None:
            return None
        asked = HandshakeRequest(request.path, request.headers, address)
        try:
            answer = self._function(asked)
            if inspect.isawaitable(answer):
                answer = await answer
            if answer is None:
                return None
            return refusal(connection, answer)
        except Exception as exc:
            error = HandlerError("process_request", exc)
            error.__cause__ = exc
            self._server.emit("error", error)
            return connection.respond(
                http.HTTPStatus.INTERNAL_SERVER_ERROR, "the server's process_request failed\n"
            )


class SubprotocolHook:
    """websockets' ``select_subprotocol`` calling ``function(request, offered)``.

    A function that raises, or returns something other than None or one of the offered
    subprotocols, refuses the handshake: websockets answers HTTP 500 (and logs it), and a
    ``HandlerError`` is emitted on ``server``.
    """

    def __init__(self, function: SubprotocolFunction, server: EventEmitter[Any]) -> None:
        self._function = function
        self._server = server

    def __call__(
        self, connection: ServerConnection, offered: Sequence[Subprotocol]
    ) -> Subprotocol | None:
        request = connection.request
        assert request is not None  # websockets calls this while accepting a request
        asked = _asked(connection, request)
        choices = [str(name) for name in offered]
        try:
            chosen = self._function(asked, choices)
            if chosen is not None and chosen not in choices:
                raise ValueError(
                    f"select_subprotocol returned {chosen!r}, which the client did not offer"
                    f" (it offered {', '.join(choices) or 'none'})"
                )
        except Exception as exc:
            error = HandlerError("select_subprotocol", exc)
            error.__cause__ = exc
            self._server.emit("error", error)
            raise
        return None if chosen is None else Subprotocol(chosen)


def refusal(connection: ServerConnection, answer: object) -> Response:
    """The HTTP response for ``(status, body[, headers])``; ``TypeError``/``ValueError`` if
    malformed.

    ``status``: an HTTP status from 200 to 599 that ``http.HTTPStatus`` knows (not 101);
    ``body``: ``str`` (sent as UTF-8 text/plain) or ``bytes`` (application/octet-stream);
    ``headers``: a mapping of header name to ``str`` value, or (name, value) pairs (a name
    may repeat: every one is sent, in order), set on the response, replacing the headers of
    the same name websockets wrote (e.g. ``{"Content-Type": "text/html; charset=utf-8"}``);
    checked by ``accepted_headers`` with ``REFUSAL_HEADERS`` reserved.
    """
    if not isinstance(answer, tuple) or len(answer) not in (2, 3):
        raise TypeError(
            "process_request must return None, (status, body) or (status, body, headers), "
            f"not {type(answer).__name__}"
        )
    status, body = answer[:2]
    headers = accepted_headers(
        answer[2] if len(answer) == 3 else None, "process_request headers", REFUSAL_HEADERS
    )
    if not isinstance(status, int) or isinstance(status, bool):
        raise TypeError(f"process_request status must be an int, not {type(status).__name__}")
    try:
        known = http.HTTPStatus(status)
    except ValueError:
        known = None
    if known is None or not 200 <= status <= 599:
        raise ValueError(f"process_request status {status} is not an HTTP status from 200 to 599")
    if isinstance(body, str):
        response = connection.respond(known, body)
    elif isinstance(body, (bytes, bytearray)):
        response = connection.respond(known, "")
        response.body = bytes(body)
        _set_headers(
            response,
            [("Content-Length", str(len(body))), ("Content-Type", "application/octet-stream")],
        )
    else:
        raise TypeError(f"process_request body must be str or bytes, not {type(body).__name__}")
    _set_headers(response, headers)
    return response


def _set_headers(response: Response, headers: list[tuple[str, str]]) -> None:
    """Every one of ``headers`` on ``response``, in order, in place of those of its names
    already there (``Headers`` adds a value on assignment)."""
    for name in {name for name, _value in headers}:
        if name in response.headers:  # case-insensitive, as del
            del response.headers[name]
    for name, value in headers:
        response.headers[name] = value
