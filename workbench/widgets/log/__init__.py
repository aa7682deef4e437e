"""The message log of one socket (``view``), its row detail (``detail_pane``) and a log read
back from a file (``viewer``)."""
