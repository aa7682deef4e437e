"""The widgets of the workbench: what a person sees. They never await, never touch sockets
and never import ``core``; they call the engine's facade (``WorkbenchService.engine``) and run
its coroutines with ``WorkbenchService.run``.

The map (feature folders named as in ``workbench.engine``):

- ``window/``: the main window, its kept layout, zoom and contrast, the status line, the
  workspace file actions, the scripted tour
- ``pages/``: the Servers and Clients panels and the page of one item (settings, status,
  sockets, the option form, the close-code picker)
- ``log/``: a socket's message log, a row's detail, a log read back from a file
- ``protocol/``: frames, the handshake explained, the conversation diagram
- ``compose/``: the composer and its editors per MIME type
- ``load/``: the Load & rates tab, its plot, the replay and many-clients dialogs
- ``classroom/``, ``faults/``: a server page's Classroom and Fault lab tabs
- ``common/``: small widgets and builders every feature uses
"""
