"""Cross-layer findings: the reference certificate, stale edges, disagreements."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from layerscope.diagnose.layer import Thresholds, leaf_is_valid
from layerscope.model import CertFacts, CertType, Finding, Layer, PathStatus, Role, Severity
from layerscope.model.evidence import (
    CdnManagedEvidence,
    CertRef,
    CertSummary,
    ChainDiffersEvidence,
    EdgeAheadEvidence,
    EdgesDisagreeEvidence,
    KeyDiffersEvidence,
    LayerKey,
    LeafGroup,
    SanDiffersEvidence,
    StaleEdgeEvidence,
)
from layerscope.model.names import covers, name_set
from layerscope.model.times import iso_utc


@dataclass(frozen=True)
class Reference:
    """The certificate every layer should serve.

    Attributes:
        cert: the reference leaf.
        layer: the layer it was taken from.
    """

    cert: CertFacts
    layer: Layer


def good_leaf(layer: Layer, host: str, at: dt.datetime) -> bool:
    """The layer serves a leaf that is valid at ``at``, covers ``host`` and that the verifier
    accepts once its chain is complete (a missing intermediate does not make the leaf itself
    wrong; a refused one does)."""
    leaf = layer.leaf
    return (
        layer.probe.ok
        and leaf is not None
        and leaf_is_valid(leaf, at)
        and covers(leaf.sans, host)
        and layer.chain is not None
        and layer.chain.anchored
        and layer.chain.completed_ok
    )


def choose_reference(layers: Sequence[Layer], host: str, at: dt.datetime) -> Reference | None:
    """The origin's leaf when it is good; otherwise the newest good leaf among the layers."""
    good = [ly for ly in layers if good_leaf(ly, host, at)]
    origins = [ly for ly in good if ly.role is Role.ORIGIN]
    pool = origins or good
    if not pool:
        return None
    best = max(pool, key=lambda ly: (ly.leaf.not_before if ly.leaf else at, -layers.index(ly)))
    assert best.leaf is not None
    return Reference(best.leaf, best)


def _ok(layers: Sequence[Layer]) -> list[Layer]:
    return [ly for ly in layers if ly.probe.ok and ly.leaf is not None]


def _leaf(layer: Layer) -> CertFacts:
    assert layer.leaf is not None
    return layer.leaf


def _cert(cert: CertFacts) -> CertSummary:
    return CertSummary(
        sha256=cert.sha256,
        subject=cert.subject,
        issuer=cert.issuer,
        not_before=iso_utc(cert.not_before),
        not_after=iso_utc(cert.not_after),
    )


def _cdn_managed(edges: list[Layer], origins: list[Layer]) -> bool:
    if not edges or not origins:
        return False
    shas = {_leaf(e).sha256 for e in edges}
    if len(shas) != 1:
        return False
    edge_leaf = _leaf(edges[0])
    return all(
        _leaf(o).issuer != edge_leaf.issuer and name_set(_leaf(o).sans) != name_set(edge_leaf.sans)
        for o in origins
    )


def compare_layers(
    layers: Sequence[Layer],
    reference: Reference | None,
    host: str,
    th: Thresholds,
    kind: CertType | None = None,
) -> list[Finding]:
    """Findings that only show when layers are put side by side; ``kind``: the certificate
    type of every layer given, on a site whose layers serve two (the findings say it)."""
    out = _compare(layers, reference, host, th, _word(kind))
    if kind is None:
        return out
    return [dataclasses.replace(f, cert_type=kind) for f in out]


def _word(kind: CertType | None) -> str:
    return f"{kind.name} " if kind is not None else ""


def _compare(
    layers: Sequence[Layer], reference: Reference | None, host: str, th: Thresholds, word: str
) -> list[Finding]:
    ok = _ok(layers)
    edges = [ly for ly in ok if ly.role is Role.EDGE]
    origins = [ly for ly in ok if ly.role is Role.ORIGIN]
    out: list[Finding] = []

    managed = _cdn_managed(edges, origins)
    if managed:
        edge_leaf = _leaf(edges[0])
        origin_leaf = _leaf(origins[0])
        out.append(
            Finding(
                "cdn_managed_certificate",
                Severity.INFO,
                tuple(e.address for e in edges),
                f"all edges serve the CDN's own {word}certificate from '{edge_leaf.issuer}'; "
                "the origin "
                f"serves another one from '{origin_leaf.issuer}': their renewals are independent",
                CdnManagedEvidence(
                    edge=_cert(edge_leaf),
                    origin=_cert(origin_leaf),
                    edge_names=list(edge_leaf.sans[:50]),
                    origin_names=list(origin_leaf.sans[:50]),
                ),
            )
        )

    distinct: dict[str, list[str]] = {}
    for e in edges:
        distinct.setdefault(_leaf(e).sha256, []).append(e.address)
    if len(distinct) > 1:
        groups = [LeafGroup(sha256=sha, layers=addrs) for sha, addrs in distinct.items()]
        out.append(
            Finding(
                "edges_disagree",
                Severity.WARNING,
                tuple(e.address for e in edges),
                f"the edges serve {len(distinct)} different {word}certificates: "
                + "; ".join(f"{sha[:12]} on {', '.join(a)}" for sha, a in distinct.items()),
                EdgesDisagreeEvidence(groups=groups),
            )
        )

    if reference is None:
        return out
    ref = reference.cert
    ref_names = name_set(ref.sans)
    compared = [ly for ly in ok if not (managed and ly.role is Role.EDGE)]

    for ly in compared:
        leaf = _leaf(ly)
        if leaf.sha256 == ref.sha256 or ly is reference.layer:
            continue
        names = name_set(leaf.sans)
        if (
            ly.role is Role.EDGE
            and covers(leaf.sans, host)
            and names <= ref_names
            and leaf.not_before < ref.not_before
        ):
            out.append(_stale(ly, leaf, ref, th, word))
        if covers(leaf.sans, host) and ref_names - names:
            lost = sorted(ref_names - names)
            out.append(
                Finding(
                    "san_differs",
                    Severity.WARNING,
                    (ly.address,),
                    f"{ly.label} serves a {word}certificate without {', '.join(lost[:10])}",
                    SanDiffersEvidence(
                        missing_names=lost[:100],
                        names=sorted(names)[:100],
                        reference_sha256=ref.sha256,
                        served_sha256=leaf.sha256,
                    ),
                )
            )

    out.extend(_edge_ahead(origins, edges, managed, host, th.at, word))
    out.extend(_chain_differs(compared, reference, word))
    key = [
        ly
        for ly in compared
        if ly is not reference.layer
        and name_set(_leaf(ly).sans) == ref_names
        and _leaf(ly).spki_sha256 != ref.spki_sha256
    ]
    if key:
        out.append(
            Finding(
                "key_differs",
                Severity.INFO,
                tuple(ly.address for ly in key),
                f"{', '.join(ly.label for ly in key)} use another public key than the {word}"
                "reference "
                "for the same names (matters for key pinning)",
                KeyDiffersEvidence(
                    reference_spki_sha256=ref.spki_sha256,
                    layers=[
                        LayerKey(address=ly.address, spki_sha256=_leaf(ly).spki_sha256)
                        for ly in key
                    ],
                ),
            )
        )
    return out


def _stale(layer: Layer, leaf: CertFacts, ref: CertFacts, th: Thresholds, word: str) -> Finding:
    older = (ref.not_before - leaf.not_before).total_seconds() / 86400
    bad = (
        not leaf_is_valid(leaf, th.at)
        or leaf.days_left(th.at) <= th.crit_days
        or layer.chain is None
        or not layer.chain.completed_ok
    )
    return Finding(
        "stale_edge",
        Severity.CRITICAL if bad else Severity.WARNING,
        (layer.address,),
        f"{layer.label} still serves the previous {word}certificate {leaf.short_id} "
        f"(issued {older:.1f} days before the reference {ref.short_id}): the renewal did "
        "not reach it",
        StaleEdgeEvidence(
            served=_cert(leaf),
            reference=_cert(ref),
            older_by_days=round(older, 2),
            days_left=round(leaf.days_left(th.at), 2),
        ),
    )


def _edge_ahead(
    origins: list[Layer], edges: list[Layer], managed: bool, host: str, at: dt.datetime, word: str
) -> list[Finding]:
    if managed:
        return []
    # only a good newer certificate means the origin should follow the edges
    edges = [e for e in edges if good_leaf(e, host, at)]
    out: list[Finding] = []
    for origin in origins:
        o = _leaf(origin)
        newer = [
            e
            for e in edges
            if _leaf(e).sha256 != o.sha256
            and name_set(o.sans) <= name_set(_leaf(e).sans)
            and _leaf(e).not_before > o.not_before
        ]
        if not newer:
            continue
        n = max((_leaf(e) for e in newer), key=lambda c: c.not_before)
        out.append(
            Finding(
                "edge_ahead_of_origin",
                Severity.WARNING,
                (origin.address,),
                f"the edges serve a newer {word}certificate ({n.short_id}, issued "
                f"{iso_utc(n.not_before)}) than the origin {origin.label} ({o.short_id}, "
                f"issued {iso_utc(o.not_before)})",
                EdgeAheadEvidence(origin=_cert(o), edge=_cert(n), edges=[e.address for e in newer]),
            )
        )
    return out


def _chain_differs(layers: list[Layer], reference: Reference, word: str) -> list[Finding]:
    ref_layer = reference.layer
    ref_chain = ref_layer.chain
    if ref_chain is None:
        return []
    ref_inter = [c.sha256 for c in ref_chain.intermediates]
    ref = reference.cert
    out: list[Finding] = []
    for ly in layers:
        chain = ly.chain
        if ly is ref_layer or chain is None:
            continue
        if chain.built not in (PathStatus.TRUSTED, PathStatus.PRIVATE, PathStatus.UNTRUSTED_ROOT):
            continue
        leaf = _leaf(ly)
        same = leaf.sha256 == ref.sha256 or (
            name_set(leaf.sans) == name_set(ref.sans) and leaf.spki_sha256 == ref.spki_sha256
        )
        inter = [c.sha256 for c in chain.intermediates]
        if not same or inter == ref_inter:
            continue
        breaks = not chain.completed_ok and ref_chain.completed_ok
        out.append(
            Finding(
                "chain_differs_from_origin",
                Severity.WARNING if breaks else Severity.INFO,
                (ly.address,),
                f"{ly.label} reaches the root through other intermediates than "
                f"{ref_layer.label}{f' ({word.strip()})' if word else ''}: "
                + (" → ".join(c.subject for c in chain.intermediates) or "none"),
                ChainDiffersEvidence(
                    intermediates=[
                        CertRef(subject=c.subject, sha256=c.sha256) for c in chain.intermediates
                    ],
                    reference_intermediates=[
                        CertRef(subject=c.subject, sha256=c.sha256) for c in ref_chain.intermediates
                    ],
                    reference_layer=ref_layer.address,
                    breaks_trust=breaks,
                ),
            )
        )
    return out
