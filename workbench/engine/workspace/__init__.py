"""The workspace file (``workspace``) and the secrets kept in the system keyring instead of it
(``secrets``)."""
