"""The webSocket module: Client, Server and Socket over asyncio, with MIME-typed messages.

Works headless under ``asyncio.run`` and unchanged on the workbench's qasync loop; never
imports Qt. See README.md for the tables of options, events and MIME types.

What is public: every name in ``core.__all__`` (import them from ``core``), and three
modules whose tables and functions are API too: ``core.mime`` (the MIME-type registry and
conversions), ``core.options`` (the option tables and their validation) and
``core.json_codec`` (JSON exactly as core sends and reads it). Every module whose name
starts with an underscore (``core._client``, ``core._connection``, ...) is internal and may
change at any time; the workbench is held to this by an import-linter contract.
"""

from ._client import Client
from ._client_state import ClientState
from ._close_codes import CLOSE_CODE_MEANINGS, VALID_CLOSE_CODES, CloseCode, check_close_code
from ._errors import (
    AcceptError,
    ConnectError,
    ConnectionClosed,
    ConnectionLostError,
    DecodeError,
    EncodeError,
    HandlerError,
    NotOpenError,
    ServerStartError,
    UnsentMessagesError,
    WebSocketError,
    explain,
)
from ._events import EventEmitter
from ._frames import Direction, Frame, Opcode
from ._handshake import HandshakeRefusal, HandshakeRequest, RequestAnswer, RequestFunction
from ._option_types import ClientOptions, ClientSettings, ServerOptions, ServerSettings
from ._server import Server, ServerState
from ._socket import Socket
from ._typed_events import ClientEvent, ServerEvent, SocketEvent
from .mime import supported_receive_types, supported_send_types

#: The spec's camelCase names of the module functions.
supportedReceiveTypes = supported_receive_types
supportedSendTypes = supported_send_types

__all__ = [
    "CLOSE_CODE_MEANINGS",
    "VALID_CLOSE_CODES",
    "AcceptError",
    "Client",
    "ClientEvent",
    "ClientOptions",
    "ClientSettings",
    "ClientState",
    "CloseCode",
    "ConnectError",
    "ConnectionClosed",
    "ConnectionLostError",
    "DecodeError",
    "Direction",
    "EncodeError",
    "EventEmitter",
    "Frame",
    "HandlerError",
    "HandshakeRefusal",
    "HandshakeRequest",
    "NotOpenError",
    "Opcode",
    "RequestAnswer",
    "RequestFunction",
    "Server",
    "ServerEvent",
    "ServerOptions",
    "ServerSettings",
    "ServerStartError",
    "ServerState",
    "Socket",
    "SocketEvent",
    "UnsentMessagesError",
    "WebSocketError",
    "check_close_code",
    "explain",
    "supportedReceiveTypes",
    "supportedSendTypes",
    "supported_receive_types",
    "supported_send_types",
]
