"""What a watch knows: the sightings, timelines and changes of each layer (and certificate
type), and the state folded from the rounds (:mod:`layerscope.diagnose.watch` folds them)."""

from __future__ import annotations

import datetime as dt
import enum
import string
from dataclasses import dataclass

from layerscope.model import Role
from layerscope.model.names import bracketed

#: The error kind of a sighting of a type the layer no longer offers.
NOT_OFFERED = "not_offered"

#: Fewest hex digits accepted as a fingerprint prefix for ``--expect-sha256``.
MIN_PREFIX = 12
#: Hex digits of a full SHA-256 fingerprint.
SHA256_HEX = 64
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
    """Everything one layer served during the watch, one sighting per change; on a site
    whose layers serve two certificates, one timeline per layer and certificate type.

    Attributes:
        role: origin or edge.
        address: IP address.
        port: TCP port.
        sightings: in time order; never empty; consecutive sightings differ.
        present: the layer was among the site's layers in the latest round that knew
            (False once DNS stopped returning the address).
        cert_type: "ecdsa" or "rsa" on a site whose layers serve two certificates (the
            certificates of that type); "" on every other site.
    """

    role: Role
    address: str
    port: int
    sightings: tuple[Sighting, ...]
    present: bool = True
    cert_type: str = ""

    @property
    def counts(self) -> bool:
        """The layer offers this timeline's type now (a type it stopped offering does
        not hold the watch back: it converges on the types a layer offers)."""
        return self.current.error_kind != NOT_OFFERED

    @property
    def current(self) -> Sighting:
        """The latest sighting: what the layer serves now."""
        return self.sightings[-1]

    @property
    def label(self) -> str:
        """``address:port`` with IPv6 in brackets, as in :attr:`Layer.label`."""
        host = bracketed(self.address)
        return f"{host}:{self.port}"

    @property
    def name(self) -> str:
        """The label, with the certificate type when the watch follows two
        (``127.0.0.4:443 RSA``)."""
        return f"{self.label} {self.cert_type.upper()}" if self.cert_type else self.label


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
        cert_type: which of the layer's two certificates changed ("ecdsa", "rsa"); "" on
            a site whose layers serve one.
    """

    at: dt.datetime
    kind: ChangeKind
    role: Role
    address: str
    port: int
    before: Sighting | None
    after: Sighting | None
    cert_type: str = ""

    @property
    def label(self) -> str:
        """``address:port`` with IPv6 in brackets, and the certificate type when the
        watch follows two."""
        host = bracketed(self.address)
        base = f"{host}:{self.port}"
        return f"{base} {self.cert_type.upper()}" if self.cert_type else base


@dataclass(frozen=True)
class WatchState:
    """Everything a watch has learned so far.

    Attributes:
        expects: the ``--expect-sha256`` / ``--expect`` values, normalised (lower-case hex,
            full or a prefix), each with its certificate type when known ("ecdsa", "rsa";
            "" until a leaf seen tells); empty to follow the reference certificates.
        targets: per certificate type ("" on a site whose layers serve one certificate),
            the full fingerprint every layer should serve: the expected one (once a prefix
            matches exactly one leaf seen) or the latest reference of that type; None when
            unknown.
        timelines: one per layer (and type) ever seen, origins first, then in order of
            appearance.
        rounds: reports observed.
        started: start of the first round.
        last_round: start of the latest round.
        converged_at: start of the round since which every layer serves the target of
            every type it offers; None while not converged (a layer flipping back resets it).
        labels: (sha256, label) of every leaf seen, in label order; a leaf keeps its
            label for the whole watch.
        types: (sha256, "ecdsa" | "rsa") of every leaf seen whose type is known.
        problem: why the latest round cannot show convergence (the site could not be
            inspected, DNS failed, the expected prefix is ambiguous); "" when none.
    """

    expects: tuple[tuple[str, str], ...] = ()
    targets: tuple[tuple[str, str | None], ...] = ()
    timelines: tuple[LayerTimeline, ...] = ()
    rounds: int = 0
    started: dt.datetime | None = None
    last_round: dt.datetime | None = None
    converged_at: dt.datetime | None = None
    labels: tuple[tuple[str, str], ...] = ()
    types: tuple[tuple[str, str], ...] = ()
    problem: str = ""

    @property
    def expect(self) -> str:
        """The first expected fingerprint (or prefix), "" when following the reference."""
        return self.expects[0][0] if self.expects else ""

    @property
    def expected(self) -> bool:
        """The target was given with ``--expect-sha256`` or ``--expect``."""
        return bool(self.expects)

    @property
    def typed(self) -> bool:
        """The watch follows each layer's two certificates (ECDSA and RSA) apart."""
        return any(kind for kind, _sha in self.targets) or any(t.cert_type for t in self.timelines)

    @property
    def target_sha256(self) -> str | None:
        """The target of a site whose layers serve one certificate; of the first type
        (ECDSA) on one whose layers serve two."""
        return self.targets[0][1] if self.targets else None

    def target_of(self, cert_type: str) -> str | None:
        """The target of the certificates of ``cert_type`` ("" on a site serving one)."""
        return next((sha for kind, sha in self.targets if kind == cert_type), None)

    def label_of(self, sha256: str | None) -> str:
        """The label of a leaf seen during the watch, "" for others (and for None)."""
        return next((label for sha, label in self.labels if sha == sha256), "")

    @property
    def present(self) -> tuple[LayerTimeline, ...]:
        """Timelines of the layers the site has now (and the types they offer)."""
        return tuple(t for t in self.timelines if t.present and t.counts)


def normalize_fingerprint(value: str) -> str:
    """Return a SHA-256 fingerprint (or prefix) as lower-case hex without separators.

    Accepts upper or lower case, with colons or spaces between the digits, e.g.
    ``3F:2A:...``. Raises ValueError unless the result is 12 to 64 hex digits.
    """
    text = "".join(value.split()).replace(":", "").lower()
    if not text or any(c not in _HEX for c in text):
        raise ValueError(f"invalid SHA-256 fingerprint {value!r}: expected hex digits")
    if len(text) > SHA256_HEX:
        raise ValueError(f"invalid SHA-256 fingerprint {value!r}: longer than 64 hex digits")
    if len(text) < MIN_PREFIX:
        raise ValueError(
            f"SHA-256 fingerprint {value!r} is too short: give at least {MIN_PREFIX} hex digits"
        )
    return text


__all__ = [
    "MIN_PREFIX",
    "NOT_OFFERED",
    "SHA256_HEX",
    "Change",
    "ChangeKind",
    "LayerTimeline",
    "Sighting",
    "WatchState",
    "normalize_fingerprint",
]
