"""The leaf of a certificate file, as a server would load it: the first certificate in it.

``ssl_certificate`` (nginx) and ``SSLCertificateFile`` (Apache) take the first certificate
of a PEM file as the leaf and the ones after it as the chain; a DER file holds one
certificate. :func:`first_certificate` finds that leaf in the bytes of such a file without
judging it (a certificate cryptography refuses still has a fingerprint a server can serve),
and says in one sentence why a file holds no certificate. Pure functions, no I/O.
"""

from __future__ import annotations

import base64
import binascii
import re

from layerscope.x509 import der as asn1

__all__ = ["CertificateFileError", "first_certificate"]

_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]{1,64})-----(.*?)-----END \1-----", re.DOTALL)
#: PEM labels OpenSSL reads a certificate from (TRUSTED CERTIFICATE: the DER is followed
#: by OpenSSL's trust settings, which the first element leaves out).
_CERTIFICATE_LABELS = frozenset({b"CERTIFICATE", b"X509 CERTIFICATE", b"TRUSTED CERTIFICATE"})
_PEM_HEADER = re.compile(rb"^[A-Za-z-]+:.*$", re.MULTILINE)  # RFC 1421 headers


class CertificateFileError(ValueError):
    """The bytes of a file hold no certificate; the message says why in one sentence."""


def _certificate(data: bytes) -> bytes:
    """The DER certificate at the start of ``data`` (raises asn1.DerError)."""
    element = asn1.read(data)
    asn1.certificate(element.raw)
    return element.raw


def _from_pem(label: bytes, body: bytes) -> bytes:
    text = b"".join(_PEM_HEADER.sub(b"", body).split())
    name = label.decode("ascii")
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise CertificateFileError(f"its first {name} block is not valid base64") from exc
    try:
        return _certificate(data)
    except asn1.DerError as exc:
        raise CertificateFileError(f"its first {name} block holds no X.509 certificate") from exc


def _what(labels: list[bytes]) -> str:
    keys = [label for label in labels if label.endswith(b"PRIVATE KEY")]
    if keys:
        return "a private key" if len(labels) == 1 else "a private key and no certificate"
    shown = ", ".join(dict.fromkeys(label.decode("ascii") for label in labels))
    return f"PEM blocks of other kinds ({shown})"


def first_certificate(data: bytes) -> bytes:
    """The DER of the first certificate in a PEM file (any number of certificates, other
    blocks and text around them) or of a DER certificate file.

    Raises CertificateFileError when there is none: an empty file, a private key alone,
    PEM blocks of other kinds, a certificate block that is not base64 or not a
    certificate, bytes that are neither PEM nor DER.
    """
    if not data.strip():
        raise CertificateFileError("it is empty")
    blocks = [(m.group(1), m.group(2)) for m in _PEM_BLOCK.finditer(data)]
    for label, body in blocks:
        if label in _CERTIFICATE_LABELS:
            return _from_pem(label, body)
    if blocks:
        raise CertificateFileError(f"it holds {_what([label for label, _ in blocks])}")
    if b"-----BEGIN " in data:
        raise CertificateFileError("it holds a PEM block without its END line (truncated?)")
    if data[:1] == bytes([asn1.SEQUENCE]):
        try:
            return _certificate(data)
        except asn1.DerError as exc:
            raise CertificateFileError(f"it is neither PEM nor a DER certificate ({exc})") from exc
    raise CertificateFileError("it is neither PEM nor a DER certificate")
