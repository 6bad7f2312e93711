"""A small DNS responder for the embedded lab: answers its zone over real UDP and TCP.

It behaves like a recursive resolver that happens to know the lab zone: CNAMEs are
followed inside the zone and the whole chain is returned in the answer section, with
RA and AA set and records in the order the zone lists them. UDP answers that do not fit
the client's limit come back truncated (TC set) so that clients retry over TCP, exactly
as they would against a real server. Like a CDN's authoritative server it can answer per
EDNS Client Subnet: records written ``("A@203.0.113.0/24", ...)`` are served only to
queries whose client subnet lies inside that network.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import struct
from collections.abc import Mapping, Sequence
from typing import Any, cast

import dns.edns
import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rdtypes.ANY.CNAME
import dns.rrset

__all__ = ["MAX_HOPS", "SERVFAIL", "SILENT", "TTL", "DnsResponder"]

TTL = 30
"""TTL of every record served."""

MAX_HOPS = 16
"""CNAMEs followed before giving up, so that loops in the zone cannot hang the responder."""

SERVFAIL = "SERVFAIL"
"""Pseudo record type: queries reaching this name are answered SERVFAIL."""

SILENT = "SILENT"
"""Pseudo record type: queries reaching this name are never answered."""

_SUPPORTED = frozenset({"A", "AAAA", "CNAME", "TXT"})
_UDP_DEFAULT_LIMIT = 512
_TCP_LIMIT = 65535
_OUR_PAYLOAD = 1232
_BIND_ATTEMPTS = 10
_ECS_TYPES = frozenset({"A", "AAAA", "TXT"})

_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _absolute(name: str) -> dns.name.Name:
    """Lower-case absolute form of ``name`` (a trailing dot is implied)."""
    return dns.name.from_text(name.lower().rstrip(".") + ".")


class DnsResponder:
    """Answers DNS queries for a fixed zone over UDP and TCP on one host and port.

    ``records`` maps names (absolute or not, any case) to ``(rdtype, value)`` pairs:
    ``("A", "127.10.1.2")``, ``("AAAA", "fd00::1")``, ``("CNAME", "edge.cdn.test.")``,
    ``("TXT", '"hello"')``. Two pseudo types change how a name behaves: ``("SERVFAIL", "")``
    answers SERVFAIL and ``("SILENT", "")`` never answers, both for queries that reach
    the name directly or through a CNAME.

    A, AAAA and TXT records may be tied to a client network: ``("A@203.0.113.0/24",
    "127.10.1.9")`` answers only queries whose EDNS Client Subnet lies inside
    203.0.113.0/24, in place of the name's plain A records (the most specific network
    wins). Queries that carry the option get it back with the scope prefix set: the
    length of the network that chose the answer, or 0 when the plain records were used.

    Attributes:
        queries: every well-formed query received, as (qname, rdtype, transport) with
            qname lower-case and absolute ("www.lab.test.") and transport "udp" or "tcp".
        ecs_seen: the client subnet of every query that carried one, in order, as
            networks in text form ("203.0.113.0/24").
        last_options: EDNS options of the last query received (empty without EDNS).
        last_payload: EDNS payload size of the last query, or None without EDNS.
        host: address listened on, once started.
        port: port listened on (UDP and TCP), once started.
    """

    def __init__(self, records: Mapping[str, Sequence[tuple[str, str]]]) -> None:
        """Build the zone; raises ValueError for a record that cannot be parsed."""
        self._zone: dict[dns.name.Name, dict[int, dns.rrset.RRset]] = {}
        # per name and type: (client network, records), most specific network first
        self._by_subnet: dict[dns.name.Name, dict[int, list[tuple[_Network, dns.rrset.RRset]]]]
        self._by_subnet = {}
        self._special: dict[dns.name.Name, str] = {}
        self._names: set[dns.name.Name] = set()
        for raw_name, entries in records.items():
            try:
                owner = _absolute(raw_name)
            except dns.exception.DNSException as exc:
                raise ValueError(f"bad name {raw_name!r}: {exc}") from exc
            self._add_name(owner)
            values: dict[str, list[str]] = {}
            tailored: dict[tuple[str, _Network], list[str]] = {}
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
            by_type: dict[int, list[tuple[_Network, dns.rrset.RRset]]] = {}
            for (kind, network), tailored_values in tailored.items():
                rrset = _rrset(owner, kind, tailored_values)
                by_type.setdefault(rrset.rdtype, []).append((network, rrset))
            for candidates in by_type.values():
                candidates.sort(key=lambda pair: pair[0].prefixlen, reverse=True)
            if by_type:
                self._by_subnet[owner] = by_type
        self.queries: list[tuple[str, str, str]] = []
        self.ecs_seen: list[str] = []
        self.last_options: tuple[dns.edns.Option, ...] = ()
        self.last_payload: int | None = None
        self.host: str | None = None
        self.port: int | None = None
        self._udp: asyncio.DatagramTransport | None = None
        self._tcp: asyncio.Server | None = None
        self._connections: dict[asyncio.Task[None], asyncio.StreamWriter] = {}

    def _add_name(self, owner: dns.name.Name) -> None:
        # Ancestors of a name exist too (empty non-terminals): they answer NOERROR, not NXDOMAIN.
        name = owner
        while name != dns.name.root and name not in self._names:
            self._names.add(name)
            name = name.parent()

    # -- serving -----------------------------------------------------------------------

    async def start(self, host: str, port: int = 0) -> int:
        """Listen on ``host`` over UDP and TCP; port 0 picks a free port shared by both.

        Returns the port. Raises OSError when the address cannot be bound.
        """
        loop = asyncio.get_running_loop()
        attempts = _BIND_ATTEMPTS if port == 0 else 1
        for attempt in range(attempts):
            udp, _ = await loop.create_datagram_endpoint(
                lambda: _UdpProtocol(self), local_addr=(host, port)
            )
            bound = int(udp.get_extra_info("sockname")[1])
            try:
                tcp = await asyncio.start_server(self._serve_tcp, host, bound)
            except OSError:
                # Someone holds the TCP side of the port UDP got: try another port.
                udp.close()
                if attempt == attempts - 1:
                    raise
                continue
            self._udp, self._tcp = udp, tcp
            self.host, self.port = host, bound
            return bound
        raise OSError(f"could not bind UDP and TCP on the same port of {host}")  # unreachable

    async def stop(self) -> None:
        """Stop listening and close open TCP connections; safe to call twice."""
        if self._udp is not None:
            self._udp.close()
            self._udp = None
        if self._tcp is not None:
            self._tcp.close()
            server, self._tcp = self._tcp, None
            # Closing the transports ends each handler through EOF; cancelling the handler
            # tasks instead makes asyncio log them as failed.
            for writer in self._connections.values():
                writer.close()
            if self._connections:
                await asyncio.gather(*self._connections, return_exceptions=True)
            await server.wait_closed()

    async def _serve_tcp(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._connections[task] = writer
        try:
            while True:
                header = await reader.readexactly(2)
                (length,) = struct.unpack("!H", header)
                wire = await reader.readexactly(length)
                reply = self.handle(wire, "tcp")
                if reply is not None:
                    writer.write(struct.pack("!H", len(reply)) + reply)
                    await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
            if task is not None:
                self._connections.pop(task, None)

    # -- answering ---------------------------------------------------------------------

    def handle(self, wire: bytes, transport: str) -> bytes | None:
        """Answer one query in wire format; None means send nothing (garbage or SILENT).

        ``transport`` is "udp" or "tcp"; it decides the size limit and truncation.
        """
        try:
            query = dns.message.from_wire(wire)
        except Exception:
            # Garbage must never take the responder down: drop it like a real server would.
            return None
        if query.flags & dns.flags.QR:
            return None
        try:
            response = dns.message.make_response(
                query, recursion_available=True, our_payload=_OUR_PAYLOAD
            )
        except dns.exception.DNSException:
            return None
        response.flags |= dns.flags.AA
        self.last_options = tuple(query.options)
        self.last_payload = query.payload if query.edns >= 0 else None
        ecs = _client_subnet(query)
        client = _network(ecs) if ecs is not None else None
        if ecs is not None:
            self.ecs_seen.append(str(client) if client is not None else ecs.to_text())
        scope = 0
        if query.opcode() != dns.opcode.QUERY:
            response.set_rcode(dns.rcode.NOTIMP)
        elif len(query.question) != 1:
            response.set_rcode(dns.rcode.FORMERR)
        else:
            question = query.question[0]
            qname = question.name.canonicalize()
            rdtype = dns.rdatatype.to_text(question.rdtype)
            self.queries.append((qname.to_text(), rdtype, transport))
            if question.rdclass != dns.rdataclass.IN:
                response.set_rcode(dns.rcode.REFUSED)
            else:
                answered = self._answer(qname, question.rdtype, response, client)
                if answered is None:
                    return None
                scope = answered
        options: list[dns.edns.Option] = []
        if ecs is not None:
            # RFC 7871: echo the family, source prefix and address; the scope tells the
            # client how far the answer may be reused
            options.append(dns.edns.ECSOption(ecs.address, ecs.srclen, scope))
            response.use_edns(0, 0, _OUR_PAYLOAD, query.payload, options=options, pad=response.pad)
        limit = _TCP_LIMIT if transport == "tcp" else _udp_limit(query)
        return _render(response, query, limit, options)

    def _records(
        self, name: dns.name.Name, rdtype: int, client: _Network | None
    ) -> tuple[dns.rrset.RRset | None, int]:
        """Records of (name, rdtype) for this client, and the scope prefix that chose them."""
        if client is not None:
            for network, rrset in self._by_subnet.get(name, {}).get(rdtype, []):
                # inside: the client's network is that network or a part of it
                if client.network_address in network and client.prefixlen >= network.prefixlen:
                    return rrset, network.prefixlen
        return self._zone.get(name, {}).get(rdtype), 0

    def _answer(
        self,
        qname: dns.name.Name,
        rdtype: int,
        response: dns.message.Message,
        client: _Network | None = None,
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


def _tailored_key(owner: dns.name.Name, rdtype: str) -> tuple[str, _Network]:
    """``"A@203.0.113.0/24"`` as ("A", network); raises ValueError when it does not parse."""
    kind, _, subnet = rdtype.partition("@")
    kind = kind.upper()
    if kind not in _ECS_TYPES:
        raise ValueError(f"record type {rdtype!r} for {owner}: only A, AAAA and TXT vary by ECS")
    try:
        return kind, ipaddress.ip_network(subnet.strip(), strict=False)
    except ValueError as exc:
        raise ValueError(f"record type {rdtype!r} for {owner}: bad network ({exc})") from exc


def _client_subnet(query: dns.message.Message) -> dns.edns.ECSOption | None:
    """The query's EDNS Client Subnet option, if it carries one."""
    for option in query.options:
        if isinstance(option, dns.edns.ECSOption):
            return option
    return None


def _network(option: dns.edns.ECSOption) -> _Network | None:
    """The client network an ECS option names (None when it does not make one)."""
    try:
        return ipaddress.ip_network(f"{option.address}/{option.srclen}", strict=False)
    except ValueError:
        return None


def _cname_target(rrset: dns.rrset.RRset) -> dns.name.Name:
    """Where a CNAME RRset points, lower-cased."""
    rdata = rrset[0]
    assert isinstance(rdata, dns.rdtypes.ANY.CNAME.CNAME)
    return rdata.target.canonicalize()


def _udp_limit(query: dns.message.Message) -> int:
    """Largest UDP answer the client accepts: 512, or its EDNS payload size."""
    if query.edns >= 0:
        return max(_UDP_DEFAULT_LIMIT, min(query.payload, _TCP_LIMIT))
    return _UDP_DEFAULT_LIMIT


def _render(
    response: dns.message.Message,
    query: dns.message.Message,
    limit: int,
    options: Sequence[dns.edns.Option] = (),
) -> bytes | None:
    """Wire form of ``response``; an empty answer with TC set when it exceeds ``limit``.

    ``options`` are the EDNS options of the response, kept on a truncated one too.
    """
    try:
        # Records go out in zone order, not shuffled: the lab must be reproducible.
        return response.to_wire(max_size=limit, want_shuffle=False)
    except dns.exception.TooBig:
        pass
    try:
        truncated = dns.message.make_response(
            query, recursion_available=True, our_payload=_OUR_PAYLOAD
        )
        truncated.flags |= dns.flags.AA | dns.flags.TC
        truncated.set_rcode(response.rcode())
        if options:
            truncated.use_edns(0, 0, _OUR_PAYLOAD, query.payload, options=list(options))
        return truncated.to_wire(max_size=limit)
    except dns.exception.DNSException:
        return None


class _UdpProtocol(asyncio.DatagramProtocol):
    """Hands each datagram to the responder and sends back its answer, if any."""

    def __init__(self, responder: DnsResponder) -> None:
        self._responder = responder
        self._transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # asyncio's selector transport does not subclass DatagramTransport, though it is one.
        self._transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        reply = self._responder.handle(data, "udp")
        if reply is not None and self._transport is not None:
            self._transport.sendto(reply, addr)

    def error_received(self, exc: Exception) -> None:
        # ICMP errors (a client that went away) are not the responder's problem.
        pass
