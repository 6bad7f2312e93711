"""Chain and trust findings of one layer: the verdict is the verifier's, the causes are ours.

* where the path ends and what is off in the served list (self-signed, untrusted root,
  incomplete, order, root sent, unrelated certificates), from the path builder;
* which Web PKI rule each certificate of the path breaks, from :mod:`pathcheck`: critical
  when the verifier refused the chain and the rule is one it enforces, a warning otherwise;
* ``verifier_refused`` when the verifier refused and nothing above explains it, so that a
  refusal is never silent.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from layerscope.model import CertFacts, ChainAnalysis, Finding, Layer, PathStatus, Role, Severity
from layerscope.model.evidence import (
    FoundCert,
    IncompleteChainEvidence,
    PrivateCaEvidence,
    RootInChainEvidence,
    SelfSignedEvidence,
    SignatureMismatchEvidence,
    TrustStoreDependentEvidence,
    UnrelatedCertEvidence,
    UntrustedRootEvidence,
    VerifierRefusedEvidence,
    WrongOrderEvidence,
    evidence_of,
)
from layerscope.x509.pathcheck import check_path
from layerscope.x509.pathcheck_types import Violation, cert_ref

#: Finding codes that explain why the verifier refused a chain.
TRUST_CODES = frozenset(
    {
        "expired",
        "not_yet_valid",
        "hostname_mismatch",
        "self_signed",
        "untrusted_root",
        "incomplete_chain",
        "unparseable_certificate",
        "expired_intermediate",
        "expired_root",
        "not_yet_valid_ca",
        "weak_signature",
        "weak_key",
        "unsupported_algorithm",
        "name_constraint_violation",
        "name_constraints_malformed",
        "issuer_not_ca",
        "ca_certificate_as_leaf",
        "path_length_exceeded",
        "eku_missing_server_auth",
        "key_usage_forbids_tls",
        "ca_missing_key_cert_sign",
        "unknown_critical_extension",
        "extension_criticality",
        "malformed_extension",
        "empty_name",
        "san_missing",
        "invalid_san",
        "certificate_not_v3",
        "invalid_serial",
        "key_identifier_missing",
        "signature_algorithm_mismatch",
    }
)
_GROUP_PREFIX = {"weak_key": "key too small: ", "weak_signature": "signed with a broken hash: "}


def rule_violations(chain: ChainAnalysis, at: dt.datetime, host: str = "") -> tuple[Violation, ...]:
    """The rules the certificates of the layer's path break (the trust store's copy of the
    anchor stands for the root, as the verifier judges that one)."""
    path = chain.path
    if chain.anchor is not None and path and path[-1].sha256 != chain.anchor.sha256:
        path = (*path[:-1], chain.anchor)
    return check_path(path, anchored=chain.anchor is not None, at=at, host=host)


def _grouped(
    violations: Sequence[Violation], refused: bool, here: tuple[str, ...]
) -> list[Finding]:
    order: list[str] = []
    groups: dict[str, list[Violation]] = {}
    for v in violations:
        if v.code not in groups:
            order.append(v.code)
        groups.setdefault(v.code, []).append(v)
    out: list[Finding] = []
    for code in order:
        group = groups[code]
        critical = refused and any(v.enforced for v in group)
        severity = Severity.CRITICAL if critical else Severity.WARNING
        summaries = list(dict.fromkeys(v.summary for v in group))
        prefix = _GROUP_PREFIX.get(code, "")
        summary = prefix + (", " if prefix else "; ").join(summaries)
        if not refused and any(v.enforced for v in group):
            summary += " (this verifier accepts it; stricter clients do not)"
        # the first violation's facts, and every violation's (the shapes declare the key)
        evidence: dict[str, Any] = dict(group[0].evidence)
        key = "certificates" if code in _GROUP_PREFIX else "items"
        evidence[key] = [dict(v.evidence) for v in group]
        out.append(Finding(code, severity, here, summary, evidence))
    return out


def _unlinkable(top: CertFacts, violations: Sequence[Violation]) -> bool:
    """The path stops at ``top`` because its signature cannot be checked at all (its two
    signature algorithm fields differ), not because its issuer is missing."""
    return any(
        v.code == "signature_algorithm_mismatch"
        and evidence_of(v, SignatureMismatchEvidence)["sha256"] == top.sha256
        for v in violations
    )


def _path_findings(
    layer: Layer, chain: ChainAnalysis, violations: Sequence[Violation]
) -> list[Finding]:
    here = (layer.address,)
    served = layer.probe.chain
    leaf = served[0]
    out: list[Finding] = []

    def add(code: str, severity: Severity, summary: str, evidence: Mapping[str, Any]) -> None:
        out.append(Finding(code, severity, here, summary, evidence))

    status = chain.built
    top = chain.path[-1]
    # a certificate file (preflight) holds what a server would send
    server = "the file" if layer.role is Role.FILE else "the server"
    sends = "holds" if layer.role is Role.FILE else "sends"
    if chain.verifier_ok:
        pass  # the verifier built a path from what was sent: where ours ended is moot
    elif status is PathStatus.SELF_SIGNED:
        add(
            "self_signed",
            Severity.CRITICAL,
            "the certificate is self-signed: no browser trusts it",
            SelfSignedEvidence(subject=leaf.subject, sha256=leaf.sha256),
        )
    elif status is PathStatus.UNTRUSTED_ROOT:
        root = top.subject if top.self_issued else chain.missing_issuer
        summary = (
            f"the chain ends at the root '{root}', which is not in the trust store"
            if top.self_issued
            else f"the chain stops at the issuer '{root}': it is neither sent nor in the "
            "trust store (a private root, or a missing intermediate)"
        )
        add(
            "untrusted_root",
            Severity.CRITICAL,
            summary,
            UntrustedRootEvidence(
                root=root,
                root_sha256=top.sha256 if top.self_issued else None,
                root_served=top.self_issued,
            ),
        )
    elif status is PathStatus.INCOMPLETE and chain.path_too_long:
        add(
            "untrusted_root",
            Severity.CRITICAL,
            f"no trusted root within {len(chain.path)} certificates: the chain is longer than "
            "clients follow (they give up and call it untrusted)",
            UntrustedRootEvidence(
                root=chain.missing_issuer,
                root_sha256=None,
                root_served=False,
                path_length=len(chain.path),
                served=len(served),
            ),
        )
    elif status is PathStatus.INCOMPLETE and not _unlinkable(top, violations):
        add(
            "incomplete_chain",
            Severity.CRITICAL,
            f"{server} {sends} no issuer for '{chain.missing_issuer}' and it could not be "
            "found anywhere",
            IncompleteChainEvidence(
                missing=[chain.missing_issuer],
                found=[],
                missing_issuer=chain.missing_issuer,
                ca_issuers=list(top.aia_issuers[:5]),
            ),
        )
    if chain.missing and chain.anchored and not chain.verifier_ok:
        names = [c.subject for c, _src in chain.missing]
        add(
            "incomplete_chain",
            Severity.CRITICAL,
            f"{server} does not {sends[:-1]} the intermediate {', '.join(names)}; clients that "
            "do not already have it call the certificate untrusted",
            IncompleteChainEvidence(
                missing=names,
                found=[
                    FoundCert(subject=c.subject, sha256=c.sha256, source=src)
                    for c, src in chain.missing
                ],
                ca_issuers=_ca_issuers(chain),
            ),
        )
    if status is PathStatus.PRIVATE:
        add(
            "private_ca",
            Severity.INFO,
            f"trusted only thanks to the extra CA '{top.subject}': browsers without it "
            "call the certificate untrusted",
            PrivateCaEvidence(root=top.subject, root_sha256=top.sha256),
        )
    if not chain.in_order:
        add(
            "wrong_order",
            Severity.WARNING,
            "the certificates are not sent leaf first, then each issuer in turn",
            WrongOrderEvidence(
                served_order=[c.subject for c in served],
                expected_order=[c.subject for c in chain.path if not c.self_issued or c is leaf],
            ),
        )
    if chain.root_served:
        add(
            "root_in_chain",
            Severity.INFO,
            f"{server} also {sends} the root '{top.subject}'",
            RootInChainEvidence(root=top.subject, root_sha256=top.sha256),
        )
    if chain.unrelated:
        add(
            "unrelated_cert_in_chain",
            Severity.WARNING,
            f"{server} {sends} certificates that are not on the path: "
            + ", ".join(c.subject for c in chain.unrelated),
            UnrelatedCertEvidence(unrelated=[cert_ref(c) for c in chain.unrelated]),
        )
    if chain.alt_status is not None and chain.anchored != (
        chain.alt_status in (PathStatus.TRUSTED, PathStatus.PRIVATE)
    ):
        verdict = (
            f"trusted by the main trust store but not by {chain.alt_store}"
            if chain.anchored
            else f"not trusted by the main trust store, but trusted by {chain.alt_store}"
        )
        add(
            "trust_store_dependent",
            Severity.WARNING,
            f"{verdict} (root '{top.subject}'): clients with an older or different store "
            "call it untrusted",
            TrustStoreDependentEvidence(
                root=top.subject,
                alt_store=chain.alt_store,
                status=status.value,
                alt_status=chain.alt_status.value,
            ),
        )
    return out


def _ca_issuers(chain: ChainAnalysis) -> list[str]:
    """The caIssuers URLs of the served certificate whose issuer the layer did not send
    (where the first missing intermediate can be downloaded)."""
    missing = {c.sha256 for c, _src in chain.missing}
    for below, above in itertools.pairwise(chain.path):
        if above.sha256 in missing:
            return list(below.aia_issuers[:5])
    return []


def chain_findings(
    layer: Layer, chain: ChainAnalysis, violations: Sequence[Violation]
) -> list[Finding]:
    """Path and rule findings of one layer (``violations`` from :func:`rule_violations`)."""
    here = (layer.address,)
    return [
        *_path_findings(layer, chain, violations),
        *_grouped(violations, not chain.verifier_ok, here),
    ]


def refusal_finding(layer: Layer, chain: ChainAnalysis, found: Sequence[Finding]) -> list[Finding]:
    """``verifier_refused`` when the verifier refused the chain and no critical finding of
    ``found`` explains it: no refusal is ever silent."""
    if chain.verifier_ok:
        return []
    if any(f.severity is Severity.CRITICAL and f.code in TRUST_CODES for f in found):
        return []
    message = chain.verifier_error or "refused without a reason"
    return [
        Finding(
            "verifier_refused",
            Severity.CRITICAL,
            (layer.address,),
            f"the X.509 verifier refuses the chain: {message}",
            VerifierRefusedEvidence(error=message),
        )
    ]


__all__ = ["TRUST_CODES", "chain_findings", "refusal_finding", "rule_violations"]
