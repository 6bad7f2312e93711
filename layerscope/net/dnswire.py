"""A and AAAA lookups on the wire with the standard library: discovery's common case.

Asking a resolver given by address for a plain host name needs one datagram each way. This
module builds the query and reads the answer itself, so a ``check`` does not load
dnspython (~80 ms of imports, more than the round trip: #14). It does what dnspython's
resolver does in that case (:mod:`layerscope.net.dnspy` is that path, kept for the rest):

- the query: recursion desired, no EDNS, or EDNS0 (1232-byte payload) carrying the Client
  Subnet when one is asked; sent again every 2 s until the deadline, as the resolver does;
- datagrams from another address, that do not parse, or that do not answer our question
  (id, QR, opcode, question) are ignored, and the wait goes on;
- NOERROR and NXDOMAIN answers are followed along their CNAME chain (16 hops at most) to
  the A/AAAA records of the last name, in answer order.

A query can go on the wire before the event loop exists (:func:`send_early`: a check sends
its questions before its heavy imports, which then overlap the round trip, #14); the lookup
of the same question adopts that socket, id and query and waits for the answer.

Anything else raises :class:`Unusual` and the caller asks dnspython, which then decides
exactly as before: a truncated answer (TCP), another rcode (SERVFAIL, REFUSED...), other
record types or classes in the answer, a chain too long or looping, NXDOMAIN with records,
a name that is not plain letters, digits, ``-`` and ``_``. Nothing here raises for what a
server sends except :class:`Unusual`; a silent server is a :class:`TimeoutError`.
"""

from __future__ import annotations

import os
import socket
import struct
from dataclasses import dataclass

from layerscope.model import ErrorKind

__all__ = [
    "DNS_PORT",
    "Answer",
    "Lookup",
    "Unusual",
    "drop_early",
    "encode_name",
    "make_query",
    "read_answer",
    "send_early",
    "udp_lookup",
]

DNS_PORT = 53
"""Where a resolver given without a port is asked."""

TYPES = {"A": 1, "AAAA": 28}
_CNAME, _OPT, _IN = 5, 41, 1
_NOERROR, _NXDOMAIN = 0, 3
_MAX_CHAIN = 16  # dnspython's MAX_CHAIN
_RESEND = 2.0  # dnspython's Resolver.timeout: each attempt waits this long
_PAYLOAD = 1232  # dnspython's DEFAULT_EDNS_PAYLOAD, used with an ECS option
_LABEL = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
_ESCAPED = b'"().;\\@$'


@dataclass(frozen=True)
class Lookup:
    """What one resolver said for one record type (``setup``: it could not be asked)."""

    rdtype: str
    addresses: tuple[str, ...] = ()
    cnames: tuple[str, ...] = ()
    kind: ErrorKind | None = None
    detail: str = ""
    elapsed_ms: float = 0.0
    setup: bool = False


@dataclass(frozen=True)
class Answer:
    """A NOERROR or NXDOMAIN answer followed along its CNAME chain.

    Attributes:
        nxdomain: the rcode was NXDOMAIN (then ``addresses`` is empty).
        addresses: the A or AAAA records of the chain's last name, each once, in order.
        cnames: where each CNAME of the chain points, without the final dot.
    """

    nxdomain: bool
    addresses: tuple[str, ...]
    cnames: tuple[str, ...]


class Unusual(Exception):
    """The query or its answer needs dnspython's full handling."""


class _Malformed(Exception):
    """A datagram that does not parse: ignored, as dnspython's resolver ignores it."""


def encode_name(name: str) -> bytes:
    """``name`` (A-label text) in wire form; raises :class:`Unusual` unless it is plain."""
    labels = name[:-1].split(".") if name.endswith(".") else name.split(".")
    wire = bytearray()
    for label in labels:
        raw = label.encode("ascii", "replace")
        if not 0 < len(raw) <= 63 or not _LABEL.issuperset(raw):
            raise Unusual(name)
        wire += bytes([len(raw)]) + raw
    if len(wire) + 1 > 255:
        raise Unusual(name)
    return bytes(wire) + b"\0"


def make_query(
    qid: int, qname: bytes, rdtype: int, ecs: tuple[int, int, bytes] | None = None
) -> bytes:
    """A recursive query; ``ecs`` is (family 1 or 2, source prefix length, address bytes)."""
    header = struct.pack(">6H", qid, 0x0100, 1, 0, 0, 1 if ecs else 0)
    question = qname + struct.pack(">HH", rdtype, _IN)
    if ecs is None:
        return header + question
    family, prefix, address = ecs
    data = struct.pack(">HBB", family, prefix, 0) + address[: (prefix + 7) // 8]
    option = struct.pack(">HH", 8, len(data)) + data
    opt = b"\0" + struct.pack(">HHIH", _OPT, _PAYLOAD, 0, len(option)) + option
    return header + question + opt


def _name(wire: bytes, offset: int) -> tuple[tuple[bytes, ...], int]:
    """The name at ``offset`` and where it ends; pointers must point backwards."""
    labels: list[bytes] = []
    length, end, start, at = 1, -1, offset, offset
    while True:
        if at >= len(wire):
            raise _Malformed
        size = wire[at]
        if size == 0:
            return tuple(labels), (at + 1 if end < 0 else end)
        if size & 0xC0 == 0xC0:
            if at + 1 >= len(wire):
                raise _Malformed
            target = ((size & 0x3F) << 8) | wire[at + 1]
            if target >= start:
                raise _Malformed  # forward or self pointer: a loop
            if end < 0:
                end = at + 2
            start = at = target
            continue
        if size & 0xC0:
            raise _Malformed  # label types 0x40 and 0x80 are obsolete
        label = wire[at + 1 : at + 1 + size]
        length += size + 1
        if len(label) != size or length > 255:
            raise _Malformed
        labels.append(label)
        at += 1 + size


def _text(labels: tuple[bytes, ...]) -> str:
    """A name as dnspython writes it (``to_text(omit_final_dot=True)``)."""
    if not labels:
        return "."
    parts = []
    for label in labels:
        chars = []
        for c in label:
            if c in _ESCAPED:
                chars.append("\\" + chr(c))
            elif 0x20 < c < 0x7F:
                chars.append(chr(c))
            else:
                chars.append(f"\\{c:03d}")
        parts.append("".join(chars))
    return ".".join(parts)


def _key(labels: tuple[bytes, ...]) -> tuple[bytes, ...]:
    return tuple(label.lower() for label in labels)


def read_answer(wire: bytes, qid: int, qname: bytes, rdtype: int) -> Answer | None:
    """The answer to our question, ``None`` for a datagram to ignore; raises
    :class:`Unusual` for an answer that needs dnspython."""
    try:
        return _read(wire, qid, qname, rdtype)
    except (_Malformed, struct.error, IndexError):
        return None


def _read(wire: bytes, qid: int, qname: bytes, rdtype: int) -> Answer | None:
    rid, flags, qdcount, ancount, nscount, arcount = struct.unpack_from(">6H", wire)
    if rid != qid or not flags & 0x8000 or (flags >> 11) & 0xF:
        return None
    rcode = flags & 0xF
    if qdcount != 1:
        if qdcount == 0 and rcode not in (_NOERROR, _NXDOMAIN):
            raise Unusual("error without question")
        return None
    labels, at = _name(wire, 12)
    qtype, qclass = struct.unpack_from(">HH", wire, at)
    at += 4
    if _key(labels) != _key(_name(qname, 0)[0]) or qtype != rdtype or qclass != _IN:
        return None
    records: dict[tuple[tuple[bytes, ...], int], list[bytes]] = {}
    for index in range(ancount + nscount + arcount):
        owner, at = _name(wire, at)
        kind, klass, _ttl, size = struct.unpack_from(">HHIH", wire, at)
        at += 10
        if at + size > len(wire):
            raise _Malformed
        if index < ancount:
            records.setdefault((_key(owner), kind), []).append(
                _rdata(wire, at, size, kind, klass, rdtype)
            )
        at += size
    if at != len(wire):
        raise _Malformed  # trailing junk
    if flags & 0x0200:
        raise Unusual("truncated")
    if rcode not in (_NOERROR, _NXDOMAIN):
        raise Unusual(f"rcode {rcode}")
    return _chain(records, _key(labels), rdtype, rcode == _NXDOMAIN)


def _rdata(wire: bytes, at: int, size: int, kind: int, klass: int, rdtype: int) -> bytes:
    """One answer record's data: an address, or a CNAME's target in wire form."""
    if klass != _IN or kind not in (_CNAME, rdtype):
        raise Unusual(f"record type {kind} class {klass}")
    if kind == _CNAME:
        target, end = _name(wire, at)
        if end != at + size:
            raise _Malformed
        return b"".join(bytes([len(label)]) + label for label in target) + b"\0"
    if size != (4 if kind == 1 else 16):
        raise _Malformed
    return wire[at : at + size]


def _chain(
    records: dict[tuple[tuple[bytes, ...], int], list[bytes]],
    name: tuple[bytes, ...],
    rdtype: int,
    nxdomain: bool,
) -> Answer:
    """Follow the CNAMEs from the question's name as dnspython's ``resolve_chaining``."""
    cnames: list[str] = []
    found: list[bytes] | None = None
    for _ in range(_MAX_CHAIN):
        found = records.get((name, rdtype))
        if found is not None:
            break
        targets = records.get((name, _CNAME))
        if not targets:
            break
        target = _name(targets[-1], 0)[0]  # a CNAME set holds one record: the last wins
        cnames.append(_text(target))
        name = _key(target)
    else:
        raise Unusual("chain too long")
    if nxdomain and found is not None:
        raise Unusual("NXDOMAIN with an answer")
    family = socket.AF_INET if rdtype == 1 else socket.AF_INET6
    addresses = dict.fromkeys(socket.inet_ntop(family, data) for data in found or ())
    return Answer(nxdomain, tuple(addresses), tuple(cnames))


def _same(source: tuple[object, ...], host: str, port: int, family: int) -> bool:
    """Whether a datagram came from the server (dnspython ignores any other sender)."""
    try:
        packed = socket.inet_pton(family, str(source[0]).split("%")[0])
    except OSError:
        return False
    return packed == socket.inet_pton(family, host) and source[1] == port


#: A question: (server address, port, name in wire form, record type, ECS or None).
_Key = tuple[str, int, bytes, str, tuple[int, int, bytes] | None]

#: Queries sent before their lookup ran: socket, id and the query bytes, by question.
_EARLY: dict[_Key, tuple[socket.socket, int, bytes]] = {}
_EARLY_MAX = 64  # a config of many sites: the rest are asked when their lookup runs


def _family(host: str) -> int:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def send_early(
    host: str,
    port: int,
    qname: bytes,
    rdtype: str,
    ecs: tuple[int, int, bytes] | None = None,
) -> bool:
    """Send the query :func:`udp_lookup` would send for this question, now, without an
    event loop; the lookup adopts it. False when it was not sent (already sent, too many
    waiting, or the socket refused: the lookup then sends its own)."""
    key: _Key = (host, port, qname, rdtype, ecs)
    if key in _EARLY or len(_EARLY) >= _EARLY_MAX or rdtype not in TYPES:
        return False
    qid = int.from_bytes(os.urandom(2), "big")
    query = make_query(qid, qname, TYPES[rdtype], ecs)
    try:
        sock = socket.socket(_family(host), socket.SOCK_DGRAM)
    except OSError:
        return False
    try:
        sock.setblocking(False)
        sock.sendto(query, (host, port))
    except OSError:
        sock.close()
        return False
    _EARLY[key] = (sock, qid, query)
    return True


def drop_early() -> None:
    """Close the early queries no lookup adopted (a check ends or stopped before asking)."""
    while _EARLY:
        _key, (sock, _qid, _query) = _EARLY.popitem()
        sock.close()


async def udp_lookup(
    host: str,
    port: int,
    qname: bytes,
    rdtype: str,
    timeout: float,
    ecs: tuple[int, int, bytes] | None = None,
) -> Answer:
    """Ask ``host`` (an IP address) on ``port`` over UDP, sending again every 2 s; raises
    :class:`TimeoutError` after ``timeout`` seconds, :class:`Unusual`, or OSError. A query
    :func:`send_early` sent for the same question is adopted: its answer may be waiting."""
    import asyncio  # loaded by now: the caller runs in the event loop

    family = _family(host)
    qtype = TYPES[rdtype]
    early = _EARLY.pop((host, port, qname, rdtype, ecs), None)
    if early is None:
        qid = int.from_bytes(os.urandom(2), "big")
        query = make_query(qid, qname, qtype, ecs)
        sock = socket.socket(family, socket.SOCK_DGRAM)
    else:
        sock, qid, query = early
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    with sock:
        sock.setblocking(False)
        sent = early is not None
        while True:
            if not sent:
                await loop.sock_sendto(sock, query, (host, port))
            sent = False
            resend = min(loop.time() + _RESEND, deadline)
            try:
                async with asyncio.timeout_at(resend):
                    while True:
                        data, source = await loop.sock_recvfrom(sock, 65535)
                        if not _same(source, host, port, family):
                            continue
                        answer = read_answer(data, qid, qname, qtype)
                        if answer is not None:
                            return answer
            except TimeoutError:
                if resend >= deadline:
                    raise
