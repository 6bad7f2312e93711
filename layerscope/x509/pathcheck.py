"""Why a chain is refused: the Web PKI rules, checked certificate by certificate on a path.

cryptography's verifier (:mod:`layerscope.x509.verify`) gives the verdict, with a terse
message that names only the last candidate it tried. These rules name the cause: which
certificate, which field, what it holds and what it should. Each rule returns a
:class:`Violation`; whether it is critical is decided from the verdict (a rule the verifier
enforces is critical when the chain was refused, a warning when it was accepted anyway).

The path is the one our path builder found (leaf first, the trust anchor last when it
reached one), or as far as it got.
"""

from __future__ import annotations

import datetime as dt
import functools
import warnings
from collections.abc import Iterator, Sequence

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.x509.oid import ExtensionOID

from layerscope.model import CertFacts
from layerscope.model.evidence import (
    CertRole,
    ExpiredCaEvidence,
    InvalidSerialEvidence,
    MalformedExtensionEvidence,
    NameConstraintsMalformedEvidence,
    NameConstraintViolationEvidence,
    NotV3Evidence,
    NotYetValidCaEvidence,
    PathLengthEvidence,
    SignatureMismatchEvidence,
)
from layerscope.model.times import iso_utc
from layerscope.x509 import der, nameconstraints
from layerscope.x509.certs import load
from layerscope.x509.pathcheck_algs import WEBPKI_CURVES, key_rules, signature_rules
from layerscope.x509.pathcheck_ext import (
    basic_constraints,
    ca_rules,
    common_rules,
    extensions,
    leaf_rules,
    name_constraints,
)
from layerscope.x509.pathcheck_names import san_names
from layerscope.x509.pathcheck_types import Violation


def check_path(
    path: Sequence[CertFacts], *, anchored: bool, at: dt.datetime, host: str = ""
) -> tuple[Violation, ...]:
    """Every rule the certificates of ``path`` break, leaf first.

    ``host`` is the site name (to tell whether an invalid SAN was meant to cover it).
    ``anchored``: the last certificate is the trust anchor (its own signature is not
    judged, as clients do not check it; everything else about it is). The leaf's own
    validity is judged by the per-layer analysis, not here.
    """
    if not path:
        return ()
    return _check_path(tuple(path), anchored, at, host)


@functools.lru_cache(maxsize=1024)
def _check_path(
    path: tuple[CertFacts, ...], anchored: bool, at: dt.datetime, host: str
) -> tuple[Violation, ...]:
    # cached: the layers of a site (and many sites behind one CDN) serve the same chain
    roles: dict[str, CertRole] = {c.sha256: "intermediate" for c in path[1:]}
    if len(path) > 1 and path[-1].self_issued:
        roles[path[-1].sha256] = "root"
    roles[path[0].sha256] = "leaf"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # odd names and serials make cryptography warn
        found = list(_check(path, anchored, at, host))
    return tuple(_with_role(v, roles) for v in found)


def _with_role(v: Violation, roles: dict[str, CertRole]) -> Violation:
    """Say which certificate of the path it is about: "leaf", "intermediate" or "root"."""
    if "role" in v.evidence:
        return v
    sha = v.evidence.get("sha256") or v.evidence.get("ca_sha256")
    role = roles.get(sha) if isinstance(sha, str) else None
    if role is None:
        return v
    return Violation(v.code, v.summary, {**v.evidence, "role": role}, v.enforced)


def _check(
    path: Sequence[CertFacts], anchored: bool, at: dt.datetime, host: str
) -> Iterator[Violation]:
    leaf = path[0]
    top = path[-1]
    rooted = len(path) > 1 and top.self_issued  # ends at a root (trusted or not)
    # the last certificate is a trust anchor: a root, or an intermediate put in the store
    anchor_last = len(path) > 1 and (rooted or anchored)
    alone = len(path) == 1 and leaf.self_issued  # a self-signed leaf
    loaded = [load(c.der) for c in path]
    exts = [extensions(x) for x in loaded]
    constraints = [
        (i, nc)
        for i, e in enumerate(exts)
        if i > 0 and e is not None
        for nc in [name_constraints(e)]
        if nc is not None
    ]
    # the name forms some CA above constrains ("dns", "ip"): a malformed name of that form
    # cannot be checked against the constraint, and clients refuse the chain
    constrained = frozenset(
        kind
        for _i, nc in constraints
        for t in (*(nc.permitted_subtrees or ()), *(nc.excluded_subtrees or ()))
        for kind in (
            "dns" if isinstance(t, x509.DNSName) else "ip" if isinstance(t, x509.IPAddress) else "",
        )
        if kind
    )
    for i, (facts, x, ext) in enumerate(zip(path, loaded, exts, strict=True)):
        yield from _safe(_basic(facts, x, anchor=anchor_last and i == len(path) - 1))
        yield from _malformed(facts)
        if ext is None:
            continue
        yield from _safe(common_rules(facts, x, ext))
        if i == 0:
            # a self-signed leaf needs no issuer's key identifier, unless it is trusted as is
            yield from _safe(leaf_rules(facts, x, ext, alone and not anchored, constrained, host))
        else:
            yield from _safe(ca_rules(facts, x, ext, is_root=anchor_last and i == len(path) - 1))
            yield from _safe(_path_length(facts, ext, i))
    for i, cert in enumerate(path[1:], start=1):
        is_top = i == len(path) - 1
        if is_top and rooted and not anchored:
            continue  # an untrusted root's dates do not matter: nobody trusts it anyway
        yield from _ca_validity(cert, at, "root" if is_top and anchor_last else "intermediate")
    for i, cert in enumerate(path):
        issuer = i > 0  # its key verifies a signature on the path
        if issuer or not alone:
            yield from _safe(key_rules(cert, loaded[i], enforced=issuer))
    # a trust anchor's own signature is never checked by clients
    signed = path[:-1] if (anchor_last or alone) else path
    for i, cert in enumerate(signed):
        yield from _safe(signature_rules(cert, loaded[i]))
    for i, nc in constraints:
        # the names of every certificate below the CA, but self-issued intermediates'
        for j in range(i):
            below = exts[j]
            if (j == 0 or not path[j].self_issued) and below is not None:
                yield from _safe(_names(path[i], exts[i], nc, path[j], below, j == 0))


def _safe(rules: Iterator[Violation]) -> Iterator[Violation]:
    """The violations of one rule group; a certificate so odd that cryptography raises while
    a rule reads it ends that group, never the report (the verifier's verdict still stands,
    and ``verifier_refused`` names a refusal nothing else explains)."""
    try:
        yield from rules
    except (ValueError, TypeError, KeyError, UnsupportedAlgorithm):
        return


def _basic(facts: CertFacts, cert: x509.Certificate, *, anchor: bool) -> Iterator[Violation]:
    if _algorithms_differ(facts.der):
        yield Violation(
            "signature_algorithm_mismatch",
            f"'{facts.subject}' names one signature algorithm in its signed part and another "
            "outside it (RFC 5280 4.1.1.2: they must be identical)",
            SignatureMismatchEvidence(
                subject=facts.subject, sha256=facts.sha256, algorithm=facts.signature_algorithm
            ),
        )
    if cert.version is not x509.Version.v3:
        yield Violation(
            "certificate_not_v3",
            f"'{facts.subject}' is an X.509 {cert.version.name} certificate: the Web PKI "
            "accepts only v3",
            NotV3Evidence(subject=facts.subject, sha256=facts.sha256, version=cert.version.name),
        )
    serial = cert.serial_number
    der_octets = serial.bit_length() // 8 + 1
    if serial == 0 and not anchor:  # old roots in real stores have serial 0: not the site's fault
        yield Violation(
            "invalid_serial",
            f"'{facts.subject}' has the serial number 0 (RFC 5280 4.1.2.2: a positive integer)",
            InvalidSerialEvidence(
                subject=facts.subject, sha256=facts.sha256, serial=facts.serial, octets=der_octets
            ),
            enforced=False,
        )
    elif serial < 0 or der_octets > 21:
        yield Violation(
            "invalid_serial",
            f"'{facts.subject}' has a serial number that is "
            + ("negative" if serial < 0 else f"{der_octets} octets long")
            + " (RFC 5280 4.1.2.2: a positive integer of at most 20 octets)",
            InvalidSerialEvidence(
                subject=facts.subject, sha256=facts.sha256, serial=facts.serial, octets=der_octets
            ),
        )


def _algorithms_differ(data: bytes) -> bool:
    """The outer signatureAlgorithm differs from the TBSCertificate's signature field."""
    try:
        parts = der.certificate(data)
    except der.DerError:
        return False
    inner = next((f for f in parts.tbs_fields if f.tag == der.SEQUENCE), None)
    return inner is not None and inner.raw != parts.signature_algorithm


def _malformed(facts: CertFacts) -> Iterator[Violation]:
    for name, oid, error in getattr(facts, "malformed_extensions", ()):
        if oid == ExtensionOID.NAME_CONSTRAINTS.dotted_string:
            yield Violation(
                "name_constraints_malformed",
                f"the nameConstraints of '{facts.subject}' cannot be parsed: {error}",
                NameConstraintsMalformedEvidence(
                    ca=facts.subject, ca_sha256=facts.sha256, reason=error
                ),
            )
            continue
        yield Violation(
            "malformed_extension",
            f"the {name} extension of '{facts.subject}' cannot be parsed: {error}",
            MalformedExtensionEvidence(
                subject=facts.subject, sha256=facts.sha256, extension=name, oid=oid, error=error
            ),
        )


def _path_length(facts: CertFacts, ext: x509.Extensions, index: int) -> Iterator[Violation]:
    bc = basic_constraints(ext)
    if bc is None or not bc.ca or bc.path_length is None:
        return
    below = index - 1  # intermediates between it and the leaf (clients count every one)
    if below > bc.path_length:
        yield Violation(
            "path_length_exceeded",
            f"the CA '{facts.subject}' allows {bc.path_length} intermediate"
            f"{'' if bc.path_length == 1 else 's'} below it (pathLenConstraint), the path has "
            f"{below}",
            PathLengthEvidence(
                ca=facts.subject, ca_sha256=facts.sha256, path_length=bc.path_length, below=below
            ),
        )


def _ca_validity(cert: CertFacts, at: dt.datetime, role: CertRole) -> Iterator[Violation]:
    if cert.not_after < at:
        code = "expired_root" if role == "root" else "expired_intermediate"
        yield Violation(
            code,
            f"the {role} '{cert.subject}' expired on {iso_utc(cert.not_after)}",
            ExpiredCaEvidence(
                subject=cert.subject, sha256=cert.sha256, not_after=iso_utc(cert.not_after)
            ),
        )
    elif cert.not_before > at:
        yield Violation(
            "not_yet_valid_ca",
            f"the {role} '{cert.subject}' is valid only from {iso_utc(cert.not_before)}",
            NotYetValidCaEvidence(
                subject=cert.subject,
                sha256=cert.sha256,
                not_before=iso_utc(cert.not_before),
                role=role,
            ),
        )


def _names(
    ca: CertFacts,
    ext: x509.Extensions | None,
    nc: x509.NameConstraints,
    below: CertFacts,
    below_ext: x509.Extensions,
    is_leaf: bool,
) -> Iterator[Violation]:
    reason = nameconstraints.malformed_reason(nc)
    critical = False
    if ext is not None:
        try:
            critical = ext.get_extension_for_oid(ExtensionOID.NAME_CONSTRAINTS).critical
        except x509.ExtensionNotFound:
            critical = False
    trees = (*(nc.permitted_subtrees or ()), *(nc.excluded_subtrees or ()))
    if not reason and critical and any(isinstance(t, x509.DirectoryName) for t in trees):
        reason = "directoryName constraints in a critical nameConstraints are not supported"
    names = san_names(below_ext)
    if not reason:
        reason = nameconstraints.unsupported_reason(nc, names)
    if reason:
        if is_leaf:  # said once per CA, not once per certificate below it
            yield Violation(
                "name_constraints_malformed",
                f"the nameConstraints of the CA '{ca.subject}' cannot be used: {reason}",
                NameConstraintsMalformedEvidence(ca=ca.subject, ca_sha256=ca.sha256, reason=reason),
            )
        return
    dns = [n.value for n in names if isinstance(n, x509.DNSName)]
    addrs = [
        n.value
        for n in names
        if isinstance(n, x509.IPAddress) and isinstance(n.value, nameconstraints.IPAddr)
    ]
    whose = "the leaf's" if is_leaf else f"the intermediate '{below.subject}''s"
    grouped: dict[tuple[str, str], list[str]] = {}
    for hit in nameconstraints.violations(nc, dns, addrs):
        grouped.setdefault((hit.kind, hit.constraint), []).append(hit.name)
    for (kind, constraint), hits in grouped.items():
        inside = "inside" if kind == "excluded" else "outside"
        listed = ", ".join(hits[:5]) + (", ..." if len(hits) > 5 else "")
        yield Violation(
            "name_constraint_violation",
            f"the CA '{ca.subject}' constrains names ({constraint}): {whose} "
            f"name{'s' if len(hits) > 1 else ''} {listed} {'are' if len(hits) > 1 else 'is'} "
            f"{inside} them",
            NameConstraintViolationEvidence(
                ca=ca.subject,
                ca_sha256=ca.sha256,
                constraint=constraint,
                kind=kind,
                name=hits[0],
                names=hits[:50],
                certificate=below.subject,
                certificate_sha256=below.sha256,
            ),
        )


__all__ = ["WEBPKI_CURVES", "Violation", "check_path"]
