"""What one row of the layers table says: decided once, shown by every view.

The text and Markdown reports, the Prometheus samples and the inspector's layers table all
show a layer's row from :func:`row_verdict`; none of them judges a layer on its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from layerscope.model import PathStatus, Severity

# the model's dataclasses load with the first report, not before a first frame (#14)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from layerscope.model import Finding, Layer, Report

#: Site-wide disagreements: they concern every layer that differs from the reference, and
#: a layer that serves the reference is not what is wrong (the odd one out is flagged).
AGGREGATE_CODES = frozenset({"edges_disagree", "key_differs"})

_EXPIRY_CODES = frozenset({"expired", "expiring_soon", "not_yet_valid"})

_CHAIN_WORDS = {
    PathStatus.TRUSTED: "trusted",
    PathStatus.PRIVATE: "private CA",
    PathStatus.REFUSED: "refused",
    PathStatus.UNTRUSTED_ROOT: "untrusted",
    PathStatus.SELF_SIGNED: "self-signed",
    PathStatus.INCOMPLETE: "incomplete",
}


#: The row word of a layer whose probe served no chain: why (at most 13 characters, the
#: table is 80 columns wide).
PROBE_WORDS: dict[str, str] = {
    "nxdomain": "NXDOMAIN",
    "no_answer": "no address",
    "servfail": "SERVFAIL",
    "dns_timeout": "DNS timeout",
    "dns_error": "DNS error",
    "refused": "conn refused",
    "connect_timeout": "timeout",
    "no_route": "no route",
    "reset": "reset",
    "peer_closed": "closed",
    "handshake_timeout": "TLS timeout",
    "plain_http": "plain HTTP",
    "not_tls": "not TLS",
    "tls_alert": "TLS alert",
    "tls_error": "TLS error",
    "message_too_large": "too large",
    "bad_certificate": "bad cert",
    "invalid_input": "bad input",
    "http_timeout": "HTTP timeout",
    "http_protocol": "HTTP error",
    "too_many_redirects": "redirects",
    "unparseable_certificate": "unparseable",
    "no_certificate": "no cert",
}

#: The row word of each finding code: what is wrong with the layer, in a word or two (at
#: most 13 characters). A row whose worst finding is a warning or worse says this word.
FINDING_WORDS: dict[str, str] = {
    "unreachable": "unreachable",
    "not_tls": "not TLS",
    "handshake_failed": "TLS failed",
    "expired": "expired",
    "expiring_soon": "expiring",
    "not_yet_valid": "not yet valid",
    "expired_intermediate": "CA expired",
    "expired_root": "root expired",
    "not_yet_valid_ca": "CA not valid",
    "hostname_mismatch": "mismatch",
    "san_missing": "no SAN",
    "invalid_san": "bad SAN",
    "cn_not_in_san": "CN not in SAN",
    "empty_name": "empty name",
    "default_cert_without_sni": "default cert",
    "incomplete_chain": "incomplete",
    "wrong_order": "wrong order",
    "root_in_chain": "root sent",
    "unrelated_cert_in_chain": "extra cert",
    "unparseable_certificate": "unparseable",
    "self_signed": "self-signed",
    "untrusted_root": "untrusted",
    "private_ca": "private CA",
    "trust_store_dependent": "trust store",
    "verifier_refused": "refused",
    "name_constraint_violation": "constraints",
    "name_constraints_malformed": "constraints",
    "issuer_not_ca": "not a CA",
    "ca_certificate_as_leaf": "CA as leaf",
    "path_length_exceeded": "path length",
    "eku_missing_server_auth": "no serverAuth",
    "key_usage_forbids_tls": "key usage",
    "ca_missing_key_cert_sign": "key usage",
    "unknown_critical_extension": "critical ext",
    "extension_criticality": "critical ext",
    "malformed_extension": "bad extension",
    "key_identifier_missing": "no key ID",
    "certificate_not_v3": "not v3",
    "invalid_serial": "bad serial",
    "weak_signature": "weak hash",
    "weak_key": "weak key",
    "signature_algorithm_mismatch": "sig mismatch",
    "unsupported_algorithm": "unsupported",
    "ocsp_staple_missing": "no staple",
    "ocsp_staple_invalid": "bad staple",
    "revoked": "revoked",
    "not_a_certificate": "not a cert",
    "key_mismatch": "key mismatch",
    "reload_needed": "reload needed",
    "stale_edge": "stale",
    "cert_type_missing": "one type only",
    "edge_ahead_of_origin": "ahead",
    "edges_disagree": "differs",
    "chain_differs_from_origin": "chain differs",
    "key_differs": "key differs",
    "san_differs": "SAN differs",
    "cdn_managed_certificate": "CDN cert",
    "mixed_content": "mixed content",
    "csp_upgrade_insecure": "CSP upgrade",
    "hsts_missing": "no HSTS",
    "http_differs": "HTTP differs",
}


@dataclass(frozen=True)
class RowVerdict:
    """The decision behind one layer's row.

    Attributes:
        severity: the row's severity: its worst finding, site-wide disagreements left out
            when the layer serves the reference certificate.
        status: the row's word: what is wrong, worst first (its worst finding's word when
            that is a warning or worse: "stale", "expired", "incomplete", ...), else the
            chain verdict ("trusted", "private CA"), else why no chain was served
            ("timeout", "conn refused", ...). Never "trusted" beside a warning.
        status_severity: how bad that word is.
        days: whole days from the evaluation time to the leaf's expiry (floor), or None.
        days_severity: the worst validity-period finding of the layer.
    """

    severity: Severity
    status: str
    status_severity: Severity
    days: int | None
    days_severity: Severity


def chain_word(layer: Layer) -> str:
    """The chain verdict of a layer in one word ("trusted", "incomplete", ...), or ""."""
    if layer.chain is None:
        return ""
    return _CHAIN_WORDS.get(layer.chain.status, layer.chain.status.value)


def chain_severity(layer: Layer) -> Severity:
    """How bad the chain verdict of a layer is (OK when nothing was analysed)."""
    if layer.chain is None or layer.chain.status is PathStatus.TRUSTED:
        return Severity.OK
    if layer.chain.status is PathStatus.PRIVATE:
        return Severity.INFO
    return Severity.CRITICAL


def serves_reference(report: Report, layer: Layer) -> bool:
    """The layer's leaf is the report's reference certificate (of its type, on a site
    whose layers serve two)."""
    ref = report.reference_for(layer)
    return ref is not None and layer.leaf is not None and layer.leaf.sha256 == ref.sha256


def _row_findings(report: Report, layer: Layer) -> list[Finding]:
    skip = AGGREGATE_CODES if serves_reference(report, layer) else frozenset()
    return [f for f in report.findings_for(layer) if f.code not in skip]


def row_severity(report: Report, layer: Layer) -> Severity:
    """The row's severity (see :attr:`RowVerdict.severity`)."""
    return max((f.severity for f in _row_findings(report, layer)), default=Severity.OK)


def days_left(report: Report, layer: Layer) -> int | None:
    """Whole days from the evaluation time to the leaf's expiry (floor), or None."""
    if layer.leaf is None:
        return None
    return math.floor(layer.leaf.days_left(report.at))


def row_verdict(report: Report, layer: Layer) -> RowVerdict:
    """What ``layer``'s row of ``report`` says."""
    findings = _row_findings(report, layer)
    severity = max((f.severity for f in findings), default=Severity.OK)
    status = layer.probe.status
    if status != "ok" or layer.chain is None:
        word = PROBE_WORDS.get(status, status.replace("_", " "))
        word_severity = Severity.OK if status == "ok" else Severity.CRITICAL
    elif severity >= Severity.WARNING:
        # the engine's order: worst first, the cause before what follows from it
        worst = next(f for f in findings if f.severity is severity)
        word = FINDING_WORDS.get(worst.code, worst.code.replace("_", " "))
        word_severity = severity
    else:
        word, word_severity = chain_word(layer), chain_severity(layer)
    expiry = max(
        (f.severity for f in findings if f.code in _EXPIRY_CODES),
        default=Severity.OK,
    )
    return RowVerdict(severity, word, word_severity, days_left(report, layer), expiry)


__all__ = [
    "AGGREGATE_CODES",
    "FINDING_WORDS",
    "PROBE_WORDS",
    "RowVerdict",
    "chain_severity",
    "chain_word",
    "days_left",
    "row_severity",
    "row_verdict",
    "serves_reference",
]
