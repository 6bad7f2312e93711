"""Rules for the leaf's names (subjectAltName), used by :mod:`pathcheck_ext`."""

from __future__ import annotations

import fnmatch
import ipaddress
import re
from collections.abc import Iterator

from cryptography import x509
from cryptography.x509.oid import ExtensionOID

from layerscope.model import CertFacts
from layerscope.model.evidence import (
    CnNotInSanEvidence,
    EmptyNameEvidence,
    ExtensionCriticalityEvidence,
    InvalidSanEvidence,
    SanMissingEvidence,
)
from layerscope.model.names import name_matches
from layerscope.x509.pathcheck_types import Violation

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def get_extension(
    exts: x509.Extensions, oid: x509.ObjectIdentifier
) -> x509.Extension[x509.ExtensionType] | None:
    """The extension ``oid``, or None when absent."""
    try:
        return exts.get_extension_for_oid(oid)
    except x509.ExtensionNotFound:
        return None


def san_rules(
    facts: CertFacts,
    cert: x509.Certificate,
    exts: x509.Extensions,
    constrained: frozenset[str],
    host: str,
) -> Iterator[Violation]:
    """Rules for the leaf's names: a subjectAltName present, critical exactly when the
    subject is empty, valid host names only, and the CN among them."""
    san = get_extension(exts, ExtensionOID.SUBJECT_ALTERNATIVE_NAME)
    empty_subject = len(cert.subject) == 0
    if san is None:
        if empty_subject:
            yield Violation(
                "empty_name",
                "the leaf has an empty subject and no subjectAltName: it names nobody",
                EmptyNameEvidence(subject=facts.subject, sha256=facts.sha256, field="subject"),
            )
        else:
            yield Violation(
                "san_missing",
                "the leaf has no subjectAltName: browsers ignore the subject CN"
                + (f" ('{facts.common_name}')" if facts.common_name else ""),
                SanMissingEvidence(
                    subject=facts.subject, sha256=facts.sha256, common_name=facts.common_name
                ),
            )
        return
    if san.critical != empty_subject:
        yield Violation(
            "extension_criticality",
            "the leaf's subjectAltName must be critical exactly when its subject is empty "
            f"(subject {'empty' if empty_subject else 'not empty'}, subjectAltName "
            f"{'critical' if san.critical else 'not critical'})",
            ExtensionCriticalityEvidence(
                subject=facts.subject,
                sha256=facts.sha256,
                extension="subjectAltName",
                oid=san.oid.dotted_string,
                critical=san.critical,
                expected=empty_subject,
            ),
        )
    value = san.value
    assert isinstance(value, x509.SubjectAlternativeName)
    dns = value.get_values_for_type(x509.DNSName)
    bad = [n for n in dns if not valid_dns_san(n)]
    # an iPAddress SAN is 4 or 16 octets; cryptography reads 8 or 32 as an address and mask
    bad_ips = [
        str(ip)
        for ip in value.get_values_for_type(x509.IPAddress)
        if not isinstance(ip, ipaddress.IPv4Address | ipaddress.IPv6Address)
    ]
    if bad_ips:
        yield Violation(
            "invalid_san",
            "the leaf's subjectAltName holds IP addresses of the wrong length (an address "
            "and a mask, not an address): " + ", ".join(bad_ips[:5]),
            InvalidSanEvidence(subject=facts.subject, sha256=facts.sha256, names=bad_ips[:50]),
            enforced="ip" in constrained,
        )
    if bad:
        yield Violation(
            "invalid_san",
            "the leaf's subjectAltName holds names that are not valid host names or wildcards: "
            + ", ".join(bad[:5])
            + (", ..." if len(bad) > 5 else ""),
            InvalidSanEvidence(subject=facts.subject, sha256=facts.sha256, names=bad[:50]),
            # clients skip such names (so it is the cause when one of them was meant to
            # cover the site and nothing else does), and refuse the chain when a CA above
            # constrains DNS names: such a name cannot be checked against the constraint
            enforced="dns" in constrained or _meant_for(bad, dns, host),
        )
    cn = facts.common_name
    # Baseline Requirements 7.1.4.3: a character-for-character copy of a dNSName, or an IP
    # address in its RFC 5952 text form (what str() of an address gives)
    ips = {str(ip) for ip in value.get_values_for_type(x509.IPAddress)}
    if cn and cn not in {*dns, *ips}:
        yield Violation(
            "cn_not_in_san",
            f"the subject CN '{cn}' is not a verbatim copy of one of the subjectAltNames "
            "(Baseline Requirements 7.1.4.3)",
            CnNotInSanEvidence(
                subject=facts.subject, sha256=facts.sha256, common_name=cn, names=list(dns[:50])
            ),
            enforced=False,
        )


def _loose(pattern: str, host: str) -> bool:
    """Would ``pattern`` cover ``host`` if read loosely (a ``*`` anywhere in a label, a
    trailing dot dropped)? What the person who requested the certificate meant."""
    p_labels = pattern.lower().rstrip(".").split(".")
    h_labels = host.lower().rstrip(".").split(".")
    return len(p_labels) == len(h_labels) and all(
        fnmatch.fnmatchcase(h, p) for p, h in zip(p_labels, h_labels, strict=True)
    )


def _meant_for(bad: list[str], names: list[str], host: str) -> bool:
    if not host or any(n not in bad and name_matches(n, host) for n in names):
        return False
    return any(_loose(n, host) for n in bad)


def valid_dns_san(name: str) -> bool:
    """A host name (letters, digits, hyphens; labels of 1-63; no trailing dot) or ``*.`` + such
    a name with at least two labels; no underscore, no partial or nested wildcard."""
    n = name.lower()
    if not n or len(n) > 253:
        return False
    labels = n.split(".")
    if labels[0] == "*":
        labels = labels[1:]
        if len(labels) < 2:
            return False
    return all(_LABEL.match(label) for label in labels)


def san_names(exts: x509.Extensions) -> list[x509.GeneralName]:
    """Every name of the subjectAltName (empty when absent)."""
    san = get_extension(exts, ExtensionOID.SUBJECT_ALTERNATIVE_NAME)
    if san is None or not isinstance(san.value, x509.SubjectAlternativeName):
        return []
    return list(san.value)


def san_values(exts: x509.Extensions) -> tuple[list[str], list[object]]:
    """DNS names and IP addresses of the subjectAltName (empty when absent)."""
    san = get_extension(exts, ExtensionOID.SUBJECT_ALTERNATIVE_NAME)
    if san is None or not isinstance(san.value, x509.SubjectAlternativeName):
        return [], []
    return (
        list(san.value.get_values_for_type(x509.DNSName)),
        list(san.value.get_values_for_type(x509.IPAddress)),
    )


__all__ = ["get_extension", "san_names", "san_rules", "san_values", "valid_dns_san"]
