"""The protocol views: frames, the handshake explained, and the conversation as a sequence
diagram (``conversation_view`` drawn by ``conversation_painter``)."""
