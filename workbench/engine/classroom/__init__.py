"""The classroom: a server shared on the network (``classroom``), its merged feed (``feed``),
the student page it serves (``student_page``), the addresses and QR code students open
(``network_addresses``, ``qr_code``)."""
