"""Faults put on purpose: the catalog of faults (``catalog``) and the lab that applies them to
a server's sockets (``lab``). The state a fault leaves on a socket or a server belongs to its
handle (``workbench.engine.socket_faults``)."""
