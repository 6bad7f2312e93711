"""Odd certificates for the lab's path-validation scenarios, on top of :mod:`.pki`.

:func:`issue` builds one certificate where every extension (basicConstraints, keyUsage,
extendedKeyUsage, subjectAltName, nameConstraints, authority and subject key identifiers,
extra raw extensions) can be left at the profile's default, set to another value or
criticality, or left out; the key type, the names (empty allowed), the serial and the
validity are chosen freely. What cryptography refuses to build (a negative serial, one of
more than 20 octets, GeneralizedTime before 2050) is made by patching the DER and
re-signing the TBS part (:mod:`layerscope.lab.pki_patch`).

Pure: no I/O. Keys and serials are reproducible inside :func:`.pki.deterministic`, except
RSA keys (cryptography cannot derive them from a seed).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID, ObjectIdentifier

from layerscope.lab import pki
from layerscope.lab.pki import Issued, PrivateKey
from layerscope.lab.pki_patch import generalized_validity, patch_tbs, pss_padding, set_serial

KeyKind = Literal["ec", "p384", "p521", "p224", "secp256k1", "rsa1024", "rsa2048", "ed25519"]
"""Key types :func:`new_key` makes ("ec" is P-256, the lab's default)."""

_CURVES: Final[dict[str, ec.EllipticCurve]] = {
    "p384": ec.SECP384R1(),
    "p521": ec.SECP521R1(),
    "p224": ec.SECP224R1(),
    "secp256k1": ec.SECP256K1(),
}


class _Default:
    """Marker type of :data:`DEFAULT`."""

    _instance: _Default | None = None

    def __new__(cls) -> _Default:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "DEFAULT"


DEFAULT: Final = _Default()
"""An extension left at the profile's default (CA or leaf, see :func:`issue`)."""


@dataclass(frozen=True)
class Ext:
    """An extension value with the criticality to encode it with.

    Attributes:
        value: the extension (an ``x509.UnrecognizedExtension`` carries raw DER).
        critical: the criticality flag as sent.
    """

    value: x509.ExtensionType
    critical: bool


ExtSpec = x509.ExtensionType | Ext | _Default | None
"""An extension parameter of :func:`issue`: :data:`DEFAULT` keeps the profile's, None
leaves it out, a value uses the profile's criticality, an :class:`Ext` sets both."""

# criticality when a value is given without one (RFC 5280 / BR profile)
_CRITICAL: Final[dict[ObjectIdentifier, bool]] = {
    ExtensionOID.BASIC_CONSTRAINTS: True,
    ExtensionOID.KEY_USAGE: True,
    ExtensionOID.EXTENDED_KEY_USAGE: False,
    ExtensionOID.SUBJECT_ALTERNATIVE_NAME: False,
    ExtensionOID.NAME_CONSTRAINTS: True,
    ExtensionOID.AUTHORITY_KEY_IDENTIFIER: False,
    ExtensionOID.SUBJECT_KEY_IDENTIFIER: False,
}


def new_key(kind: KeyKind = "ec") -> PrivateKey:
    """A private key of ``kind``; all but RSA are reproducible inside ``pki.deterministic``.

    secp224r1 and secp256k1 keys can sign certificates but not TLS 1.3 handshakes: use
    them for CAs, not for the leaf a lab server presents.
    """
    if kind in ("ec", "rsa1024", "rsa2048"):
        return pki.new_key(kind)
    seeded = pki._seeded[-1] if pki._seeded else None
    if kind == "ed25519":
        if seeded is not None:
            return ed25519.Ed25519PrivateKey.from_private_bytes(seeded.randbytes(32))
        return ed25519.Ed25519PrivateKey.generate()
    curve = _CURVES[kind]
    if seeded is not None:
        # any value below 2**(bits-1) is below the group order of these curves
        return ec.derive_private_key(seeded.randrange(1, 1 << (curve.key_size - 1)), curve)
    return ec.generate_private_key(curve)


def name(cn: str | None = None, org: str | None = "layerscope lab") -> x509.Name:
    """A subject or issuer name: O and CN as given (None leaves an attribute out, so
    ``name(None, None)`` is the empty name)."""
    if cn is not None and org is not None:
        return pki._name(cn, org)
    attrs = []
    if org is not None:
        attrs.append(x509.NameAttribute(x509.NameOID.ORGANIZATION_NAME, org))
    if cn is not None:
        attrs.append(x509.NameAttribute(x509.NameOID.COMMON_NAME, cn))
    return x509.Name(attrs)


def key_usage(*usages: str) -> x509.KeyUsage:
    """A keyUsage with the named bits set (``"digital_signature"``, ``"key_cert_sign"``,
    ``"crl_sign"``, ``"key_encipherment"``, ...; the attribute names of ``x509.KeyUsage``)."""
    bits = {
        "digital_signature": False,
        "content_commitment": False,
        "key_encipherment": False,
        "data_encipherment": False,
        "key_agreement": False,
        "key_cert_sign": False,
        "crl_sign": False,
        "encipher_only": False,
        "decipher_only": False,
    }
    for usage in usages:
        if usage not in bits:
            raise ValueError(f"unknown key usage {usage!r}")
        bits[usage] = True
    return x509.KeyUsage(**bits)


def eku(*usages: ObjectIdentifier) -> x509.ExtendedKeyUsage:
    """An extendedKeyUsage with ``usages`` (``ExtendedKeyUsageOID`` members or any OID)."""
    return x509.ExtendedKeyUsage(list(usages))


def _general_name(value: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_network(value))
    except ValueError:
        return x509.DNSName(value)


def name_constraints(
    permitted: Sequence[str] | None = None, excluded: Sequence[str] | None = None
) -> x509.NameConstraints:
    """nameConstraints from strings: ``"example.com"`` is a DNS subtree, ``"10.0.0.0/8"``
    an IP range."""
    return x509.NameConstraints(
        permitted_subtrees=[_general_name(v) for v in permitted] if permitted else None,
        excluded_subtrees=[_general_name(v) for v in excluded] if excluded else None,
    )


def raw(oid: ObjectIdentifier | str, value: bytes, *, critical: bool) -> Ext:
    """An extension with the DER ``value`` as is: an unknown OID, or a known one whose
    content cryptography would refuse to build (e.g. an empty nameConstraints)."""
    if isinstance(oid, str):
        oid = ObjectIdentifier(oid)
    return Ext(x509.UnrecognizedExtension(oid, value), critical)


def _resolve(spec: ExtSpec, default: Ext | None) -> Ext | None:
    if isinstance(spec, _Default):
        return default
    if spec is None or isinstance(spec, Ext):
        return spec
    return Ext(spec, _CRITICAL.get(spec.oid, False))


def issue(
    subject: str | x509.Name,
    *,
    now: dt.datetime,
    parent: Issued | None = None,
    key: PrivateKey | KeyKind = "ec",
    ca: bool = False,
    sans: Sequence[str] = (),
    org: str | None = None,
    issuer_name: x509.Name | None = None,
    days_before: float | None = None,
    days_after: float | None = None,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    serial: int | None = None,
    basic_constraints: ExtSpec = DEFAULT,
    key_usage: ExtSpec = DEFAULT,
    extended_key_usage: ExtSpec = DEFAULT,
    subject_alt_name: ExtSpec = DEFAULT,
    name_constraints: ExtSpec = DEFAULT,
    authority_key_id: ExtSpec = DEFAULT,
    subject_key_id: ExtSpec = DEFAULT,
    extra: Sequence[Ext] = (),
    pss: bool = False,
    pss_salt: int = 32,
    generalized_time: bool = False,
) -> Issued:
    """One certificate, signed by ``parent`` (None: by its own key, self-issued).

    Profiles (what :data:`DEFAULT` means): ``ca=True`` is like :func:`.pki.ca`
    (basicConstraints cA critical, keyUsage digitalSignature + keyCertSign + cRLSign
    critical, SKI, AKI when there is a parent); ``ca=False`` is like :func:`.pki.leaf`
    (basicConstraints cA false critical, SAN of ``sans`` when given, EKU serverAuth, SKI,
    AKI when there is a parent). No nameConstraints by default.

    ``subject`` is a CN (with O ``org``: "layerscope lab" for CAs, "layerscope lab site"
    for leaves) or a full ``x509.Name`` (``x509.Name([])`` is empty). ``issuer_name``
    overrides the issuer field (default: the parent's subject). Validity: ``days_before``
    / ``days_after`` around ``now`` (defaults 365/3650 for CAs, 10/80 for leaves) or the
    exact ``not_before`` / ``not_after``. ``serial`` may be anything, even negative or
    longer than 20 octets (then the DER is patched). ``extra`` extensions come last.
    ``pss`` signs with RSA-PSS, SHA-256 and a salt of ``pss_salt`` bytes (an RSA signer;
    the Web PKI allows only 32). ``generalized_time`` encodes the validity
    as GeneralizedTime although RFC 5280 4.1.2.5 wants UTCTime for dates before 2050 (DER
    patched).
    """
    own = new_key(key) if isinstance(key, str) else key
    signer = parent.key if parent is not None else own
    if isinstance(subject, str):
        subject = pki._name(subject, org or ("layerscope lab" if ca else "layerscope lab site"))
    if issuer_name is None:
        issuer_name = parent.cert.subject if parent is not None else subject
    before = days_before if days_before is not None else (365 if ca else 10)
    after = days_after if days_after is not None else (3650 if ca else 80)
    start = not_before or now - dt.timedelta(days=before)
    end = not_after or now + dt.timedelta(days=after)

    defaults: list[tuple[ExtSpec, Ext | None]] = [
        (basic_constraints, Ext(x509.BasicConstraints(ca=ca, path_length=None), True)),
        (
            key_usage,
            Ext(_key_usage_ca(), True) if ca else None,
        ),
        (
            extended_key_usage,
            None if ca else Ext(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False),
        ),
        (
            subject_alt_name,
            Ext(x509.SubjectAlternativeName([x509.DNSName(s) for s in sans]), False)
            if sans
            else None,
        ),
        (name_constraints, None),
        (subject_key_id, Ext(x509.SubjectKeyIdentifier.from_public_key(own.public_key()), False)),
        (
            authority_key_id,
            Ext(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(parent.key.public_key()),
                False,
            )
            if parent is not None
            else None,
        ),
    ]
    extensions = [e for e in (_resolve(spec, d) for spec, d in defaults) if e is not None]
    extensions.extend(extra)

    wanted_serial = serial if serial is not None else pki._serial()
    buildable = 0 < wanted_serial < (1 << 159)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(own.public_key())
        .serial_number(wanted_serial if buildable else 1)
        .not_valid_before(start)
        .not_valid_after(end)
    )
    for ext in extensions:
        builder = builder.add_extension(ext.value, critical=ext.critical)
    salt = pss_salt if pss else None
    cert = _build(builder, signer, salt=salt)
    if not buildable:
        cert = patch_tbs(cert, signer, lambda tbs: set_serial(tbs, wanted_serial), salt=salt)
    if generalized_time:
        cert = patch_tbs(cert, signer, generalized_validity, salt=salt)
    return Issued(cert, own)


def _key_usage_ca() -> x509.KeyUsage:
    return key_usage("digital_signature", "key_cert_sign", "crl_sign")


def _build(
    builder: x509.CertificateBuilder, signer: PrivateKey, *, salt: int | None
) -> x509.Certificate:
    if salt is not None:
        if not isinstance(signer, rsa.RSAPrivateKey):
            raise ValueError("RSA-PSS needs an RSA signer")
        return builder.sign(signer, hashes.SHA256(), rsa_padding=pss_padding(salt))
    return pki._sign(builder, signer)


__all__ = [
    "DEFAULT",
    "Ext",
    "ExtSpec",
    "KeyKind",
    "eku",
    "issue",
    "key_usage",
    "name",
    "name_constraints",
    "new_key",
    "raw",
]
