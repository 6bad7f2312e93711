"""A small DNS responder for the embedded lab: answers its zone over real UDP and TCP.

It behaves like a recursive resolver that happens to know the lab zone: CNAMEs are
followed inside the zone and the whole chain is returned in the answer section, with
RA and AA set and records in the order the zone lists them. UDP answers that do not fit
the client's limit come back truncated (TC set) so that clients retry over TCP, exactly
as they would against a real server. Like a CDN's authoritative server it can answer per
EDNS Client Subnet: records written ``("A@203.0.113.0/24", ...)`` are served only to
queries whose client subnet lies inside that network. What the zone holds and answers is
:mod:`layerscope.lab.dns_zone`; this module is the wire and the sockets.
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
import dns.opcode
import dns.rcode
import dns.rdataclass
import dns.rdatatype

from layerscope.lab.dns_zone import Network, Zone

_UDP_DEFAULT_LIMIT = 512
_TCP_LIMIT = 65535
_OUR_PAYLOAD = 1232
_BIND_ATTEMPTS = 10

__all__ = ["DnsResponder"]


class DnsResponder:
    """Answers DNS queries for a fixed zone over UDP and TCP on one host and port.

    ``records`` is the zone, as :class:`~layerscope.lab.dns_zone.Zone` reads it: names to
    ``(rdtype, value)`` pairs such as ``("A", "127.10.1.2")`` or ``("CNAME",
    "edge.cdn.test.")``, the pseudo types ``SERVFAIL`` and ``SILENT``, and records tied to
    a client network (``("A@203.0.113.0/24", "127.10.1.9")``). Queries that carry an EDNS
    Client Subnet get it back with the scope prefix set: the length of the network that
    chose the answer, or 0 when the plain records were used.

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
        self._zone = Zone(records)
        self.queries: list[tuple[str, str, str]] = []
        self.ecs_seen: list[str] = []
        self.last_options: tuple[dns.edns.Option, ...] = ()
        self.last_payload: int | None = None
        self.host: str | None = None
        self.port: int | None = None
        self._udp: asyncio.DatagramTransport | None = None
        self._tcp: asyncio.Server | None = None
        self._connections: dict[asyncio.Task[None], asyncio.StreamWriter] = {}

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
                answered = self._zone.answer(qname, question.rdtype, response, client)
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


def _client_subnet(query: dns.message.Message) -> dns.edns.ECSOption | None:
    """The query's EDNS Client Subnet option, if it carries one."""
    for option in query.options:
        if isinstance(option, dns.edns.ECSOption):
            return option
    return None


def _network(option: dns.edns.ECSOption) -> Network | None:
    """The client network an ECS option names (None when it does not make one)."""
    try:
        return ipaddress.ip_network(f"{option.address}/{option.srclen}", strict=False)
    except ValueError:
        return None


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
