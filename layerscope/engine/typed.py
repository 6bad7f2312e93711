"""A layer that serves two certificates: the handshakes per certificate type made into the
layer's first and second certificate."""

from __future__ import annotations

import dataclasses

from layerscope.model import CertType, Layer, ProbeResult, cert_type_of


def _served(probe: ProbeResult) -> CertType | None:
    """The type a typed handshake got: the one it asked for, or None (not offered, failed,
    or the server answered with a certificate of another type)."""
    if probe.cert_type is None or not probe.ok or probe.leaf is None:
        return None
    return probe.cert_type if cert_type_of(probe.leaf) is probe.cert_type else None


def with_types(layer: Layer, typed: tuple[ProbeResult, ...]) -> Layer:
    """``layer`` with the typed handshakes ``typed`` recorded and, when one of them got a
    certificate of another type than the untyped handshake's leaf, that certificate as the
    layer's second (the untyped handshake's stays first: it is what modern clients get)."""
    layer = dataclasses.replace(layer, typed_probes=typed)
    first = layer.leaf_type if layer.probe.ok else None
    if first is None:
        return layer
    other = next((p for p in typed if _served(p) not in (None, first)), None)
    if other is None or other.cert_type is None:
        return layer
    second = Layer(
        layer.role, layer.address, layer.port, layer.source, other, cert_type=other.cert_type
    )
    return dataclasses.replace(layer, cert_type=first, second=second)


__all__ = ["with_types"]
