"""The widgets of the workbench: what a person sees. They never await, never touch sockets
and never import ``core``; they call the engine's facade (``WorkbenchService.engine``) and run
its coroutines with ``WorkbenchService.run``."""
