"""The Scenarios tab's Qt side: the library's events as signals (``library``), a run's
events as signals (``run``) and the step list's item model (``step_model``)."""
