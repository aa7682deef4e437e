"""Faults put on purpose: the catalog of faults (``catalog``), the per-socket state they leave
(``socket_faults``) and the lab that applies them (``lab``)."""
