"""Extension rules of the Web PKI, one certificate at a time (used by :mod:`pathcheck`).

Each rule returns :class:`~layerscope.x509.pathcheck_types.Violation` values; whether a
violation is critical is decided by the caller from the verifier's verdict.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID

from layerscope.model import CertFacts
from layerscope.model.evidence import (
    CaAsLeafEvidence,
    EkuEvidence,
    EmptyNameEvidence,
    ExtensionCriticalityEvidence,
    IssuerNotCaEvidence,
    KeyIdentifierMissingEvidence,
    KeyUsageEvidence,
    NameConstraintsMalformedEvidence,
    UnknownCriticalExtensionEvidence,
)
from layerscope.x509.pathcheck_names import get_extension, san_rules
from layerscope.x509.pathcheck_types import Violation

#: Extensions cryptography's Web PKI verifier understands (a critical one of any other kind
#: makes it refuse the certificate, as RFC 5280 4.2 requires).
KNOWN_EXTENSIONS = frozenset(
    {
        ExtensionOID.BASIC_CONSTRAINTS,
        ExtensionOID.KEY_USAGE,
        ExtensionOID.EXTENDED_KEY_USAGE,
        ExtensionOID.SUBJECT_ALTERNATIVE_NAME,
        ExtensionOID.NAME_CONSTRAINTS,
        ExtensionOID.AUTHORITY_KEY_IDENTIFIER,
        ExtensionOID.SUBJECT_KEY_IDENTIFIER,
        ExtensionOID.AUTHORITY_INFORMATION_ACCESS,
    }
)
#: Extensions that must never be critical (RFC 5280 4.2.1.1, 4.2.1.2, 4.2.2.1; the Web PKI
#: also wants extendedKeyUsage non-critical).
MUST_NOT_BE_CRITICAL = {
    ExtensionOID.EXTENDED_KEY_USAGE: "extendedKeyUsage",
    ExtensionOID.AUTHORITY_KEY_IDENTIFIER: "authorityKeyIdentifier",
    ExtensionOID.SUBJECT_KEY_IDENTIFIER: "subjectKeyIdentifier",
    ExtensionOID.AUTHORITY_INFORMATION_ACCESS: "authorityInfoAccess",
}
_KU_NAMES = (
    "digital_signature",
    "content_commitment",
    "key_encipherment",
    "data_encipherment",
    "key_agreement",
    "key_cert_sign",
    "crl_sign",
)


def extensions(cert: x509.Certificate) -> x509.Extensions | None:
    """The certificate's extensions, or None when cryptography cannot parse them (that is
    reported as ``malformed_extension`` from the certificate's facts)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return cert.extensions
    except Exception:  # ValueError, DuplicateExtension, ...: reported elsewhere
        return None


def key_usages(ku: x509.KeyUsage) -> list[str]:
    """The bits a keyUsage asserts, by name (camelCase as in RFC 5280)."""
    names = [n for n in _KU_NAMES if getattr(ku, n)]
    if ku.key_agreement:
        names += [n for n in ("encipher_only", "decipher_only") if getattr(ku, n)]
    return [re.sub(r"_(\w)", lambda m: m.group(1).upper(), n) for n in names]


def eku_names(eku: x509.ExtendedKeyUsage) -> list[str]:
    """The purposes an extendedKeyUsage lists (names where known, else dotted OIDs)."""
    out = []
    for oid in eku:
        if oid == ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE:
            out.append("anyExtendedKeyUsage")
            continue
        name = getattr(oid, "_name", "")
        out.append(oid.dotted_string if not name or name == "Unknown OID" else name)
    return out


def _has_server_auth(eku: x509.ExtendedKeyUsage) -> bool:
    return ExtendedKeyUsageOID.SERVER_AUTH in list(eku)


def common_rules(
    facts: CertFacts, cert: x509.Certificate, exts: x509.Extensions
) -> Iterator[Violation]:
    """Rules for every certificate on the path: names and extension criticality."""
    if len(cert.issuer) == 0:
        yield Violation(
            "empty_name",
            f"'{facts.subject or '(empty subject)'}' has an empty issuer name (RFC 5280 4.1.2.4)",
            EmptyNameEvidence(subject=facts.subject, sha256=facts.sha256, field="issuer"),
        )
    for ext in exts:
        if ext.critical and ext.oid not in KNOWN_EXTENSIONS:
            yield Violation(
                "unknown_critical_extension",
                f"'{facts.subject}' carries the critical extension {ext.oid.dotted_string}, "
                "which clients do not know: they must refuse the certificate",
                UnknownCriticalExtensionEvidence(
                    subject=facts.subject, sha256=facts.sha256, oid=ext.oid.dotted_string
                ),
            )
        elif ext.critical and ext.oid in MUST_NOT_BE_CRITICAL:
            yield _criticality(facts, ext.oid, MUST_NOT_BE_CRITICAL[ext.oid], True, False)


def _criticality(
    facts: CertFacts,
    oid: x509.ObjectIdentifier,
    name: str,
    sent: bool,
    expected: bool,
    *,
    enforced: bool = True,
) -> Violation:
    return Violation(
        "extension_criticality",
        f"'{facts.subject}' marks {name} {'critical' if sent else 'not critical'}; it must "
        f"{'' if expected else 'not '}be critical",
        ExtensionCriticalityEvidence(
            subject=facts.subject,
            sha256=facts.sha256,
            extension=name,
            oid=oid.dotted_string,
            critical=sent,
            expected=expected,
        ),
        enforced=enforced,
    )


def leaf_rules(
    facts: CertFacts,
    cert: x509.Certificate,
    exts: x509.Extensions,
    self_signed: bool,
    constrained: frozenset[str] = frozenset(),
    host: str = "",
) -> Iterator[Violation]:
    """Rules for the end-entity (the served leaf)."""
    bc = get_extension(exts, ExtensionOID.BASIC_CONSTRAINTS)
    if bc is not None and isinstance(bc.value, x509.BasicConstraints) and bc.value.ca:
        yield Violation(
            "ca_certificate_as_leaf",
            f"the served leaf '{facts.subject}' is a CA certificate (basicConstraints cA=TRUE): "
            "a CA certificate cannot be a server certificate",
            CaAsLeafEvidence(subject=facts.subject, sha256=facts.sha256),
        )
    eku = get_extension(exts, ExtensionOID.EXTENDED_KEY_USAGE)
    if (
        eku is not None
        and isinstance(eku.value, x509.ExtendedKeyUsage)
        and not _has_server_auth(eku.value)
    ):
        names = eku_names(eku.value)
        yield Violation(
            "eku_missing_server_auth",
            f"the leaf's extendedKeyUsage does not allow TLS servers (serverAuth): it "
            f"lists {', '.join(names) or 'nothing'}",
            EkuEvidence(subject=facts.subject, sha256=facts.sha256, ekus=names),
        )
    ku = get_extension(exts, ExtensionOID.KEY_USAGE)
    if ku is not None and isinstance(ku.value, x509.KeyUsage):
        names = key_usages(ku.value)
        if ku.value.key_cert_sign:
            yield Violation(
                "key_usage_forbids_tls",
                f"the leaf's keyUsage asserts keyCertSign ({', '.join(names)}): a server "
                "certificate must not be able to sign certificates",
                KeyUsageEvidence(subject=facts.subject, sha256=facts.sha256, key_usages=names),
            )
        elif not (ku.value.digital_signature or ku.value.key_encipherment):
            yield Violation(
                "key_usage_forbids_tls",
                f"the leaf's keyUsage ({', '.join(names) or 'nothing'}) allows neither "
                "digitalSignature nor keyEncipherment: a TLS server cannot use the key",
                KeyUsageEvidence(subject=facts.subject, sha256=facts.sha256, key_usages=names),
                enforced=False,
            )
    if get_extension(exts, ExtensionOID.NAME_CONSTRAINTS) is not None:
        yield Violation(
            "name_constraints_malformed",
            f"the leaf '{facts.subject}' carries nameConstraints, which only CA certificates "
            "may carry (RFC 5280 4.2.1.10)",
            NameConstraintsMalformedEvidence(
                ca=facts.subject, ca_sha256=facts.sha256, reason="on a leaf certificate"
            ),
        )
    yield from san_rules(facts, cert, exts, constrained, host)
    # the verifier requires it of every leaf (Baseline Requirements 7.1.2.7.5)
    if not self_signed and get_extension(exts, ExtensionOID.AUTHORITY_KEY_IDENTIFIER) is None:
        yield _key_id_missing(facts, "authorityKeyIdentifier", "7.1.2.7.5")


def _key_id_missing(
    facts: CertFacts, name: str, section: str, *, enforced: bool = True
) -> Violation:
    return Violation(
        "key_identifier_missing",
        f"'{facts.subject}' has no {name} (Baseline Requirements {section}): clients that "
        "build paths by key identifier may pick the wrong issuer",
        KeyIdentifierMissingEvidence(subject=facts.subject, sha256=facts.sha256, extension=name),
        enforced=enforced,
    )


def ca_rules(
    facts: CertFacts, cert: x509.Certificate, exts: x509.Extensions, is_root: bool
) -> Iterator[Violation]:
    """Rules for a certificate that issues another one on the path (intermediate or root)."""
    if len(cert.subject) == 0:
        yield Violation(
            "empty_name",
            "a CA certificate on the path has an empty subject (RFC 5280 4.1.2.6)",
            EmptyNameEvidence(subject=facts.subject, sha256=facts.sha256, field="subject"),
        )
    bc = get_extension(exts, ExtensionOID.BASIC_CONSTRAINTS)
    if bc is None or not isinstance(bc.value, x509.BasicConstraints):
        yield Violation(
            "issuer_not_ca",
            f"'{facts.subject}' issues a certificate on the path but has no basicConstraints: "
            "it is not a CA",
            IssuerNotCaEvidence(
                subject=facts.subject, sha256=facts.sha256, reason="no basicConstraints extension"
            ),
        )
    elif not bc.value.ca:
        yield Violation(
            "issuer_not_ca",
            f"'{facts.subject}' issues a certificate on the path but is not a CA "
            "(basicConstraints cA=FALSE)",
            IssuerNotCaEvidence(
                subject=facts.subject, sha256=facts.sha256, reason="basicConstraints cA is false"
            ),
        )
    elif not bc.critical:
        yield _criticality(facts, bc.oid, "basicConstraints", False, True)
    ku = get_extension(exts, ExtensionOID.KEY_USAGE)
    if ku is None or not isinstance(ku.value, x509.KeyUsage):
        yield Violation(
            "ca_missing_key_cert_sign",
            f"the CA '{facts.subject}' has no keyUsage extension (it must assert keyCertSign)",
            KeyUsageEvidence(subject=facts.subject, sha256=facts.sha256, key_usages=[]),
        )
    elif not ku.value.key_cert_sign:
        names = key_usages(ku.value)
        yield Violation(
            "ca_missing_key_cert_sign",
            f"the CA '{facts.subject}' has keyUsage without keyCertSign "
            f"({', '.join(names) or 'nothing'}): it may not sign certificates",
            KeyUsageEvidence(subject=facts.subject, sha256=facts.sha256, key_usages=names),
        )
    elif not ku.critical and not is_root:
        # Baseline Requirements 7.1.2.10.7: critical in CA certificates (clients accept it)
        yield _criticality(facts, ku.oid, "keyUsage", False, True, enforced=False)
    aki = get_extension(exts, ExtensionOID.AUTHORITY_KEY_IDENTIFIER)
    if (
        aki is not None
        and isinstance(aki.value, x509.AuthorityKeyIdentifier)
        and aki.value.key_identifier is None
    ):
        yield Violation(
            "key_identifier_missing",
            f"the authorityKeyIdentifier of the CA '{facts.subject}' holds no keyIdentifier "
            "(only issuer and serial): clients require the key identifier",
            KeyIdentifierMissingEvidence(
                subject=facts.subject,
                sha256=facts.sha256,
                extension="authorityKeyIdentifier.keyIdentifier",
            ),
        )
    eku = get_extension(exts, ExtensionOID.EXTENDED_KEY_USAGE)
    if eku is not None and isinstance(eku.value, x509.ExtendedKeyUsage):
        names = eku_names(eku.value)
        any_eku = ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE in list(eku.value)
        if not _has_server_auth(eku.value) and not any_eku:
            yield Violation(
                "eku_missing_server_auth",
                f"the CA '{facts.subject}' restricts its extendedKeyUsage to "
                f"{', '.join(names) or 'nothing'}: no serverAuth, so no TLS server "
                "certificate below it is valid",
                EkuEvidence(subject=facts.subject, sha256=facts.sha256, ekus=names),
            )
    # roots come from trust stores, where old ones lack key identifiers: not the site's fault
    if not is_root and get_extension(exts, ExtensionOID.SUBJECT_KEY_IDENTIFIER) is None:
        yield _key_id_missing(facts, "subjectKeyIdentifier", "7.1.2.11.4", enforced=False)
    if not is_root and get_extension(exts, ExtensionOID.AUTHORITY_KEY_IDENTIFIER) is None:
        yield _key_id_missing(facts, "authorityKeyIdentifier", "7.1.2.11.1", enforced=False)


def basic_constraints(exts: x509.Extensions) -> x509.BasicConstraints | None:
    """The basicConstraints value, if present and readable."""
    bc = get_extension(exts, ExtensionOID.BASIC_CONSTRAINTS)
    return bc.value if bc is not None and isinstance(bc.value, x509.BasicConstraints) else None


def name_constraints(exts: x509.Extensions) -> x509.NameConstraints | None:
    """The nameConstraints value, if present and readable."""
    nc = get_extension(exts, ExtensionOID.NAME_CONSTRAINTS)
    return nc.value if nc is not None and isinstance(nc.value, x509.NameConstraints) else None


__all__ = [
    "KNOWN_EXTENSIONS",
    "basic_constraints",
    "ca_rules",
    "common_rules",
    "eku_names",
    "extensions",
    "key_usages",
    "leaf_rules",
    "name_constraints",
]
