"""Composing messages: drafts into values per MIME type (``drafts``), the saved and recent
messages (``message_library``) and bounded image previews (``image_preview``)."""
