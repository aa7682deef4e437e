"""The workbench's Qt-free engine: what the user works with, as plain Python over ``core``.

At the root, what every feature uses:

- ``workbench``: ``Workbench``, the facade: ids, lookups, actions, events, shutdown
- ``servers`` / ``clients``: the controllers (start/stop, open/close, sockets, sending);
  ``handles``: what is known of each server, socket and client
- ``options``: the one option validator (core's); ``client_targets``: client options aimed
  at a workbench server (a TLS server's certificate trusted)
- ``error_path``: the one error path; ``in_words``: events and failures in words; ``units``:
  sizes and counts as the window shows them
- ``auto_reply``, ``pinging``, ``request_hooks``, ``socket_faults``: auto-replies off the
  reading path, pings with their round trip, one process_request hook from several, the
  fault state a socket or server keeps
- ``secret_names``: which headers, query parameters and subprotocols are secrets;
  ``private_files``: every file the workbench writes is created readable by its owner only

One folder per feature (where a feature has views, ``workbench.widgets`` has a folder of the
same name):

- ``log``: the bounded per-socket logs, their filter, JSON Lines files and the rows core's
  events make
- ``protocol``: frames, handshakes and conversations, and the protocol in plain words
- ``compose``: drafts into values per MIME type, the message library, image previews
- ``workspace``: the workspace file and the secrets kept in the system keyring instead
- ``load``: replaying a log, live rates, many clients at once
- ``load_test``: a scenario file as Locust users on core (the ``load`` extra), its command,
  and the window's run of it in child processes
- ``classroom``: a server shared on the network with its feed and student page
- ``faults``: the catalog of faults and the lab that applies them
- ``scenarios``: scenario files, their runner and the commands that run and export them
- ``relay``: the workbench between a real client and a real server, and its headless command

Nothing here imports PySide6 or qasync (a test walks every sub-package in a subprocess);
``workbench.qt`` adapts it for the window.
"""
