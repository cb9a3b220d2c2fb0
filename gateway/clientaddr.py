"""The client's address: X-Forwarded-For is believed only when it comes from a trusted proxy.

werkzeug's ProxyFix trusts a fixed *number* of hops whoever the peer is, so a client
reaching the gateway directly could write its own X-Forwarded-For and pick the address
the login throttle counts it under. Here the header is read only when the direct peer is
one of CRM_TRUSTED_PROXIES (addresses or networks), and then from the right, hop by hop,
while each hop is itself a trusted proxy — the first address that is not one is the
client (nginx's ``real_ip_recursive``). Empty by default: the header is ignored.
"""
from __future__ import annotations

import ipaddress

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(value: str | None) -> tuple[Network, ...]:
    """``"10.0.0.5, 172.16.0.0/12"`` → networks; a bad entry is a configuration error."""
    out = []
    for item in (value or "").split(","):
        item = item.strip()
        if item:
            try:
                out.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                raise ValueError(f"CRM_TRUSTED_PROXIES: not an address or network: {item!r}") from None
    return tuple(out)


def _ip(text: str):
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def client_address(peer: str | None, forwarded_for: str | None, trusted: tuple[Network, ...]) -> str | None:
    """The address the request came from, given the direct peer and X-Forwarded-For (pure)."""
    def is_trusted(ip) -> bool:
        return ip is not None and any(ip in net for net in trusted)

    current = _ip(peer or "")
    if current is None or not is_trusted(current) or not forwarded_for:
        return peer
    for hop in reversed(forwarded_for.split(",")):
        ip = _ip(hop)
        if ip is None:
            break          # garbage from a client: the last proxy's view is all we know
        current = ip
        if not is_trusted(ip):
            break
    return str(current)


class TrustedProxies:
    """WSGI middleware: REMOTE_ADDR becomes the client's address (the peer's is kept)."""

    def __init__(self, app, trusted: tuple[Network, ...]):
        self.app, self.trusted = app, trusted

    def __call__(self, environ, start_response):
        peer = environ.get("REMOTE_ADDR")
        environ["crm.peer_addr"] = peer
        if self.trusted:
            environ["REMOTE_ADDR"] = client_address(peer, environ.get("HTTP_X_FORWARDED_FOR"), self.trusted)
        return self.app(environ, start_response)
