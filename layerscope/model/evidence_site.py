"""Evidence shapes of the cross-layer findings and of the HTTP findings.

See :mod:`layerscope.model.evidence_common` for why there is no ``__future__`` import here.
"""

from typing import Literal, TypedDict

from layerscope.model.evidence_common import CertRef, CertSummary

# --------------------------------------------------------------------------- across layers


class StaleEdgeEvidence(TypedDict):
    """``stale_edge``: the leaf the edge serves, the reference, and how much older it is."""

    served: CertSummary
    reference: CertSummary
    older_by_days: float  # between the two not_before dates
    days_left: float  # until the served leaf expires


class CertTypeMissingEvidence(TypedDict):
    """``cert_type_missing``: what the edge offers and lacks, and what it was compared with."""

    offered: list[str]  # certificate types the edge offers ("ecdsa", "rsa")
    missing: list[str]  # types the compared layer offers and the edge refuses
    compared_with: str  # address of the layer offering both (the origin when probed)
    compared_types: list[str]


class EdgeAheadEvidence(TypedDict):
    """``edge_ahead_of_origin``: the origin's leaf, the newest edge leaf, and the edges."""

    origin: CertSummary
    edge: CertSummary
    edges: list[str]  # addresses of the edges with a newer leaf


class LeafGroup(TypedDict):
    """One distinct leaf and the edges that serve it."""

    sha256: str
    layers: list[str]


class EdgesDisagreeEvidence(TypedDict):
    """``edges_disagree``: which edges serve which leaf."""

    groups: list[LeafGroup]


class ChainDiffersEvidence(TypedDict):
    """``chain_differs_from_origin``: this layer's intermediates and the reference's."""

    intermediates: list[CertRef]
    reference_intermediates: list[CertRef]
    reference_layer: str
    breaks_trust: bool


class LayerKey(TypedDict):
    """A layer and the SPKI SHA-256 of its leaf's key."""

    address: str
    spki_sha256: str


class KeyDiffersEvidence(TypedDict):
    """``key_differs``: the reference's key and the layers with another one."""

    reference_spki_sha256: str
    layers: list[LayerKey]


class SanDiffersEvidence(TypedDict):
    """``san_differs``: the names the layer lacks, those it has, and both fingerprints."""

    missing_names: list[str]
    names: list[str]
    reference_sha256: str
    served_sha256: str


class CdnManagedEvidence(TypedDict):
    """``cdn_managed_certificate``: the edges' leaf and the origin's, with their names."""

    edge: CertSummary
    origin: CertSummary
    edge_names: list[str]
    origin_names: list[str]


# --------------------------------------------------------------------------- http


class MixedUrl(TypedDict):
    """One ``http://`` subresource of the page."""

    element: str
    attribute: str
    url: str
    active: bool


class MixedContentEvidence(TypedDict):
    """``mixed_content``: the first URLs (active first) and the counts."""

    urls: list[MixedUrl]
    active: int
    passive: int
    total: int
    path: str


class CspUpgradeEvidence(TypedDict):
    """``csp_upgrade_insecure``: where the policy is, and how many references it upgrades."""

    source: str  # "header" or "meta"
    mixed_upgraded: int


class HstsMissingEvidence(TypedDict):
    """``hsts_missing``: the status and path of the page fetched."""

    status: int
    path: str


class HttpPolicy(TypedDict):
    """What a layer answered: the status and the Strict-Transport-Security value."""

    status: int
    hsts: str  # "" when not sent


class LayerAnswer(HttpPolicy):
    """What one layer answered."""

    address: str


HttpDifference = Literal["status", "hsts"]
"""What layers can answer differently: the status code, the HSTS policy."""


class HttpDiffersEvidence(TypedDict):
    """``http_differs``: what each layer answered, and in what the answers differ."""

    layers: list[LayerAnswer]
    differences: list[HttpDifference]


__all__ = [
    "CdnManagedEvidence",
    "ChainDiffersEvidence",
    "CspUpgradeEvidence",
    "EdgeAheadEvidence",
    "EdgesDisagreeEvidence",
    "HstsMissingEvidence",
    "HttpDifference",
    "HttpDiffersEvidence",
    "HttpPolicy",
    "KeyDiffersEvidence",
    "LayerAnswer",
    "LayerKey",
    "LeafGroup",
    "MixedContentEvidence",
    "MixedUrl",
    "SanDiffersEvidence",
    "StaleEdgeEvidence",
]
