"""Per-layer findings: what is wrong with what one layer serves."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from layerscope.diagnose.chain import chain_findings, refusal_finding, rule_violations
from layerscope.diagnose.unparsed import parse_findings
from layerscope.model import (
    CertFacts,
    ErrorKind,
    Finding,
    Layer,
    OcspState,
    ProbeError,
    Severity,
)
from layerscope.model.evidence import (
    ConnectionEvidence,
    DefaultCertEvidence,
    EmptyNameEvidence,
    ExpiredEvidence,
    ExpiringSoonEvidence,
    HostnameMismatchEvidence,
    NotYetValidEvidence,
    OcspStapleInvalidEvidence,
    OcspStapleMissingEvidence,
    RevokedEvidence,
    SanMissingEvidence,
    evidence_of,
)
from layerscope.model.names import covers
from layerscope.model.times import iso_utc, whole_second
from layerscope.x509.pathcheck_types import Violation, cert_ref

_SAN_OID = "2.5.29.17"
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
    """``at`` lies within the leaf's validity period (to the second: a certificate is valid
    through the last second of its notAfter)."""
    return leaf.not_before <= whole_second(at) <= leaf.not_after


def _ago(seconds: float) -> str:
    """A duration in the unit people read at a glance: "40 seconds", "3 hours", "2.5 days"."""
    s = abs(seconds)
    if s < 120:
        n = round(s)
        return f"{n} second{'' if n == 1 else 's'}"
    if s < 7200:
        return f"{round(s / 60)} minutes"
    if s < 129600:
        return f"{round(s / 3600)} hours"
    return f"{s / 86400:.1f} days"


def _error_finding(layer: Layer) -> Finding:
    error = layer.probe.error
    if error is None:  # the handshake finished but the server sent no certificate
        error = ProbeError(ErrorKind.TLS_ERROR, "the handshake completed without a certificate")
    evidence = ConnectionEvidence(
        error_kind=error.kind.value, message=error.message, elapsed_ms=error.elapsed_ms
    )
    if error.kind in NOT_TLS_KINDS:
        code, summary = "not_tls", f"{layer.label} does not speak TLS: {error.message}"
    elif error.kind in UNREACHABLE_KINDS:
        code, summary = "unreachable", f"{layer.label} is unreachable: {error.message}"
    else:
        code, summary = "handshake_failed", f"{layer.label}: {error.message}"
    return Finding(code, Severity.CRITICAL, (layer.address,), summary, evidence)


def _names_nobody(v: Violation, leaf: CertFacts) -> bool:
    """``v`` says the leaf has no SAN (or an empty subject without one): no name to match."""
    if v.code == "san_missing":
        return evidence_of(v, SanMissingEvidence)["sha256"] == leaf.sha256
    if v.code == "empty_name":
        empty = evidence_of(v, EmptyNameEvidence)
        return empty["field"] != "issuer" and empty["sha256"] == leaf.sha256
    return False


def analyse_layer(layer: Layer, host: str, th: Thresholds) -> list[Finding]:
    """Findings for one layer; ``host`` is the A-label site name certificates must cover."""
    unparsed = parse_findings(layer)
    if not layer.probe.ok:
        # a leaf that cannot be parsed was served: that, not "no certificate", is the news
        return unparsed if unparsed and layer.probe.error is None else [_error_finding(layer)]
    leaf = layer.probe.chain[0]
    here = (layer.address,)
    out: list[Finding] = unparsed

    def add(code: str, severity: Severity, summary: str, evidence: Mapping[str, Any]) -> None:
        out.append(Finding(code, severity, here, summary, evidence))

    at = whole_second(th.at)
    chain = layer.chain
    violations = rule_violations(chain, at, host) if chain is not None else ()
    if leaf.not_after < at:
        seconds = (at - leaf.not_after).total_seconds()
        add(
            "expired",
            Severity.CRITICAL,
            f"the certificate expired {_ago(seconds)} ago ({iso_utc(leaf.not_after)})",
            ExpiredEvidence(
                not_after=iso_utc(leaf.not_after),
                days_ago=round(seconds / 86400, 6),
                **cert_ref(leaf),
            ),
        )
    elif leaf.not_before > at:
        seconds = (leaf.not_before - at).total_seconds()
        add(
            "not_yet_valid",
            Severity.CRITICAL,
            f"the certificate is valid only from {iso_utc(leaf.not_before)} (in {_ago(seconds)})",
            NotYetValidEvidence(
                not_before=iso_utc(leaf.not_before),
                days_until=round(seconds / 86400, 6),
                **cert_ref(leaf),
            ),
        )
    else:
        days_left = leaf.days_left(at)
        severity = expiry_severity(days_left, th)
        if severity is not None:
            add(
                "expiring_soon",
                severity,
                f"the certificate expires in {_ago(days_left * 86400)} ({iso_utc(leaf.not_after)})",
                ExpiringSoonEvidence(
                    not_after=iso_utc(leaf.not_after),
                    days_left=round(days_left, 2),
                    warn_days=th.warn_days,
                    crit_days=th.crit_days,
                    **cert_ref(leaf),
                ),
            )

    # no name to compare with: san_missing (or an unreadable SAN) says it better
    no_san = any(oid == _SAN_OID for _n, oid, _e in leaf.malformed_extensions) or any(
        _names_nobody(v, leaf) for v in violations
    )
    if not no_san and not covers(leaf.sans, host):
        names = list(leaf.sans[:50])
        add(
            "hostname_mismatch",
            Severity.CRITICAL,
            f"{host} is not among the certificate's names ({', '.join(names[:5]) or 'none'}"
            f"{', ...' if len(leaf.sans) > 5 else ''})",
            HostnameMismatchEvidence(
                host=host, names=names, names_total=len(leaf.sans), common_name=leaf.common_name
            ),
        )

    if chain is not None:
        out.extend(chain_findings(layer, chain, violations))
        out.extend(refusal_finding(layer, chain, out))
    out.extend(_sni_findings(layer, host))
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
            DefaultCertEvidence(
                default_subject=default.subject,
                default_sha256=default.sha256,
                default_names=list(default.sans[:50]),
                sni_sha256=leaf.sha256,
            ),
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
                OcspStapleMissingEvidence(ocsp_urls=list(leaf.ocsp_urls[:5])),
            )
        )
    elif staple is not None and staple.state is OcspState.INVALID:
        out.append(
            Finding(
                "ocsp_staple_invalid",
                Severity.WARNING,
                here,
                f"the stapled OCSP response is unusable: {staple.message}",
                OcspStapleInvalidEvidence(
                    message=staple.message,
                    this_update=_iso(staple.this_update),
                    next_update=_iso(staple.next_update),
                ),
            )
        )
    revoked = next(
        (r for r in (layer.ocsp, staple) if r is not None and r.state is OcspState.REVOKED), None
    )
    if revoked is not None:
        when = f" on {iso_utc(revoked.revoked_at)}" if revoked.revoked_at else ""
        said_by = "the stapled response" if revoked.source == "staple" else revoked.source
        out.append(
            Finding(
                "revoked",
                Severity.CRITICAL,
                here,
                f"the CA revoked this certificate{when}"
                + (f" ({revoked.reason})" if revoked.reason else "")
                + f" — said by {said_by}",
                RevokedEvidence(
                    source=revoked.source,
                    reason=revoked.reason,
                    revoked_at=_iso(revoked.revoked_at),
                    **cert_ref(leaf),
                ),
            )
        )
    return out


def _iso(moment: dt.datetime | None) -> str | None:
    return iso_utc(moment) if moment else None
