"""``preflight --against HOST``: the live layers of a site compared with the leaf of the
certificate file that is about to be deployed.

The site is inspected as ``check`` inspects it (its edges from DNS or ``--edge``, the origin
with ``--origin``, the same resolvers and trust stores), without the page fetch and the
OCSP questions: which certificate each layer serves is all that is compared. The result
says, per layer, whether it already serves the file's leaf and what deploying changes, with
the ``layerscope watch`` command to run right after the deploy.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import shlex
from collections.abc import Awaitable, Callable

from layerscope.diagnose.deploy import deploy_summary, live_layers
from layerscope.engine.preflight import Preflight, preflight
from layerscope.engine.run import inspect
from layerscope.model import CertFacts, Report
from layerscope.model.deploy import Against
from layerscope.model.files import PreflightRequest
from layerscope.model.names import bracketed
from layerscope.model.options import CheckOptions, SiteRequest
from layerscope.x509.stores import Stores

__all__ = ["compare", "live_options", "preflight_against", "watch_command"]

InspectFn = Callable[..., Awaitable[Report]]


def live_options(options: CheckOptions) -> CheckOptions:
    """The options the live layers are probed with: as given, without the page fetch and
    the OCSP questions (they do not change which certificate a layer serves)."""
    return dataclasses.replace(options, http=False, ocsp=False)


def _endpoint(host: str, port: int | None) -> str:
    return f"{bracketed(host)}:{port}" if port else bracketed(host)


def watch_command(host: str, options: CheckOptions, certificate: str) -> str:
    """``layerscope watch HOST ... --expect FULLCHAIN``: the same layers, found the same way
    (port, SNI, origin, edges, resolvers, client subnets, address family, trust stores),
    waiting for the file's leaf."""
    words = ["layerscope", "watch", host]
    if options.port != 443:
        words += ["--port", str(options.port)]
    if options.sni:
        words += ["--sni", options.sni]
    if options.origin is not None:
        words += ["--origin", _endpoint(options.origin.host, options.origin.port)]
    for edge in options.edges:
        words += ["--edge", _endpoint(edge.host, edge.port)]
    for resolver in options.resolvers:
        words += ["--resolver", _endpoint(resolver.host, resolver.port)]
    for subnet in options.ecs:
        words += ["--ecs", str(subnet)]
    if options.family:
        words.append(f"-{options.family}")
    if options.ca_bundle != "certifi":
        words += ["--ca-bundle", options.ca_bundle]
    for path in options.extra_ca:
        words += ["--extra-ca", path]
    words += ["--expect", certificate]
    return " ".join(shlex.quote(w) for w in words)


def compare(leaf: CertFacts | None, certificate: str, site: SiteRequest, live: Report) -> Against:
    """The live layers of ``live`` (the inspection of ``site``) compared with ``leaf``, the
    leaf of the file ``certificate`` (None: the file holds none to compare)."""
    options = site.options
    port = options.port
    if leaf is None:
        why = "the file holds no certificate that can be compared with the live layers"
        return Against(site.host, port, "", (), why, "")
    layers = live_layers(leaf, live)
    error = live.error
    if error is None and not live.layers and live.discovery.errors:
        error = live.discovery.errors[0]
    summary = deploy_summary(layers)
    if error is not None:
        summary = f"the live layers could not be probed: {error.message}"
    watch = watch_command(site.host, options, certificate)
    return Against(site.host, port, leaf.sha256, layers, summary, watch, error)


async def preflight_against(
    request: PreflightRequest,
    site: SiteRequest,
    *,
    stores: Stores | None = None,
    inspect_fn: InspectFn = inspect,
) -> Preflight:
    """The preflight of ``request`` with its report's ``against``: the live layers of
    ``site``, inspected meanwhile, compared with the file's leaf. A file that cannot be read
    (``report.error``) stops the inspection. Never raises for network trouble."""
    live_job = asyncio.ensure_future(inspect_fn(site.host, live_options(site.options)))
    result = await preflight(request, stores=stores)
    if result.report.error is not None:
        live_job.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await live_job
        return result
    live = await live_job
    value = compare(result.leaf, request.certificate, site, live)
    return dataclasses.replace(result, report=dataclasses.replace(result.report, against=value))
