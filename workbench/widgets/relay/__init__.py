"""The Relays tab: relays, their relayed connections, intercept, rules and views."""
