"""What a lab site is (:class:`SiteSpec`) and the DNS zones the lab's sites live in.

Every scenario module builds :class:`SiteSpec` values; :mod:`layerscope.lab.lab` starts
one origin and its edges per spec and publishes the names in the lab's DNS.
"""

from __future__ import annotations

from dataclasses import dataclass

from layerscope.lab.pki import Issued
from layerscope.lab.servers import LayerSpec

ZONE = "lab.test"
"""The lab's own zone: every site's name ends with it."""

CDN_ZONE = "fastedge-lab.test"
"""The zone of the lab's pretend CDN (CNAME targets, CDN certificates)."""


def lab_host(name: str) -> str:
    """The host name of scenario ``name`` in the lab zone (``healthy`` -> ``healthy.lab.test``)."""
    return f"{name}.{ZONE}"


@dataclass(frozen=True)
class SiteSpec:
    """One lab site.

    Attributes:
        name: short scenario name.
        host: the site's DNS name.
        description: what is wrong, in one sentence.
        origin: the origin layer.
        edges: the edge layers (their IPs are the site's A records).
        cname: CNAME chain from ``host``; the last name carries the A records.
        roots: roots the site's chain ends at that the lab's trust stores must hold
            besides the public ones (added to the main and the legacy store).
    """

    name: str
    host: str
    description: str
    origin: LayerSpec
    edges: tuple[LayerSpec, ...]
    cname: tuple[str, ...] = ()
    roots: tuple[Issued, ...] = ()


__all__ = ["CDN_ZONE", "ZONE", "SiteSpec", "lab_host"]
