"""Per-layer findings: what is wrong with what one layer serves."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from .certs import weak_hash, weak_key
from .model import (
    CertFacts,
    ChainAnalysis,
    ErrorKind,
    Finding,
    Layer,
    OcspResult,
    OcspState,
    PathStatus,
    ProbeError,
    Severity,
)
from .names import covers

UNREACHABLE_KINDS = frozenset(
    {
        ErrorKind.REFUSED,
        ErrorKind.CONNECT_TIMEOUT,
        ErrorKind.NO_ROUTE,
        ErrorKind.RESET,
        ErrorKind.HANDSHAKE_TIMEOUT,
        ErrorKind.INVALID_INPUT,
        ErrorKind.NXDOMAIN,
        ErrorKind.NO_ANSWER,
        ErrorKind.SERVFAIL,
        ErrorKind.DNS_TIMEOUT,
        ErrorKind.DNS_ERROR,
    }
)
NOT_TLS_KINDS = frozenset({ErrorKind.PLAIN_HTTP, ErrorKind.NOT_TLS})


@dataclass(frozen=True)
class Thresholds:
    """Expiry thresholds and the moment validity is judged.

    Attributes:
        at: evaluation time (UTC).
        warn_days: expiring_soon becomes a warning at or below this many days.
        crit_days: ... and critical at or below this many days.
    """

    at: dt.datetime
    warn_days: int = 21
    crit_days: int = 7


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _cert_ref(cert: CertFacts) -> dict[str, Any]:
    return {"subject": cert.subject, "sha256": cert.sha256}


def expiry_severity(days_left: float, th: Thresholds) -> Severity | None:
    """Severity of ``expiring_soon`` for a leaf with ``days_left`` (None: not soon)."""
    if days_left < 0:
        return None  # expired is its own finding
    if days_left <= th.crit_days:
        return Severity.CRITICAL
    if days_left <= th.warn_days:
        return Severity.WARNING
    return None


def leaf_is_valid(leaf: CertFacts, at: dt.datetime) -> bool:
    """``at`` lies within the leaf's validity period."""
    return leaf.not_before <= at <= leaf.not_after


def _error_finding(layer: Layer) -> Finding:
    error = layer.probe.error
    if error is None:  # the handshake finished but the server sent no certificate
        error = ProbeError(ErrorKind.TLS_ERROR, "the handshake completed without a certificate")
    evidence = {
        "error_kind": error.kind.value,
        "message": error.message,
        "elapsed_ms": error.elapsed_ms,
    }
    if error.kind in NOT_TLS_KINDS:
        code, summary = "not_tls", f"{layer.label} does not speak TLS: {error.message}"
    elif error.kind in UNREACHABLE_KINDS:
        code, summary = "unreachable", f"{layer.label} is unreachable: {error.message}"
    else:
        code, summary = "handshake_failed", f"{layer.label}: {error.message}"
    return Finding(code, Severity.CRITICAL, (layer.address,), summary, evidence)


def analyse_layer(layer: Layer, host: str, th: Thresholds) -> list[Finding]:
    """Findings for one layer; ``host`` is the A-label site name certificates must cover."""
    if not layer.probe.ok:
        return [_error_finding(layer)]
    leaf = layer.probe.chain[0]
    here = (layer.address,)
    out: list[Finding] = []

    def add(code: str, severity: Severity, summary: str, **evidence: Any) -> None:
        out.append(Finding(code, severity, here, summary, evidence))

    at = th.at
    if leaf.not_after < at:
        days = (at - leaf.not_after).total_seconds() / 86400
        add(
            "expired",
            Severity.CRITICAL,
            f"the certificate expired {days:.1f} days ago ({_iso(leaf.not_after)})",
            not_after=_iso(leaf.not_after),
            days_ago=round(days, 2),
            **_cert_ref(leaf),
        )
    elif leaf.not_before > at:
        days = (leaf.not_before - at).total_seconds() / 86400
        add(
            "not_yet_valid",
            Severity.CRITICAL,
            f"the certificate is valid only from {_iso(leaf.not_before)} (in {days:.1f} days)",
            not_before=_iso(leaf.not_before),
            days_until=round(days, 2),
            **_cert_ref(leaf),
        )
    else:
        days_left = leaf.days_left(at)
        severity = expiry_severity(days_left, th)
        if severity is not None:
            add(
                "expiring_soon",
                severity,
                f"the certificate expires in {days_left:.1f} days ({_iso(leaf.not_after)})",
                not_after=_iso(leaf.not_after),
                days_left=round(days_left, 2),
                warn_days=th.warn_days,
                crit_days=th.crit_days,
                **_cert_ref(leaf),
            )

    if not covers(leaf.sans, host):
        names = list(leaf.sans[:50])
        add(
            "hostname_mismatch",
            Severity.CRITICAL,
            f"{host} is not among the certificate's names ({', '.join(names[:5]) or 'none'}"
            f"{', ...' if len(leaf.sans) > 5 else ''})",
            host=host,
            names=names,
            names_total=len(leaf.sans),
            common_name=leaf.common_name,
        )

    chain = layer.chain
    if chain is not None:
        out.extend(_chain_findings(layer, chain, th))
    out.extend(_sni_findings(layer, host))
    return out


def _chain_findings(layer: Layer, chain: ChainAnalysis, th: Thresholds) -> list[Finding]:
    here = (layer.address,)
    served = layer.probe.chain
    leaf = served[0]
    out: list[Finding] = []

    def add(code: str, severity: Severity, summary: str, **evidence: Any) -> None:
        out.append(Finding(code, severity, here, summary, evidence))

    status = chain.status
    top = chain.path[-1]
    if status is PathStatus.SELF_SIGNED:
        add(
            "self_signed",
            Severity.CRITICAL,
            "the certificate is self-signed: no browser trusts it",
            **_cert_ref(leaf),
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
            root=root,
            root_sha256=top.sha256 if top.self_issued else None,
            root_served=top.self_issued,
        )
    elif status is PathStatus.INCOMPLETE and chain.path_too_long:
        add(
            "untrusted_root",
            Severity.CRITICAL,
            f"no trusted root within {len(chain.path)} certificates: the chain is longer than "
            "clients follow (they give up and call it untrusted)",
            root=chain.missing_issuer,
            root_sha256=None,
            root_served=False,
            path_length=len(chain.path),
            served=len(served),
        )
    elif status is PathStatus.INCOMPLETE:
        add(
            "incomplete_chain",
            Severity.CRITICAL,
            f"the server sends no issuer for '{chain.missing_issuer}' and it could not be "
            "found anywhere",
            missing=[chain.missing_issuer],
            found=[],
            missing_issuer=chain.missing_issuer,
        )
    if chain.missing and chain.anchored:
        names = [c.subject for c, _src in chain.missing]
        add(
            "incomplete_chain",
            Severity.CRITICAL,
            f"the server does not send the intermediate {', '.join(names)}; clients that "
            "do not already have it call the certificate untrusted",
            missing=names,
            found=[
                {"subject": c.subject, "sha256": c.sha256, "source": src}
                for c, src in chain.missing
            ],
        )
    if status is PathStatus.PRIVATE:
        add(
            "private_ca",
            Severity.INFO,
            f"trusted only thanks to the extra CA '{top.subject}': browsers without it "
            "call the certificate untrusted",
            root=top.subject,
            root_sha256=top.sha256,
        )
    if not chain.in_order:
        add(
            "wrong_order",
            Severity.WARNING,
            "the certificates are not sent leaf first, then each issuer in turn",
            served_order=[c.subject for c in served],
            expected_order=[c.subject for c in chain.path if not c.self_issued or c is leaf],
        )
    if chain.root_served:
        add(
            "root_in_chain",
            Severity.INFO,
            f"the server also sends the root '{top.subject}'",
            root=top.subject,
            root_sha256=top.sha256,
        )
    if chain.unrelated:
        add(
            "unrelated_cert_in_chain",
            Severity.WARNING,
            "the server sends certificates that are not on the path: "
            + ", ".join(c.subject for c in chain.unrelated),
            unrelated=[_cert_ref(c) for c in chain.unrelated],
        )
    for cert in chain.intermediates:
        if cert.not_after < th.at:
            add(
                "expired_intermediate",
                Severity.CRITICAL,
                f"the intermediate '{cert.subject}' expired on {_iso(cert.not_after)}",
                not_after=_iso(cert.not_after),
                **_cert_ref(cert),
            )
    weak_sigs = [c for c in (leaf, *chain.intermediates) if weak_hash(c)]
    if weak_sigs:
        add(
            "weak_signature",
            Severity.CRITICAL,
            "signed with a broken hash: "
            + ", ".join(f"'{c.subject}' ({c.signature_algorithm})" for c in weak_sigs),
            certificates=[
                {**_cert_ref(c), "signature_algorithm": c.signature_algorithm} for c in weak_sigs
            ],
        )
    weak_keys = [c for c in (leaf, *chain.intermediates) if weak_key(c)]
    if weak_keys:
        add(
            "weak_key",
            Severity.WARNING,
            "key too small: "
            + ", ".join(f"'{c.subject}' ({c.key_type} {c.key_bits} bits)" for c in weak_keys),
            certificates=[
                {**_cert_ref(c), "key_type": c.key_type, "key_bits": c.key_bits} for c in weak_keys
            ],
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
            root=top.subject,
            alt_store=chain.alt_store,
            status=status.value,
            alt_status=chain.alt_status.value,
        )
    return out


def _sni_findings(layer: Layer, host: str) -> list[Finding]:
    plain = layer.probe_no_sni
    leaf = layer.probe.leaf
    if plain is None or not plain.ok or leaf is None:
        return []
    default = plain.chain[0]
    if default.sha256 == leaf.sha256 or covers(default.sans, host):
        return []
    return [
        Finding(
            "default_cert_without_sni",
            Severity.WARNING,
            (layer.address,),
            f"without SNI {layer.label} serves '{default.subject}', which does not cover {host}",
            {
                "default_subject": default.subject,
                "default_sha256": default.sha256,
                "default_names": list(default.sans[:50]),
                "sni_sha256": leaf.sha256,
            },
        )
    ]


def revocation_findings(layer: Layer) -> list[Finding]:
    """Stapling and revocation findings of one layer (OCSP)."""
    leaf = layer.probe.leaf
    if not layer.probe.ok or leaf is None:
        return []
    here = (layer.address,)
    out: list[Finding] = []
    staple = layer.staple
    if layer.probe.ocsp_staple is None and leaf.ocsp_urls:
        out.append(
            Finding(
                "ocsp_staple_missing",
                Severity.INFO,
                here,
                f"{layer.label} staples no OCSP response although the certificate names a "
                "responder: clients must ask the CA themselves (slower, and a privacy leak)",
                {"ocsp_urls": list(leaf.ocsp_urls[:5])},
            )
        )
    elif staple is not None and staple.state is OcspState.INVALID:
        out.append(
            Finding(
                "ocsp_staple_invalid",
                Severity.WARNING,
                here,
                f"the stapled OCSP response is unusable: {staple.message}",
                {"message": staple.message, **_ocsp_dates(staple)},
            )
        )
    revoked = next(
        (r for r in (layer.ocsp, staple) if r is not None and r.state is OcspState.REVOKED), None
    )
    if revoked is not None:
        when = f" on {_iso(revoked.revoked_at)}" if revoked.revoked_at else ""
        said_by = "the stapled response" if revoked.source == "staple" else revoked.source
        out.append(
            Finding(
                "revoked",
                Severity.CRITICAL,
                here,
                f"the CA revoked this certificate{when}"
                + (f" ({revoked.reason})" if revoked.reason else "")
                + f" — said by {said_by}",
                {
                    "source": revoked.source,
                    "reason": revoked.reason,
                    "revoked_at": _iso(revoked.revoked_at) if revoked.revoked_at else None,
                    **_cert_ref(leaf),
                },
            )
        )
    return out


def _ocsp_dates(result: OcspResult) -> dict[str, Any]:
    return {
        "this_update": _iso(result.this_update) if result.this_update else None,
        "next_update": _iso(result.next_update) if result.next_update else None,
    }
