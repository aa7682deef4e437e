"""The fault lab panel of a server page (``lab``)."""
