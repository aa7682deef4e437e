"""The composer and its editors per MIME type, and the MIME-type chooser."""
