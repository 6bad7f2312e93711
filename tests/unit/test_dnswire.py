"""The standard-library DNS path reads answers as dnspython's resolver does, or hands over.

Differential: messages are built with dnspython and read both ways; mutated wire never
makes the reader raise anything but ``Unusual``, and whatever it accepts, dnspython parses
to the same answer. The UDP exchange runs against real sockets on loopback.
"""

from __future__ import annotations

import asyncio
import socket
import struct

import dns.edns
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from layerscope.net.dnswire import Answer, Unusual, encode_name, make_query, read_answer, udp_lookup

QID = 0x4242
HOST = "127.53.1.1"
OTHER = "127.53.1.2"


def _query(name: str, rdtype: str = "A") -> dns.message.QueryMessage:
    query = dns.message.make_query(name, rdtype)
    query.id = QID
    return query


def _response(
    name: str,
    rdtype: str,
    records: list[tuple[str, str, str]],
    rcode: int = dns.rcode.NOERROR,
) -> bytes:
    """A response to ``name``/``rdtype`` with (owner, type, data) records in the answer."""
    response = dns.message.make_response(_query(name, rdtype))
    response.set_rcode(rcode)
    for owner, kind, data in records:
        response.answer.append(dns.rrset.from_text(owner, 30, "IN", kind, data))
    return response.to_wire()


def _dnspython(wire: bytes, name: str, rdtype: str) -> Answer:
    """What dnspython's resolver makes of the same answer (addresses, chain, NXDOMAIN)."""
    message = dns.message.from_wire(wire)
    assert _query(name, rdtype).is_response(message)
    chaining = message.resolve_chaining()
    cnames = tuple(rrset[0].target.to_text(omit_final_dot=True) for rrset in chaining.cnames)
    addresses = tuple(dict.fromkeys(r.address for r in chaining.answer or ()))
    return Answer(message.rcode() == dns.rcode.NXDOMAIN, addresses, cnames)


def test_plain_query_is_byte_for_byte_what_dnspython_sends() -> None:
    """Recursion desired, one question, no EDNS: the resolver's default query."""
    assert make_query(QID, encode_name("Www.Lab.test"), 1) == _query("Www.Lab.test").to_wire()


@pytest.mark.parametrize(
    ("subnet", "prefix"), [("203.0.113.0", 24), ("2001:db8::", 56), ("0.0.0.0", 0)]
)
def test_ecs_query_is_byte_for_byte_what_dnspython_sends(subnet: str, prefix: int) -> None:
    """EDNS0 with a 1232-byte payload and the Client Subnet option, address truncated."""
    expected = dns.message.make_query(
        "lab.test", "AAAA", use_edns=0, options=[dns.edns.ECSOption(subnet, prefix)]
    )
    expected.id = QID
    family = 2 if ":" in subnet else 1
    packed = socket.inet_pton(socket.AF_INET6 if family == 2 else socket.AF_INET, subnet)
    assert make_query(QID, encode_name("lab.test"), 28, (family, prefix, packed)) == (
        expected.to_wire()
    )


@pytest.mark.parametrize(
    "name",
    [
        "",
        ".",
        "a..b",
        "x" * 64 + ".test",
        "sp ace.test",
        "back\\slash.test",
        "é.test",
        ".".join(["abcdefgh"] * 29),
    ],
)
def test_names_that_are_not_plain_go_to_dnspython(name: str) -> None:
    """Empty labels, long labels or names, escapes and non-ASCII are dnspython's to judge."""
    with pytest.raises(Unusual):
        encode_name(name)


def test_cname_chain_is_followed_in_any_case_to_the_addresses() -> None:
    """Owner names match without regard to case; duplicates are kept once, in order."""
    wire = _response(
        "www.lab.test",
        "A",
        [
            ("WWW.lab.test.", "CNAME", "Edge.CDN.test."),
            ("edge.cdn.test.", "A", "127.0.0.2"),
            ("edge.cdn.test.", "A", "127.0.0.1"),
            ("other.test.", "A", "127.0.0.9"),
        ],
    )
    answer = read_answer(wire, QID, encode_name("www.lab.test"), 1)
    assert answer == Answer(False, ("127.0.0.2", "127.0.0.1"), ("Edge.CDN.test",))
    assert answer == _dnspython(wire, "www.lab.test", "A")


def test_nxdomain_keeps_the_dangling_chain() -> None:
    """An NXDOMAIN through a CNAME says where the chain ended."""
    wire = _response(
        "www.lab.test", "A", [("www.lab.test.", "CNAME", "gone.test.")], dns.rcode.NXDOMAIN
    )
    assert read_answer(wire, QID, encode_name("www.lab.test"), 1) == Answer(
        True, (), ("gone.test",)
    )


def test_cname_targets_are_written_with_dnspython_escapes() -> None:
    """Bytes a peer chose come back escaped exactly as dnspython writes them."""
    target = dns.name.Name([b"we\x1bird", b'q"(.)$@;', b"test", b""])
    response = dns.message.make_response(_query("lab.test"))
    rrset = dns.rrset.from_text("lab.test.", 30, "IN", "CNAME", "x.test.")
    rrset.clear()
    rrset.add(
        dns.rdata.from_wire(
            dns.rdataclass.IN, dns.rdatatype.CNAME, target.to_wire(), 0, len(target.to_wire())
        )
    )
    response.answer.append(rrset)
    wire = response.to_wire()
    answer = read_answer(wire, QID, encode_name("lab.test"), 1)
    assert answer is not None
    assert answer.cnames == _dnspython(wire, "lab.test", "A").cnames
    assert "\x1b" not in answer.cnames[0]


@pytest.mark.parametrize(
    ("rcode", "flags", "records"),
    [
        (dns.rcode.SERVFAIL, 0, []),
        (dns.rcode.REFUSED, 0, []),
        (dns.rcode.YXDOMAIN, 0, []),
        (dns.rcode.NOERROR, dns.flags.TC, []),
        (dns.rcode.NOERROR, 0, [("lab.test.", "TXT", '"text"')]),
        (dns.rcode.NXDOMAIN, 0, [("lab.test.", "A", "127.0.0.1")]),
        (
            dns.rcode.NOERROR,
            0,
            [(f"l{i}.test." if i else "lab.test.", "CNAME", f"l{i + 1}.test.") for i in range(17)],
        ),
        (dns.rcode.NOERROR, 0, [("lab.test.", "CNAME", "lab.test.")]),
    ],
)
def test_what_needs_dnspython_is_handed_over(
    rcode: int, flags: int, records: list[tuple[str, str, str]]
) -> None:
    """Other rcodes, TC, other types, NXDOMAIN with records, long or looping chains."""
    response = dns.message.from_wire(_response("lab.test", "A", records, rcode))
    response.flags |= flags
    with pytest.raises(Unusual):
        read_answer(response.to_wire(), QID, encode_name("lab.test"), 1)


@pytest.mark.parametrize(
    "wire",
    [
        b"",
        b"\x42\x42",
        # another id, a query (no QR), another question, trailing junk
        _response("lab.test", "A", [("lab.test.", "A", "127.0.0.1")]).replace(
            b"\x42\x42", b"\x42\x43", 1
        ),
        _query("lab.test").to_wire(),
        _response("other.test", "A", [("other.test.", "A", "127.0.0.1")]),
        _response("lab.test", "AAAA", [("lab.test.", "AAAA", "::1")]),
        _response("lab.test", "A", [("lab.test.", "A", "127.0.0.1")]) + b"junk",
        # a pointer to itself, a forward pointer
        struct.pack(">6H", QID, 0x8180, 1, 0, 0, 0) + b"\xc0\x0c" + struct.pack(">HH", 1, 1),
        struct.pack(">6H", QID, 0x8180, 1, 0, 0, 0) + b"\xc0\x20" + struct.pack(">HH", 1, 1),
    ],
)
def test_datagrams_that_are_not_our_answer_are_ignored(wire: bytes) -> None:
    """Not a response to this question, or not parseable: wait on, as dnspython does."""
    assert read_answer(wire, QID, encode_name("lab.test"), 1) is None


_LABELS = st.sampled_from(["a", "B", "cdn", "edge-1", "x_y", "Lab", "test"])
_NAMES = st.lists(_LABELS, min_size=1, max_size=3).map(lambda labels: ".".join(labels) + ".test.")


@st.composite
def _messages(draw: st.DrawFn) -> bytes:
    records = []
    for _ in range(draw(st.integers(0, 6))):
        owner = draw(st.one_of(st.just("lab.test."), _NAMES))
        if draw(st.booleans()):
            records.append((owner, "CNAME", draw(_NAMES)))
        else:
            records.append((owner, "A", f"127.0.0.{draw(st.integers(1, 3))}"))
    rcode = draw(st.sampled_from([dns.rcode.NOERROR, dns.rcode.NXDOMAIN]))
    return _response("lab.test", "A", records, rcode)


@settings(max_examples=300, deadline=None)
@given(_messages(), st.data())
def test_accepted_answers_agree_with_dnspython_even_when_mutated(
    wire: bytes, data: st.DataObject
) -> None:
    """Any bytes: only ``Unusual`` may be raised; an accepted answer is dnspython's too."""
    if data.draw(st.booleans()):
        at = data.draw(st.integers(0, len(wire) - 1))
        wire = wire[:at] + bytes([data.draw(st.integers(0, 255))]) + wire[at + 1 :]
    if data.draw(st.booleans()):
        wire = wire[: data.draw(st.integers(0, len(wire)))]
    try:
        answer = read_answer(wire, QID, encode_name("lab.test"), 1)
    except Unusual:
        return
    if answer is not None:
        assert answer == _dnspython(wire, "lab.test", "A")


class _Server(asyncio.DatagramProtocol):
    """Answers each query after sending junk, and drops the first ``drop`` queries."""

    def __init__(self, drop: int = 0) -> None:
        self.drop = drop
        self.queries = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.queries += 1
        if self.queries <= self.drop:
            return
        query = dns.message.from_wire(data)
        response = dns.message.make_response(query)
        response.answer.append(
            dns.rrset.from_text(query.question[0].name, 30, "IN", "A", "127.0.0.7")
        )
        wrong = dns.message.make_response(query)
        wrong.id ^= 1
        send = self.transport.sendto  # type: ignore[attr-defined]
        for junk in (b"\xff" * 20, wrong.to_wire()):
            send(junk, addr)
        # the same answer from another address first: not from the server, ignored
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as other:
            other.bind((OTHER, 0))
            spoof = dns.message.make_response(query)
            spoof.answer.append(
                dns.rrset.from_text(query.question[0].name, 30, "IN", "A", "127.6.6.6")
            )
            other.sendto(spoof.to_wire(), addr)
        send(response.to_wire(), addr)


async def _lookup_from(server: _Server, timeout: float) -> Answer:
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(lambda: server, local_addr=(HOST, 0))
    try:
        port = transport.get_extra_info("sockname")[1]
        return await udp_lookup(HOST, port, encode_name("lab.test"), "A", timeout)
    finally:
        transport.close()


def test_junk_wrong_ids_and_other_senders_are_skipped_for_the_real_answer() -> None:
    """Only a parseable answer to our id and question, from the server, is taken."""
    answer = asyncio.run(_lookup_from(_Server(), 2.0))
    assert answer == Answer(False, ("127.0.0.7",), ())


def test_a_lost_query_is_sent_again_after_two_seconds() -> None:
    """As dnspython's resolver: a new attempt every 2 s within the lifetime."""
    server = _Server(drop=1)
    answer = asyncio.run(_lookup_from(server, 3.0))
    assert answer.addresses == ("127.0.0.7",)
    assert server.queries == 2


def test_a_silent_server_is_a_timeout_at_the_deadline() -> None:
    """Nothing answers: TimeoutError once the whole timeout is spent, never a hang."""
    with pytest.raises(TimeoutError):
        asyncio.run(_lookup_from(_Server(drop=99), 0.3))


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=16, max_size=16))
def test_ipv6_addresses_are_written_as_dnspython_writes_them(packed: bytes) -> None:
    """AAAA records come back in the same text form (compression, embedded IPv4)."""
    text = socket.inet_ntop(socket.AF_INET6, packed)
    wire = _response("lab.test", "AAAA", [("lab.test.", "AAAA", text)])
    answer = read_answer(wire, QID, encode_name("lab.test"), 28)
    assert answer == _dnspython(wire, "lab.test", "AAAA")
