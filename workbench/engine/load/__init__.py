"""Traffic beyond one click: replaying a log (``replay``), live rates (``rates``) and many
clients at once (``many_clients``)."""
