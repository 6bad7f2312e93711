"""Findings about served certificates that cannot be parsed at all."""

from __future__ import annotations

from layerscope.model import Finding, Layer, Severity
from layerscope.model.evidence import UnparseableEvidence


def parse_findings(layer: Layer) -> list[Finding]:
    """One ``unparseable_certificate`` per served certificate (with SNI) that cannot be
    parsed: browsers' strict DER parsers refuse the whole handshake for it."""
    out: list[Finding] = []
    for cert in layer.probe.unparsed:
        out.append(
            Finding(
                "unparseable_certificate",
                Severity.CRITICAL,
                (layer.address,),
                f"certificate {cert.position} of {cert.total} could not be parsed: "
                f"{cert.error} (sha256 {cert.sha256[:12]}...)",
                UnparseableEvidence(
                    position=cert.position, total=cert.total, sha256=cert.sha256, error=cert.error
                ),
            )
        )
    return out


__all__ = ["parse_findings"]
