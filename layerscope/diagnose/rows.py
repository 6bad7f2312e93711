"""What one row of the layers table says: decided once, shown by every view.

The text and Markdown reports, the Prometheus samples and the inspector's layers table all
show a layer's row from :func:`row_verdict`; none of them judges a layer on its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from layerscope.model import Layer, PathStatus, Report, Severity

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


#: Probe outcomes whose row word is shorter than the status (the table is 80 columns wide).
_SHORT_STATUS = {"unparseable_certificate": "unparseable"}


@dataclass(frozen=True)
class RowVerdict:
    """The decision behind one layer's row.

    Attributes:
        severity: the row's severity: its worst finding, site-wide disagreements left out
            when the layer serves the reference certificate.
        status: the row's word: the chain verdict once a chain was served ("trusted",
            "incomplete", ...), else why there is none ("timeout", "refused", ...).
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
    """The layer's leaf is the report's reference certificate."""
    ref = report.reference
    return ref is not None and layer.leaf is not None and layer.leaf.sha256 == ref.sha256


def row_severity(report: Report, layer: Layer) -> Severity:
    """The row's severity (see :attr:`RowVerdict.severity`)."""
    skip = AGGREGATE_CODES if serves_reference(report, layer) else frozenset()
    return max(
        (f.severity for f in report.findings_for(layer.address) if f.code not in skip),
        default=Severity.OK,
    )


def days_left(report: Report, layer: Layer) -> int | None:
    """Whole days from the evaluation time to the leaf's expiry (floor), or None."""
    if layer.leaf is None:
        return None
    return math.floor(layer.leaf.days_left(report.at))


def row_verdict(report: Report, layer: Layer) -> RowVerdict:
    """What ``layer``'s row of ``report`` says."""
    status = layer.probe.status
    if status == "ok" and layer.chain is not None:
        word, word_severity = chain_word(layer), chain_severity(layer)
    else:
        word = _SHORT_STATUS.get(status, status).replace("_", " ")
        word_severity = Severity.OK if status == "ok" else Severity.CRITICAL
    expiry = max(
        (f.severity for f in report.findings_for(layer.address) if f.code in _EXPIRY_CODES),
        default=Severity.OK,
    )
    return RowVerdict(
        row_severity(report, layer), word, word_severity, days_left(report, layer), expiry
    )


__all__ = [
    "AGGREGATE_CODES",
    "RowVerdict",
    "chain_severity",
    "chain_word",
    "days_left",
    "row_severity",
    "row_verdict",
    "serves_reference",
]
