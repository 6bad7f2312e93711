"""Which questions discovery asks: per resolver, per client subnet, per record type.

:func:`~layerscope.net.discovery.discover` asks them; :func:`send_early` puts the ones that
go over UDP on the wire before the event loop exists (a check sends them first and does its
heavy imports during the round trip, #14), and the lookups adopt them. One plan for both,
so an early query is always the one its lookup would have sent. No asyncio here: this runs
before it is imported.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from layerscope.model.names import is_ip
from layerscope.model.options import Endpoint
from layerscope.net import dnswire

__all__ = ["RDTYPES", "Subnet", "WireEcs", "parse_ecs", "parse_subnets", "send_early", "wire_ecs"]

Subnet = ipaddress.IPv4Network | ipaddress.IPv6Network
"""An EDNS Client Subnet, as a network."""

WireEcs = tuple[int, int, bytes]
"""A client subnet as the query carries it: (family 1 or 2, prefix length, address bytes)."""

RDTYPES: dict[int, tuple[str, ...]] = {4: ("A",), 6: ("AAAA",), 0: ("A", "AAAA")}
"""The record types asked for each address family option (4, 6, or 0 for both)."""


def parse_ecs(subnet: str) -> Subnet:
    """An EDNS Client Subnet as a network: ``203.0.113.0/24``, ``2001:db8::/56``.

    Host bits are cleared (``203.0.113.7/24`` is ``203.0.113.0/24``) and a bare address
    is a /32 or /128. Raises ValueError with a clear message for anything else.
    """
    text = subnet.strip()
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise ValueError(
            f"invalid ECS subnet {subnet!r}: give an IP network such as 203.0.113.0/24 "
            "or 2001:db8::/56"
        ) from None


def parse_subnets(ecs: Sequence[str]) -> tuple[list[Subnet], list[str]]:
    """The distinct subnets of ``ecs``, in order, and why each refused one does not parse."""
    subnets: list[Subnet] = []
    refused: list[str] = []
    for text in ecs:
        try:
            subnet = parse_ecs(text)
        except ValueError as exc:
            refused.append(str(exc))
            continue
        if subnet not in subnets:
            subnets.append(subnet)
    return subnets, refused


def wire_ecs(subnet: Subnet | None) -> WireEcs | None:
    """The ECS option's fields for ``subnet`` (None: no option)."""
    if subnet is None:
        return None
    return (1 if subnet.version == 4 else 2, subnet.prefixlen, subnet.network_address.packed)


def send_early(
    name: str, resolvers: Sequence[Endpoint], *, family: int = 0, ecs: Sequence[str] = ()
) -> int:
    """Send now the UDP queries ``discover(name, resolvers, family=..., ecs=...)`` will
    make; returns how many went out. Only what the standard library's path asks (a
    resolver given by address, a plain name); the rest is asked when discovery runs."""
    rdtypes = RDTYPES.get(family)
    if rdtypes is None:
        return 0
    try:
        qname = dnswire.encode_name(name)
    except dnswire.Unusual:
        return 0
    subnets: list[Subnet | None] = [*parse_subnets(ecs)[0]] if ecs else [None]
    sent = 0
    for endpoint in resolvers:
        if not is_ip(endpoint.host):
            continue
        port = endpoint.port or dnswire.DNS_PORT
        for subnet in subnets:
            for rdtype in rdtypes:
                sent += dnswire.send_early(endpoint.host, port, qname, rdtype, wire_ecs(subnet))
    return sent
