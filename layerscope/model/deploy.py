"""What deploying a certificate file would change on the live layers of a site: frozen values
for ``preflight --against HOST``.

Each live layer (as ``check`` probes it) is compared with the file's leaf: it already serves
it, or it serves another certificate (older, newer, or issued at the same moment), or it gave
nothing to compare. Labels follow the file: ``A`` is the file's leaf, the other leaves get
``B``, ``C``... in layer order (origin first), as the reports letter them.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from layerscope.model.kinds import Role
from layerscope.model.layer import ProbeError
from layerscope.model.names import host_port

__all__ = ["Against", "LiveLayer", "Relation"]


class Relation(enum.StrEnum):
    """How what a live layer serves relates to the file's leaf."""

    SAME = "same"  # it already serves the file's leaf
    OLDER = "older"  # another leaf, issued before the file's: the old certificate
    NEWER = "newer"  # another leaf, issued after the file's: deploying would go back
    OTHER = "other"  # another leaf, issued at the same moment (another key, other names)
    UNREACHABLE = "unreachable"  # nothing to compare: the probe failed or sent no leaf


@dataclass(frozen=True)
class LiveLayer:
    """One live layer compared with the file's leaf.

    Attributes:
        role: origin or edge.
        address: its IP address (bare, also for IPv6).
        port: its TCP port.
        relation: what it serves, compared with the file's leaf.
        served_sha256: SHA-256 of the leaf it serves with SNI ("" when none).
        label: that leaf's label (``A`` is the file's leaf; "" when none).
        not_after: when that leaf expires (None when none).
        error: why nothing could be compared ("" when a leaf was served).
    """

    role: Role
    address: str
    port: int
    relation: Relation
    served_sha256: str = ""
    label: str = ""
    not_after: dt.datetime | None = None
    error: str = ""

    @property
    def serves_file_leaf(self) -> bool:
        """It already serves the file's leaf: deploying changes nothing there."""
        return self.relation is Relation.SAME

    @property
    def name(self) -> str:
        """``edge 192.0.2.1:443``, as the layers table names it."""
        return f"{self.role.value} {host_port(self.address, self.port)}"


@dataclass(frozen=True)
class Against:
    """The live layers of a site compared with the leaf of a certificate file.

    Attributes:
        host: the site as given to ``--against``.
        port: the site's port.
        file_sha256: SHA-256 of the file's leaf (what the layers serve once it is deployed).
        layers: every live layer, origin first, in the order ``check`` lists them.
        summary: what deploying changes, in one or two sentences ("edge 192.0.2.3:443
            still serves the old certificate B; after deploying, every layer would serve
            A").
        watch: the ``layerscope watch HOST ... --expect FILE`` command to run right after
            the deploy (shell-quoted words).
        error: why the live layers could not be probed at all (DNS failed, nothing to
            probe); None when they were.
    """

    host: str
    port: int
    file_sha256: str
    layers: tuple[LiveLayer, ...]
    summary: str
    watch: str
    error: ProbeError | None = None

    @property
    def changing(self) -> tuple[LiveLayer, ...]:
        """The layers a deploy would change: they answered with another leaf."""
        return tuple(
            x for x in self.layers if x.relation not in (Relation.SAME, Relation.UNREACHABLE)
        )
