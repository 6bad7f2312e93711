"""Parse certificates with cryptography into :class:`CertFacts` and check who issued whom."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import warnings

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, padding, rsa
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtensionOID, NameOID

from .model import CertFacts


class CertificateError(ValueError):
    """The bytes are not a certificate we can read."""


@functools.lru_cache(maxsize=4096)
def load(der: bytes) -> x509.Certificate:
    """Parse DER bytes (cached: the same certificate is served by many layers)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return x509.load_der_x509_certificate(der)
    except ValueError as exc:
        raise CertificateError(f"not a readable X.509 certificate: {exc}") from exc


def _name(value: x509.Name) -> str:
    try:
        return value.rfc4514_string()
    except ValueError:
        return "<unreadable name>"


def _common_name(value: x509.Name) -> str:
    for attr in value.get_attributes_for_oid(NameOID.COMMON_NAME):
        raw = attr.value
        return raw if isinstance(raw, str) else raw.decode("utf-8", "replace")
    return ""


def _sans(cert: x509.Certificate) -> tuple[str, ...]:
    try:
        ext = cert.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME)
    except (x509.ExtensionNotFound, ValueError):
        return ()
    san = ext.value
    assert isinstance(san, x509.SubjectAlternativeName)
    names: list[str] = list(san.get_values_for_type(x509.DNSName))
    names.extend(str(ip) for ip in san.get_values_for_type(x509.IPAddress))
    return tuple(names)


def _aia(cert: x509.Certificate) -> tuple[tuple[str, ...], tuple[str, ...]]:
    try:
        ext = cert.extensions.get_extension_for_oid(ExtensionOID.AUTHORITY_INFORMATION_ACCESS)
    except (x509.ExtensionNotFound, ValueError):
        return (), ()
    issuers: list[str] = []
    ocsp: list[str] = []
    for desc in ext.value:  # type: ignore[attr-defined]
        loc = desc.access_location
        if not isinstance(loc, x509.UniformResourceIdentifier):
            continue
        if desc.access_method == AuthorityInformationAccessOID.CA_ISSUERS:
            issuers.append(loc.value)
        elif desc.access_method == AuthorityInformationAccessOID.OCSP:
            ocsp.append(loc.value)
    return tuple(issuers), tuple(ocsp)


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        ext = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    except (x509.ExtensionNotFound, ValueError):
        return False
    return bool(ext.value.ca)


def _key(cert: x509.Certificate) -> tuple[str, int, bytes]:
    try:
        key = cert.public_key()
    except (ValueError, UnsupportedAlgorithm):
        return "unknown", 0, b""
    spki = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    if isinstance(key, rsa.RSAPublicKey):
        return "RSA", key.key_size, spki
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "EC", key.curve.key_size, spki
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "Ed25519", 256, spki
    if isinstance(key, ed448.Ed448PublicKey):
        return "Ed448", 456, spki
    if isinstance(key, dsa.DSAPublicKey):
        return "DSA", key.key_size, spki
    return type(key).__name__, 0, spki


def _signature(cert: x509.Certificate) -> tuple[str, str]:
    oid = cert.signature_algorithm_oid
    name = getattr(oid, "_name", None) or oid.dotted_string
    try:
        algo = cert.signature_hash_algorithm
    except UnsupportedAlgorithm:
        lowered = name.lower()
        return name, "md5" if "md5" in lowered else ("sha1" if "sha1" in lowered else "unknown")
    return name, algo.name if algo is not None else ""


@functools.lru_cache(maxsize=4096)
def facts(der: bytes) -> CertFacts:
    """Everything the analysis and the renderers need to know about one certificate."""
    cert = load(der)
    with warnings.catch_warnings():
        # over-long name attributes make cryptography warn on every read: not for users
        warnings.simplefilter("ignore")
        subject, issuer = cert.subject, cert.issuer
        key_type, key_bits, spki = _key(cert)
        sig_name, sig_hash = _signature(cert)
        aia_issuers, ocsp_urls = _aia(cert)
        return CertFacts(
            der=der,
            subject=_name(subject),
            issuer=_name(issuer),
            common_name=_common_name(subject),
            sans=_sans(cert),
            serial=format(cert.serial_number, "X"),
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
            sha256=hashlib.sha256(der).hexdigest(),
            spki_sha256=hashlib.sha256(spki).hexdigest(),
            key_type=key_type,
            key_bits=key_bits,
            signature_algorithm=sig_name,
            signature_hash=sig_hash,
            is_ca=_is_ca(cert),
            self_issued=subject == issuer,
            aia_issuers=aia_issuers,
            ocsp_urls=ocsp_urls,
        )


def issued_by(child: CertFacts, parent: CertFacts) -> bool:
    """True when ``parent``'s key signed ``child`` and the names link up.

    cryptography's ``verify_directly_issued_by`` refuses SHA-1 and MD5 signatures; the
    analysis must still see such chains to call them weak, so those are checked by hand.
    """
    if child.issuer != parent.subject:
        return False
    c, p = load(child.der), load(parent.der)
    try:
        c.verify_directly_issued_by(p)
        return True
    except InvalidSignature:
        return False
    except (ValueError, TypeError, UnsupportedAlgorithm):
        return _verify_legacy(c, p)


def _verify_legacy(child: x509.Certificate, parent: x509.Certificate) -> bool:
    try:
        algo = child.signature_hash_algorithm
        key = parent.public_key()
    except (UnsupportedAlgorithm, ValueError):
        return False
    if algo is None:
        return False
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(child.signature, child.tbs_certificate_bytes, padding.PKCS1v15(), algo)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(child.signature, child.tbs_certificate_bytes, ec.ECDSA(algo))
        else:
            return False
    except (InvalidSignature, UnsupportedAlgorithm, ValueError):
        return False
    return True


def is_self_signed(cert: CertFacts) -> bool:
    """Subject equals issuer and the certificate's own key verifies its signature."""
    return cert.self_issued and issued_by(cert, cert)


def weak_hash(cert: CertFacts) -> bool:
    """Signed with SHA-1 or MD5 (or another broken digest)."""
    return cert.signature_hash in ("sha1", "md5", "md2", "md4")


def weak_key(cert: CertFacts) -> bool:
    """RSA or DSA below 2048 bits, EC below 256 bits."""
    if cert.key_type in ("RSA", "DSA"):
        return 0 < cert.key_bits < 2048
    if cert.key_type == "EC":
        return 0 < cert.key_bits < 256
    return False


def utc(value: dt.datetime) -> dt.datetime:
    """Make a datetime timezone-aware UTC (naive values are taken as UTC)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def load_pem_bundle(data: bytes) -> list[CertFacts]:
    """Every certificate of a PEM bundle (raises CertificateError when there is none)."""
    try:
        with warnings.catch_warnings():
            # real bundles hold old roots cryptography warns about (e.g. a zero serial)
            warnings.simplefilter("ignore")
            certs = x509.load_pem_x509_certificates(data)
    except ValueError as exc:
        raise CertificateError(f"no PEM certificates could be read: {exc}") from exc
    return [facts(c.public_bytes(serialization.Encoding.DER)) for c in certs]


__all__ = [
    "CertificateError",
    "facts",
    "is_self_signed",
    "issued_by",
    "load",
    "load_pem_bundle",
    "utc",
    "weak_hash",
    "weak_key",
]
