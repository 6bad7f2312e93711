"""One view-model of a layer's row, used by the text and Markdown reports and the inspector.

The decision (severity, the row's word, days and how bad they are) is
:func:`layerscope.diagnose.rows.row_verdict`; this adds what the row shows beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

from layerscope.diagnose.rows import RowVerdict, row_verdict
from layerscope.model import Layer, Report, Role
from layerscope.present.labels import issuer_name, leaf_labels


@dataclass(frozen=True)
class LayerRow:
    """What one row of the layers table shows.

    Attributes:
        verdict: the decision (severity, word, days).
        role: "origin" or "edge".
        address: the layer's address as shown (IPv6 bracketed, port when not the site's).
        label: the leaf's short label ("A", "B", ...), or "" without a leaf.
        issuer: the leaf issuer's common name (or organisation), or "".
        protocol: the TLS version without "TLSv" ("1.3"), or "".
        handshake_ms: the handshake time, or None when the handshake failed.
        error_ms: how long the failed attempt took, or None.
    """

    verdict: RowVerdict
    role: Role
    address: str
    label: str
    issuer: str
    protocol: str
    handshake_ms: float | None
    error_ms: float | None


def layer_row(report: Report, layer: Layer, labels: dict[str, str]) -> LayerRow:
    """The row of ``layer`` in ``report`` (``labels`` from :func:`leaf_labels`)."""
    leaf = layer.leaf
    error = layer.probe.error
    return LayerRow(
        verdict=row_verdict(report, layer),
        role=layer.role,
        address=layer.label,
        label=labels.get(leaf.sha256, "") if leaf is not None else "",
        issuer=issuer_name(leaf) if leaf is not None else "",
        protocol=layer.probe.protocol.removeprefix("TLSv"),
        handshake_ms=layer.probe.handshake_ms if layer.probe.ok else None,
        error_ms=error.elapsed_ms if error is not None else None,
    )


def layer_rows(report: Report) -> tuple[LayerRow, ...]:
    """Every layer's row, in the report's order."""
    labels = leaf_labels(report)
    return tuple(layer_row(report, layer, labels) for layer in report.layers)


__all__ = ["LayerRow", "layer_row", "layer_rows"]
