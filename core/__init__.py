"""The webSocket module: Client, Server and Socket over asyncio, with MIME-typed messages.

Works headless under ``asyncio.run`` and unchanged on the workbench's qasync loop; never
imports Qt. See README.md for the tables of options, events and MIME types.
"""

from .client import Client
from .errors import (
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
)
from .events import EventEmitter
from .frames import Frame
from .mime import supported_receive_types, supported_send_types
from .option_types import ClientOptions, ServerOptions
from .server import Server, Socket

#: The spec's camelCase names of the module functions.
supportedReceiveTypes = supported_receive_types
supportedSendTypes = supported_send_types

__all__ = [
    "Client",
    "ClientOptions",
    "ConnectError",
    "ConnectionClosed",
    "ConnectionLostError",
    "DecodeError",
    "EncodeError",
    "EventEmitter",
    "Frame",
    "HandlerError",
    "NotOpenError",
    "Server",
    "ServerOptions",
    "ServerStartError",
    "Socket",
    "UnsentMessagesError",
    "WebSocketError",
    "supportedReceiveTypes",
    "supportedSendTypes",
    "supported_receive_types",
    "supported_send_types",
]
