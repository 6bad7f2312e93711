"""A reproducible lab and inspection for snapshot tests and screenshots.

Fixed clock, address block, port and key seed make the certificates identical run after
run; timings, which loopback cannot make identical, are replaced by fixed figures.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from layerscope.lab.lab import Lab
from layerscope.model import Layer, ProbeError, ProbeResult, Report

FIXED_NOW = dt.datetime(2026, 11, 27, 9, 0, 0, tzinfo=dt.UTC)
FIXED_SEED = 20261127


def frozen_lab(*, octet: int = 197, port: int = 18443) -> Lab:
    """A lab whose every certificate, address, port and file name is the same each run
    (not started). DNS answers on ``port + 1``."""
    directory = Path(tempfile.gettempdir()) / f"layerscope-frozen-lab-{octet}"
    return Lab(
        now=FIXED_NOW,
        octet=octet,
        port=port,
        seed=FIXED_SEED,
        dns_port=port + 1,
        directory=directory,
    )


def _probe(result: ProbeResult, ms: float) -> ProbeResult:
    error = result.error
    if error is not None:
        error = ProbeError(error.kind, error.message, ms)
    return dataclasses.replace(result, handshake_ms=ms, connect_ms=0.1, error=error)


def _layer(layer: Layer, index: int) -> Layer:
    ms = 12.0 + index
    no_sni = layer.probe_no_sni
    http = layer.http
    return dataclasses.replace(
        layer,
        probe=_probe(layer.probe, ms),
        probe_no_sni=_probe(no_sni, ms) if no_sni is not None else None,
        http=dataclasses.replace(http, elapsed_ms=ms * 2) if http is not None else None,
    )


def normalize(report: Report) -> Report:
    """The report with fixed timings (handshake, connect, elapsed, duration)."""
    return dataclasses.replace(
        report,
        duration_ms=250.0,
        layers=tuple(_layer(layer, i) for i, layer in enumerate(report.layers)),
    )


def frozen_inspect(
    inspect_fn: Callable[..., Awaitable[Report]] | None = None,
) -> Callable[..., Awaitable[Report]]:
    """``inspect`` with the clock fixed at FIXED_NOW and timings normalised."""
    if inspect_fn is None:
        from layerscope.engine.run import inspect

        inspect_fn = inspect
    real = inspect_fn

    async def run(host: str, options: Any, **kwargs: Any) -> Report:
        kwargs.setdefault("clock", lambda: FIXED_NOW)
        observer = kwargs.pop("observer", None)
        if observer is not None:
            kwargs["observer"] = _NormalizingObserver(observer)
        return normalize(await real(host, options, **kwargs))

    return run


class _NormalizingObserver:
    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self._count = 0

    def layers_known(self, host: str, layers: Any) -> None:
        self._inner.layers_known(host, layers)

    def layer_probed(self, host: str, layer: Layer) -> None:
        self._inner.layer_probed(host, _layer(layer, 0))
