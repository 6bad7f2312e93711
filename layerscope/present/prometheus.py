"""Reports as Prometheus metrics in the node_exporter textfile format (docs/prometheus.md).

Every metric is a gauge. Families come in name order, samples in label order, so the
same reports always give the same text. Label values come from the network and the
config: backslash, double quote and newline are escaped as the exposition format says,
and every other control or invisible character is written as a visible ``\\xNN`` or
``\\uXXXX`` (its backslash escaped), so the file never holds a raw control character
and one sample is always one line. No sample carries a timestamp (the textfile
collector refuses them): ``layerscope_check_timestamp_seconds`` says when a site was
checked.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from layerscope.diagnose.rows import row_severity
from layerscope.model import Report, Severity
from layerscope.present.labels import leaf_labels

__all__ = ["METRICS", "escape_label_value", "render_prometheus", "site_label"]

#: Name and help text of every metric, in output order.
METRICS: tuple[tuple[str, str], ...] = (
    (
        "layerscope_cert_days_left",
        "Days until the leaf certificate served by the layer expires (negative once expired).",
    ),
    (
        "layerscope_check_timestamp_seconds",
        "Unix time at which the site's check started.",
    ),
    (
        "layerscope_layer_severity",
        "Worst finding on the layer: 0 ok, 1 info, 2 warning, 3 critical, 4 unknown.",
    ),
    (
        "layerscope_layer_up",
        "1 when the layer completed a TLS handshake and served a certificate, else 0.",
    ),
    (
        "layerscope_site_findings",
        "Number of findings of the site with this severity.",
    ),
    (
        "layerscope_site_severity",
        "Worst severity of the site: 0 ok, 1 info, 2 warning, 3 critical, 4 unknown.",
    ),
)

_FINGERPRINT_DIGITS = 16
_DEFAULT_PORT = 443
_FINDING_SEVERITIES = (Severity.INFO, Severity.WARNING, Severity.CRITICAL)
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


@dataclass(frozen=True)
class _Sample:
    """One line: metric name, labels in output order, value."""

    name: str
    labels: tuple[tuple[str, str], ...]
    value: float


def escape_label_value(value: str) -> str:
    """Return ``value`` escaped for a label value of the text exposition format.

    ``\\`` becomes ``\\\\``, ``"`` becomes ``\\"`` and a newline ``\\n``, as the format
    defines. Any other control, format or separator character (ESC, NUL, DEL, bidi
    overrides, U+2028, ...) is written as the text ``\\xNN`` or ``\\uXXXX`` with its
    backslash escaped, so a parser reads it back as those visible characters.
    """
    out: list[str] = []
    for char in value:
        if char == "\\":
            out.append("\\\\")
        elif char == '"':
            out.append('\\"')
        elif char == "\n":
            out.append("\\n")
        elif unicodedata.category(char) in _INVISIBLE:
            code = ord(char)
            out.append(f"\\\\x{code:02x}" if code < 0x100 else f"\\\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)


def site_label(report: Report) -> str:
    """The ``site`` label of a report: the host, with ``:port`` unless the port is 443."""
    return report.host if report.port == _DEFAULT_PORT else f"{report.host}:{report.port}"


def _value(value: float) -> str:
    """A sample value as the exposition format writes it."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def _samples(report: Report) -> list[_Sample]:
    site = site_label(report)
    labels = leaf_labels(report)
    samples = [
        _Sample("layerscope_site_severity", (("site", site),), int(report.severity)),
        _Sample(
            "layerscope_check_timestamp_seconds",
            (("site", site),),
            round(report.started.timestamp(), 3),
        ),
    ]
    # findings are info, warning or critical: those three are always written (zero
    # included, so alerts never hinge on a missing series); others only when they occur
    present = {f.severity for f in report.findings}
    for severity in sorted(present | set(_FINDING_SEVERITIES)):
        count = sum(1 for f in report.findings if f.severity is severity)
        samples.append(
            _Sample(
                "layerscope_site_findings", (("site", site), ("severity", severity.label)), count
            )
        )
    dual = report.dual
    for layer in (part for whole in report.layers for part in whole.parts):
        where: tuple[tuple[str, str], ...] = (
            ("site", site),
            ("layer", layer.address),
            ("port", str(layer.port)),
            ("role", layer.role.value),
        )
        if dual:  # a site whose layers serve two certificates: a series per type
            kind = layer.leaf_type
            where += (("cert_type", kind.value if kind else ""),)
        up = layer.probe.ok
        severity = row_severity(report, layer)
        if not up and severity is Severity.OK:
            # nothing was learned about this layer and no finding says why
            severity = Severity.UNKNOWN
        samples.append(_Sample("layerscope_layer_up", where, 1 if up else 0))
        samples.append(_Sample("layerscope_layer_severity", where, int(severity)))
        leaf = layer.leaf
        if leaf is not None:
            cert = (
                ("label", labels.get(leaf.sha256, "")),
                ("sha256", leaf.sha256[:_FINGERPRINT_DIGITS]),
            )
            days = round(leaf.days_left(report.at), 3)
            samples.append(_Sample("layerscope_cert_days_left", where + cert, days))
    return samples


def _line(sample: _Sample) -> str:
    labels = ",".join(f'{key}="{escape_label_value(value)}"' for key, value in sample.labels)
    return f"{sample.name}{{{labels}}} {_value(sample.value)}"


def render_prometheus(reports: Sequence[Report]) -> str:
    """Render reports as node_exporter textfile metrics, ending with a newline.

    Per site: ``layerscope_site_severity``, ``layerscope_site_findings`` (one sample each
    for info, warning and critical, zeros included), ``layerscope_check_timestamp_seconds``.
    Per layer (labels ``site``, ``layer``, ``port``, ``role``): ``layerscope_layer_up``,
    ``layerscope_layer_severity`` and, when the layer served a leaf,
    ``layerscope_cert_days_left`` with the leaf's ``label`` (A, B, ...) and the first 16
    hex digits of its ``sha256``.

    Output is sorted and deterministic; a sample whose name and labels repeat an earlier
    one (the same site listed twice) is left out, since the collector rejects the whole
    file for a duplicate.
    """
    by_name: dict[str, dict[tuple[tuple[str, str], ...], _Sample]] = {n: {} for n, _ in METRICS}
    for report in reports:
        for sample in _samples(report):
            by_name[sample.name].setdefault(sample.labels, sample)
    lines: list[str] = []
    for name, help_text in METRICS:
        samples = by_name[name]
        if not samples:
            continue
        lines.append(f"# HELP {name} {help_text}")
        lines.append(f"# TYPE {name} gauge")
        lines.extend(_line(samples[key]) for key in sorted(samples))
    return "\n".join(lines) + "\n" if lines else ""
