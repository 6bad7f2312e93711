"""discover() resolves a site with dnspython against real lab responders on loopback."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, cast

import dns.flags
import dns.message

from layerscope.lab.dns import DnsResponder
from layerscope.model import Discovery, ErrorKind
from layerscope.model.options import Endpoint
from layerscope.net.discovery import discover, resolver_label

HOST = "127.53.0.1"
OTHER_HOST = "127.53.0.2"
DEAD_HOST = "127.53.0.9"

ZONE: Mapping[str, Sequence[tuple[str, str]]] = {
    "lab.test": [("A", "127.10.0.1"), ("AAAA", "fd00:10::1")],
    "v4only.lab.test": [("A", "127.10.0.4")],
    "www.lab.test": [("CNAME", "www.lab.test.cdn-lab.test.")],
    "www.lab.test.cdn-lab.test": [("CNAME", "edge.fastcdn-lab.test.")],
    "edge.fastcdn-lab.test": [
        ("A", "127.10.1.2"),
        ("A", "127.10.1.3"),
        ("AAAA", "fd00:10::2"),
    ],
    "dangling.lab.test": [("CNAME", "gone.fastcdn-lab.test.")],
    "broken.lab.test": [("SERVFAIL", "")],
    "slow.lab.test": [("SILENT", "")],
    "text.lab.test": [("TXT", '"no addresses here"')],
    "loop.lab.test": [("CNAME", "loop2.lab.test.")],
    "loop2.lab.test": [("CNAME", "loop.lab.test.")],
    "big.lab.test": [("A", f"127.20.0.{i}") for i in range(1, 101)],
}


@contextlib.asynccontextmanager
async def serving(
    records: Mapping[str, Sequence[tuple[str, str]]] = ZONE, host: str = HOST
) -> AsyncIterator[tuple[DnsResponder, Endpoint]]:
    """Run a responder on ``host`` and yield it with the endpoint to query."""
    responder = DnsResponder(records)
    port = await responder.start(host)
    try:
        yield responder, Endpoint(host, port)
    finally:
        await responder.stop()


def discover_in_lab(name: str, *, family: int = 0, timeout: float = 2.0) -> Discovery:
    """discover() against one lab responder serving ZONE."""

    async def scenario() -> Discovery:
        async with serving() as (_, endpoint):
            return await discover(name, [endpoint], family=family, timeout=timeout)

    return asyncio.run(scenario())


def test_a_and_aaaa_come_back_labelled_with_the_resolver() -> None:
    """Both families are asked; each address is paired with the resolver that gave it."""

    async def scenario() -> tuple[Discovery, str]:
        async with serving() as (_, endpoint):
            return await discover("lab.test", [endpoint], timeout=2.0), resolver_label(endpoint)

    discovery, label = asyncio.run(scenario())
    assert label.startswith(f"{HOST}:")
    assert discovery.name == "lab.test"
    assert discovery.resolvers == (label,)
    assert discovery.addresses == (("127.10.0.1", label), ("fd00:10::1", label))
    assert discovery.cname_chain == ()
    assert discovery.errors == ()


def test_cname_chain_of_two_hops_ends_at_the_cdn_name() -> None:
    """CNAME targets are listed in order, without the name itself and without final dots."""
    discovery = discover_in_lab("www.lab.test")
    assert discovery.cname_chain == ("www.lab.test.cdn-lab.test", "edge.fastcdn-lab.test")
    assert discovery.unique_addresses == ("127.10.1.2", "127.10.1.3", "fd00:10::2")
    assert discovery.errors == ()


def test_family_4_and_6_ask_only_their_record_type() -> None:
    """family=4 sends only A queries and family=6 only AAAA queries."""

    async def scenario() -> tuple[Discovery, Discovery, list[tuple[str, str, str]]]:
        async with serving() as (responder, endpoint):
            v4 = await discover("www.lab.test", [endpoint], family=4, timeout=2.0)
            v6 = await discover("www.lab.test", [endpoint], family=6, timeout=2.0)
            return v4, v6, responder.queries

    v4, v6, queries = asyncio.run(scenario())
    assert v4.unique_addresses == ("127.10.1.2", "127.10.1.3")
    assert v6.unique_addresses == ("fd00:10::2",)
    assert v4.cname_chain == ("www.lab.test.cdn-lab.test", "edge.fastcdn-lab.test")
    assert v6.cname_chain == v4.cname_chain
    assert [rdtype for _, rdtype, _ in queries] == ["A", "AAAA"]


def test_unknown_name_is_one_nxdomain_error_naming_name_and_resolver() -> None:
    """NXDOMAIN for both A and AAAA is reported once, as a value, not raised."""
    discovery = discover_in_lab("nope.lab.test")
    assert discovery.addresses == ()
    assert len(discovery.errors) == 1
    error = discovery.errors[0]
    assert error.kind is ErrorKind.NXDOMAIN
    assert error.message.startswith("nope.lab.test: NXDOMAIN (no such name) from 127.53.0.1:")


def test_dangling_cname_reports_the_chain_and_the_missing_target() -> None:
    """A CNAME to a missing name is NXDOMAIN, and the chain up to it is still reported."""
    discovery = discover_in_lab("dangling.lab.test")
    assert discovery.cname_chain == ("gone.fastcdn-lab.test",)
    assert [e.kind for e in discovery.errors] == [ErrorKind.NXDOMAIN]
    assert "CNAME target gone.fastcdn-lab.test does not exist" in discovery.errors[0].message


def test_servfail_is_reported_once_for_both_types() -> None:
    """A resolver answering SERVFAIL gives one SERVFAIL error naming both record types."""
    discovery = discover_in_lab("broken.lab.test")
    assert discovery.addresses == ()
    assert [e.kind for e in discovery.errors] == [ErrorKind.SERVFAIL]
    message = discovery.errors[0].message
    assert message.startswith("broken.lab.test: SERVFAIL (server failure) for A/AAAA from ")


def test_name_without_addresses_is_no_answer() -> None:
    """A name that exists with neither A nor AAAA gives one NO_ANSWER error."""
    discovery = discover_in_lab("text.lab.test")
    assert [e.kind for e in discovery.errors] == [ErrorKind.NO_ANSWER]
    assert "text.lab.test: no A/AAAA records from 127.53.0.1:" in discovery.errors[0].message


def test_missing_aaaa_beside_an_a_record_is_not_an_error() -> None:
    """An IPv4-only site is healthy: no AAAA is not reported when A has addresses."""
    discovery = discover_in_lab("v4only.lab.test")
    assert discovery.unique_addresses == ("127.10.0.4",)
    assert discovery.errors == ()


def test_silent_resolver_is_a_timeout_within_the_timeout() -> None:
    """A resolver that never answers gives DNS_TIMEOUT, and discover() returns on time."""

    async def scenario() -> tuple[Discovery, float]:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as dead:
            dead.bind((DEAD_HOST, 0))
            endpoint = Endpoint(DEAD_HOST, dead.getsockname()[1])
            started = time.monotonic()
            discovery = await discover("dead.lab.test", [endpoint], timeout=0.5)
            return discovery, time.monotonic() - started

    discovery, elapsed = asyncio.run(scenario())
    assert elapsed < 0.8
    assert [e.kind for e in discovery.errors] == [ErrorKind.DNS_TIMEOUT]
    message = discovery.errors[0].message
    assert message.startswith(f"dead.lab.test: no answer for A/AAAA from {DEAD_HOST}:")
    assert message.endswith("within 0.5s")


def test_silent_name_is_a_timeout_too() -> None:
    """A responder that ignores one name gives DNS_TIMEOUT for that name only."""
    started = time.monotonic()
    discovery = discover_in_lab("slow.lab.test", timeout=0.4)
    assert time.monotonic() - started < 0.8
    assert [e.kind for e in discovery.errors] == [ErrorKind.DNS_TIMEOUT]


def test_two_resolvers_union_their_addresses_with_labels() -> None:
    """Each resolver is asked; addresses are the union, each tagged with its resolver."""
    second_zone = {
        "lab.test": [("A", "127.10.0.1"), ("A", "127.10.0.2")],
        "split.lab.test": [("A", "127.10.5.1")],
    }

    async def scenario() -> tuple[Discovery, Discovery, str, str]:
        async with (
            serving() as (_, first),
            serving(second_zone, OTHER_HOST) as (_, second),
        ):
            both = await discover("lab.test", [first, second], family=4, timeout=2.0)
            split = await discover("split.lab.test", [first, second], family=4, timeout=2.0)
            return both, split, resolver_label(first), resolver_label(second)

    both, split, one, two = asyncio.run(scenario())
    assert both.resolvers == (one, two)
    assert both.addresses == (("127.10.0.1", one), ("127.10.0.1", two), ("127.10.0.2", two))
    assert both.unique_addresses == ("127.10.0.1", "127.10.0.2")
    assert both.errors == ()
    assert split.addresses == (("127.10.5.1", two),)
    assert [e.kind for e in split.errors] == [ErrorKind.NXDOMAIN]
    assert split.errors[0].message.endswith(f"from {one}")


def test_large_answer_falls_back_to_tcp_and_keeps_every_address() -> None:
    """100 A records overflow UDP: TC makes dnspython retry over TCP and all come back."""

    async def scenario() -> tuple[Discovery, list[tuple[str, str, str]]]:
        async with serving() as (responder, endpoint):
            discovery = await discover("big.lab.test", [endpoint], family=4, timeout=2.0)
            return discovery, responder.queries

    discovery, queries = asyncio.run(scenario())
    assert discovery.unique_addresses == tuple(f"127.20.0.{i}" for i in range(1, 101))
    assert discovery.errors == ()
    assert ("big.lab.test.", "A", "udp") in queries
    assert ("big.lab.test.", "A", "tcp") in queries


def test_cname_loop_is_a_dns_error_value() -> None:
    """A CNAME loop makes dnspython give up; discover() reports it as DNS_ERROR."""
    discovery = discover_in_lab("loop.lab.test")
    assert discovery.addresses == ()
    assert [e.kind for e in discovery.errors] == [ErrorKind.DNS_ERROR]
    assert "CNAME chain too long or looping" in discovery.errors[0].message


class _TruncatingUdp(asyncio.DatagramProtocol):
    """Answers every UDP query with an empty TC response, pushing the client to TCP."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        response = dns.message.make_response(dns.message.from_wire(data))
        response.flags |= dns.flags.TC
        self.transport.sendto(response.to_wire(), addr)


async def _answer_garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Reads one framed query and answers it with a frame of junk."""
    with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
        (length,) = struct.unpack("!H", await reader.readexactly(2))
        await reader.readexactly(length)
        writer.write(b"\x00\x05junk!")
        await writer.drain()
    writer.close()


def test_garbage_answer_is_a_dns_error_value() -> None:
    """A server whose TCP answer is junk gives a DNS_ERROR value, not an exception."""

    async def scenario() -> Discovery:
        loop = asyncio.get_running_loop()
        udp, _ = await loop.create_datagram_endpoint(_TruncatingUdp, local_addr=(OTHER_HOST, 0))
        port = udp.get_extra_info("sockname")[1]
        tcp = await asyncio.start_server(_answer_garbage, OTHER_HOST, port)
        try:
            endpoint = Endpoint(OTHER_HOST, port)
            return await discover("lab.test", [endpoint], family=4, timeout=2.0)
        finally:
            udp.close()
            tcp.close()
            await tcp.wait_closed()

    discovery = asyncio.run(scenario())
    assert discovery.addresses == ()
    assert [e.kind for e in discovery.errors] == [ErrorKind.DNS_ERROR]
    assert discovery.errors[0].message.startswith("lab.test: malformed answer")


def test_garbage_sent_to_the_responder_does_not_stop_discovery() -> None:
    """After junk datagrams and a junk TCP frame, the responder still answers discover()."""

    async def scenario() -> Discovery:
        async with serving() as (_, endpoint):
            assert endpoint.port is not None
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                for junk in (b"\x00", b"\xff" * 40, bytes(range(256))):
                    sock.sendto(junk, (HOST, endpoint.port))
            _, writer = await asyncio.open_connection(HOST, endpoint.port)
            writer.write(b"\x00\x03abc")
            await writer.drain()
            writer.close()
            await writer.wait_closed()
            return await discover("lab.test", [endpoint], timeout=2.0)

    assert asyncio.run(scenario()).unique_addresses == ("127.10.0.1", "fd00:10::1")


def test_resolver_given_by_name_is_an_invalid_input_value() -> None:
    """Resolvers must be IP addresses; a host name is reported, not raised or looked up."""
    discovery = asyncio.run(discover("lab.test", [Endpoint("resolver.lab.test", 53)]))
    assert discovery.resolvers == ("resolver.lab.test:53",)
    assert [e.kind for e in discovery.errors] == [ErrorKind.INVALID_INPUT]
    assert "must be given as an IP address" in discovery.errors[0].message


def test_invalid_name_and_family_are_invalid_input_values() -> None:
    """A label over 63 characters or an unknown family give INVALID_INPUT without any query."""
    resolver = [Endpoint("127.53.0.250", 9)]
    too_long = asyncio.run(discover("x" * 64 + ".lab.test", resolver, timeout=0.2))
    bad_family = asyncio.run(discover("lab.test", resolver, family=5, timeout=0.2))
    for discovery in (too_long, bad_family):
        assert [e.kind for e in discovery.errors] == [ErrorKind.INVALID_INPUT]


def test_resolver_labels_follow_the_ip_port_convention() -> None:
    """Labels are ``ip`` without a port, ``ip:port`` with one, brackets for IPv6."""
    assert resolver_label(Endpoint("127.0.0.53")) == "127.0.0.53"
    assert resolver_label(Endpoint("127.0.0.53", 5353)) == "127.0.0.53:5353"
    assert resolver_label(Endpoint("::1", 5353)) == "[::1]:5353"
