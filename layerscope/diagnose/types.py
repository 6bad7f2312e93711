"""Sites whose layers serve two certificates (an ECDSA and an RSA one): every comparison is
made per type, and a layer lacking a type the others offer is a finding of its own.

A server holding both picks one per handshake from the client's signature algorithms, so
two clients of one layer may get different certificates. The RSA certificate of an edge is
compared with the RSA reference, the ECDSA one with the ECDSA reference. Sites where no
layer serves two are compared as one group, exactly as before.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from layerscope.diagnose.compare import Reference, choose_reference, compare_layers
from layerscope.diagnose.layer import Thresholds
from layerscope.model import CertType, Finding, Layer, Role, Severity, TypedReference
from layerscope.model.evidence import CertTypeMissingEvidence

#: Findings about the layer whatever certificate it serves: never given a type.
UNTYPED_CODES = frozenset({"default_cert_without_sni"})


def type_groups(layers: Sequence[Layer]) -> list[tuple[CertType | None, list[Layer]]]:
    """The layers compared together: one group of every layer when none serves two
    certificates; else one group per type of every certificate served (a layer serving
    one goes with its leaf's type), ECDSA first."""
    if not any(layer.second is not None for layer in layers):
        return [(None, list(layers))]
    parts = [part for layer in layers for part in layer.parts]
    return [(kind, [p for p in parts if p.leaf_type is kind]) for kind in CertType]


def typed(finding: Finding, layer: Layer) -> Finding:
    """A per-layer finding of one of a layer's two certificates, saying which type."""
    kind = layer.cert_type
    if kind is None or finding.code in UNTYPED_CODES:
        return finding
    return dataclasses.replace(
        finding, cert_type=kind, summary=f"{kind.name} certificate: {finding.summary}"
    )


def compare_by_type(
    layers: Sequence[Layer], host: str, th: Thresholds
) -> tuple[Reference | None, tuple[TypedReference, ...], list[Finding]]:
    """The reference (the ECDSA one on a site whose layers serve two), the reference of
    each type on such a site, and the cross-layer findings of every group."""
    findings: list[Finding] = []
    references: list[tuple[CertType | None, Reference]] = []
    for kind, group in type_groups(layers):
        reference = choose_reference(group, host, th.at)
        if reference is not None:
            references.append((kind, reference))
        findings.extend(compare_layers(group, reference, host, th, kind))
    findings.extend(missing_types(layers))
    main = references[0][1] if references else None
    per_type = tuple(
        TypedReference(kind, ref.cert, ref.layer.address)
        for kind, ref in references
        if kind is not None
    )
    return main, per_type, findings


def _names(kinds: Sequence[CertType]) -> str:
    return " and ".join(k.name for k in kinds)


def missing_types(layers: Sequence[Layer]) -> list[Finding]:
    """``cert_type_missing`` for each edge that refuses a certificate type the origin
    offers beside the other one (without an origin that answered: another edge)."""
    both = [ly for ly in layers if ly.second is not None]
    if not both:
        return []
    origins = [ly for ly in layers if ly.role is Role.ORIGIN and ly.probe.ok]
    model = next((ly for ly in origins if ly.second is not None), both[0])
    wanted = model.offered_types
    out: list[Finding] = []
    for layer in layers:
        if layer.role is not Role.EDGE or layer is model or not layer.probe.ok:
            continue
        lacking = [k for k in layer.missing_types if k in wanted]
        if not lacking:
            continue
        offered = list(layer.offered_types)
        out.append(
            Finding(
                "cert_type_missing",
                Severity.WARNING,
                (layer.address,),
                f"{layer.label} offers no {_names(lacking)} certificate while {model.label} "
                f"offers {_names(wanted)}: clients that accept only {_names(lacking)} "
                "fail on this edge",
                CertTypeMissingEvidence(
                    offered=[k.value for k in offered],
                    missing=[k.value for k in lacking],
                    compared_with=model.address,
                    compared_types=[k.value for k in wanted],
                ),
            )
        )
    return out


__all__ = ["UNTYPED_CODES", "compare_by_type", "missing_types", "type_groups", "typed"]
