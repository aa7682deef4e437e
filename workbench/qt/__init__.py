"""Qt adapters over the engine: the service QObject, item models over the stores, the qasync loop."""
