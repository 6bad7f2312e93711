"""The lab DNS responder answers its zone over real UDP and TCP sockets on loopback."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import time
from collections.abc import AsyncIterator, Mapping, Sequence

import dns.asyncquery
import dns.edns
import dns.exception
import dns.flags
import dns.message
import dns.rcode
import pytest

from layerscope.lab.dns import DnsResponder

HOST = "127.53.0.1"

ZONE: Mapping[str, Sequence[tuple[str, str]]] = {
    "lab.test": [("A", "127.10.0.1"), ("AAAA", "fd00:10::1")],
    "www.lab.test": [("CNAME", "www.lab.test.cdn-lab.test.")],
    "www.lab.test.cdn-lab.test": [("CNAME", "edge.fastcdn-lab.test")],
    "edge.fastcdn-lab.test.": [("A", "127.10.1.2"), ("A", "127.10.1.3")],
    "dangling.lab.test": [("CNAME", "gone.fastcdn-lab.test.")],
    "deep.sub.lab.test": [("TXT", '"only text"')],
    "broken.lab.test": [("SERVFAIL", "")],
    "via-broken.lab.test": [("CNAME", "broken.lab.test.")],
    "slow.lab.test": [("SILENT", "")],
    "loop.lab.test": [("CNAME", "loop2.lab.test.")],
    "loop2.lab.test": [("CNAME", "loop.lab.test.")],
    "big.lab.test": [("A", f"127.20.0.{i}") for i in range(1, 101)],
    "forty.lab.test": [("A", f"127.21.0.{i}") for i in range(1, 41)],
}


@contextlib.asynccontextmanager
async def serving(
    records: Mapping[str, Sequence[tuple[str, str]]] = ZONE, host: str = HOST
) -> AsyncIterator[tuple[DnsResponder, int]]:
    """Run a responder on ``host`` for the duration of the block."""
    responder = DnsResponder(records)
    port = await responder.start(host)
    try:
        yield responder, port
    finally:
        await responder.stop()


async def ask_udp(
    port: int,
    name: str,
    rdtype: str = "A",
    *,
    use_edns: int | None = None,
    payload: int = 1232,
    options: Sequence[dns.edns.Option] = (),
) -> dns.message.Message:
    """One UDP query to the responder, without TCP fallback."""
    query = dns.message.make_query(
        name, rdtype, use_edns=use_edns, payload=payload, options=list(options) or None
    )
    return await dns.asyncquery.udp(query, HOST, port=port, timeout=1.0)


def answer_text(response: dns.message.Message) -> list[str]:
    """The answer section, one record per line, in order."""
    return [line for rrset in response.answer for line in rrset.to_text().splitlines()]


def test_answers_a_over_udp_with_aa_ra_and_ttl_30() -> None:
    """An A query for a zone name gets its record, authoritative, recursion available, TTL 30."""

    async def scenario() -> dns.message.Message:
        async with serving() as (_, port):
            return await ask_udp(port, "lab.test")

    response = asyncio.run(scenario())
    assert response.rcode() == dns.rcode.NOERROR
    assert response.flags & dns.flags.AA
    assert response.flags & dns.flags.RA
    assert answer_text(response) == ["lab.test. 30 IN A 127.10.0.1"]


def test_cname_chain_and_final_records_come_in_the_answer_section() -> None:
    """Like a recursive resolver, the whole CNAME chain precedes the final records."""

    async def scenario() -> dns.message.Message:
        async with serving() as (_, port):
            return await ask_udp(port, "www.lab.test", "A")

    assert answer_text(asyncio.run(scenario())) == [
        "www.lab.test. 30 IN CNAME www.lab.test.cdn-lab.test.",
        "www.lab.test.cdn-lab.test. 30 IN CNAME edge.fastcdn-lab.test.",
        "edge.fastcdn-lab.test. 30 IN A 127.10.1.2",
        "edge.fastcdn-lab.test. 30 IN A 127.10.1.3",
    ]


def test_unknown_name_is_nxdomain() -> None:
    """A name outside the zone is answered NXDOMAIN with an empty answer."""

    async def scenario() -> dns.message.Message:
        async with serving() as (_, port):
            return await ask_udp(port, "nope.lab.test")

    response = asyncio.run(scenario())
    assert response.rcode() == dns.rcode.NXDOMAIN
    assert response.answer == []


def test_dangling_cname_is_nxdomain_with_the_chain() -> None:
    """A CNAME to a missing name answers NXDOMAIN and still carries the CNAME."""

    async def scenario() -> dns.message.Message:
        async with serving() as (_, port):
            return await ask_udp(port, "dangling.lab.test")

    response = asyncio.run(scenario())
    assert response.rcode() == dns.rcode.NXDOMAIN
    assert answer_text(response) == ["dangling.lab.test. 30 IN CNAME gone.fastcdn-lab.test."]


def test_existing_name_without_the_type_is_noerror_and_empty() -> None:
    """A name with other types, or an empty non-terminal, answers NOERROR with no data."""

    async def scenario() -> list[dns.message.Message]:
        async with serving() as (_, port):
            return [
                await ask_udp(port, "deep.sub.lab.test", "AAAA"),
                await ask_udp(port, "sub.lab.test", "A"),
                await ask_udp(port, "deep.sub.lab.test", "TXT"),
            ]

    no_aaaa, empty_non_terminal, text = asyncio.run(scenario())
    for response in (no_aaaa, empty_non_terminal):
        assert response.rcode() == dns.rcode.NOERROR
        assert response.answer == []
    assert answer_text(text) == ['deep.sub.lab.test. 30 IN TXT "only text"']


def test_servfail_name_answers_servfail_directly_and_through_a_cname() -> None:
    """A SERVFAIL name fails, also when a query reaches it through a CNAME."""

    async def scenario() -> list[dns.message.Message]:
        async with serving() as (_, port):
            return [
                await ask_udp(port, "broken.lab.test"),
                await ask_udp(port, "via-broken.lab.test"),
            ]

    for response in asyncio.run(scenario()):
        assert response.rcode() == dns.rcode.SERVFAIL
        assert response.answer == []


def test_silent_name_is_never_answered_but_is_recorded() -> None:
    """A SILENT name gets no reply at all, so the client times out; the query is logged."""

    async def scenario() -> DnsResponder:
        async with serving() as (responder, port):
            with pytest.raises(dns.exception.Timeout):
                query = dns.message.make_query("slow.lab.test", "A")
                await dns.asyncquery.udp(query, HOST, port=port, timeout=0.2)
            return responder

    assert asyncio.run(scenario()).queries == [("slow.lab.test.", "A", "udp")]


def test_cname_loop_is_answered_promptly_with_each_cname_once() -> None:
    """A CNAME loop in the zone does not hang the responder: the loop comes back once."""

    async def scenario() -> dns.message.Message:
        async with serving() as (_, port):
            return await ask_udp(port, "loop.lab.test")

    response = asyncio.run(scenario())
    assert response.rcode() == dns.rcode.NOERROR
    assert answer_text(response) == [
        "loop.lab.test. 30 IN CNAME loop2.lab.test.",
        "loop2.lab.test. 30 IN CNAME loop.lab.test.",
    ]


def test_long_cname_chain_stops_after_16_hops() -> None:
    """A chain longer than 16 CNAMEs is cut at 16, so no zone can make it loop forever."""
    zone = {f"c{i}.lab.test": [("CNAME", f"c{i + 1}.lab.test.")] for i in range(30)}

    async def scenario() -> dns.message.Message:
        async with serving(zone) as (_, port):
            return await ask_udp(port, "c0.lab.test")

    assert len(asyncio.run(scenario()).answer) == 16


def test_udp_answer_over_512_bytes_is_truncated_and_tcp_gives_it_whole() -> None:
    """Without EDNS, a >512-byte answer comes back empty with TC; TCP then carries it all."""

    async def scenario() -> tuple[dns.message.Message, dns.message.Message, bool, DnsResponder]:
        async with serving() as (responder, port):
            query = dns.message.make_query("forty.lab.test", "A")
            truncated = await dns.asyncquery.udp(query, HOST, port=port, timeout=1.0)
            whole, used_tcp = await dns.asyncquery.udp_with_fallback(
                query, HOST, port=port, timeout=1.0
            )
            return truncated, whole, used_tcp, responder

    truncated, whole, used_tcp, responder = asyncio.run(scenario())
    assert truncated.flags & dns.flags.TC
    assert truncated.answer == []
    assert used_tcp
    assert not whole.flags & dns.flags.TC
    assert len(whole.answer[0]) == 40
    assert responder.queries[-1] == ("forty.lab.test.", "A", "tcp")


def test_edns_payload_size_raises_the_udp_limit() -> None:
    """A client advertising a 4096-byte EDNS payload gets 100 A records over UDP, no TC."""

    async def scenario() -> tuple[dns.message.Message, DnsResponder]:
        async with serving() as (responder, port):
            response = await ask_udp(port, "big.lab.test", use_edns=0, payload=4096)
            return response, responder

    response, responder = asyncio.run(scenario())
    assert not response.flags & dns.flags.TC
    assert len(response.answer[0]) == 100
    assert responder.last_payload == 4096


def test_edns_options_of_the_last_query_are_recorded() -> None:
    """EDNS options a client sends (e.g. client subnet) are kept for tests to inspect."""
    subnet = dns.edns.ECSOption("127.99.0.0", 16)

    async def scenario() -> DnsResponder:
        async with serving() as (responder, port):
            await ask_udp(port, "lab.test", use_edns=0, options=[subnet])
            return responder

    assert asyncio.run(scenario()).last_options == (subnet,)


def test_tcp_uses_the_udp_port_and_length_framing_for_several_queries() -> None:
    """TCP listens on the UDP port; one connection can carry several framed queries."""

    async def scenario() -> list[dns.message.Message]:
        async with serving() as (_, port):
            reader, writer = await asyncio.open_connection(HOST, port)
            for name in ("lab.test", "www.lab.test"):
                wire = dns.message.make_query(name, "A").to_wire()
                writer.write(struct.pack("!H", len(wire)) + wire)
            replies = []
            for _ in range(2):
                (length,) = struct.unpack("!H", await reader.readexactly(2))
                replies.append(dns.message.from_wire(await reader.readexactly(length)))
            writer.close()
            await writer.wait_closed()
            return replies

    first, second = asyncio.run(scenario())
    assert answer_text(first) == ["lab.test. 30 IN A 127.10.0.1"]
    assert answer_text(second)[-1] == "edge.fastcdn-lab.test. 30 IN A 127.10.1.3"


def test_garbage_over_udp_and_tcp_does_not_kill_the_responder() -> None:
    """Random bytes, a bare header and a cut TCP frame are dropped; real queries still work."""

    async def scenario() -> tuple[dns.message.Message, dns.message.Message, DnsResponder]:
        async with serving() as (responder, port):
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                for junk in (b"", b"\xff", b"\x00" * 12, b"\xde\xad\xbe\xef" * 64):
                    sock.sendto(junk, (HOST, port))
            _, writer = await asyncio.open_connection(HOST, port)
            writer.write(struct.pack("!H", 5) + b"\xff" * 5 + b"\x00\x40partial")
            await writer.drain()
            writer.close()
            await writer.wait_closed()
            udp = await ask_udp(port, "lab.test")
            tcp = await dns.asyncquery.tcp(
                dns.message.make_query("lab.test", "A"), HOST, port=port, timeout=1.0
            )
            return udp, tcp, responder

    udp, tcp, responder = asyncio.run(scenario())
    assert answer_text(udp) == answer_text(tcp) == ["lab.test. 30 IN A 127.10.0.1"]
    assert responder.queries == [("lab.test.", "A", "udp"), ("lab.test.", "A", "tcp")]


def test_stop_closes_idle_tcp_connections_and_frees_the_port() -> None:
    """stop() returns promptly with a client still connected, and nothing listens after."""

    async def scenario() -> float:
        responder = DnsResponder(ZONE)
        port = await responder.start(HOST)
        _, writer = await asyncio.open_connection(HOST, port)
        await asyncio.sleep(0.01)
        started = time.monotonic()
        await responder.stop()
        elapsed = time.monotonic() - started
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()
        with pytest.raises(ConnectionRefusedError):
            await asyncio.open_connection(HOST, port)
        await responder.stop()  # a second stop is harmless
        return elapsed

    assert asyncio.run(scenario()) < 0.5


def test_bad_records_are_refused_when_the_zone_is_built() -> None:
    """Unparsable values, unknown types and a CNAME beside other records raise ValueError."""
    for records in (
        {"a.test": [("A", "not-an-address")]},
        {"a.test": [("MX", "10 mail.test.")]},
        {"a.test": [("CNAME", "b.test."), ("A", "127.0.0.1")]},
    ):
        with pytest.raises(ValueError):
            DnsResponder(records)


def test_names_match_in_any_case_and_are_logged_lower_case() -> None:
    """Names match case-insensitively; the log holds (absolute lower-case name, type, transport)."""

    async def scenario() -> tuple[dns.message.Message, DnsResponder]:
        async with serving() as (responder, port):
            return await ask_udp(port, "Lab.TEST", "AAAA"), responder

    response, responder = asyncio.run(scenario())
    assert [rdata.to_text() for rdata in response.answer[0]] == ["fd00:10::1"]
    assert responder.queries == [("lab.test.", "AAAA", "udp")]
