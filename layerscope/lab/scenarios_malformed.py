"""Lab sites serving certificates that OpenSSL accepts and cryptography refuses (issue 9).

The bad DER is made by patching a normal certificate after it was built and signing the
patched TBSCertificate again with the issuer's key (deterministic ECDSA, so the same seed
gives the same fingerprints): an X.509 version value that does not exist, a keyUsage whose
BIT STRING has non-zero padding bits. OpenSSL's server loads them (stdlib ``ssl``, PEM
files) and sends them as they are.
"""

from __future__ import annotations

import datetime as dt
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from layerscope.lab import pki
from layerscope.lab.hierarchy import LabPki
from layerscope.lab.servers import Behaviour, LayerSpec
from layerscope.lab.site import SiteSpec
from layerscope.x509 import der

_KEY_USAGE = "2.5.29.15"


@dataclass(frozen=True)
class RawIssued(pki.Issued):
    """A lab certificate served as raw DER that cryptography may refuse to load.

    Attributes:
        raw: the certificate exactly as served; ``cert`` is the well-formed certificate it
            was patched from (same key, names and serial).
    """

    raw: bytes = field(default=b"", repr=False)

    @property
    def der(self) -> bytes:
        """The certificate as served (DER)."""
        return self.raw

    @property
    def pem(self) -> bytes:
        """The certificate as served (PEM)."""
        return ssl.DER_cert_to_PEM_cert(self.raw).encode("ascii")


def _sign(tbs: bytes, signer: pki.PrivateKey) -> bytes:
    if isinstance(signer, ec.EllipticCurvePrivateKey):
        return signer.sign(tbs, ec.ECDSA(hashes.SHA256(), deterministic_signing=True))
    if isinstance(signer, rsa.RSAPrivateKey):
        return signer.sign(tbs, padding.PKCS1v15(), hashes.SHA256())
    raise ValueError("malformed lab certificates need an EC or RSA issuer")


def patched(
    cert: pki.Issued, issuer: pki.Issued, change: Callable[[der.Certificate], der.Certificate]
) -> RawIssued:
    """``cert`` with its TBSCertificate changed by ``change``, signed again by ``issuer``."""
    parts = change(der.certificate(cert.der))
    raw = parts.to_der(_sign(parts.tbs, issuer.key))
    return RawIssued(cert.cert, cert.key, raw)


def bad_version(value: int) -> Callable[[der.Certificate], der.Certificate]:
    """A change that sets the version field to ``value`` (1: "v2", 3: "v4" - cryptography
    parses only v1 and v3)."""

    def change(parts: der.Certificate) -> der.Certificate:
        fields = list(parts.tbs_fields)
        if not fields or fields[0].tag != der.VERSION_TAG:
            raise ValueError("expected an explicit version field")
        block = der.encode(der.VERSION_TAG, der.encode(der.INTEGER, bytes([value])))
        fields[0] = der.read(block)
        return parts.with_tbs_fields(fields)

    return change


def bad_key_usage(parts: der.Certificate) -> der.Certificate:
    """Add a keyUsage (digitalSignature) whose BIT STRING has non-zero padding bits: DER
    requires them to be zero."""
    value = der.encode(der.BIT_STRING, bytes([0x07, 0x81]))
    raw = der.encode(
        der.SEQUENCE,
        der.encode(der.OID, bytes.fromhex("551d0f"))
        + der.encode(der.BOOLEAN, b"\xff")
        + der.encode(der.OCTET_STRING, value),
    )
    ext = der.Extension(_KEY_USAGE, True, value, raw)
    kept = [e for e in parts.extensions if e.oid != _KEY_USAGE]
    return parts.with_extensions([*kept, ext])


def malformed_sites(ca: LabPki, now: dt.datetime, host: Callable[[str], str]) -> list[SiteSpec]:
    """The sites ``unparseable``, ``unparseable-leaf`` and ``malformed-san``, in that order."""

    def tls(*chain: pki.Issued) -> LayerSpec:
        return LayerSpec(Behaviour.TLS, chain)

    def cert(name: str) -> pki.Issued:
        return pki.leaf([host(name), f"www.{host(name)}"], now=now, parent=ca.i1)

    sites: list[SiteSpec] = []

    good = cert("unparseable")
    broken_ca = patched(ca.i1, ca.r1, bad_version(1))
    sites.append(
        SiteSpec(
            "unparseable",
            host("unparseable"),
            "Edge 2 sends the leaf with an intermediate whose DER says X.509 version 2: "
            "OpenSSL takes it, strict parsers (browsers, cryptography) refuse it.",
            tls(good, ca.i1),
            (tls(good, ca.i1), tls(good, broken_ca)),
        )
    )

    intact = cert("unparseable-leaf")
    broken_leaf = patched(intact, ca.i1, bad_version(3))
    sites.append(
        SiteSpec(
            "unparseable-leaf",
            host("unparseable-leaf"),
            "Edge 1 serves a leaf whose DER says X.509 version 4, a version that does not "
            "exist; the other layers serve it intact.",
            tls(intact, ca.i1),
            (tls(broken_leaf, ca.i1), tls(intact, ca.i1)),
        )
    )

    odd = patched(cert("malformed-san"), ca.i1, bad_key_usage)
    sites.append(
        SiteSpec(
            "malformed-san",
            host("malformed-san"),
            "The leaf's keyUsage extension is not valid DER; its subjectAltName is fine and "
            "must still be read.",
            tls(odd, ca.i1),
            (tls(odd, ca.i1), tls(odd, ca.i1)),
        )
    )
    return sites


__all__ = ["RawIssued", "bad_key_usage", "bad_version", "malformed_sites", "patched"]
