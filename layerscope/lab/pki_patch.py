"""Patching a built certificate's DER: for the odd certificates cryptography refuses to
build (a negative serial, GeneralizedTime before 2050, an extension it cannot encode).

A certificate is cut into its TBSCertificate elements (DER TLVs), an edit rewrites them,
and the TBS part is signed again with the issuer's key. ECDSA signatures are deterministic
(RFC 6979), so a seeded lab patches to the same bytes every run.

Pure: no I/O.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding

from layerscope.lab.pki import PrivateKey

TbsEdit = Callable[[list[bytes]], list[bytes]]
"""Rewrites a certificate's TBS elements (see :func:`patch_tbs`)."""


def pss_padding(salt: int) -> padding.PSS:
    """RSA-PSS padding with SHA-256 / MGF1-SHA-256 and a salt of ``salt`` bytes."""
    return padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=salt)


def read_tlv(data: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, start of content, end) of the DER TLV at ``pos``."""
    tag = data[pos]
    length = data[pos + 1]
    pos += 2
    if length & 0x80:
        count = length & 0x7F
        length = int.from_bytes(data[pos : pos + count], "big")
        pos += count
    return tag, pos, pos + length


def tlv(tag: int, content: bytes) -> bytes:
    """The DER TLV of ``tag`` around ``content`` (definite length, shortest form)."""
    n = len(content)
    if n < 0x80:
        return bytes([tag, n]) + content
    size = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size)]) + size + content


def elements(content: bytes) -> list[bytes]:
    """The TLVs that follow one another in ``content`` (a SEQUENCE's content), whole."""
    out: list[bytes] = []
    pos = 0
    while pos < len(content):
        _tag, _start, end = read_tlv(content, pos)
        out.append(content[pos:end])
        pos = end
    return out


def set_serial(tbs: list[bytes], serial: int) -> list[bytes]:
    """A :data:`TbsEdit` body: the serial set to ``serial``, any sign or length (minimal
    two's complement, as DER wants)."""
    index = 1 if tbs[0][0] == 0xA0 else 0  # after the [0] version
    length = (serial + (serial < 0)).bit_length() // 8 + 1  # two's complement, minimal
    tbs[index] = tlv(0x02, serial.to_bytes(length, "big", signed=True))
    return tbs


def generalized_validity(tbs: list[bytes]) -> list[bytes]:
    """A :data:`TbsEdit`: both validity dates re-encoded as GeneralizedTime (same
    instants)."""
    index = 4 if tbs[0][0] == 0xA0 else 3  # version, serial, signature, issuer, validity
    _tag, start, end = read_tlv(tbs[index], 0)
    times = []
    for element in elements(tbs[index][start:end]):
        tag, start, end = read_tlv(element, 0)
        value = element[start:end]
        if tag == 0x17:  # UTCTime YYMMDDHHMMSSZ: RFC 5280 reads YY < 50 as 20YY
            value = (b"19" if int(value[:2]) >= 50 else b"20") + value
        times.append(tlv(0x18, value))
    tbs[index] = tlv(0x30, b"".join(times))
    return tbs


def load(der: bytes) -> x509.Certificate:
    """Parse DER without cryptography's warnings about what odd certificates break."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return x509.load_der_x509_certificate(der)


def patch_tbs(
    cert: x509.Certificate,
    signer: PrivateKey,
    edit: TbsEdit,
    *,
    salt: int | None = None,
) -> x509.Certificate:
    """``cert`` with its TBS elements (DER TLVs: version, serial, signature, issuer,
    validity, subject, SPKI, extensions) rewritten by ``edit`` and re-signed by ``signer``.

    For what cryptography refuses to build; the signature algorithm stays the same (pass
    the PSS ``salt`` length when ``cert`` is signed with RSA-PSS).
    """
    der = cert.public_bytes(serialization.Encoding.DER)
    _tag, start, end = read_tlv(der, 0)
    tbs_der, algorithm, _signature = elements(der[start:end])
    _tag, tbs_start, tbs_end = read_tlv(tbs_der, 0)
    tbs = tlv(0x30, b"".join(edit(elements(tbs_der[tbs_start:tbs_end]))))
    signature = _raw_sign(tbs, signer, salt=salt)
    return load(tlv(0x30, tbs + algorithm + tlv(0x03, b"\x00" + signature)))


def _raw_sign(tbs: bytes, signer: PrivateKey, *, salt: int | None) -> bytes:
    if isinstance(signer, ec.EllipticCurvePrivateKey):
        return signer.sign(tbs, ec.ECDSA(hashes.SHA256(), deterministic_signing=True))
    if isinstance(signer, ed25519.Ed25519PrivateKey):
        return signer.sign(tbs)
    pad = pss_padding(salt) if salt is not None else padding.PKCS1v15()
    return signer.sign(tbs, pad, hashes.SHA256())


__all__ = [
    "TbsEdit",
    "elements",
    "generalized_validity",
    "load",
    "patch_tbs",
    "pss_padding",
    "read_tlv",
    "set_serial",
    "tlv",
]
