"""What a site's report says in one line: its verdict words and the layer counts.

Decided once from the findings, shown by every view (text, Markdown, ``--summary`` and the
inspector's header), so a verdict never contradicts the findings below it: a layer that
does not answer is not "clients get certificate errors", nor is mixed content.
"""

from __future__ import annotations

from collections import Counter

from layerscope.diagnose.rows import row_severity
from layerscope.model import Role, Severity
from layerscope.model.options import CheckOptions

# the model's dataclasses load with the first report, not before a first frame (#14)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from layerscope.model import Finding, Report

#: Findings about reaching a layer, not about its certificate.
REACH_CODES = frozenset({"unreachable", "not_tls", "handshake_failed"})
#: Findings about the page, not the certificate.
PAGE_CODES = frozenset({"mixed_content", "csp_upgrade_insecure", "hsts_missing", "http_differs"})
#: Findings of a preflight that stop the server from loading the files at all.
LOAD_CODES = frozenset({"not_a_certificate", "key_mismatch"})

_CRITICAL_WORDS = {
    "certificate": "clients get certificate errors",
    "reach": "some layers cannot be reached",
    "page": "browsers block parts of the page",
}

_WORDS = {
    Severity.OK: "no problems found",
    Severity.INFO: "no problems, notes only",
    Severity.WARNING: "works for most clients, needs attention",
    Severity.UNKNOWN: "could not be checked",
}


def _kind(finding: Finding) -> str:
    if finding.code in REACH_CODES:
        return "reach"
    if finding.code in PAGE_CODES:
        return "page"
    return "certificate"


_FILE_WORDS = {
    Severity.OK: "fine to deploy",
    Severity.INFO: "fine to deploy, notes only",
    Severity.WARNING: "deployable, but needs attention",
    Severity.UNKNOWN: "could not be checked",
}


def _file_verdict(report: Report) -> str:
    """A preflight's verdict: what deploying the files as they are would do."""
    severity = report.severity
    if severity is not Severity.CRITICAL:
        return _FILE_WORDS[severity]
    codes = {f.code for f in report.findings if f.severity is Severity.CRITICAL}
    words = []
    if codes & LOAD_CODES or "wrong_order" in codes:
        words.append("the server would refuse to load it")
    if codes - LOAD_CODES - {"wrong_order"}:
        words.append("clients would get certificate errors")
    return "; ".join(words)


def site_verdict(report: Report) -> str:
    """The report's verdict in words: for a critical site, what its critical findings mean
    for users (certificate errors, layers that cannot be reached, a page partly blocked),
    in that order; otherwise what its severity means. For a preflight (``report.files``),
    what deploying the files would do."""
    if report.files is not None:
        return _file_verdict(report)
    severity = report.severity
    if severity is not Severity.CRITICAL:
        return _WORDS[severity]
    kinds = {_kind(f) for f in report.findings if f.severity is Severity.CRITICAL}
    if kinds == {"reach"} and all(
        row_severity(report, ly) >= Severity.CRITICAL for ly in report.layers
    ):
        return "no layer can be reached"
    words = [_CRITICAL_WORDS[k] for k in ("certificate", "reach", "page") if k in kinds]
    return "; ".join(words) or _CRITICAL_WORDS["certificate"]


def verdict_words(severity: Severity) -> str:
    """What a severity alone means for users (for a count of sites, not one report)."""
    return _WORDS.get(severity, _CRITICAL_WORDS["certificate"])


def layer_counts(report: Report) -> Counter[Severity]:
    """How many layers are at each row severity (a layer serving two certificates at its
    worse row's)."""
    return Counter(
        max(row_severity(report, part) for part in layer.parts) for layer in report.layers
    )


def cert_types_line(report: Report) -> str:
    """On a site whose layers serve two certificates, which do (each type is compared
    with its own reference): ``ECDSA and RSA on every layer`` or ``ECDSA and RSA on 3 of
    4 layers``; "" on every other site."""
    if not report.dual:
        return ""
    total = len(report.layers)
    both = sum(1 for layer in report.layers if layer.second is not None)
    where = "every layer" if both == total else f"{both:,} of {total:,} layers"
    return f"ECDSA and RSA on {where}, each type compared with its own reference"


def layers_line(report: Report) -> str:
    """``4 layers: 1 critical, 3 ok``: the layers by row severity, worst first."""
    counts = layer_counts(report)
    total = sum(counts.values())
    noun = "layer" if total == 1 else "layers"
    parts = [f"{counts[s]:,} {s.label}" for s in sorted(counts, reverse=True)]
    return f"{total:,} {noun}: {', '.join(parts)}" if parts else f"0 {noun}"


def findings_line(report: Report) -> str:
    """``3 findings: 1 critical, 2 warning`` ("" without findings)."""
    counts = Counter(f.severity for f in report.findings)
    total = sum(counts.values())
    if not total:
        return ""
    noun = "finding" if total == 1 else "findings"
    parts = [f"{counts[s]:,} {s.label}" for s in sorted(counts, reverse=True)]
    return f"{total:,} {noun}: {', '.join(parts)}"


def broken_line(report: Report) -> str:
    """``2 of 4 layers critical, 1 warning``: the layers that are not fine ("" when none)."""
    counts = layer_counts(report)
    total = sum(counts.values())
    bad = [s for s in (Severity.CRITICAL, Severity.WARNING) if counts[s]]
    if not bad:
        return ""
    first, *rest = bad
    noun = "layer" if total == 1 else "layers"
    line = f"{counts[first]:,} of {total:,} {noun} {first.label}"
    return line + "".join(f", {counts[s]:,} {s.label}" for s in rest)


_REFERENCE_NOTE = (
    "without --origin the reference is the newest certificate among the --edge "
    "addresses; add --origin to see edges still serving an older one than the origin"
)


def reference_note(options: CheckOptions) -> str | None:
    """What to know about the reference certificate when only ``--edge`` addresses are
    probed (no origin, no DNS): it is chosen among them, so edges that all still serve the
    old certificate look converged. None otherwise."""
    if not options.edges or options.origin is not None:
        return None
    return _REFERENCE_NOTE


def report_reference_note(report: Report) -> str | None:
    """:func:`reference_note` for a finished report: its layers are ``--edge`` addresses
    only (no DNS, no origin)."""
    if report.error is not None or not report.discovery.skipped or not report.layers:
        return None
    if any(layer.role is Role.ORIGIN for layer in report.layers):
        return None
    return _REFERENCE_NOTE


__all__ = [
    "LOAD_CODES",
    "PAGE_CODES",
    "REACH_CODES",
    "broken_line",
    "cert_types_line",
    "findings_line",
    "layer_counts",
    "layers_line",
    "reference_note",
    "report_reference_note",
    "site_verdict",
    "verdict_words",
]
