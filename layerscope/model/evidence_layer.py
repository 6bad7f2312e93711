"""Evidence shapes of the per-layer findings that are not path rules (see
:mod:`layerscope.model.evidence_rules` for those): connection, the leaf's dates and names,
where the path ends, revocation.

Times are ISO 8601 UTC strings, fingerprints lower-case hex (see
:mod:`layerscope.model.evidence_common` for why there is no ``__future__`` import here).
"""

from typing import NotRequired, TypedDict

from layerscope.model.evidence_common import CertRef

# --------------------------------------------------------------------------- connection


class ConnectionEvidence(TypedDict):
    """``unreachable``, ``not_tls``, ``handshake_failed``: how the probe failed."""

    error_kind: str  # the ErrorKind value, e.g. "connect_timeout", "tls_alert"
    message: str  # one sentence (a TLS alert is named in it)
    elapsed_ms: float


# --------------------------------------------------------------------------- validity


class ExpiredEvidence(CertRef):
    """``expired``: the leaf and when it expired."""

    not_after: str
    days_ago: float


class NotYetValidEvidence(CertRef):
    """``not_yet_valid``: the leaf and when it becomes valid."""

    not_before: str
    days_until: float


class ExpiringSoonEvidence(CertRef):
    """``expiring_soon``: the leaf, when it expires and the thresholds it crossed."""

    not_after: str
    days_left: float
    warn_days: int
    crit_days: int


# --------------------------------------------------------------------------- names


class HostnameMismatchEvidence(TypedDict):
    """``hostname_mismatch``: the site name and the names the leaf does cover."""

    host: str
    names: list[str]  # the first 50 SANs
    names_total: int
    common_name: str


class DefaultCertEvidence(TypedDict):
    """``default_cert_without_sni``: the certificate served without SNI, and with it."""

    default_subject: str
    default_sha256: str
    default_names: list[str]
    sni_sha256: str


# --------------------------------------------------------------------------- chain, trust


class UnparseableEvidence(TypedDict):
    """``unparseable_certificate``: which served certificate, and why it cannot be parsed."""

    position: int  # 1-based, as sent
    total: int
    sha256: str  # of the DER as sent
    error: str


class SelfSignedEvidence(CertRef):
    """``self_signed``: the leaf that is its own issuer."""


class UntrustedRootEvidence(TypedDict):
    """``untrusted_root``: the root (or the issuer) the path stops at."""

    root: str
    root_sha256: str | None  # None when the path stops at an issuer that was not sent
    root_served: bool
    path_length: NotRequired[int]  # only when the path is longer than clients follow
    served: NotRequired[int]  # ... and how many certificates were sent


class FoundCert(CertRef):
    """A missing intermediate and where it was found ("served by ...", "AIA <url>", ...)."""

    source: str


class IncompleteChainEvidence(TypedDict):
    """``incomplete_chain``: what is missing, where it was found, where to download it."""

    missing: list[str]  # subjects
    found: list[FoundCert]
    # caIssuers URLs of the served certificate whose issuer is missing
    ca_issuers: list[str]
    missing_issuer: NotRequired[str]  # when the issuer was found nowhere


class PrivateCaEvidence(TypedDict):
    """``private_ca``: the ``--extra-ca`` root the chain is trusted through."""

    root: str
    root_sha256: str


class WrongOrderEvidence(TypedDict):
    """``wrong_order``: the subjects as sent and in path order."""

    served_order: list[str]
    expected_order: list[str]


class RootInChainEvidence(TypedDict):
    """``root_in_chain``: the root that was sent."""

    root: str
    root_sha256: str


class UnrelatedCertEvidence(TypedDict):
    """``unrelated_cert_in_chain``: the served certificates that are not on the path."""

    unrelated: list[CertRef]


class TrustStoreDependentEvidence(TypedDict):
    """``trust_store_dependent``: the root and the verdict of each store."""

    root: str
    alt_store: str
    status: str  # PathStatus value against the main store
    alt_status: str  # ... against the alternative store


class VerifierRefusedEvidence(TypedDict):
    """``verifier_refused``: the X.509 verifier's message."""

    error: str


# --------------------------------------------------------------------------- revocation


class OcspStapleMissingEvidence(TypedDict):
    """``ocsp_staple_missing``: the responders the leaf names."""

    ocsp_urls: list[str]


class OcspStapleInvalidEvidence(TypedDict):
    """``ocsp_staple_invalid``: why the staple is unusable, and its dates."""

    message: str
    this_update: str | None
    next_update: str | None


class RevokedEvidence(CertRef):
    """``revoked``: the revoked leaf, who said so, when and why."""

    source: str  # "staple" or the responder URL
    reason: str  # "" when not given
    revoked_at: str | None


__all__ = [
    "ConnectionEvidence",
    "DefaultCertEvidence",
    "ExpiredEvidence",
    "ExpiringSoonEvidence",
    "FoundCert",
    "HostnameMismatchEvidence",
    "IncompleteChainEvidence",
    "NotYetValidEvidence",
    "OcspStapleInvalidEvidence",
    "OcspStapleMissingEvidence",
    "PrivateCaEvidence",
    "RevokedEvidence",
    "RootInChainEvidence",
    "SelfSignedEvidence",
    "TrustStoreDependentEvidence",
    "UnparseableEvidence",
    "UnrelatedCertEvidence",
    "UntrustedRootEvidence",
    "VerifierRefusedEvidence",
    "WrongOrderEvidence",
]
