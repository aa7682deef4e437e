"""Sphinx configuration of core's API reference, built from the docstrings.

From the repository root: ``python -m sphinx -W --keep-going -b html resources/docs
build/api`` (then open ``build/api/index.html``). tests/test_api_reference.py builds it the
same way and fails on any warning.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # document this checkout's core, not an installed one

project = "core"
copyright = "the WebSocket Workbench authors (MIT License)"
extensions = ["sphinx.ext.autodoc", "sphinx.ext.napoleon"]

# Google-style sections (Args, Returns, Raises, Attributes, Example) written in reST.
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False
napoleon_custom_sections = ["Events"]

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_class_signature = "mixed"
autodoc_preserve_defaults = True

html_theme = "alabaster"
html_title = "core: the webSocket module — API reference"
html_show_sourcelink = False
