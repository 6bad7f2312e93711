"""Watch a site converge after a renewal: per layer, which certificate it served and since when.

Pure functions over frozen values, no I/O: the caller inspects the site once per round and
feeds each :class:`~layerscope.model.Report` to :func:`observe`, which returns the new
:class:`WatchState` and the changes that round revealed. A timeline records *changes* only:
a new :class:`Sighting` when what a layer serves differs from what it served before, with
the time it was first seen.

The target certificate is the one given with ``--expect-sha256`` (a full fingerprint or a
unique prefix of at least 12 hex digits) or ``--expect``, else the report's reference
certificate. On a site whose layers serve two certificates (ECDSA and RSA) every layer has
a timeline per type and each type its own target (``--expect`` once per type). The site
has converged when every layer answered and serves the target of every type it offers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from layerscope.diagnose.watch_state import (
    MIN_PREFIX,
    NOT_OFFERED,
    SHA256_HEX,
    Change,
    ChangeKind,
    LayerTimeline,
    Sighting,
    WatchState,
    normalize_fingerprint,
)
from layerscope.model import CertType, Layer, Report, Role, cert_type_of
from layerscope.model.labels import label_name, leaf_order

__all__ = [
    "MIN_PREFIX",
    "NOT_OFFERED",
    "Change",
    "ChangeKind",
    "LayerTimeline",
    "Sighting",
    "WatchState",
    "behind",
    "converged",
    "normalize_fingerprint",
    "observe",
    "on_target",
    "start",
]


def start(
    expect_sha256: str | None = None, *, expects: Sequence[tuple[str, str]] = ()
) -> WatchState:
    """A watch that has seen nothing yet, waiting for ``expect_sha256`` and ``expects``
    ((fingerprint, type or "") pairs, at most one per type); raises ValueError for a
    malformed fingerprint or two expected certificates of one type."""
    given = [*([(expect_sha256, "")] if expect_sha256 is not None else []), *expects]
    wanted = tuple((normalize_fingerprint(sha), kind) for sha, kind in given)
    kinds = [kind for _sha, kind in wanted if kind]
    if len(kinds) != len(set(kinds)) or len(wanted) > len(CertType):
        raise ValueError("give one expected certificate per certificate type (ECDSA, RSA)")
    state = WatchState(expects=wanted)
    return dataclasses.replace(state, targets=_targets(state, None, {}, {})[0])


def _sighting(layer: Layer, at: dt.datetime, labels: dict[str, str]) -> Sighting:
    leaf = layer.leaf if layer.probe.ok else None
    if leaf is not None:
        return Sighting(at, leaf.sha256, labels[leaf.sha256])
    error = layer.probe.error
    if error is None:
        return Sighting(at, None, "", "no certificate served", "no_certificate")
    return Sighting(at, None, "", error.message, error.kind.value)


def _sightings(
    layer: Layer, at: dt.datetime, labels: dict[str, str], typed: bool, tracked: list[str]
) -> list[tuple[str, Sighting]]:
    """(type, sighting) of one layer this round: one with type "" on a site whose layers
    serve one certificate; else one per type it serves, a "not offered" one for each type
    it served before and no longer does, a failure for each type it served before."""
    if not typed:
        return [("", _sighting(layer, at, labels))]
    if not layer.probe.ok:
        failed = _sighting(layer, at, labels)
        return [(kind, failed) for kind in tracked or [""]]
    out = [
        (part.leaf_type.value if part.leaf_type else "", _sighting(part, at, labels))
        for part in layer.parts
    ]
    seen = {kind for kind, _s in out}
    for kind in tracked:
        if kind not in seen:
            message = f"no {kind.upper()} certificate offered any more"
            out.append((kind, Sighting(at, None, "", message, NOT_OFFERED)))
    return out


def _dns_failed(report: Report) -> str:
    """Why this round's report says nothing about the edges, or ""."""
    discovery = report.discovery
    if discovery.skipped or discovery.addresses:
        return ""
    if discovery.errors:
        return discovery.errors[0].message
    return f"DNS gave no addresses for {report.ascii_host}"


def _targets(
    state: WatchState, report: Report | None, labels: dict[str, str], types: dict[str, str]
) -> tuple[tuple[tuple[str, str | None], ...], str]:
    """The target of each type after this round, and the problem that hides one."""
    typed = state.typed or (report is not None and report.dual)
    kinds = [k.value for k in CertType] if typed else [""]
    resolved: list[tuple[str, str | None]] = []  # (type, full sha or None) per expect
    for expect, kind in state.expects:
        matches = [sha for sha in labels if sha.startswith(expect)]
        if len(matches) > 1:
            return (), (
                f"the expected prefix {expect} matches {len(matches)} certificates: "
                "give more digits"
            )
        sha = matches[0] if matches else (expect if len(expect) == SHA256_HEX else None)
        resolved.append((kind or (types.get(sha, "") if sha else ""), sha))
    out: list[tuple[str, str | None]] = []
    for kind in kinds:
        mine = [sha for k, sha in resolved if k == kind or not typed]
        if mine:
            out.append((kind, mine[0]))
        elif any(not k for k, _sha in resolved):
            out.append((kind, None))  # an expected leaf of a type not known yet
        elif state.expects and not typed:
            out.append((kind, None))
        else:
            out.append((kind, _reference(state, report, kind)))
    return tuple(out), ""


def _reference(state: WatchState, report: Report | None, kind: str) -> str | None:
    if report is None or report.error is not None:
        return state.target_of(kind)
    if kind:
        ref = next((r.cert for r in report.type_references if r.cert_type.value == kind), None)
        if ref is None and not report.type_references and report.reference is not None:
            # a round where no layer serves two: the reference is of its leaf's type
            ref = report.reference if cert_type_of(report.reference) is CertType(kind) else None
        return ref.sha256 if ref is not None else None
    return report.reference.sha256 if report.reference is not None else None


def observe(state: WatchState, report: Report) -> tuple[WatchState, list[Change]]:
    """Fold one round's report into the watch.

    Returns the new state and the changes of this round, origins first: each layer seen
    for the first time (every layer in the first round), each layer that serves
    something else than in the previous round, and each layer gone from the site. A
    report that could not inspect the site (``Report.error``) changes no timeline; when
    DNS failed, the edges keep their timelines and only the origin is updated. Either way
    the round cannot show convergence.
    """
    at = report.started
    labels = dict(state.labels)
    refs = [r.cert for r in report.type_references]
    for sha in leaf_order(report.layers, report.reference, refs):
        labels.setdefault(sha, label_name(len(labels)))
    types = dict(state.types)
    for layer in report.layers:
        for part in layer.parts:
            if part.leaf is not None and (of := cert_type_of(part.leaf)) is not None:
                types.setdefault(part.leaf.sha256, of.value)
    typed = state.typed or report.dual
    timelines = state.timelines
    if typed and any(not t.cert_type for t in timelines):
        # the site serves two certificates from now on: a layer's timeline is of its type
        timelines = tuple(
            t
            if t.cert_type
            else dataclasses.replace(t, cert_type=types.get(t.current.sha256 or "", ""))
            for t in timelines
        )
    problem = report.error.message if report.error is not None else _dns_failed(report)
    old = {(t.role, t.address, t.port, t.cert_type): t for t in timelines}
    new: dict[tuple[Role, str, int, str], LayerTimeline] = dict(old)
    changes: list[Change] = []
    seen: set[tuple[Role, str, int, str]] = set()
    for layer in report.layers:
        where = (layer.role, layer.address, layer.port)
        tracked = [k[3] for k, t in old.items() if k[:3] == where and t.present and k[3]]
        for kind, now in _sightings(layer, at, labels, typed, tracked):
            key = (*where, kind)
            if key in seen:
                continue
            seen.add(key)
            before = old.get(key)
            if before is None or not before.present:
                sightings: tuple[Sighting, ...] = (now,)
                if before is not None:
                    sightings = before.sightings
                    if not before.current.same_as(now):
                        sightings += (now,)
                new[key] = LayerTimeline(*where, sightings, cert_type=kind)
                changes.append(Change(at, ChangeKind.APPEARED, *where, None, now, kind))
                continue
            previous = before.current
            if previous.same_as(now):
                continue
            if now.ok:
                change = ChangeKind.SWITCHED if previous.ok else ChangeKind.RECOVERED
            else:
                change = ChangeKind.FAILED
            new[key] = dataclasses.replace(before, sightings=(*before.sightings, now))
            changes.append(Change(at, change, *where, previous, now, kind))
    if report.error is None:
        for key, timeline in old.items():
            if key in seen or not timeline.present:
                continue
            if problem and timeline.role is Role.EDGE:
                continue  # DNS failed: nothing is known about the edges this round
            if any(k[:3] == key[:3] for k in seen):
                continue  # the layer is there (its type's sighting says what it offers)
            new[key] = dataclasses.replace(timeline, present=False)
            changes.append(
                Change(at, ChangeKind.DISAPPEARED, *key[:3], timeline.current, None, key[3])
            )
    interim = dataclasses.replace(state, timelines=tuple(new.values()))
    targets, target_problem = _targets(interim, report, labels, types)
    ordered = sorted(new.values(), key=lambda t: t.role is not Role.ORIGIN)
    updated = WatchState(
        expects=tuple((sha, kind or _kind_of(sha, labels, types)) for sha, kind in state.expects),
        targets=targets,
        timelines=tuple(ordered),
        rounds=state.rounds + 1,
        started=state.started or at,
        last_round=at,
        converged_at=state.converged_at,
        labels=tuple(labels.items()),
        types=tuple(types.items()),
        problem=problem or target_problem,
    )
    changes.sort(key=lambda c: c.role is not Role.ORIGIN)
    done = converged(updated)
    converged_at = (state.converged_at or at) if done else None
    return dataclasses.replace(updated, converged_at=converged_at), changes


def _kind_of(expect: str, labels: dict[str, str], types: dict[str, str]) -> str:
    """The type of the one leaf seen that ``expect`` names, "" while unknown."""
    matches = [sha for sha in labels if sha.startswith(expect)]
    return types.get(matches[0], "") if len(matches) == 1 else ""


def _on_target(state: WatchState, timeline: LayerTimeline) -> bool:
    target = state.target_of(timeline.cert_type)
    return target is not None and timeline.current.sha256 == target


def on_target(state: WatchState) -> tuple[LayerTimeline, ...]:
    """Present layers (per type it offers) that serve the target of their type now."""
    return tuple(t for t in state.present if _on_target(state, t))


def behind(state: WatchState) -> tuple[LayerTimeline, ...]:
    """Present layers (per type it offers) that do not serve the target of their type
    now (failing ones included)."""
    return tuple(t for t in state.present if not _on_target(state, t))


def converged(state: WatchState) -> bool:
    """Every layer of the site answered in the latest round and serves the target of
    every certificate type it offers.

    A failing layer is not converged (it serves nothing), so it holds the watch back; a
    layer gone from DNS no longer counts, nor a type a layer stopped offering. False
    before the first round, while a target is unknown, and for a round that could not see
    the site (``WatchState.problem``).
    """
    if state.problem or not state.targets or any(sha is None for _k, sha in state.targets):
        return False
    present = state.present
    return bool(present) and all(_on_target(state, t) for t in present)
