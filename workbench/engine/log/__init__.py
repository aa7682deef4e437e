"""The per-socket message log: its rows (``entry``), the bounded store (``store``), what a view
shows of it (``filter``), its JSON Lines files (``jsonl``) and the rows core's events make
(``from_core``)."""
