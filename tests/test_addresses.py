"""The address policy, table-driven: what a fetch may connect to in production (global unicast only)
and with PRESSMON_ALLOW_PRIVATE_NETWORKS (loopback and private too; never link-local, metadata,
multicast, unspecified or reserved)."""

from __future__ import annotations

import pytest

from monitor.addresses import refused

# (address, refused in production, refused with private networks allowed)
CASES = [
    ("93.184.216.34", False, False),
    ("2606:2800:220:1:248:1893:25c8:1946", False, False),
    ("127.0.0.1", True, False),
    ("::1", True, False),  # IPv6 loopback: in the reserved ::/8, but loopback like 127.0.0.1
    ("::ffff:127.0.0.1", True, False),
    ("10.1.2.3", True, False),
    ("192.168.0.10", True, False),
    ("fd00::1", True, False),
    ("169.254.169.254", True, True),
    ("fe80::1", True, True),
    ("fd00:ec2::254", True, True),
    ("100.100.100.200", True, True),
    ("0.0.0.0", True, True),
    ("::", True, True),
    ("224.0.0.1", True, True),
    ("240.0.0.1", True, True),
    ("not an address", True, True),
]


@pytest.mark.parametrize(("ip", "production", "allowed"), CASES, ids=[c[0] for c in CASES])
def test_address_policy(ip: str, production: bool, allowed: bool) -> None:
    assert refused(ip, allow_private=False) is production
    assert refused(ip, allow_private=True) is allowed
