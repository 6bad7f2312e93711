"""A layer that serves two certificates: the handshakes per certificate type made into the
layer's first and second certificate.

A layer is probed with SNI once asking only for ECDSA and once only for RSA (the signature
algorithms offered). The first that got its type stands for the layer's own handshake: a
server holding both gives modern clients the ECDSA one. An untyped handshake is made only
when neither typed one got a certificate (a layer that refuses both, or serves another key
type), so a layer costs no more handshakes than before but the refused RSA one."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from layerscope.model import CertType, ErrorKind, Layer, ProbeResult, cert_type_of


def _served(probe: ProbeResult) -> CertType | None:
    """The type a typed handshake got: the one it asked for, or None (not offered, failed,
    or the server answered with a certificate of another type)."""
    if probe.cert_type is None or not probe.ok or probe.leaf is None:
        return None
    return probe.cert_type if cert_type_of(probe.leaf) is probe.cert_type else None


#: Failures a second, untyped handshake would only repeat after as long a wait.
_SLOW = frozenset({ErrorKind.CONNECT_TIMEOUT, ErrorKind.HANDSHAKE_TIMEOUT})


def primary(typed: Sequence[ProbeResult]) -> ProbeResult | None:
    """The typed handshake that stands for the layer's own (what modern clients get):
    the first that got a leaf of the type it asked for (ECDSA before RSA), else the first
    that got a leaf at all (a server that ignores the signature algorithms); when none
    did, a failure that an untyped handshake would only repeat (a timeout), else None:
    the layer refused both types, or failed otherwise, and an untyped handshake says
    what it really does."""
    for probe in typed:
        if _served(probe) is not None:
            return probe
    for probe in typed:
        if probe.ok:
            return probe
    slow = [p for p in typed if p.error is not None and p.error.kind in _SLOW]
    return slow[0] if slow and len(slow) == len(typed) else None


def with_types(layer: Layer, typed: tuple[ProbeResult, ...]) -> Layer:
    """``layer`` with the typed handshakes ``typed`` recorded and, when one of them got a
    certificate of another type than the layer's own handshake (its :func:`primary`),
    that certificate as the layer's second."""
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


__all__ = ["primary", "with_types"]
