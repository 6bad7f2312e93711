"""The orchestrator: discover -> probe -> analyse -> compare -> findings, for one site."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from layerscope.diagnose.cdn import cdn_from_names
from layerscope.diagnose.compare import choose_reference, compare_layers
from layerscope.diagnose.headers import http_differs, http_findings
from layerscope.diagnose.layer import Thresholds, analyse_layer, revocation_findings
from layerscope.explain import RemediationContext, remediation_for
from layerscope.model import (
    CertFacts,
    Discovery,
    ErrorKind,
    Finding,
    HttpResult,
    Layer,
    ProbeError,
    ProbeResult,
    Report,
    Role,
)
from layerscope.model.names import HostNameError, bracketed, is_ip, to_ascii
from layerscope.model.options import CheckOptions
from layerscope.net.discovery import discover
from layerscope.net.hosts import HostLookup, ResolverLookup
from layerscope.net.probe import probe
from layerscope.net.truststore import load_stores
from layerscope.x509.paths import analyse_chain
from layerscope.x509.stores import Stores, TrustStoreError

ProbeFn = Callable[..., Awaitable[ProbeResult]]
DiscoverFn = Callable[..., Awaitable[Discovery]]
Clock = Callable[[], dt.datetime]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Observer(Protocol):
    """Receives progress while a site is inspected (the TUI streams rows with it)."""

    def layers_known(self, host: str, layers: Sequence[tuple[Role, str, int]]) -> None:
        """Discovery is done: these layers will be probed."""

    def layer_probed(self, host: str, layer: Layer) -> None:
        """One layer's probes ended (preliminary: cross-layer facts come with the report)."""


@dataclasses.dataclass(frozen=True)
class _Target:
    role: Role
    address: str
    port: int
    source: str
    error: ProbeError | None = None


def _failed(
    host: str, ascii_host: str, options: CheckOptions, started: dt.datetime, error: ProbeError
) -> Report:
    return Report(
        host=host,
        ascii_host=ascii_host,
        port=options.port,
        sni=options.sni or ascii_host,
        at=options.at or started,
        started=started,
        duration_ms=0.0,
        discovery=Discovery(name=ascii_host, skipped=True),
        layers=(),
        reference=None,
        reference_layer=None,
        findings=(),
        trust_store=options.ca_bundle,
        error=error,
    )


async def _targets(
    ascii_host: str, options: CheckOptions, discover_fn: DiscoverFn
) -> tuple[Discovery, list[_Target]]:
    targets: list[_Target] = []
    origin = options.origin
    origin_job: Awaitable[Discovery] | None = None
    if origin is not None and not is_ip(origin.host):
        origin_job = discover_fn(
            to_ascii(origin.host),
            options.resolvers,
            family=options.family,
            timeout=options.timeout,
        )
    if options.edges:
        discovery = Discovery(
            name=ascii_host, addresses=tuple((e, "--edge") for e in options.edges), skipped=True
        )
    else:
        # ECS only for the site's own name: the origin is one place, not region-dependent
        extra = {"ecs": options.ecs} if options.ecs else {}
        discovery = await discover_fn(
            ascii_host, options.resolvers, family=options.family, timeout=options.timeout, **extra
        )
    if origin is not None:
        port = origin.port or options.port
        if origin_job is None:
            targets.append(_Target(Role.ORIGIN, origin.host.strip("[]"), port, "--origin"))
        else:
            found = await origin_job
            for address in found.unique_addresses:
                targets.append(_Target(Role.ORIGIN, address, port, f"--origin {origin.host}"))
            if not found.unique_addresses:
                error = (
                    found.errors[0]
                    if found.errors
                    else ProbeError(ErrorKind.NO_ANSWER, f"origin {origin.host} has no addresses")
                )
                targets.append(_Target(Role.ORIGIN, origin.host, port, "--origin", error))
    for address in discovery.unique_addresses:
        resolvers = sorted({r for a, r in discovery.addresses if a == address})
        source = "--edge" if discovery.skipped else f"DNS via {', '.join(resolvers)}"
        targets.append(_Target(Role.EDGE, address, options.port, source))
    return discovery, targets


async def inspect(
    host: str,
    options: CheckOptions,
    *,
    observer: Observer | None = None,
    stores: Stores | None = None,
    limit: asyncio.Semaphore | None = None,
    clock: Clock = _now,
    probe_fn: ProbeFn = probe,
    discover_fn: DiscoverFn = discover,
) -> Report:
    """Inspect one site layer by layer. Never raises for network trouble or bad input:
    problems are in the report (``Report.error`` for site-wide ones)."""
    started = clock()
    t0 = time.perf_counter()
    try:
        ascii_host = to_ascii(host)
    except HostNameError as exc:
        return _failed(host, host, options, started, ProbeError(ErrorKind.INVALID_INPUT, str(exc)))
    try:
        stores = stores or load_stores(options)
    except TrustStoreError as exc:
        return _failed(
            host, ascii_host, options, started, ProbeError(ErrorKind.INVALID_INPUT, str(exc))
        )
    try:
        discovery, targets = await _targets(ascii_host, options, discover_fn)
    except HostNameError as exc:
        return _failed(
            host,
            ascii_host,
            options,
            started,
            ProbeError(ErrorKind.INVALID_INPUT, f"invalid --origin: {exc}"),
        )
    if observer is not None:
        observer.layers_known(host, [(t.role, t.address, t.port) for t in targets])
    sni = options.sni or ascii_host
    limit = limit or asyncio.Semaphore(max(1, options.concurrency))

    async def run(target: _Target) -> Layer:
        if target.error is not None:
            result = ProbeResult(target.address, target.port, sni, error=target.error)
            layer = Layer(target.role, target.address, target.port, target.source, result)
        else:
            async with limit:
                with_sni, without, page = await asyncio.gather(
                    probe_fn(target.address, target.port, sni, timeout=options.timeout),
                    probe_fn(target.address, target.port, None, timeout=options.timeout),
                    _page(target, ascii_host, options),
                )
            layer = Layer(
                target.role,
                target.address,
                target.port,
                target.source,
                with_sni,
                without,
                http=page,
            )
        if observer is not None:
            observer.layer_probed(host, _with_chain(layer, ascii_host, at, stores, ()))
        return layer

    at = options.at or started
    probed = await asyncio.gather(*(run(t) for t in targets))
    aia_errors: list[tuple[str, str]] = []
    lookup = _host_lookup(options, discover_fn)
    layers = await _analyse_chains(
        probed, ascii_host, at, stores, options, aia_errors, lookup=lookup
    )
    layers = await _revocation(layers, at, options, lookup=lookup)
    th = Thresholds(at, options.warn_days, options.crit_days)
    findings: list[Finding] = []
    for layer in layers:
        findings.extend(analyse_layer(layer, ascii_host, th))
        findings.extend(revocation_findings(layer))
        findings.extend(http_findings(layer))
    reference = choose_reference(layers, ascii_host, at)
    findings.extend(compare_layers(layers, reference, ascii_host, th))
    findings.extend(http_differs(layers))
    cdn = cdn_from_names(discovery.cname_chain) or _cdn_from_pages(layers)
    findings = _with_remediation(findings, layers, ascii_host, options, sni, cdn)
    order = {layer.address: i for i, layer in enumerate(layers)}
    # worst first, then by layer; within that the order they were found in, which puts the
    # cause first (the unparseable certificate before the gap it leaves, a rule before the
    # fallback)
    findings.sort(
        key=lambda f: (-f.severity, min((order.get(a, 99) for a in f.layers), default=-1))
    )
    return Report(
        host=host,
        ascii_host=ascii_host,
        port=options.port,
        sni=sni,
        at=at,
        started=started,
        duration_ms=round((time.perf_counter() - t0) * 1000, 1),
        discovery=discovery,
        layers=tuple(layers),
        reference=reference.cert if reference else None,
        reference_layer=reference.layer.address if reference else None,
        findings=tuple(findings),
        trust_store=stores.main.name + (f" + {len(stores.extra)} extra CA" if stores.extra else ""),
        cdn=cdn,
        aia_errors=tuple(aia_errors),
    )


def _with_chain(
    layer: Layer,
    host: str,
    at: dt.datetime,
    stores: Stores,
    others: Sequence[tuple[CertFacts, str]],
) -> Layer:
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


async def _page(target: _Target, host: str, options: CheckOptions) -> HttpResult | None:
    if not options.http:
        return None
    from layerscope.net.page import fetch_page  # httpx only when a page is fetched

    return await fetch_page(
        target.address, target.port, host, path=options.path, timeout=options.timeout
    )


def _host_lookup(options: CheckOptions, discover_fn: DiscoverFn) -> HostLookup | None:
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


async def _analyse_chains(
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
        out.append(_with_chain(layer, host, at, stores, others))
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
            out[i] = _with_chain(out[i], host, at, stores, [*others_of[i], *extra])
    aia_errors.extend(fetcher.errors)
    return out


async def _revocation(
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


def _cdn_from_pages(layers: Sequence[Layer]) -> str | None:
    for layer in layers:
        if layer.role is Role.EDGE and layer.http is not None and layer.http.headers:
            from layerscope.diagnose.cdn import cdn_from_headers

            found = cdn_from_headers(layer.http.headers)
            if found:
                return found
    return None


def check_words(options: CheckOptions) -> tuple[str, ...]:
    """The options of this run that a re-check must repeat to see the same thing
    (resolvers and trust stores; ``--extra-ca`` is carried separately)."""
    words: list[str] = []
    for resolver in options.resolvers:
        host = bracketed(resolver.host)
        words += ["--resolver", f"{host}:{resolver.port}" if resolver.port else host]
    if options.ca_bundle != "certifi":
        words += ["--ca-bundle", options.ca_bundle]
    if options.alt_ca_bundle:
        words += ["--alt-ca-bundle", options.alt_ca_bundle]
    return tuple(words)


def _with_remediation(
    findings: list[Finding],
    layers: Sequence[Layer],
    host: str,
    options: CheckOptions,
    sni: str,
    cdn: str | None,
) -> list[Finding]:
    by_address = {layer.address: layer for layer in layers}
    words = check_words(options)
    origin = ""
    if options.origin is not None:
        o = options.origin
        name = bracketed(o.host)
        origin = f"{name}:{o.port}" if o.port else name
    out = []
    for finding in findings:
        first = by_address.get(finding.layers[0]) if finding.layers else None
        ctx = RemediationContext(
            host=host,
            port=options.port,
            sni=sni,
            address=first.address if first else "",
            layer_port=first.port if first else options.port,
            role=first.role.value if first else "",
            cdn=cdn,
            evidence=finding.evidence,
            extra_ca_files=options.extra_ca,
            check_options=words,
            origin=origin,
        )
        out.append(dataclasses.replace(finding, remediation=remediation_for(finding.code, ctx)))
    return out


__all__ = ["Observer", "inspect"]
