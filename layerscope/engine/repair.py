"""Chain repair for one layer of a report: which layer, its corrected fullchain, and writing
it (``fix-chain`` and the inspector's ``x`` share this flow)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from layerscope.model import Layer, Report
from layerscope.model.options import CheckOptions
from layerscope.net.truststore import load_stores
from layerscope.x509.fixchain import FullChain, build_fullchain
from layerscope.x509.stores import Stores, TrustStoreError


def pick_layer(report: Report, address: str | None = None) -> Layer | None:
    """The layer (one of its certificates, when it serves two) to repair: at ``address``
    when given; the first with an incomplete chain, else the first that served one."""
    parts = [part for layer in report.layers for part in layer.parts]
    if address is not None:
        wanted = address.strip("[]")
        parts = [part for part in parts if part.address == wanted]
        if not parts:
            return None
    incomplete = [f for f in report.findings if f.code == "incomplete_chain"]
    served = [part for part in parts if part.probe.ok]
    broken = (p for p in served if any(f.concerns(p) for f in incomplete))
    return next(broken, served[0] if served else parts[0] if parts else None)


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


@dataclass(frozen=True)
class Repair:
    """What became of writing one layer's corrected chain to a file.

    Attributes:
        outcome: ``written``, ``refused`` (no chain that clients accept could be built) or
            ``failed`` (the trust store or the file could not be used).
        summary: one line for the user ("wrote F: 2 certificates for 192.0.2.1, ...").
        detail: how the chain was built or why not (from certificates: sanitise it).
        chain: the chain that was (or would have been) written, when one was built.
    """

    outcome: str
    summary: str
    detail: str = ""
    chain: FullChain | None = None

    @property
    def exit_code(self) -> int:
        """0 written, 1 refused, 3 unusable trust store or file."""
        return {"written": 0, "refused": 1}.get(self.outcome, 3)


def default_path(report: Report, layer: Layer, directory: Path) -> Path:
    """``fullchain-HOST-ADDRESS.pem`` in ``directory`` (an IPv6 address made file-safe)."""
    name = "".join(c if c.isalnum() or c in "-." else "_" for c in layer.address)
    return directory / f"fullchain-{report.ascii_host}-{name}.pem"


def repair(
    report: Report, layer: Layer, path: Path, stores: Stores | None, options: CheckOptions
) -> Repair:
    """Build ``layer``'s corrected chain and write it to ``path`` (leaf first, no root),
    only when it builds to a trusted root and the verifier accepts it for the site. The
    trust stores are read from ``options`` when ``stores`` is None."""
    try:
        stores = stores or load_stores(options)
    except TrustStoreError as exc:
        return Repair("failed", str(exc))
    return write_chain(fullchain_for(report, layer, stores), path, f" for {layer.label}")


def write_chain(chain: FullChain, path: Path, what: str = "") -> Repair:
    """Write ``chain`` to ``path`` when it was built (leaf first, no root), else refuse
    with its reason; ``what`` follows the count in the summary (" for 192.0.2.1")."""
    if not chain.ok:
        return Repair("refused", f"not writing {path}: {chain.message}", chain.message, chain)
    try:
        path.write_text(chain.pem, encoding="ascii")
    except OSError as exc:
        return Repair("failed", f"cannot write {path}: {exc.strerror or exc}", "", chain)
    count = len(chain.certificates)
    noun = "certificate" if count == 1 else "certificates"
    summary = f"wrote {path}: {count} {noun}{what}, leaf first, no root"
    return Repair("written", summary, chain.message, chain)
