"""One view-model of a layer's row, used by the text and Markdown reports and the inspector.

The decision (severity, the row's word, days and how bad they are) is
:func:`layerscope.diagnose.rows.row_verdict`; this adds what the row shows beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

from layerscope.diagnose.rows import RowVerdict, row_verdict
from layerscope.model import Role
from layerscope.model.options import CheckOptions
from layerscope.present.labels import issuer_name, leaf_labels

# the model's dataclasses load with the first report, not before a first frame (#14)
TYPE_CHECKING = False
if TYPE_CHECKING:
    from layerscope.model import Layer, Report


@dataclass(frozen=True)
class LayerRow:
    """What one row of the layers table shows.

    Attributes:
        verdict: the decision (severity, word, days).
        role: "origin" or "edge" ("file" for a preflight).
        address: the layer's address as shown (IPv6 bracketed, port when not the site's; a
            file's path).
        label: the leaf's short label ("A", "B", ...), or "" without a leaf.
        cert_type: "ECDSA" or "RSA" on a site whose layers serve two certificates (a
            layer serving both has a row for each); "" on every other site.
        issuer: the leaf issuer's common name (or organisation), or "".
        protocol: the TLS version without "TLSv" ("1.3"), or "".
        handshake_ms: the handshake time, or None when the handshake failed.
        error_ms: how long the failed attempt took, or None.
        reproduce: the command that shows what this layer serves (its own worst
            finding's, else a plain ``openssl s_client`` for the layer).
    """

    verdict: RowVerdict
    role: Role
    address: str
    label: str
    cert_type: str
    issuer: str
    protocol: str
    handshake_ms: float | None
    error_ms: float | None
    reproduce: str

    @property
    def cert(self) -> str:
        """What the Cert column shows: the label, and the type on a layer serving two
        ("A ECDSA", "B RSA")."""
        return f"{self.label} {self.cert_type}" if self.cert_type and self.label else self.label


def layer_command(host: str, port: int, sni: str, layer: Layer) -> str:
    """The plain ``openssl s_client`` command for one layer of site ``host`` (asking for
    its certificate's type when the layer serves two)."""
    # remediation's catalogue loads with the first probed layer, not before a first frame
    from layerscope.explain import RemediationContext, reproduce_command

    ctx = RemediationContext(
        host=host,
        port=port,
        sni=sni,
        address=layer.address,
        layer_port=layer.port,
        role=layer.role.value,
        cert_type=layer.cert_type.value if layer.cert_type else "",
    )
    return reproduce_command(ctx)


def _reproduce(report: Report, layer: Layer) -> str:
    for finding in report.findings_for(layer):
        # a site-wide finding's commands are filled for its first layer, not this one
        if finding.layers[0] != layer.address:
            continue
        if finding.remediation and finding.remediation.reproduce:
            return finding.remediation.reproduce
    return layer_command(report.ascii_host, report.port, report.sni, layer)


def pending_command(host: str, options: CheckOptions, layer: Layer) -> str:
    """The command for a layer probed before its site's report is ready."""
    return layer_command(host, options.port, options.sni or host, layer)


def layer_row(report: Report, layer: Layer, labels: dict[str, str]) -> LayerRow:
    """The row of ``layer`` in ``report`` (``labels`` from :func:`leaf_labels`)."""
    leaf = layer.leaf
    error = layer.probe.error
    return LayerRow(
        verdict=row_verdict(report, layer),
        role=layer.role,
        address=layer.label,
        label=labels.get(leaf.sha256, "") if leaf is not None else "",
        cert_type=layer.leaf_type.name if report.dual and layer.leaf_type else "",
        issuer=issuer_name(leaf) if leaf is not None else "",
        protocol=layer.probe.protocol.removeprefix("TLSv"),
        handshake_ms=layer.probe.handshake_ms
        if layer.probe.ok and layer.role is not Role.FILE
        else None,
        error_ms=error.elapsed_ms if error is not None else None,
        reproduce=_reproduce(report, layer),
    )


def layer_rows(report: Report) -> tuple[LayerRow, ...]:
    """Every layer's row, in the report's order; a layer that serves two certificates has
    a row for each (its first, what modern clients get, then the other)."""
    labels = leaf_labels(report)
    return tuple(layer_row(report, part, labels) for layer in report.layers for part in layer.parts)


__all__ = ["LayerRow", "layer_command", "layer_row", "layer_rows", "pending_command"]
