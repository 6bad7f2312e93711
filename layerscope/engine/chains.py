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
    """``layer`` with its chain analysed (borrowing ``others`` to fill gaps), and its second
    certificate's, when it serves two."""
    if layer.second is not None:
        second = with_chain(layer.second, host, at, stores, others)
        layer = dataclasses.replace(layer, second=second)
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
    # borrows from another layer (another address), never from itself, not even from its
    # other certificate (linear in layers, not quadratic)
    parts = flatten(layers)
    pool: dict[str, list[tuple[CertFacts, str, str]]] = {}
    for other in parts:
        if other.probe.ok:
            for cert in other.probe.chain[1:]:
                seen = pool.setdefault(cert.sha256, [])
                if len(seen) < 2 and all(o != other.label for _c, o, _s in seen):
                    seen.append((cert, other.label, f"served by {other.label}"))
    others_of: list[list[tuple[CertFacts, str]]] = []
    out: list[Layer] = []
    for part in parts:
        others = [
            next((cert, src) for cert, o, src in entries if o != part.label)
            for entries in pool.values()
            if any(o != part.label for _c, o, _s in entries)
        ]
        others_of.append(others)
        out.append(_chained(part, host, at, stores, others))
    todo = [i for i, part in enumerate(out) if _needs_aia(part)]
    if todo and options.aia:
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
                out[i] = _chained(out[i], host, at, stores, [*others_of[i], *extra])
        aia_errors.extend(fetcher.errors)
    return nest(layers, out)


def _chained(
    part: Layer, host: str, at: dt.datetime, stores: Stores, others: Sequence[tuple[CertFacts, str]]
) -> Layer:
    # one part alone (its second, if any, is analysed as a part of its own)
    alone = dataclasses.replace(part, second=None)
    done = with_chain(alone, host, at, stores, others)
    return dataclasses.replace(done, second=part.second)


def flatten(layers: Sequence[Layer]) -> list[Layer]:
    """Every layer's certificates as layers of their own: each layer, then its second."""
    return [part for layer in layers for part in layer.parts]


def nest(layers: Sequence[Layer], parts: Sequence[Layer]) -> list[Layer]:
    """The inverse of :func:`flatten`: ``parts`` (in :func:`flatten`'s order, each one
    judged alone) put back as ``layers``' first and second certificates."""
    out: list[Layer] = []
    index = 0
    for layer in layers:
        first = parts[index]
        index += 1
        if layer.second is not None:
            first = dataclasses.replace(first, second=parts[index])
            index += 1
        out.append(first)
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
    parts = flatten(layers)
    if not any(ly.probe.ok and ly.leaf is not None and ly.leaf.ocsp_urls for ly in parts) and (
        not any(ly.probe.ocsp_staple for ly in parts)
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

    return nest(layers, await asyncio.gather(*(one(part) for part in parts)))


__all__ = ["analyse_chains", "check_revocation", "flatten", "host_lookup", "nest", "with_chain"]
