"""Small widgets and builders every feature uses: controls, notices, resources, hex dumps,
elided labels, flowing rows and tabs fitted to their page."""
