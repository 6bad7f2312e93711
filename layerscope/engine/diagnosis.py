"""Step 5 of an inspection: facts to findings, each with its remediation, worst first."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from layerscope.diagnose.cdn import cdn_from_names
from layerscope.diagnose.compare import Reference
from layerscope.diagnose.headers import http_differs, http_findings
from layerscope.diagnose.layer import Thresholds, analyse_layer, revocation_findings
from layerscope.diagnose.rows import AGGREGATE_CODES
from layerscope.diagnose.types import compare_by_type, typed
from layerscope.model import Discovery, Finding, Layer, Role, TypedReference
from layerscope.model.names import bracketed
from layerscope.model.options import CheckOptions


@dataclass(frozen=True)
class Diagnosis:
    """What :func:`diagnose_site` concluded.

    Attributes:
        reference: the reference certificate and its layer (the ECDSA one on a site whose
            layers serve two), or None.
        references: per type, on a site whose layers serve two; else empty.
        findings: worst first, with their remediation.
        cdn: the CDN recognised, or None.
    """

    reference: Reference | None
    references: tuple[TypedReference, ...]
    findings: list[Finding]
    cdn: str | None


def diagnose_site(
    layers: Sequence[Layer],
    discovery: Discovery,
    host: str,
    options: CheckOptions,
    at: dt.datetime,
) -> Diagnosis:
    """Findings of every layer and across layers, with their remediation, worst first;
    the reference certificate they were compared with (per type, too, on a site whose
    layers serve two); the CDN, if one is recognised."""
    sni = options.sni or host
    th = Thresholds(at, options.warn_days, options.crit_days)
    findings: list[Finding] = []
    for layer in layers:
        for part in layer.parts:
            found = [*analyse_layer(part, host, th), *revocation_findings(part)]
            findings.extend(typed(f, part) for f in found)
        findings.extend(http_findings(layer))
    reference, references, cross = compare_by_type(layers, host, th)
    findings.extend(cross)
    findings.extend(http_differs(layers))
    cdn = cdn_from_names(discovery.cname_chain) or _cdn_from_pages(layers)
    findings = _with_remediation(findings, layers, host, options, sni, cdn)
    order = {layer.address: i for i, layer in enumerate(layers)}
    # worst first; the cause before the site-wide disagreement it makes (stale_edge before
    # edges_disagree); then by layer; within that the order they were found in, which puts
    # the cause first (the unparseable certificate before the gap it leaves, a rule before
    # the fallback)
    findings.sort(
        key=lambda f: (
            -f.severity,
            f.code in AGGREGATE_CODES,
            min((order.get(a, 99) for a in f.layers), default=-1),
        )
    )
    return Diagnosis(reference, references, findings, cdn)


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
    if not findings:
        return []
    # remediation loads when there is something to remediate: a healthy check skips it
    from layerscope.explain import RemediationContext, remediation_for

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
            cert_type=finding.cert_type.value if finding.cert_type else "",
        )
        out.append(dataclasses.replace(finding, remediation=remediation_for(finding.code, ctx)))
    return out


__all__ = ["Diagnosis", "check_words", "diagnose_site"]
