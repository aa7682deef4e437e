"""The Classroom tab of a server page (``panel``)."""
