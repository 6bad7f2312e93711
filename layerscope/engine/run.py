"""The orchestrator of one site, as named steps: find the layers, probe them, analyse
their chains, check revocation, diagnose; each step in its own module."""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import importlib
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from layerscope.engine.targets import DiscoverFn, Target, find_layers
from layerscope.engine.typed import primary, with_types
from layerscope.model import (
    CertType,
    Discovery,
    ErrorKind,
    HttpResult,
    Layer,
    ProbeError,
    ProbeResult,
    Report,
    Role,
)
from layerscope.model.names import HostNameError, to_ascii
from layerscope.model.options import CheckOptions
from layerscope.net.discovery import discover
from layerscope.net.probe import TlsStream, probe
from layerscope.net.truststore import load_stores
from layerscope.x509.stores import Stores, TrustStoreError

ProbeFn = Callable[..., Awaitable[ProbeResult]]
"""One handshake, as :func:`layerscope.net.probe.probe`: ``(address, port, sni, *,
timeout, cert_type=None, then=None)``; ``then`` gets the open connection (the page)."""
Clock = Callable[[], dt.datetime]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


#: What is needed after the first packets: the page fetch (h11), then path building and
#: the rules, findings and remediation. They are imported on a thread while DNS and the
#: handshakes are on the wire, which is mostly waiting. Everything the probes need is
#: imported before the thread starts; the page fetch takes its module off the event loop
#: (:func:`_page`), so a slow import never holds the handshakes back.
_PAGE = "layerscope.net.page"
_LATER = ("layerscope.engine.chains", "layerscope.engine.diagnosis")


@functools.cache
def _warm(page: bool) -> None:
    def load() -> None:
        for name in ((_PAGE,) if page else ()) + _LATER:
            try:
                importlib.import_module(name)
            except Exception:
                return

    threading.Thread(target=load, name="layerscope-imports", daemon=True).start()


class Observer(Protocol):
    """Receives progress while a site is inspected (the TUI streams rows with it)."""

    def layers_known(self, host: str, layers: Sequence[tuple[Role, str, int]]) -> None:
        """Discovery is done: these layers will be probed."""

    def layer_probed(self, host: str, layer: Layer) -> None:
        """One layer's probes ended (preliminary: cross-layer facts come with the report)."""


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
        discovery=Discovery(name=ascii_host, skipped=bool(options.edges)),
        layers=(),
        reference=None,
        reference_layer=None,
        findings=(),
        trust_store=options.ca_bundle,
        error=error,
    )


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
    _warm(options.http)
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
        discovery, targets = await find_layers(ascii_host, options, discover_fn)
    except HostNameError as exc:
        error = ProbeError(ErrorKind.INVALID_INPUT, f"invalid --origin: {exc}")
        return _failed(host, ascii_host, options, started, error)
    if observer is not None:
        observer.layers_known(host, [(t.role, t.address, t.port) for t in targets])
    at = options.at or started
    probed = await _probe_layers(
        targets,
        host,
        ascii_host,
        options,
        at,
        stores,
        limit=limit or asyncio.Semaphore(max(1, options.concurrency)),
        probe_fn=probe_fn,
        observer=observer,
    )
    from layerscope.engine.chains import analyse_chains, check_revocation, host_lookup
    from layerscope.engine.diagnosis import diagnose_site

    aia_errors: list[tuple[str, str]] = []
    lookup = host_lookup(options, discover_fn)
    layers = await analyse_chains(
        probed, ascii_host, at, stores, options, aia_errors, lookup=lookup
    )
    layers = await check_revocation(layers, at, options, lookup=lookup)
    diagnosis = diagnose_site(layers, discovery, ascii_host, options, at)
    reference = diagnosis.reference
    return Report(
        host=host,
        ascii_host=ascii_host,
        port=options.port,
        sni=options.sni or ascii_host,
        at=at,
        started=started,
        duration_ms=round((time.perf_counter() - t0) * 1000, 1),
        discovery=discovery,
        layers=tuple(layers),
        reference=reference.cert if reference else None,
        reference_layer=reference.layer.address if reference else None,
        findings=tuple(diagnosis.findings),
        trust_store=stores.main.name + (f" + {len(stores.extra)} extra CA" if stores.extra else ""),
        cdn=diagnosis.cdn,
        aia_errors=tuple(aia_errors),
        type_references=diagnosis.references,
    )


async def _probe_layers(
    targets: Sequence[Target],
    host: str,
    ascii_host: str,
    options: CheckOptions,
    at: dt.datetime,
    stores: Stores,
    *,
    limit: asyncio.Semaphore,
    probe_fn: ProbeFn,
    observer: Observer | None,
) -> list[Layer]:
    """Step 2: every layer probed at once (with SNI once per certificate type, without SNI,
    and its page), under ``limit``; each reported to ``observer`` as it ends (its chain
    analysed alone, preliminary)."""
    sni = options.sni or ascii_host

    async def run(target: Target) -> Layer:
        if target.error is not None:
            result = ProbeResult(target.address, target.port, sni, error=target.error)
            layer = Layer(target.role, target.address, target.port, target.source, result)
        else:
            address, port, timeout = target.address, target.port, options.timeout
            kinds = tuple(CertType) if options.cert_types else ()
            page = _Page(target, ascii_host, options)
            then = page.fetch if options.http else None

            async def with_sni() -> tuple[ProbeResult, tuple[ProbeResult, ...]]:
                # per type when asked (the ECDSA one is what modern clients get), the
                # untyped handshake only when neither says what the layer serves
                typed = await asyncio.gather(
                    *(
                        probe_fn(address, port, sni, timeout=timeout, cert_type=k, then=then)
                        for k in kinds
                    )
                )
                first = primary(typed)
                if first is None:
                    first = await probe_fn(address, port, sni, timeout=timeout, then=then)
                return first, tuple(typed)

            async with limit:
                (first, typed), without = await asyncio.gather(
                    with_sni(), probe_fn(address, port, None, timeout=timeout)
                )
            layer = Layer(
                target.role, address, port, target.source, first, without, http=page.result
            )
            layer = with_types(layer, typed)
        if observer is not None:
            from layerscope.engine.chains import with_chain

            observer.layer_probed(host, with_chain(layer, ascii_host, at, stores, ()))
        return layer

    return list(await asyncio.gather(*(run(t) for t in targets)))


class _Page:
    """A layer's page, fetched over the first of its SNI probes' connections that got a
    certificate (the layer is not handshaken once more for it, #14); none when no
    handshake got one (the layer's TLS errors say why)."""

    def __init__(self, target: Target, host: str, options: CheckOptions) -> None:
        self._target, self._host, self._options = target, host, options
        self._claimed = False
        self.result: HttpResult | None = None

    async def fetch(self, stream: TlsStream) -> None:
        """The probes' ``then``: the first connection offered fetches, the others pass."""
        if self._claimed:
            return
        self._claimed = True
        # the page module, imported off the event loop (see _warm): a lookup by now
        await asyncio.to_thread(importlib.import_module, _PAGE)
        from layerscope.net.page import fetch_page

        options = self._options
        self.result = await fetch_page(
            self._target.address,
            self._target.port,
            self._host,
            path=options.path,
            timeout=options.timeout,
            stream=stream,
        )


__all__ = ["Clock", "Observer", "ProbeFn", "inspect"]
