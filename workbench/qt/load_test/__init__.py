"""The Load test tab's Qt side: the engine's run with its events as signals (``run``) and
the table of each step's figures (``steps_model``)."""
