"""Which network addresses a fetch may connect to (pure): the address policy of :mod:`monitor.fetch`.

With ``allow_private=False`` (production) every address must be plain global unicast; with
``allow_private=True`` (tests, the demo) loopback and private ranges are admitted too, but link-local
(cloud metadata), known metadata addresses, multicast, unspecified and reserved ones never are. IPv6 forms
that embed an IPv4 address (mapped, 6to4, NAT64) are judged by the IPv4 address they carry.
"""

from __future__ import annotations

import ipaddress
import socket

__all__ = ["Address", "address_refused", "ip_literal", "is_blocked_address", "refused"]

# Blocked even when private addresses are allowed: cloud instance-metadata endpoints outside link-local.
_METADATA = frozenset({ipaddress.ip_address("fd00:ec2::254"), ipaddress.ip_address("100.100.100.200")})
_NAT64 = ipaddress.ip_network("64:ff9b::/96")

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def is_blocked_address(ip: str) -> bool:
    """True unless ``ip`` is plain global unicast (embedded IPv4 in mapped/6to4/NAT64 forms judged too).

    Unparseable input is blocked.
    """
    addr = _parse_ip(ip)
    return addr is None or not addr.is_global or _always_blocked(addr) or addr.is_private


def address_refused(ip: str, *, allow_private: bool) -> bool:
    """Whether a fetch would refuse ``ip`` under this policy (``config check`` asks before ``poll`` does)."""
    return refused(ip, allow_private=allow_private)


def refused(ip: str, *, allow_private: bool) -> bool:
    if not allow_private:
        return is_blocked_address(ip)
    addr = _parse_ip(ip)
    return addr is None or _always_blocked(addr)


def _always_blocked(addr: Address) -> bool:
    if addr.is_loopback:  # ::1 sits in IPv6's reserved ::/8, but is loopback like 127.0.0.1
        return False
    return (
        addr.is_link_local
        or addr.is_multicast
        or addr.is_unspecified
        or addr.is_reserved
        or addr in _METADATA
    )


def _parse_ip(ip: str) -> Address | None:
    """Parse an address; IPv6 forms that embed an IPv4 address are reduced to it."""
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address):
        if addr.ipv4_mapped is not None:
            return addr.ipv4_mapped
        if addr.sixtofour is not None:
            return addr.sixtofour
        if addr in _NAT64:
            return ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)
    return addr


def ip_literal(host: str) -> str | None:
    """The address a host names literally, including legacy IPv4 forms (0x7f000001, 2130706433, 127.1)."""
    host = host.strip("[]")
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    try:
        return socket.inet_ntoa(socket.inet_aton(host))
    except OSError:
        return None
