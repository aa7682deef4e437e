"""The per-socket message log: its rows (``entry``), the bounded store (``store``), what a view
shows of it (``filter``), its JSON Lines files (``jsonl``; ``growing_file``: one written as the
log grows, its message rows straight from their payloads by ``message_line``) and the rows
core's events make (``from_core``)."""
