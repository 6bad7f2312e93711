"""Certificate files as servers read them (nginx ``ssl_certificate``, Apache
``SSLCertificateFile``): bytes in, values out; the key file is :mod:`layerscope.x509.keyfile`.

What is wrong is said as :class:`~layerscope.x509.pem.Problem` values (``fatal`` when the
server would not load the file). Certificates given in DER or PKCS#7 are still read, so
the chain can be analysed while the file is said to be unusable as it is. Nothing here
raises for any input.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs7

from layerscope.model import CertFacts, UnparsedCert
from layerscope.model.files import FileRead
from layerscope.x509 import der as asn1
from layerscope.x509.certs import CertificateError, facts
from layerscope.x509.pem import (
    CERT_LABELS,
    CSR_LABELS,
    KEY_LABELS,
    MAX_BYTES,
    PARAMETER_LABELS,
    PKCS7_LABELS,
    PUBLIC_LABELS,
    Block,
    Problem,
    notes,
    read_pem,
    too_large,
)


@dataclass(frozen=True)
class CertificateFile:
    """What a certificate file holds.

    Attributes:
        size: bytes read.
        format: ``PEM``, ``DER``, ``PKCS#7`` or ``""``.
        certificates: the certificates that could be parsed, in file order.
        unparsed: the certificates that could not (``position`` among all certificates).
        blocks: PEM block labels in file order.
        problems: what is wrong, in file order (fatal or not).
        notes: harmless facts ("CRLF line endings").
        keys: private key blocks found.
    """

    size: int
    format: str
    certificates: tuple[CertFacts, ...] = ()
    unparsed: tuple[UnparsedCert, ...] = ()
    blocks: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = ()
    notes: tuple[str, ...] = ()
    keys: int = 0

    def summary(self, path: str) -> FileRead:
        """The file as the report shows it."""
        count = len(self.certificates) + len(self.unparsed)
        return FileRead(path, self.size, self.format, count, self.keys, self.blocks, self.notes)


def _certificates(
    ders: Sequence[bytes],
) -> tuple[tuple[CertFacts, ...], tuple[UnparsedCert, ...]]:
    parsed: list[CertFacts] = []
    unparsed: list[UnparsedCert] = []
    for position, der in enumerate(ders, start=1):
        try:
            parsed.append(facts(der))
        except CertificateError as exc:
            sha = hashlib.sha256(der).hexdigest()
            unparsed.append(UnparsedCert(position, len(ders), sha, exc.reason, der))
    return tuple(parsed), tuple(unparsed)


def _pkcs7(data: bytes, *, pem: bool) -> list[bytes]:
    """The certificates of a PKCS#7 bundle as DER ([] when it is not one)."""
    load = pkcs7.load_pem_pkcs7_certificates if pem else pkcs7.load_der_pkcs7_certificates
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            certs = load(data)
    except (ValueError, UnsupportedAlgorithm):
        return []
    return [c.public_bytes(serialization.Encoding.DER) for c in certs]


def _one_der_element(data: bytes) -> bool:
    """``data`` is exactly one DER SEQUENCE (what a DER certificate is)."""
    try:
        return data[0] == asn1.SEQUENCE and len(asn1.read(data).raw) == len(data)
    except asn1.DerError:
        return False


_CONVERT_P7 = "it was read for this analysis (convert it with openssl pkcs7 -print_certs)"
_CONVERT_DER = "it was read for this analysis (convert it with openssl x509 -inform DER)"


def _binary(data: bytes) -> CertificateFile:
    """A file without PEM blocks: a DER certificate, a DER PKCS#7 bundle, or nothing."""
    size = len(data)
    bundle = _pkcs7(data, pem=False)
    if bundle:
        certs, unparsed = _certificates(bundle)
        message = (
            f"the file is a PKCS#7 bundle (.p7b), not PEM: servers cannot load it; {_CONVERT_P7}"
        )
        return CertificateFile(
            size, "PKCS#7", certs, unparsed, (), (Problem("pkcs7", message, True),)
        )
    certs, unparsed = _certificates([data]) if _one_der_element(data) else ((), ())
    if certs or unparsed:
        message = (
            "the file is a DER (binary) certificate, not PEM: servers cannot load it; "
            + _CONVERT_DER
        )
        return CertificateFile(size, "DER", certs, unparsed, (), (Problem("der", message, True),))
    message = "the file holds no certificate: no PEM block, and it is not a DER certificate"
    return CertificateFile(size, "", problems=(Problem("no_certificate", message, True),))


def _stray(block: Block, *, has_certificates: bool) -> Problem | None:
    """What a block that is not a certificate means: fatal when there is no certificate."""
    label, line = block.label, block.line
    if label in CERT_LABELS or label in PARAMETER_LABELS:
        return None
    if label in PKCS7_LABELS:
        message = (
            f"line {line} holds a PKCS#7 bundle, not PEM certificates: servers cannot load "
            f"it; {_CONVERT_P7}"
        )
        return Problem("pkcs7", message, True, line)
    if has_certificates and label in KEY_LABELS:
        message = (
            f"line {line} holds a private key: servers skip it, but a certificate file is "
            "meant to be shared; keep the key in its own file, readable by root only"
        )
        return Problem("key_beside", message, False, line)
    if has_certificates:
        message = f"line {line} holds a {label} block, not a certificate: servers skip it"
        return Problem("other_block", message, False, line)
    if label in KEY_LABELS:
        message = (
            f"the file holds a private key (line {line}), not a certificate: the key was put "
            "where the certificate belongs"
        )
        return Problem("private_key", message, True, line)
    if label in CSR_LABELS:
        message = (
            f"the file holds a certificate request (CSR, line {line}), not the certificate "
            "the CA issued for it"
        )
        return Problem("csr", message, True, line)
    if label in PUBLIC_LABELS:
        return Problem("public_key", f"the file holds a public key (line {line})", True, line)
    return None


def read_certificate_file(data: bytes) -> CertificateFile:
    """What servers would read from ``data`` as their certificate file (leaf first, then
    intermediates), and what is wrong with it."""
    size = len(data)
    if size > MAX_BYTES:
        return CertificateFile(size, "", problems=(too_large(),))
    if not data.strip():
        return CertificateFile(size, "", problems=(Problem("empty", "the file is empty", True),))
    if b"-----BEGIN" not in data:
        return _binary(data)
    pem = read_pem(data)
    ders = [b.der for b in pem.blocks if b.label in CERT_LABELS and b.der]
    for block in pem.blocks:
        if block.label in PKCS7_LABELS:
            ders.extend(_pkcs7(block.pem, pem=True))
    certs, unparsed = _certificates(ders)
    problems = list(pem.problems)
    for block in pem.blocks:
        problem = _stray(block, has_certificates=bool(ders))
        problems.extend([problem] if problem else [])
    if not ders and not any(p.fatal for p in problems):
        shown = ", ".join(dict.fromkeys(pem.labels)) or "none"
        message = f"the file holds no CERTIFICATE block (blocks: {shown})"
        problems.append(Problem("no_certificate", message, True))
    problems.sort(key=lambda p: p.line)
    fmt = "PKCS#7" if any(label in PKCS7_LABELS for label in pem.labels) else "PEM"
    keys = sum(1 for label in pem.labels if label in KEY_LABELS)
    return CertificateFile(
        size, fmt, certs, unparsed, pem.labels, tuple(problems), notes(data), keys
    )


def pick_leaf(certificates: Sequence[CertFacts]) -> int:
    """The index of the certificate a file means as its leaf: the first that is not a CA
    certificate (0 when all are CAs, or there is none). Servers take the first certificate
    of the file as theirs, whatever it is."""
    return next((i for i, cert in enumerate(certificates) if not cert.is_ca), 0)


__all__ = ["MAX_BYTES", "CertificateFile", "Problem", "pick_leaf", "read_certificate_file"]
