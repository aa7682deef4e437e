"""The Load & rates tab, its live plot, and the replay and many-clients dialogs."""
