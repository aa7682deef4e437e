"""The workbench's Qt-free engine: what the user works with, as plain Python over ``core``.

- ``workbench``: ``Workbench``, the facade: ids, lookups, actions, events, shutdown
- ``servers`` / ``clients``: the controllers (start/stop, open/close, auto-reply, sockets,
  sending) and the wiring of core events into the logs (``wiring``)
- ``handles``: what is known of each server, socket and client
- ``options``: the one option validator (core's); ``drafts``: drafts into values per MIME
  type (core's JSON codec); ``messages``: the saved and recent messages
- ``targets``: client options aimed at a workbench server (a TLS server's certificate trusted)
- ``reporting``: the one error path; ``describe``: events and failures in words
- ``log_store``, ``jsonl``, ``workspace``, ``secrets``: the bounded logs, their files, the
  workspace file, and the secrets kept in the system keyring instead

Nothing here imports PySide6 or qasync (a test checks it in a subprocess); ``workbench.qt``
adapts it for the window.
"""
