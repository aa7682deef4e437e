"""The workbench's Qt-free engine: what the user works with, as plain Python over ``core``.

Nothing here imports PySide6 or qasync (a test checks it in a subprocess); ``workbench.qt``
adapts it for the window.
"""
