"""**Make scenario** from rows of a log: the engine records them (``ScenarioLibrary.record``)
and the Scenarios tab shows the result; rows that make no scenario are said on the status bar."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from workbench.engine.log.store import LogEntry
from workbench.engine.scenarios.recording import RecordingError
from workbench.qt.service import WorkbenchService
from workbench.widgets.common.notify import notifier

__all__ = ["scenario_maker"]


def scenario_maker(
    service: WorkbenchService, log_id: str
) -> Callable[[Sequence[LogEntry]], str | None]:
    """What a log view of ``log_id`` (a client's or a server-side socket's) calls with the
    selected rows: the new scenario's id, or None (said on the status bar)."""

    def make(entries: Sequence[LogEntry]) -> str | None:
        try:
            doc_id = service.engine.scenarios.record(log_id, entries)
        except (RecordingError, KeyError) as exc:
            notifier().error(str(exc).strip("'\""), "Make scenario")
            return None
        name = service.engine.scenarios.documents[doc_id].name
        notifier().info(
            f"Made the scenario “{name}” of {len(entries)} rows: it is in the Scenarios tab"
        )
        return doc_id

    return make
