"""The addresses other machines can reach this one at: what a shared server shows.

A server bound to ``0.0.0.0`` listens on every IPv4 interface, but nobody can type
``0.0.0.0``; these are the interfaces' own addresses (psutil reads them from the OS without
sending anything), IPv4 only because that is what ``0.0.0.0`` serves.
"""

from __future__ import annotations

import ipaddress
import socket

import psutil

__all__ = ["ALL_INTERFACES", "reachable_hosts", "share_urls"]

#: The host a shared server binds to: every IPv4 interface.
ALL_INTERFACES = "0.0.0.0"


def reachable_hosts() -> list[str]:
    """This machine's IPv4 addresses: non-loopback first (in interface order), then loopback.

    Link-local addresses (169.254.x.x) come after the others: a classroom rarely reaches them.
    """
    seen: list[ipaddress.IPv4Address] = []
    for addresses in psutil.net_if_addrs().values():
        for address in addresses:
            if address.family != socket.AF_INET:
                continue
            ip = ipaddress.IPv4Address(address.address)
            if ip not in seen:
                seen.append(ip)
    if not any(ip.is_loopback for ip in seen):
        seen.append(ipaddress.IPv4Address("127.0.0.1"))
    rank = {ip: (ip.is_loopback, ip.is_link_local) for ip in seen}
    return [str(ip) for ip in sorted(seen, key=lambda ip: rank[ip])]  # sorted() is stable


def share_urls(port: int, tls: bool = False, hosts: list[str] | None = None) -> list[str]:
    """The page URL on each host: ``http://192.168.1.20:8080/`` (https with TLS)."""
    scheme = "https" if tls else "http"
    return [
        f"{scheme}://{host}:{port}/" for host in (reachable_hosts() if hosts is None else hosts)
    ]
