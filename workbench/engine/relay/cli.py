"""``websocket-workbench relay UPSTREAM_URL``: the relay without Qt (as mitmdump beside its UI).

Everything is checked before anything listens: the upstream URL, the listen options (as a
server's), the upstream options (as a client's), the header edits, the rules file (every
problem with its line and column) and the log file; a problem is said on stderr and the exit
code is 2 (also when it cannot listen: the port is taken...).

Then it prints ``listening on HOST:PORT`` (scripts wait for that line), one line per relayed
connection, refused attempt and close, and writes every row of every connection (both legs,
the rules applied) to ``--log`` as JSON Lines that the window's log viewer opens, Authorization
and Cookie values redacted. Ctrl+C (SIGINT) or SIGTERM closes every connection, both legs,
with 1001 and exits 0.

Options beyond the four in the issue: ``-L/--listen-option NAME=VALUE`` and
``-U/--upstream-option NAME=VALUE`` (any core Server / Client option; the value is read as
YAML, so ``true``, ``5000`` and ``[a, b]`` have their types), ``--header 'Name: value'``
(set), ``--add-header``, ``--strip-header NAME``, ``--fixed-path``, ``--rewrite-origin``, and
``--loop``: uvloop (the ``speed`` extra) runs the relay when it is installed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, TextIO

import yaml

from core import ServerStartError
from workbench.engine.in_words import close_text
from workbench.engine.log.growing_file import LogFileWriter
from workbench.engine.log.jsonl import LogFileError

from .connection import RelayedConnection
from .directions import TO_CLIENT, TO_UPSTREAM
from .relay import RefusedAttempt, Relay
from .rules import RuleSet
from .rules_file import RulesFileError, load_rules
from .settings import RelaySettings, RelaySettingsError, relay_settings

__all__ = ["EXIT_INVALID", "EXIT_STOPPED", "main"]

EXIT_STOPPED, EXIT_INVALID = 0, 2
#: Each connection's log in memory: the file has everything, this only bounds what is kept.
LOG_ROWS, LOG_BYTES = 10_000, 8 * 1024 * 1024
_EVERY_INTERFACE = ("0.0.0.0", "::", "")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="websocket-workbench relay",
        description="Relay WebSocket connections to UPSTREAM_URL, logging both legs. "
        "Exit codes: 0 stopped by Ctrl+C or SIGTERM, 2 invalid settings or could not listen.",
    )
    parser.add_argument("upstream", metavar="UPSTREAM_URL", help="ws:// or wss:// URL")
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (0: a free one)")
    parser.add_argument("--log", metavar="FILE.jsonl", help="write every row here as JSON Lines")
    parser.add_argument("--rules", metavar="FILE", help="rules to apply (YAML or JSON)")
    parser.add_argument(
        "-L",
        "--listen-option",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a core Server option of the listening side (ssl_tls=true, cert_path=...)",
    )
    parser.add_argument(
        "-U",
        "--upstream-option",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a core Client option of the upstream leg (trusted_ca_cert_path=..., ...)",
    )
    parser.add_argument(
        "--header", action="append", default=[], metavar="'NAME: VALUE'", help="set a header"
    )
    parser.add_argument(
        "--add-header", action="append", default=[], metavar="'NAME: VALUE'", help="add a header"
    )
    parser.add_argument(
        "--strip-header", action="append", default=[], metavar="NAME", help="leave a header out"
    )
    parser.add_argument(
        "--fixed-path",
        action="store_true",
        help="always the upstream URL's own path (not the client's appended to it)",
    )
    parser.add_argument(
        "--rewrite-origin", action="store_true", help="send the upstream's own origin as Origin"
    )
    parser.add_argument(
        "--loop",
        choices=("auto", "asyncio", "uvloop"),
        default="auto",
        help="the event loop: uvloop (the speed extra) when installed, unless asyncio is asked",
    )
    return parser


class _Invalid(Exception):
    """A command line that cannot run; the message says why."""


def main(argv: Sequence[str], out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run ``websocket-workbench relay`` with ``argv`` (without the command's name)."""
    out = out or sys.stdout
    err = err or sys.stderr
    for stream in (out, err):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="backslashreplace", line_buffering=True)
    options = _parser().parse_args(list(argv))
    try:
        run = _runner(options.loop)
        settings = _settings(options)
        rules = load_rules(options.rules) if options.rules else RuleSet()
        writer = LogFileWriter(options.log, _log_name(settings)) if options.log else None
    except (RelaySettingsError, _Invalid, LogFileError) as exc:
        print(f"websocket-workbench relay: {exc}", file=err)
        return EXIT_INVALID
    except RulesFileError as exc:
        print(f"websocket-workbench relay: {options.rules} is not valid:\n{exc}", file=err)
        return EXIT_INVALID
    try:
        return run(_serve(settings, rules, writer, out, err))
    except KeyboardInterrupt:  # before the signal handlers were in place
        return EXIT_STOPPED
    finally:
        if writer is not None:
            writer.close()


def _runner(loop: str) -> Callable[[Coroutine[Any, Any, int]], int]:
    """``asyncio.run``, or ``uvloop.run`` when it is installed and not refused (core runs
    unchanged on it; the relay's CPU per message went from 32.5 to 30.1 µs in
    tests/benchmarks/relay_throughput.py)."""
    if loop == "asyncio":
        return asyncio.run
    try:
        import uvloop
    except ImportError:
        if loop == "uvloop":
            raise _Invalid(
                "--loop uvloop needs uvloop: pip install 'websocket-workbench[speed]'"
            ) from None
        return asyncio.run
    return uvloop.run


def _settings(options: argparse.Namespace) -> RelaySettings:
    listen = _assignments(options.listen_option, "--listen-option")
    for name in ("host_interface", "hostInterface", "port"):
        if name in listen:
            raise _Invalid(f"give the {name} with --host / --port, not --listen-option")
    listen = {"host_interface": options.host, "port": options.port, **listen}
    return relay_settings(
        options.upstream,
        listen,
        _assignments(options.upstream_option, "--upstream-option"),
        fixed_path=options.fixed_path,
        set_headers=[_header(text, "--header") for text in options.header],
        add_headers=[_header(text, "--add-header") for text in options.add_header],
        strip_headers=options.strip_header,
        rewrite_origin=options.rewrite_origin,
    )


def _assignments(texts: list[str], flag: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for text in texts:
        name, sep, value = text.partition("=")
        if not sep or not name.strip():
            raise _Invalid(f"{flag} takes NAME=VALUE (e.g. ping_interval=5000), not {text!r}")
        try:
            values[name.strip()] = yaml.safe_load(value) if value.strip() else ""
        except yaml.YAMLError:
            values[name.strip()] = value
    return values


def _header(text: str, flag: str) -> tuple[str, str]:
    name, sep, value = text.partition(":")
    if not sep or not name.strip():
        raise _Invalid(f"{flag} takes 'Name: value' (e.g. 'X-Api-Key: abc'), not {text!r}")
    return name.strip(), value.strip()


def _log_name(settings: RelaySettings) -> str:
    return f"relay to {settings.upstream_url.url}"


async def _serve(
    settings: RelaySettings,
    rules: RuleSet,
    writer: LogFileWriter | None,
    out: TextIO,
    err: TextIO,
) -> int:
    relay = Relay(
        settings,
        rules,
        log_capacity=LOG_ROWS,
        log_byte_capacity=LOG_BYTES,
        keep_closed=0,
        tap=None if writer is None else writer.write,
        message_rows=False,  # nobody reads them in memory: counted, and written to the file
        message_file=writer,
    )
    console = _Console(relay, writer, out)
    try:
        await relay.start()
    except ServerStartError as exc:
        print(f"websocket-workbench relay: {exc}", file=err)
        return EXIT_INVALID
    console.listening()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # not on Windows
            loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        count = len(relay.open_connections)
        await relay.stop()
        console.write(f"stopped: {count} open connection{'s' * (count != 1)} closed with 1001")
    return EXIT_STOPPED


class _Console:
    """The lines the command prints, one per event, and the log file kept flushed at each."""

    def __init__(self, relay: Relay, writer: LogFileWriter | None, out: TextIO) -> None:
        self._relay = relay
        self._writer = writer
        self._out = out
        relay.on("connection", self._opened)
        relay.on("refused", self._refused)
        relay.on("closed", self._closed)

    def write(self, line: str) -> None:
        if self._writer is not None:
            self._writer.flush()
        print(line, file=self._out, flush=True)

    def listening(self) -> None:
        relay = self._relay
        self.write(f"listening on {relay.address}")
        if relay.host in _EVERY_INTERFACE:
            self.write("(on every interface: anyone who can reach this machine can use the relay)")

    def _opened(self, connection: RelayedConnection) -> None:
        upstream = connection.upstream
        agreed = f" (subprotocol {upstream.subprotocol})" if upstream.subprotocol else ""
        self.write(
            f"#{connection.number} open {connection.client_address} → {upstream.url}{agreed}"
        )

    def _refused(self, attempt: RefusedAttempt) -> None:
        self.write(
            f"#{attempt.number} refused {attempt.client_address} GET {attempt.path}: "
            f"HTTP {attempt.status} ({attempt.reason})"
        )

    def _closed(self, connection: RelayedConnection) -> None:
        end = connection.end
        assert end is not None
        log = connection.log
        self.write(
            f"#{connection.number} closed: {end.first} first; client {close_text(*end.client)}; "
            f"upstream {close_text(*end.upstream)}; "
            f"{log.messages_out} {_ARROWS[TO_UPSTREAM]}, {log.messages_in} {_ARROWS[TO_CLIENT]}"
        )


_ARROWS = {TO_UPSTREAM: "→ upstream", TO_CLIENT: "→ client"}
