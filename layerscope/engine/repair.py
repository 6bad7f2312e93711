"""Chain repair for one layer of a report: which layer, and its corrected fullchain."""

from __future__ import annotations

from layerscope.model import Layer, Report
from layerscope.x509.fixchain import FullChain, build_fullchain
from layerscope.x509.stores import Stores


def pick_layer(report: Report, address: str | None = None) -> Layer | None:
    """The layer to repair: ``address`` when given; otherwise the first layer with an
    incomplete chain, else the first that served a certificate."""
    if address is not None:
        wanted = address.strip("[]")
        return next((ly for ly in report.layers if ly.address == wanted), None)
    incomplete = {a for f in report.findings if f.code == "incomplete_chain" for a in f.layers}
    served = [ly for ly in report.layers if ly.probe.ok]
    return next((ly for ly in served if ly.address in incomplete), served[0] if served else None)


def fullchain_for(report: Report, layer: Layer, stores: Stores) -> FullChain:
    """Leaf first, then intermediates, no root; verified to build to a trusted root."""
    if not layer.probe.ok or layer.chain is None:
        reason = layer.probe.error.message if layer.probe.error else "no certificate"
        return FullChain(
            ok=False, certificates=(), pem="", message=f"{layer.label} served no chain: {reason}"
        )
    return build_fullchain(
        layer.probe.chain,
        list(layer.chain.missing),
        host=report.ascii_host,
        at=report.at,
        store=stores.main,
        extra=stores.extra,
    )
