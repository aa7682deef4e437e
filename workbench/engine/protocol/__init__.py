"""The protocol made visible: frames (``frame_store``, ``frame_watch``, ``frame_header``), the
opening handshake (``handshake_record``), one connection from both ends (``conversation``,
``conversation_recorder``) and the protocol in plain words (``glossary``)."""
