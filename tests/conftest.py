import os

# Qt must see this before it is imported by any test module.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
