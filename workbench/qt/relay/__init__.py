"""The relay's Qt adapters: the controller's events as signals, the frames model with a leg."""
