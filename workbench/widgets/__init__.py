"""The widgets of the workbench: what a person sees. They never await, never touch sockets
and never import ``core``; actions go through ``workbench.qt.service.WorkbenchService``."""
