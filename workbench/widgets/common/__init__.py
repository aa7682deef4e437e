"""Small widgets and builders every feature uses: controls, notices, resources, hex dumps,
elided labels, flowing rows, tabs fitted to their page, untrusted text shown as plain text
and combo and spin boxes the wheel changes only when focused."""
