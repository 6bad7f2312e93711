"""The lab DNS responder's zone: the records it serves and how a query is answered.

Names answer like a recursive resolver that knows the zone: CNAMEs are followed inside
it and the whole chain goes into the answer, records in the order the zone lists them.
A, AAAA and TXT records can be tied to a client network (EDNS Client Subnet), as a
CDN's authoritative server does. Two pseudo types make a name fail: :data:`SERVFAIL` and
:data:`SILENT`. Pure: the sockets are :class:`layerscope.lab.dns.DnsResponder`'s.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence

import dns.exception
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.rdtypes.ANY.CNAME
import dns.rrset

TTL = 30
"""TTL of every record served."""

MAX_HOPS = 16
"""CNAMEs followed before giving up, so that loops in the zone cannot hang the responder."""

SERVFAIL = "SERVFAIL"
"""Pseudo record type: queries reaching this name are answered SERVFAIL."""

SILENT = "SILENT"
"""Pseudo record type: queries reaching this name are never answered."""

_SUPPORTED = frozenset({"A", "AAAA", "CNAME", "TXT"})
_ECS_TYPES = frozenset({"A", "AAAA", "TXT"})

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
"""A client network (EDNS Client Subnet) or the network a tailored record is for."""


def _absolute(name: str) -> dns.name.Name:
    """Lower-case absolute form of ``name`` (a trailing dot is implied)."""
    return dns.name.from_text(name.lower().rstrip(".") + ".")


class Zone:
    """The records of the lab's zone, answering queries as seen from a client network.

    ``records`` maps names (absolute or not, any case) to ``(rdtype, value)`` pairs:
    ``("A", "127.10.1.2")``, ``("AAAA", "fd00::1")``, ``("CNAME", "edge.cdn.test.")``,
    ``("TXT", '"hello"')``, the pseudo types ``(SERVFAIL, "")`` and ``(SILENT, "")``, and
    tailored records like ``("A@203.0.113.0/24", "127.10.1.9")``, served only to clients
    inside that network in place of the name's plain A records (the most specific network
    wins).
    """

    def __init__(self, records: Mapping[str, Sequence[tuple[str, str]]]) -> None:
        """Parse the zone; raises ValueError for a record that cannot be parsed."""
        self._zone: dict[dns.name.Name, dict[int, dns.rrset.RRset]] = {}
        # per name and type: (client network, records), most specific network first
        self._by_subnet: dict[dns.name.Name, dict[int, list[tuple[Network, dns.rrset.RRset]]]]
        self._by_subnet = {}
        self._special: dict[dns.name.Name, str] = {}
        self._names: set[dns.name.Name] = set()
        for raw_name, entries in records.items():
            try:
                owner = _absolute(raw_name)
            except dns.exception.DNSException as exc:
                raise ValueError(f"bad name {raw_name!r}: {exc}") from exc
            self._add_name(owner)
            self._add_records(owner, entries)

    def _add_name(self, owner: dns.name.Name) -> None:
        # Ancestors of a name exist too (empty non-terminals): they answer NOERROR, not NXDOMAIN.
        name = owner
        while name != dns.name.root and name not in self._names:
            self._names.add(name)
            name = name.parent()

    def _add_records(self, owner: dns.name.Name, entries: Sequence[tuple[str, str]]) -> None:
        values: dict[str, list[str]] = {}
        tailored: dict[tuple[str, Network], list[str]] = {}
        for rdtype, value in entries:
            kind = rdtype.upper()
            if "@" in kind:
                tailored.setdefault(_tailored_key(owner, rdtype), []).append(value)
            elif kind in (SERVFAIL, SILENT):
                self._special[owner] = kind
            elif kind not in _SUPPORTED:
                raise ValueError(f"unsupported record type {rdtype!r} for {owner}")
            else:
                values.setdefault(kind, []).append(value)
        self._zone[owner] = {
            rrset.rdtype: rrset for rrset in (_rrset(owner, k, v) for k, v in values.items())
        }
        if "CNAME" in values and (len(values) > 1 or len(values["CNAME"]) > 1 or tailored):
            raise ValueError(f"{owner}: a CNAME must be the only record of its name")
        by_type: dict[int, list[tuple[Network, dns.rrset.RRset]]] = {}
        for (kind, network), tailored_values in tailored.items():
            rrset = _rrset(owner, kind, tailored_values)
            by_type.setdefault(rrset.rdtype, []).append((network, rrset))
        for candidates in by_type.values():
            candidates.sort(key=lambda pair: pair[0].prefixlen, reverse=True)
        if by_type:
            self._by_subnet[owner] = by_type

    def _records(
        self, name: dns.name.Name, rdtype: int, client: Network | None
    ) -> tuple[dns.rrset.RRset | None, int]:
        """Records of (name, rdtype) for this client, and the scope prefix that chose them."""
        if client is not None:
            for network, rrset in self._by_subnet.get(name, {}).get(rdtype, []):
                # inside: the client's network is that network or a part of it
                if client.network_address in network and client.prefixlen >= network.prefixlen:
                    return rrset, network.prefixlen
        return self._zone.get(name, {}).get(rdtype), 0

    def answer(
        self,
        qname: dns.name.Name,
        rdtype: int,
        response: dns.message.Message,
        client: Network | None = None,
    ) -> int | None:
        """Fill ``response`` for (qname, rdtype) as seen from ``client``.

        Returns the ECS scope prefix of the answer, or None when the name is SILENT.
        """
        name = qname
        seen = {name}
        hops = 0
        while True:
            special = self._special.get(name)
            if special == SILENT:
                return None
            if special == SERVFAIL:
                response.answer.clear()
                response.set_rcode(dns.rcode.SERVFAIL)
                return 0
            if name not in self._names:
                response.set_rcode(dns.rcode.NXDOMAIN)
                return 0
            records, scope = self._records(name, rdtype, client)
            if records is not None:
                response.answer.append(records)
                return scope
            cname = self._zone.get(name, {}).get(dns.rdatatype.CNAME)
            if cname is None:
                return 0  # the name exists, not with this type: NOERROR, no data
            response.answer.append(cname)
            hops += 1
            target = _cname_target(cname)
            if target in seen or hops >= MAX_HOPS:
                return 0  # a loop or an endless chain: hand back what we have
            seen.add(target)
            name = target


def _rrset(owner: dns.name.Name, rdtype: str, values: list[str]) -> dns.rrset.RRset:
    """One RRset of the zone; raises ValueError when a value does not parse."""
    try:
        if rdtype == "CNAME":
            values = [_absolute(v).to_text() for v in values]
        return dns.rrset.from_text_list(owner, TTL, "IN", rdtype, values)
    except (dns.exception.DNSException, ValueError) as exc:
        raise ValueError(f"bad {rdtype} record {values!r} for {owner}: {exc}") from exc


def _tailored_key(owner: dns.name.Name, rdtype: str) -> tuple[str, Network]:
    """``"A@203.0.113.0/24"`` as ("A", network); raises ValueError when it does not parse."""
    kind, _, subnet = rdtype.partition("@")
    kind = kind.upper()
    if kind not in _ECS_TYPES:
        raise ValueError(f"record type {rdtype!r} for {owner}: only A, AAAA and TXT vary by ECS")
    try:
        return kind, ipaddress.ip_network(subnet.strip(), strict=False)
    except ValueError as exc:
        raise ValueError(f"record type {rdtype!r} for {owner}: bad network ({exc})") from exc


def _cname_target(rrset: dns.rrset.RRset) -> dns.name.Name:
    """Where a CNAME RRset points, lower-cased."""
    rdata = rrset[0]
    assert isinstance(rdata, dns.rdtypes.ANY.CNAME.CNAME)
    return rdata.target.canonicalize()


__all__ = ["MAX_HOPS", "SERVFAIL", "SILENT", "TTL", "Network", "Zone"]
