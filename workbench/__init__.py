"""WebSocket Workbench: the PySide6 desktop application over ``core``."""
