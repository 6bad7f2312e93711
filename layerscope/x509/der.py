"""A minimal DER reader and writer for the parts of a certificate cryptography may refuse.

Only what is needed to find and drop a bad extension: the TLV structure of
Certificate -> TBSCertificate -> [3] extensions -> Extension (RFC 5280, section 4.1).
Pure functions over bytes; every malformed input raises :class:`DerError`, never anything
else, whatever the peer sent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

SEQUENCE = 0x30
BOOLEAN = 0x01
INTEGER = 0x02
BIT_STRING = 0x03
OCTET_STRING = 0x04
OID = 0x06
VERSION_TAG = 0xA0  # [0] EXPLICIT Version
EXTENSIONS_TAG = 0xA3  # [3] EXPLICIT Extensions

_MAX_LENGTH_BYTES = 4  # certificates are far below 4 GiB


class DerError(ValueError):
    """The bytes are not the DER structure expected."""


@dataclass(frozen=True)
class Tlv:
    """One DER element.

    Attributes:
        tag: the identifier octet (low tag numbers only, as certificates use).
        raw: the whole element, header included.
        value: the contents octets.
    """

    tag: int
    raw: bytes = field(repr=False)
    value: bytes = field(repr=False)


@dataclass(frozen=True)
class Extension:
    """One Extension of a TBSCertificate.

    Attributes:
        oid: extnID in dotted form.
        critical: the critical flag as sent (absent means False).
        value: the contents of the extnValue OCTET STRING.
        raw: the whole Extension element as sent.
    """

    oid: str
    critical: bool
    value: bytes = field(repr=False)
    raw: bytes = field(repr=False)


def read(data: bytes, offset: int = 0) -> Tlv:
    """The element that starts at ``offset`` of ``data``."""
    if offset + 2 > len(data):
        raise DerError("truncated element header")
    tag = data[offset]
    if tag & 0x1F == 0x1F:
        raise DerError("high tag numbers are not used in certificates")
    first = data[offset + 1]
    pos = offset + 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if count == 0:
            raise DerError("indefinite length is not DER")
        if count > _MAX_LENGTH_BYTES:
            raise DerError("element length too large")
        if pos + count > len(data):
            raise DerError("truncated element length")
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    end = pos + length
    if end > len(data):
        raise DerError("element runs past the end of the data")
    return Tlv(tag, data[offset:end], data[pos:end])


def children(value: bytes) -> tuple[Tlv, ...]:
    """The elements that make up the contents of a constructed element, in order."""
    out: list[Tlv] = []
    offset = 0
    while offset < len(value):
        item = read(value, offset)
        out.append(item)
        offset += len(item.raw)
    return tuple(out)


def single(data: bytes, tag: int) -> Tlv:
    """``data`` as exactly one element with ``tag`` (no trailing bytes)."""
    item = read(data)
    if item.tag != tag:
        raise DerError(f"expected tag 0x{tag:02x}, found 0x{item.tag:02x}")
    if len(item.raw) != len(data):
        raise DerError("trailing bytes after the element")
    return item


def encode(tag: int, value: bytes) -> bytes:
    """One DER element: ``tag``, minimal length, ``value``."""
    size = len(value)
    if size < 0x80:
        return bytes([tag, size]) + value
    octets = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(octets)]) + octets + value


def oid_text(value: bytes) -> str:
    """Dotted form of the contents of an OBJECT IDENTIFIER."""
    if not value or value[-1] & 0x80:
        raise DerError("malformed object identifier")
    arcs: list[int] = []
    current = 0
    for byte in value:
        current = (current << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(current)
            current = 0
    first = arcs[0]
    head = [min(first // 40, 2), first - 40 * min(first // 40, 2)]
    return ".".join(str(a) for a in (*head, *arcs[1:]))


@dataclass(frozen=True)
class Certificate:
    """A certificate split into its parts, without interpreting them.

    Attributes:
        tbs_fields: the elements of the TBSCertificate, in order.
        signature_algorithm: the outer signatureAlgorithm element, as sent.
        signature: the signatureValue BIT STRING element, as sent.
    """

    tbs_fields: tuple[Tlv, ...] = field(repr=False)
    signature_algorithm: bytes = field(repr=False)
    signature: bytes = field(repr=False)

    @property
    def tbs(self) -> bytes:
        """The TBSCertificate element (what the issuer signs)."""
        return encode(SEQUENCE, b"".join(f.raw for f in self.tbs_fields))

    @property
    def extensions(self) -> tuple[Extension, ...]:
        """The extensions of the TBSCertificate, in the order sent (none: empty)."""
        for item in self.tbs_fields:
            if item.tag == EXTENSIONS_TAG:
                return _extensions(item)
        return ()

    def with_tbs_fields(self, fields: Iterable[Tlv]) -> Certificate:
        """The same certificate with other TBSCertificate elements (the signature kept)."""
        return Certificate(tuple(fields), self.signature_algorithm, self.signature)

    def with_extensions(self, keep: Iterable[Extension]) -> Certificate:
        """The same certificate with only the extensions ``keep`` (none: no [3] field)."""
        kept = b"".join(e.raw for e in keep)
        fields = [f for f in self.tbs_fields if f.tag != EXTENSIONS_TAG]
        if kept:
            block = encode(EXTENSIONS_TAG, encode(SEQUENCE, kept))
            fields.append(read(block))
        return self.with_tbs_fields(fields)

    def to_der(self, signature: bytes | None = None) -> bytes:
        """The certificate as DER; ``signature`` replaces the signatureValue contents
        (the raw signature, without the unused-bits octet)."""
        value = self.signature
        if signature is not None:
            value = encode(BIT_STRING, b"\x00" + signature)
        return encode(SEQUENCE, self.tbs + self.signature_algorithm + value)


def certificate(der: bytes) -> Certificate:
    """Split a DER certificate into TBSCertificate elements, algorithm and signature."""
    outer = single(der, SEQUENCE)
    parts = children(outer.value)
    if len(parts) != 3 or parts[0].tag != SEQUENCE or parts[2].tag != BIT_STRING:
        raise DerError("not a Certificate (TBSCertificate, algorithm, signature)")
    return Certificate(children(parts[0].value), parts[1].raw, parts[2].raw)


def _extensions(block: Tlv) -> tuple[Extension, ...]:
    inner = single(block.value, SEQUENCE)
    out: list[Extension] = []
    for item in children(inner.value):
        if item.tag != SEQUENCE:
            raise DerError("an extension is not a SEQUENCE")
        parts = children(item.value)
        if len(parts) not in (2, 3) or parts[0].tag != OID or parts[-1].tag != OCTET_STRING:
            raise DerError("an extension is not (extnID, critical, extnValue)")
        critical = False
        if len(parts) == 3:
            if parts[1].tag != BOOLEAN or len(parts[1].value) != 1:
                raise DerError("an extension's critical flag is not a BOOLEAN")
            critical = parts[1].value != b"\x00"
        out.append(Extension(oid_text(parts[0].value), critical, parts[-1].value, item.raw))
    return tuple(out)


def extensions(der: bytes) -> tuple[Extension, ...]:
    """The extensions of a DER certificate, in the order sent."""
    return certificate(der).extensions


__all__ = [
    "Certificate",
    "DerError",
    "Extension",
    "Tlv",
    "certificate",
    "children",
    "encode",
    "extensions",
    "oid_text",
    "read",
    "single",
]
