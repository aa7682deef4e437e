"""The main window and what belongs to it as a whole: its layout kept between runs, zoom and
contrast, the status line, the workspace file actions and the scripted tour."""
