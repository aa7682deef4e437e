"""The classroom: share a server on the network with its student page, watch every socket
of it in one feed, and remove (kick) a socket.

Sharing binds the server to every IPv4 interface (``0.0.0.0``) and has it answer plain GETs
with the student page (``student_page.serve_student_page`` as core's ``process_request``);
a listening server restarts to apply it (its sockets close with 1001). A shared server
without a per-address cap gets one (``SHARED_PER_ADDRESS``), so one machine on the network
cannot take every socket. Unsharing gives back the host and cap it had before. A shared server lets in only its own student page and clients
without an ``Origin`` unless ``set_any_origin`` opens it to every page (applied at once, no
restart), and its echo auto-reply strips the teacher's mark from what students send
(``student_page`` says why); ``announce`` sets that mark.

Events (``on(name, handler)``):
    shared_changed(server_id, shared): a ``share`` call ended; ``shared`` is whether the
        server is shared now (emitted whether or not the call changed it).
    any_origin_changed(server_id, on): ``set_any_origin`` was called.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from core import EventEmitter
from core import mime as core_mime
from workbench.engine.log.store import INFO

from .feed import ClassroomFeed
from .host import ClassroomHost
from .network_addresses import ALL_INTERFACES, share_urls
from .qr_code import qr_png
from .student_page import TEACHER_FIELD, serve_student_page, strip_teacher_mark

__all__ = [
    "KICK_CODE",
    "KICK_REASON",
    "SHARED_PER_ADDRESS",
    "TEACHER",
    "Classroom",
    "ClassroomEvent",
]

#: The close code and reason of a kick (4000-4999 is for applications).
KICK_CODE = 4000
KICK_REASON = "removed by the teacher"
#: The name the teacher's announcements carry.
TEACHER = "Teacher"
#: ``max_per_address`` of a shared server that had none: a student's tabs, not a flood.
SHARED_PER_ADDRESS = 16


ClassroomEvent = Literal["shared_changed", "any_origin_changed"]


class Classroom(EventEmitter[ClassroomEvent]):
    """``Classroom(host)``: the sharing state and the feeds of the host's servers."""

    def __init__(self, workbench: ClassroomHost) -> None:
        super().__init__()
        self._workbench = workbench
        self._feeds: dict[str, ClassroomFeed] = {}
        self._before: dict[str, dict[str, Any]] = {}  # server id -> options sharing changed
        self._any_origin: set[str] = set()  # servers that let any web page connect
        workbench.on("server_removed", self._removed)

    def feed(self, server_id: str) -> ClassroomFeed:
        """The server's feed, made (and watching) on first use."""
        if server_id not in self._feeds:
            self._workbench.server(server_id)  # KeyError for an unknown server
            self._feeds[server_id] = ClassroomFeed(self._workbench, server_id, self.is_shared)
        return self._feeds[server_id]

    def is_shared(self, server_id: str) -> bool:
        return server_id in self._before

    def is_open_to_any_origin(self, server_id: str) -> bool:
        """Whether the server, when shared, lets any web page connect (not only its own)."""
        return server_id in self._any_origin

    def set_any_origin(self, server_id: str, on: bool) -> None:
        """Let any web page's sockets in while the server is shared (``on``), or only the
        student page's and clients without an Origin (the default); then
        ``any_origin_changed``."""
        handle = self._workbench.server(server_id)  # KeyError for an unknown server
        if on != (server_id in self._any_origin):
            if on:
                self._any_origin.add(server_id)
            else:
                self._any_origin.discard(server_id)
            what = "any web page may connect" if on else "only the student page may connect"
            handle.log.log_event(INFO, f"sharing: {what}")
        self.emit("any_origin_changed", server_id, on)

    async def share(self, server_id: str, on: bool = True) -> bool:
        """Share the server (or stop sharing); whether it is now as asked and, if it was
        running, listening again (failures reported on the engine's error path). Then
        ``shared_changed``."""
        done = await self._share(server_id, on)
        self.emit("shared_changed", server_id, self.is_shared(server_id))
        return done

    async def _share(self, server_id: str, on: bool) -> bool:
        if on == self.is_shared(server_id):
            return True
        workbench = self._workbench
        handle = workbench.server(server_id)
        was_running = handle.state in ("starting", "listening")
        options = dict(handle.options)
        before = self._before.get(server_id) or _changed_by_sharing(handle.host, options)
        if on:
            options.update(host_interface=ALL_INTERFACES)
            options["max_per_address"] = options.get("max_per_address") or SHARED_PER_ADDRESS
        else:
            options.update(before)
        if was_running and not await workbench.stop_server(server_id):
            return False
        # The new state first: listeners of the options' change (server_changed) see it.
        self._mark(server_id, on, before)
        if not workbench.update_server(server_id, options):
            self._mark(server_id, not on, before)
            return False
        what = "shared on the network with the student page" if on else "no longer shared"
        handle.log.log_event(INFO, what)
        return await workbench.start_server(server_id) if was_running else True

    def _mark(self, server_id: str, shared: bool, before: dict[str, Any]) -> None:
        if shared:
            self._before[server_id] = before
        else:
            self._before.pop(server_id, None)
        handle = self._workbench.server(server_id)
        if shared:
            any_origin = self._any_origin.__contains__
            handle.process_request = lambda request: serve_student_page(
                request, any_origin(server_id)
            )
            handle.echo_filter = strip_teacher_mark
        else:
            handle.process_request = handle.echo_filter = None

    def saved_options(self, server_id: str) -> dict[str, Any]:
        """The server's options as a workspace keeps them: a shared server's with the host and
        cap it had before sharing (the workspace says ``shared``, and sharing again on load
        binds to every interface)."""
        options = dict(self._workbench.server(server_id).options)
        options.update(self._before.get(server_id, {}))
        return options

    def urls(self, server_id: str) -> list[str]:
        """The student page's URLs while the server is shared and listening (loopback last),
        else []."""
        handle = self._workbench.server(server_id)
        if not self.is_shared(server_id) or handle.port is None:
            return []
        return share_urls(handle.port, handle.uses_tls)

    @staticmethod
    def qr_png(url: str, scale: int = 8) -> bytes:
        return qr_png(url, scale)

    def announce(self, server_id: str, text: str, name: str = TEACHER) -> int:
        """Broadcast ``text`` as the teacher in the student page's format, which it draws as
        the teacher's: ``{"name": name, "text": text, "from_teacher": true}`` (a JSON server
        converts it; any other send type gets its JSON text, as UTF-8 bytes for
        octet-stream); how many sockets got it (none: reported)."""
        message = {"name": name, "text": text, TEACHER_FIELD: True}
        send_type = self._workbench.send_type(server_id)
        value: object = message
        if send_type != core_mime.JSON:
            value = json.dumps(message, ensure_ascii=False)
            if send_type == core_mime.OCTET_STREAM:
                value = value.encode()
        return self._workbench.broadcast(server_id, value)

    async def kick(self, socket_id: str, code: int = KICK_CODE, reason: str = KICK_REASON) -> bool:
        """Close one socket with ``code`` and ``reason`` (what the student's page shows)."""
        return await self._workbench.close_socket(socket_id, code, reason)

    def _removed(self, server_id: str) -> None:
        feed = self._feeds.pop(server_id, None)
        if feed is not None:
            feed.close()
        self._before.pop(server_id, None)
        self._any_origin.discard(server_id)


def _changed_by_sharing(host: str, options: dict[str, Any]) -> dict[str, Any]:
    """The options sharing sets, as they were before it."""
    return {
        "host_interface": host,
        "max_per_address": options.get("max_per_address", 0),
    }
