"""Watch a site converge after a renewal: per layer, which certificate it served and since when.

Pure functions over frozen values, no I/O: the caller inspects the site once per round and
feeds each :class:`~layerscope.model.Report` to :func:`observe`, which returns the new
:class:`WatchState` and the changes that round revealed. A timeline records *changes* only:
a new :class:`Sighting` when what a layer serves differs from what it served before, with
the time it was first seen.

The target certificate is the one given with ``--expect-sha256`` (a full fingerprint or a
unique prefix of at least 12 hex digits), else the report's reference certificate. The site
has converged when every layer answered and serves the target.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import string
from dataclasses import dataclass

from layerscope.model import Layer, Report, Role
from layerscope.model.labels import label_name, leaf_order
from layerscope.model.names import bracketed

__all__ = [
    "MIN_PREFIX",
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

#: Fewest hex digits accepted as a fingerprint prefix for ``--expect-sha256``.
MIN_PREFIX = 12
_SHA256_HEX = 64
_HEX = frozenset(string.hexdigits.lower())


class ChangeKind(enum.StrEnum):
    """How what a layer serves changed from one round to the next."""

    APPEARED = "appeared"  # first seen: the first round, or a new address in DNS
    SWITCHED = "switched"  # serves another leaf than before
    FAILED = "failed"  # served a leaf (or failed otherwise) before, fails now
    RECOVERED = "recovered"  # failed before, serves a leaf now
    DISAPPEARED = "disappeared"  # no longer among the site's layers (gone from DNS)


@dataclass(frozen=True)
class Sighting:
    """What one layer served from one moment on.

    Attributes:
        at: start of the round that first saw it.
        sha256: the leaf's SHA-256 fingerprint (lower-case hex), None when the probe failed.
        label: the leaf's label (A, B, ...), stable for the whole watch; "" on failure.
        error: why the probe failed, for humans (peer-influenced: sanitise before showing);
            "" on success.
        error_kind: the machine-readable kind of the failure; "" on success.
    """

    at: dt.datetime
    sha256: str | None
    label: str
    error: str = ""
    error_kind: str = ""

    @property
    def ok(self) -> bool:
        """The layer served a leaf."""
        return self.sha256 is not None

    def same_as(self, other: Sighting) -> bool:
        """Serves the same leaf, or fails the same way (messages may differ in detail)."""
        return self.sha256 == other.sha256 and self.error_kind == other.error_kind


@dataclass(frozen=True)
class LayerTimeline:
    """Everything one layer served during the watch, one sighting per change.

    Attributes:
        role: origin or edge.
        address: IP address.
        port: TCP port.
        sightings: in time order; never empty; consecutive sightings differ.
        present: the layer was among the site's layers in the latest round that knew
            (False once DNS stopped returning the address).
    """

    role: Role
    address: str
    port: int
    sightings: tuple[Sighting, ...]
    present: bool = True

    @property
    def current(self) -> Sighting:
        """The latest sighting: what the layer serves now."""
        return self.sightings[-1]

    @property
    def label(self) -> str:
        """``address:port`` with IPv6 in brackets, as in :attr:`Layer.label`."""
        host = bracketed(self.address)
        return f"{host}:{self.port}"


@dataclass(frozen=True)
class Change:
    """One layer changed between two rounds.

    Attributes:
        at: start of the round that saw the change.
        kind: what happened.
        role: the layer's role.
        address: the layer's address.
        port: the layer's port.
        before: what it served until then (None when it just appeared).
        after: what it serves now (None when it disappeared).
    """

    at: dt.datetime
    kind: ChangeKind
    role: Role
    address: str
    port: int
    before: Sighting | None
    after: Sighting | None

    @property
    def label(self) -> str:
        """``address:port`` with IPv6 in brackets."""
        host = bracketed(self.address)
        return f"{host}:{self.port}"


@dataclass(frozen=True)
class WatchState:
    """Everything a watch has learned so far.

    Attributes:
        expect: the ``--expect-sha256`` value, normalised (lower-case hex, full or a
            prefix); "" to follow the reference certificate.
        target_sha256: the full fingerprint every layer should serve: the expected one
            (once a prefix matches exactly one leaf seen) or the latest reference; None
            when unknown.
        timelines: one per layer ever seen, origins first, then in order of appearance.
        rounds: reports observed.
        started: start of the first round.
        last_round: start of the latest round.
        converged_at: start of the round since which every layer serves the target;
            None while not converged (a layer flipping back resets it).
        labels: (sha256, label) of every leaf seen, in label order; a leaf keeps its
            label for the whole watch.
        problem: why the latest round cannot show convergence (the site could not be
            inspected, DNS failed, the expected prefix is ambiguous); "" when none.
    """

    expect: str = ""
    target_sha256: str | None = None
    timelines: tuple[LayerTimeline, ...] = ()
    rounds: int = 0
    started: dt.datetime | None = None
    last_round: dt.datetime | None = None
    converged_at: dt.datetime | None = None
    labels: tuple[tuple[str, str], ...] = ()
    problem: str = ""

    @property
    def expected(self) -> bool:
        """The target was given with ``--expect-sha256``."""
        return bool(self.expect)

    def label_of(self, sha256: str | None) -> str:
        """The label of a leaf seen during the watch, "" for others (and for None)."""
        return next((label for sha, label in self.labels if sha == sha256), "")

    @property
    def present(self) -> tuple[LayerTimeline, ...]:
        """Timelines of the layers the site has now."""
        return tuple(t for t in self.timelines if t.present)


def normalize_fingerprint(value: str) -> str:
    """Return a SHA-256 fingerprint (or prefix) as lower-case hex without separators.

    Accepts upper or lower case, with colons or spaces between the digits, e.g.
    ``3F:2A:...``. Raises ValueError unless the result is 12 to 64 hex digits.
    """
    text = "".join(value.split()).replace(":", "").lower()
    if not text or any(c not in _HEX for c in text):
        raise ValueError(f"invalid SHA-256 fingerprint {value!r}: expected hex digits")
    if len(text) > _SHA256_HEX:
        raise ValueError(f"invalid SHA-256 fingerprint {value!r}: longer than 64 hex digits")
    if len(text) < MIN_PREFIX:
        raise ValueError(
            f"SHA-256 fingerprint {value!r} is too short: give at least {MIN_PREFIX} hex digits"
        )
    return text


def start(expect_sha256: str | None = None) -> WatchState:
    """A watch that has seen nothing yet; raises ValueError for a malformed fingerprint."""
    expect = normalize_fingerprint(expect_sha256) if expect_sha256 is not None else ""
    return WatchState(expect=expect, target_sha256=expect if len(expect) == _SHA256_HEX else None)


def _sighting(layer: Layer, at: dt.datetime, labels: dict[str, str]) -> Sighting:
    leaf = layer.leaf if layer.probe.ok else None
    if leaf is not None:
        return Sighting(at, leaf.sha256, labels[leaf.sha256])
    error = layer.probe.error
    if error is None:
        return Sighting(at, None, "", "no certificate served", "no_certificate")
    return Sighting(at, None, "", error.message, error.kind.value)


def _dns_failed(report: Report) -> str:
    """Why this round's report says nothing about the edges, or ""."""
    discovery = report.discovery
    if discovery.skipped or discovery.addresses:
        return ""
    if discovery.errors:
        return discovery.errors[0].message
    return f"DNS gave no addresses for {report.ascii_host}"


def _target(state: WatchState, report: Report, labels: dict[str, str]) -> tuple[str | None, str]:
    """The target fingerprint after this round, and the problem that hides it."""
    if state.expect:
        if len(state.expect) == _SHA256_HEX:
            return state.expect, ""
        matches = [sha for sha in labels if sha.startswith(state.expect)]
        if len(matches) > 1:
            return None, (
                f"the expected prefix {state.expect} matches {len(matches)} certificates: "
                "give more digits"
            )
        return (matches[0] if matches else None), ""
    if report.error is not None:
        return state.target_sha256, ""
    return (report.reference.sha256 if report.reference is not None else None), ""


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
    for sha in leaf_order(report.layers, report.reference):
        labels.setdefault(sha, label_name(len(labels)))
    problem = report.error.message if report.error is not None else _dns_failed(report)
    old = {(t.role, t.address, t.port): t for t in state.timelines}
    new: dict[tuple[Role, str, int], LayerTimeline] = dict(old)
    changes: list[Change] = []
    seen: set[tuple[Role, str, int]] = set()
    for layer in report.layers:
        key = (layer.role, layer.address, layer.port)
        if key in seen:
            continue
        seen.add(key)
        now = _sighting(layer, at, labels)
        before = old.get(key)
        if before is None or not before.present:
            sightings: tuple[Sighting, ...] = (now,)
            if before is not None:
                sightings = before.sightings
                if not before.current.same_as(now):
                    sightings += (now,)
            new[key] = LayerTimeline(layer.role, layer.address, layer.port, sightings)
            changes.append(Change(at, ChangeKind.APPEARED, *key, None, now))
            continue
        previous = before.current
        if previous.same_as(now):
            continue
        if now.ok:
            kind = ChangeKind.SWITCHED if previous.ok else ChangeKind.RECOVERED
        else:
            kind = ChangeKind.FAILED
        new[key] = dataclasses.replace(before, sightings=(*before.sightings, now))
        changes.append(Change(at, kind, *key, previous, now))
    if report.error is None:
        for key, timeline in old.items():
            if key in seen or not timeline.present:
                continue
            if problem and timeline.role is Role.EDGE:
                continue  # DNS failed: nothing is known about the edges this round
            new[key] = dataclasses.replace(timeline, present=False)
            changes.append(Change(at, ChangeKind.DISAPPEARED, *key, timeline.current, None))
    target, target_problem = _target(state, report, labels)
    timelines = sorted(new.values(), key=lambda t: t.role is not Role.ORIGIN)
    updated = WatchState(
        expect=state.expect,
        target_sha256=target,
        timelines=tuple(timelines),
        rounds=state.rounds + 1,
        started=state.started or at,
        last_round=at,
        converged_at=state.converged_at,
        labels=tuple(labels.items()),
        problem=problem or target_problem,
    )
    changes.sort(key=lambda c: c.role is not Role.ORIGIN)
    done = converged(updated)
    converged_at = (state.converged_at or at) if done else None
    return dataclasses.replace(updated, converged_at=converged_at), changes


def on_target(state: WatchState) -> tuple[LayerTimeline, ...]:
    """Present layers that serve the target certificate now."""
    if state.target_sha256 is None:
        return ()
    return tuple(t for t in state.present if t.current.sha256 == state.target_sha256)


def behind(state: WatchState) -> tuple[LayerTimeline, ...]:
    """Present layers that do not serve the target now (failing ones included)."""
    target = state.target_sha256
    return tuple(t for t in state.present if target is None or t.current.sha256 != target)


def converged(state: WatchState) -> bool:
    """Every layer of the site answered in the latest round and serves the target.

    A failing layer is not converged (it serves nothing), so it holds the watch back; a
    layer gone from DNS no longer counts. False before the first round, while the target
    is unknown, and for a round that could not see the site (``WatchState.problem``).
    """
    if state.problem or state.target_sha256 is None:
        return False
    present = state.present
    return bool(present) and all(t.current.sha256 == state.target_sha256 for t in present)
