"""Parse certificates with cryptography into :class:`CertFacts` and check who issued whom."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import warnings
from collections import Counter

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtensionOID, NameOID

from layerscope.model import CertFacts
from layerscope.x509 import der as asn1
from layerscope.x509.signatures import signature_ok


class CertificateError(ValueError):
    """The bytes are not a certificate we can read.

    Attributes:
        reason: why, as one short sentence without the raw bytes (the message may add
            context, e.g. "not a readable X.509 certificate: <reason>").
    """

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason or message


# what cryptography raises for a certificate OpenSSL accepts but it refuses
PARSE_ERRORS = (
    ValueError,
    TypeError,
    x509.InvalidVersion,
    x509.DuplicateExtension,
    x509.UnsupportedGeneralNameType,
)
#: Extensions examined one by one when a certificate's extensions cannot be parsed (more
#: than that, from a peer, is taken as unparseable rather than worked through).
MAX_EXTENSIONS = 100
_PARSE_KIND = re.compile(r"ParseError \{ kind: ([A-Za-z]+)")
_PARSE_LOCATION = re.compile(r"location: \[([^\]]{0,300})\]")


def _short(text: str, limit: int = 120) -> str:
    """One line of printable ASCII, at most ``limit`` characters (untrusted text)."""
    clean = " ".join("".join(ch if " " <= ch <= "~" else "?" for ch in text).split())
    return clean if len(clean) <= limit else clean[: limit - 3] + "..."


def _words(identifier: str) -> str:
    """``UnexpectedTag`` -> ``unexpected tag``."""
    return re.sub(r"(?<!^)(?=[A-Z])", " ", identifier).lower()


def extension_name(oid: str) -> str:
    """cryptography's name of an extension OID ("subjectAltName"), else the dotted OID."""
    try:
        name = getattr(x509.ObjectIdentifier(oid), "_name", "")
    except ValueError:
        return oid
    return oid if not name or name == "Unknown OID" else str(name)


def parse_reason(exc: BaseException) -> str:
    """Why cryptography refused a certificate, as one short sentence without raw bytes."""
    if isinstance(exc, x509.InvalidVersion):
        value = exc.parsed_version
        if value == 1:
            return "X.509 version value 1 (v2): cryptography parses only v1 and v3 certificates"
        shown = str(value) if 0 <= value < 1000 else "out of range"
        return f"invalid X.509 version value {shown} (v1 to v3 are the values 0 to 2)"
    if isinstance(exc, x509.DuplicateExtension):
        oid = exc.oid.dotted_string
        return f"the {extension_name(oid)} extension ({oid}) appears more than once"
    text = str(exc)
    kind = _PARSE_KIND.search(text)
    if kind is not None:
        where = _PARSE_LOCATION.search(text)
        place = ""
        if where is not None:
            steps = [s.strip().strip('"') for s in where.group(1).split(",")]
            steps = [s for s in steps if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_:]{0,60}", s)]
            place = f" in {' / '.join(steps[:4])}" if steps else ""
        return f"malformed DER: {_words(kind.group(1))}{place}"
    return _short(text) or type(exc).__name__


def _load(der: bytes) -> x509.Certificate:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return x509.load_der_x509_certificate(der)


@functools.lru_cache(maxsize=4096)
def load(der: bytes) -> x509.Certificate:
    """Parse DER bytes (cached: the same certificate is served by many layers).

    cryptography reads extensions lazily: a certificate with a malformed extension loads,
    and only ``.extensions`` (or the verifier) refuses it.
    """
    try:
        return _load(der)
    except PARSE_ERRORS as exc:
        reason = parse_reason(exc)
        raise CertificateError(f"not a readable X.509 certificate: {reason}", reason) from exc


def name_text(value: x509.Name) -> str:
    """A name as :attr:`CertFacts.subject` and ``issuer`` show it (RFC 4514)."""
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


def _extension_error(cert: asn1.Certificate, ext: asn1.Extension) -> str | None:
    """Why cryptography refuses ``ext`` (tried alone in a copy of ``cert``), or None."""
    try:
        _load(cert.with_extensions([ext]).to_der()).extensions  # noqa: B018 - parse it
    except PARSE_ERRORS as exc:
        return parse_reason(exc)
    return None


def _without_bad_extensions(
    der: bytes, cause: BaseException
) -> tuple[x509.Certificate, tuple[tuple[str, str, str], ...]]:
    """A copy of the certificate without the extensions cryptography refuses (each tried
    alone; of a repeated extension only the first is kept), and what was left out.

    The copy's signature no longer matches: it is only read, never verified.
    """
    why = parse_reason(cause)
    try:
        parts = asn1.certificate(der)
        exts = parts.extensions
    except asn1.DerError as exc:
        raise CertificateError(f"the extensions cannot be read: {why} ({exc})", why) from exc
    if len(exts) > MAX_EXTENSIONS:
        raise CertificateError(
            f"the extensions cannot be read: {why} ({len(exts)} extensions)", why
        )
    counts = Counter(e.oid for e in exts)
    keep: list[asn1.Extension] = []
    bad: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for ext in exts:
        name = extension_name(ext.oid)
        if ext.oid in seen:
            entry = (name, ext.oid, f"the {name} extension appears {counts[ext.oid]} times")
            if entry not in bad:
                bad.append(entry)
            continue
        seen.add(ext.oid)
        error = _extension_error(parts, ext)
        if error is None:
            keep.append(ext)
        else:
            bad.append((name, ext.oid, error))
    if not bad:
        raise CertificateError(f"the extensions cannot be read: {why}", why)
    try:
        copy = _load(parts.with_extensions(keep).to_der())
        copy.extensions  # noqa: B018 - parse now, not later in some renderer
    except PARSE_ERRORS as exc:
        reason = parse_reason(exc)
        raise CertificateError(f"the extensions cannot be read: {reason}", reason) from exc
    return copy, tuple(bad)


@functools.lru_cache(maxsize=4096)
def facts(der: bytes) -> CertFacts:
    """Everything the analysis and the renderers need to know about one certificate.

    Raises CertificateError when cryptography cannot parse it. A certificate whose
    extensions cannot all be parsed is read without the bad ones, which are listed in
    ``malformed_extensions`` (its SANs are not silently lost for one broken extension).
    """
    with warnings.catch_warnings():
        # odd serials and over-long names make cryptography warn on every read: the rules
        # report them (invalid_serial, ...), users need no Python warning
        warnings.simplefilter("ignore")
        cert = load(der)
        malformed: tuple[tuple[str, str, str], ...] = ()
        try:
            cert.extensions  # noqa: B018 - eagerly: lazily a failure would look like "absent"
        except PARSE_ERRORS as exc:
            cert, malformed = _without_bad_extensions(der, exc)
        try:
            return _facts(der, cert, malformed)
        except PARSE_ERRORS as exc:
            reason = parse_reason(exc)
            raise CertificateError(f"not a readable X.509 certificate: {reason}", reason) from exc


def _facts(
    der: bytes, cert: x509.Certificate, malformed: tuple[tuple[str, str, str], ...]
) -> CertFacts:
    with warnings.catch_warnings():
        # over-long name attributes make cryptography warn on every read: not for users
        warnings.simplefilter("ignore")
        subject, issuer = cert.subject, cert.issuer
        key_type, key_bits, spki = _key(cert)
        sig_name, sig_hash = _signature(cert)
        aia_issuers, ocsp_urls = _aia(cert)
        return CertFacts(
            der=der,
            subject=name_text(subject),
            issuer=name_text(issuer),
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
            malformed_extensions=malformed,
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
    return signature_ok(key, child.signature, child.tbs_certificate_bytes, algo)


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


__all__ = [
    "MAX_EXTENSIONS",
    "PARSE_ERRORS",
    "CertificateError",
    "extension_name",
    "facts",
    "is_self_signed",
    "issued_by",
    "load",
    "name_text",
    "parse_reason",
    "utc",
    "weak_hash",
    "weak_key",
]
