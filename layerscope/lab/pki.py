"""Certificate authorities and leaves for the embedded lab, made with cryptography.

Dates are relative to "now" so the lab never ages. EC P-256 keys keep generation fast;
RSA is used only where a scenario needs it (the weak RSA-1024 / SHA-1 leaf).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
_seeded: list[random.Random] = []


@contextlib.contextmanager
def deterministic(seed: int) -> Iterator[None]:
    """EC keys and serial numbers drawn from ``seed`` inside the block (for snapshot tests:
    with a fixed clock the same certificates, fingerprints included, come out every time)."""
    _seeded.append(random.Random(seed))
    try:
        yield
    finally:
        _seeded.pop()


def _serial() -> int:
    if _seeded:
        return _seeded[-1].getrandbits(62) | (1 << 62)
    return x509.random_serial_number()


def new_key(kind: Literal["ec", "rsa1024", "rsa2048"] = "ec") -> PrivateKey:
    """A fresh private key (EC keys are reproducible inside ``deterministic``)."""
    if kind == "ec":
        if _seeded:
            return ec.derive_private_key(_seeded[-1].randrange(1, _P256_ORDER), ec.SECP256R1())
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(65537, 1024 if kind == "rsa1024" else 2048)


def _sign(builder: x509.CertificateBuilder, signer: PrivateKey) -> x509.Certificate:
    if isinstance(signer, ec.EllipticCurvePrivateKey):
        # RFC 6979: the same input gives the same signature, so fingerprints are stable
        return builder.sign(signer, hashes.SHA256(), ecdsa_deterministic=True)
    if isinstance(signer, ed25519.Ed25519PrivateKey):
        return builder.sign(signer, None)  # Ed25519 signs without a separate hash
    return builder.sign(signer, hashes.SHA256())


def _name(cn: str, org: str = "layerscope lab") -> x509.Name:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # over-long names warn; we make them on purpose
        return _make_name(cn, org)


def _make_name(cn: str, org: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
            # hostile-certificate tests need over-long names, as real attackers send
            x509.NameAttribute(NameOID.COMMON_NAME, cn, _validate=len(cn) <= 64),
        ]
    )


@dataclass(frozen=True)
class Issued:
    """A certificate with its private key.

    Attributes:
        cert: the certificate.
        key: its private key.
    """

    cert: x509.Certificate
    key: PrivateKey = field(repr=False)

    @property
    def pem(self) -> bytes:
        """The certificate as PEM."""
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @property
    def der(self) -> bytes:
        """The certificate as DER."""
        return self.cert.public_bytes(serialization.Encoding.DER)

    @property
    def key_pem(self) -> bytes:
        """The private key as unencrypted PKCS#8 PEM."""
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )


def _aia(issuers: Sequence[str], ocsp: Sequence[str]) -> x509.AuthorityInformationAccess:
    return x509.AuthorityInformationAccess(
        [
            *(
                x509.AccessDescription(
                    AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(u)
                )
                for u in ocsp
            ),
            *(
                x509.AccessDescription(
                    AuthorityInformationAccessOID.CA_ISSUERS, x509.UniformResourceIdentifier(u)
                )
                for u in issuers
            ),
        ]
    )


def _ski(key: PrivateKey) -> x509.SubjectKeyIdentifier:
    return x509.SubjectKeyIdentifier.from_public_key(key.public_key())


def ca(
    cn: str,
    *,
    now: dt.datetime,
    parent: Issued | None = None,
    key: PrivateKey | None = None,
    days_before: float = 365,
    days_after: float = 3650,
    org: str = "layerscope lab",
    aia_issuers: Sequence[str] = (),
) -> Issued:
    """A root (no parent) or an intermediate CA certificate; ``aia_issuers`` adds caIssuers
    URLs (where to download its own issuer)."""
    key = key or new_key()
    subject = _name(cn, org)
    issuer_name = parent.cert.subject if parent else subject
    signer = parent.key if parent else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(_serial())
        .not_valid_before(now - dt.timedelta(days=days_before))
        .not_valid_after(now + dt.timedelta(days=days_after))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(_ski(key), critical=False)
    )
    if parent is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(parent.key.public_key()),
            critical=False,
        )
    if aia_issuers:
        builder = builder.add_extension(_aia(aia_issuers, ()), critical=False)
    return Issued(_sign(builder, signer), key)


def leaf(
    sans: list[str],
    *,
    now: dt.datetime,
    parent: Issued | None,
    key: PrivateKey | None = None,
    days_before: float = 10,
    days_after: float = 80,
    cn: str | None = None,
    sha1: bool = False,
    aia_issuers: Sequence[str] = (),
    ocsp_urls: Sequence[str] = (),
) -> Issued:
    """A server certificate for ``sans``; ``parent`` None makes it self-signed.
    ``aia_issuers`` and ``ocsp_urls`` fill the AIA extension."""
    key = key or new_key()
    subject = _name(cn or sans[0], "layerscope lab site")
    signer = parent.key if parent else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(parent.cert.subject if parent else subject)
        .public_key(key.public_key())
        .serial_number(_serial())
        .not_valid_before(now - dt.timedelta(days=days_before))
        .not_valid_after(now + dt.timedelta(days=days_after))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(s) for s in sans]), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(_ski(key), critical=False)
    )
    if parent is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(parent.key.public_key()),
            critical=False,
        )
    if aia_issuers or ocsp_urls:
        builder = builder.add_extension(_aia(aia_issuers, ocsp_urls), critical=False)
    cert = _sign(builder, signer)
    if sha1:
        cert = _resign_sha1(cert, signer)
    return Issued(cert, key)


_SHA256_RSA = bytes.fromhex("2A864886F70D01010B")  # sha256WithRSAEncryption
_SHA1_RSA = bytes.fromhex("2A864886F70D010105")  # sha1WithRSAEncryption


def _resign_sha1(cert: x509.Certificate, signer: PrivateKey) -> x509.Certificate:
    """The same certificate signed with SHA-1 (cryptography no longer signs with SHA-1).

    Both OIDs have the same length and an RSA signature's length is the key size, so the
    DER can be patched in place: swap the algorithm OIDs, then re-sign the TBS part.
    """
    if not isinstance(signer, rsa.RSAPrivateKey):
        raise ValueError("SHA-1 lab certificates need an RSA issuer")
    der = cert.public_bytes(serialization.Encoding.DER).replace(_SHA256_RSA, _SHA1_RSA)
    patched = x509.load_der_x509_certificate(der)
    signature = signer.sign(patched.tbs_certificate_bytes, padding.PKCS1v15(), hashes.SHA1())
    return x509.load_der_x509_certificate(der[: -len(signature)] + signature)


def pem_bundle(*items: Issued) -> bytes:
    """Concatenated PEM certificates, in the given order."""
    return b"".join(i.pem for i in items)
