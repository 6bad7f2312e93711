"""Steps 3 and 4 of an inspection: each layer's chain (completed from the other layers and
AIA), then revocation (stapled OCSP responses and the responders)."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections.abc import Sequence

from layerscope.engine.targets import DiscoverFn
from layerscope.model import CertFacts, Layer
from layerscope.model.options import CheckOptions
from layerscope.net.hosts import HostLookup, ResolverLookup
from layerscope.x509.paths import analyse_chain
from layerscope.x509.stores import Stores


def with_chain(
    layer: Layer,
    host: str,
    at: dt.datetime,
    stores: Stores,
    others: Sequence[tuple[CertFacts, str]],
) -> Layer:
    """``layer`` with its chain analysed (borrowing ``others`` to fill gaps)."""
    if not layer.probe.ok:
        return layer
    chain = analyse_chain(
        layer.probe.chain,
        host=host,
        at=at,
        store=stores.main,
        extra=stores.extra,
        others=others,
        alt_store=stores.alt,
    )
    return dataclasses.replace(layer, chain=chain)


def host_lookup(options: CheckOptions, discover_fn: DiscoverFn) -> HostLookup | None:
    """How the hosts of AIA and OCSP URLs are resolved: with the site's ``--resolver``s
    (never the system resolver then), else None: the system resolver, as browsers do."""
    if not options.resolvers:
        return None
    # half the fetch's deadline: a silent resolver is reported as such, not as a slow fetch
    return ResolverLookup(
        options.resolvers,
        family=options.family,
        timeout=options.timeout / 2,
        discover_fn=discover_fn,
    )


def _needs_aia(layer: Layer) -> bool:
    chain = layer.chain
    if chain is None or chain.anchored or not chain.path:
        return False
    top = chain.path[-1]
    return bool(chain.missing_issuer) and bool(top.aia_issuers)


async def analyse_chains(
    layers: Sequence[Layer],
    host: str,
    at: dt.datetime,
    stores: Stores,
    options: CheckOptions,
    aia_errors: list[tuple[str, str]],
    *,
    lookup: HostLookup | None = None,
) -> list[Layer]:
    """Path analysis per layer, filling gaps from the other layers' chains, then (for
    layers still missing an issuer) from the AIA caIssuers URLs."""
    # each distinct certificate once, with the first two layers that sent it: a layer
    # borrows from another layer, never from itself (linear in layers, not quadratic)
    pool: dict[str, list[tuple[CertFacts, int, str]]] = {}
    for index, other in enumerate(layers):
        if other.probe.ok:
            for cert in other.probe.chain[1:]:
                seen = pool.setdefault(cert.sha256, [])
                if len(seen) < 2 and all(i != index for _c, i, _s in seen):
                    seen.append((cert, index, f"served by {other.label}"))
    others_of: list[list[tuple[CertFacts, str]]] = []
    out: list[Layer] = []
    for index, layer in enumerate(layers):
        others = [
            next((cert, src) for cert, i, src in entries if i != index)
            for entries in pool.values()
            if any(i != index for _c, i, _s in entries)
        ]
        others_of.append(others)
        out.append(with_chain(layer, host, at, stores, others))
    todo = [i for i, layer in enumerate(out) if _needs_aia(layer)]
    if not todo or not options.aia:
        return out
    from layerscope.net.aia import AiaFetcher  # httpx only when something is missing

    fetcher = AiaFetcher(timeout=options.timeout, lookup=lookup)
    anchors = [*stores.main.roots, *stores.extra]
    found = await asyncio.gather(
        *(
            fetcher.complete(out[i].probe.chain, [*(c for c, _ in others_of[i]), *anchors])
            for i in todo
        )
    )
    for i, extra in zip(todo, found, strict=True):
        if extra:
            out[i] = with_chain(out[i], host, at, stores, [*others_of[i], *extra])
    aia_errors.extend(fetcher.errors)
    return out


async def check_revocation(
    layers: list[Layer],
    at: dt.datetime,
    options: CheckOptions,
    *,
    lookup: HostLookup | None = None,
) -> list[Layer]:
    """Judge stapled OCSP responses and ask the responders (once per distinct leaf),
    their host names resolved by ``lookup`` (None: the system resolver)."""
    if not any(ly.probe.ok and ly.leaf is not None and ly.leaf.ocsp_urls for ly in layers) and (
        not any(ly.probe.ocsp_staple for ly in layers)
    ):
        return layers
    from layerscope.net.ocsp import OcspChecker
    from layerscope.x509.ocsp import judge_staple

    checker = OcspChecker(timeout=options.timeout, lookup=lookup)

    async def one(layer: Layer) -> Layer:
        leaf = layer.leaf
        if not layer.probe.ok or leaf is None:
            return layer
        path = layer.chain.path if layer.chain else ()
        issuer = path[1] if len(path) > 1 else None
        staple = (
            judge_staple(layer.probe.ocsp_staple, leaf, issuer, at)
            if layer.probe.ocsp_staple is not None
            else None
        )
        answer = None
        if options.ocsp and leaf.ocsp_urls and issuer is not None:
            answer = await checker.check(leaf, issuer, at=at)
        return dataclasses.replace(layer, staple=staple, ocsp=answer)

    return list(await asyncio.gather(*(one(layer) for layer in layers)))


__all__ = ["analyse_chains", "check_revocation", "host_lookup", "with_chain"]
