"""The Servers and Clients panels and the page of one item: settings, status, the sockets box
and the close-code picker."""
