"""The relay: the workbench between a real client and a real server, both legs logged
(Qt-free).

- ``relay``: ``Relay`` listens, opens the upstream leg for each client (the client's
  handshake waits for the upstream's) and keeps the ``connection.RelayedConnection``s; each
  relays both directions through a ``lane.Lane`` (rules, intercept, back-pressure) and passes
  the close on (``closing``)
- ``settings``: the settings checked before listening; ``upstream_handshake``: the upstream
  request made from the client's, and the client's answer when the upstream refuses
- ``rules`` (match, replace, set, drop, delay) and ``rules_file`` (YAML/JSON with line and
  column); ``intercept``: hold, forward, edit, drop; ``directions``: the two ways a message
  goes and the legs; ``log_rows``: the rows, each marked with its connection and leg
- ``cli``: ``websocket-workbench relay UPSTREAM_URL`` (no Qt)
"""
