"""The widgets of the workbench: what a person sees. They never await and never touch sockets;
actions go through ``workbench.service.WorkbenchService``."""
