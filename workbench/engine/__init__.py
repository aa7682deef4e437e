"""The workbench's Qt-free engine: what the user works with, as plain Python over ``core``.

The map (each feature has a folder of the same name in ``workbench.widgets``):

- ``workbench``: ``Workbench``, the facade: ids, lookups, actions, events, workspace, shutdown
- ``servers`` / ``clients``: the controllers (start/stop, open/close, sockets, sending);
  ``handles``: what is known of each server, socket and client; ``auto_reply``: replies sent
  off the reading path; ``socket_faults``: the faults a handle carries; ``pinging``: a ping
  with its round trip logged; ``request_hooks``: one ``process_request`` from several
- ``options``: the one option validator (core's); ``client_targets``: client options aimed at
  a workbench server (a TLS server's certificate trusted)
- ``error_path``: the one error path; ``in_words``: events and failures in plain words
- ``log/``: the per-socket message log — rows, the bounded store, filters, JSON Lines files,
  and the rows core's events make
- ``protocol/``: frames, the opening handshake explained, one connection from both ends, the
  protocol's glossary
- ``compose/``: drafts into values per MIME type, the message library, image previews
- ``classroom/``: a server shared with the student page, its feed, addresses and QR code
- ``faults/``: the fault catalog and the lab that applies it
- ``workspace/``: the workspace file and the secrets kept in the system keyring instead
- ``load/``: replaying a log, live rates, many clients at once

Nothing here imports PySide6 or qasync (a test walks every sub-package in a subprocess);
``workbench.qt`` adapts it for the window.
"""
