"""What deploying a certificate file changes: the live layers compared with the file's leaf
(``preflight --against``), and a server block that serves another leaf than the file it
names (``preflight --nginx``: ``reload_needed``). Facts in, values out, no I/O.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from layerscope.diagnose.layer import Thresholds
from layerscope.model import CertFacts, Finding, Report, Severity, cert_type_of
from layerscope.model.deploy import LiveLayer, Relation
from layerscope.model.evidence import ReloadNeededEvidence
from layerscope.model.labels import label_name, leaf_order
from layerscope.model.names import host_port
from layerscope.model.nginx import NginxServed
from layerscope.model.times import iso_utc

__all__ = ["deploy_summary", "live_layers", "reload_finding"]


def _relation(leaf: CertFacts, served: CertFacts) -> Relation:
    if served.sha256 == leaf.sha256:
        return Relation.SAME
    if served.not_before < leaf.not_before:
        return Relation.OLDER
    if served.not_before > leaf.not_before:
        return Relation.NEWER
    return Relation.OTHER


def live_layers(leaf: CertFacts, live: Report) -> tuple[LiveLayer, ...]:
    """Each layer of ``live`` (origin first, as the reports list them) compared with the
    file's ``leaf``: ``A`` is the file's leaf, the others are lettered in layer order."""
    order = [leaf.sha256, *(s for s in leaf_order(live.layers) if s != leaf.sha256)]
    labels = {sha: label_name(i) for i, sha in enumerate(order)}
    out: list[LiveLayer] = []
    kind = cert_type_of(leaf)
    for whole in live.layers:
        # a layer serving two certificates: the one of the file's type
        layer = next((p for p in whole.parts if p.leaf_type is kind), whole)
        served = layer.leaf
        if served is None:
            error = layer.probe.error.message if layer.probe.error is not None else ""
            why = error or "it sent no certificate that could be parsed"
            unreachable = Relation.UNREACHABLE
            out.append(LiveLayer(layer.role, layer.address, layer.port, unreachable, error=why))
            continue
        out.append(
            LiveLayer(
                layer.role,
                layer.address,
                layer.port,
                _relation(leaf, served),
                served.sha256,
                labels[served.sha256],
                served.not_after,
            )
        )
    return tuple(out)


def _names(layers: Sequence[LiveLayer]) -> tuple[str, bool]:
    """``edge 192.0.2.2:443 and edge 192.0.2.3:443``, and whether that is more than one."""
    names = [x.name for x in layers]
    text = names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" and {names[-1]}"
    return text, len(names) > 1


def _part(layers: Sequence[LiveLayer]) -> str:
    """What one group of layers (same leaf, or all unreachable) serves, as a clause."""
    first = layers[0]
    names, many = _names(layers)
    if first.relation is Relation.UNREACHABLE:
        return f"{names} could not be compared ({first.error})"
    label = first.label
    short = first.served_sha256[:12]
    if first.relation is Relation.OLDER:
        verb = "still serve" if many else "still serves"
        return f"{names} {verb} the old certificate {label} ({short})"
    verb = "serve" if many else "serves"
    if first.relation is Relation.NEWER:
        return (
            f"{names} {verb} a newer certificate {label} ({short}): deploying this file "
            "would replace it with an older one"
        )
    return f"{names} {verb} another certificate {label} ({short})"


def deploy_summary(layers: Sequence[LiveLayer]) -> str:
    """What deploying the file changes, in one or two sentences ("edge 192.0.2.3:443 still
    serves the old certificate B (9c1d...); after deploying, every layer would serve A")."""
    if not layers:
        return "no live layer to compare with"
    same = [x for x in layers if x.relation is Relation.SAME]
    unreachable = [x for x in layers if x.relation is Relation.UNREACHABLE]
    groups: dict[str, list[LiveLayer]] = {}
    for layer in layers:
        if layer.relation not in (Relation.SAME, Relation.UNREACHABLE):
            groups.setdefault(layer.served_sha256, []).append(layer)
    if not groups and not unreachable:
        return "every layer already serves this leaf (A): deploying it changes nothing"
    parts = [_part(group) for group in groups.values()]
    if unreachable:
        parts.append(_part(unreachable))
    lead = ""
    if same:
        lead = f"{len(same)} of {len(layers)} layers already serve this leaf (A); "
    if not groups:
        return f"{lead}{'; '.join(parts)}"
    every = "every layer that answered" if unreachable else "every layer"
    return f"{lead}{'; '.join(parts)}; after deploying, {every} would serve A"


def reload_finding(
    path: str,
    leaf: CertFacts,
    served: NginxServed,
    modified: dt.datetime,
    th: Thresholds,
    *,
    config: str,
    block: str,
) -> Finding | None:
    """``reload_needed`` when the block serves another leaf than the file's ``leaf``
    (critical when the served one is expired or within ``--crit-days``); None when it
    serves the file's leaf or served nothing to compare."""
    if not served.sha256 or served.sha256 == leaf.sha256 or served.not_after is None:
        return None
    days = (served.not_after - th.at).total_seconds() / 86400
    severity = Severity.CRITICAL if days <= th.crit_days else Severity.WARNING
    expires = "expired" if days < 0 else f"expires in {days:.0f} days"
    where = host_port(served.address, served.port)
    summary = (
        f"nginx serves {served.sha256[:12]} ({expires}) on {where}, not the leaf of the "
        f"file it names, {leaf.sha256[:12]} (modified {iso_utc(modified)}): reload nginx"
    )
    if served.not_before is not None and served.not_before > leaf.not_before:
        summary += "; the file holds an older certificate than the one served"
    evidence = ReloadNeededEvidence(
        file=path,
        file_sha256=leaf.sha256,
        served_sha256=served.sha256,
        file_modified=iso_utc(modified),
        address=served.address,
        port=served.port,
        sni=served.sni,
        served_not_after=iso_utc(served.not_after),
        config=config,
        block=block,
    )
    return Finding("reload_needed", severity, (path,), summary, evidence)
