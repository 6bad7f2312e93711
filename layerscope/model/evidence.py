"""The evidence shape of every finding code: what its decider writes, what remediation reads.

Each code of the catalogue (:mod:`layerscope.model.codes`) has a ``TypedDict`` in
:data:`SHAPES`. Deciders build evidence by calling the shape (mypy reports a missing
required key and an unknown one); remediation reads it through :func:`evidence_of` and
subscripts the view (mypy reports a key the shape does not declare). ``Finding.evidence``
stays a plain mapping of JSON-compatible values at runtime; a test checks that the findings
of the lab and of the rule cases carry exactly their code's keys.

Usage::

    ev = evidence_of(finding, StaleEdgeEvidence)
    ev["older_by_days"]  # float (None at runtime if a hand-made evidence lacks it)
"""

from collections.abc import Mapping

from layerscope.model.evidence_common import (
    CaRef,
    CertRef,
    CertRole,
    CertSummary,
    Grouped,
    HasEvidence,
    OnPath,
    Shape,
    evidence_of,
    record_of,
    records_of,
    shape_keys,
)
from layerscope.model.evidence_files import (
    KeyMismatchEvidence,
    NotACertificateEvidence,
    ReloadNeededEvidence,
)
from layerscope.model.evidence_layer import (
    ConnectionEvidence,
    DefaultCertEvidence,
    ExpiredEvidence,
    ExpiringSoonEvidence,
    FoundCert,
    HostnameMismatchEvidence,
    IncompleteChainEvidence,
    NotYetValidEvidence,
    OcspStapleInvalidEvidence,
    OcspStapleMissingEvidence,
    PrivateCaEvidence,
    RevokedEvidence,
    RootInChainEvidence,
    SelfSignedEvidence,
    TrustStoreDependentEvidence,
    UnparseableEvidence,
    UnrelatedCertEvidence,
    UntrustedRootEvidence,
    VerifierRefusedEvidence,
    WrongOrderEvidence,
)
from layerscope.model.evidence_rules import (
    CaAsLeafEvidence,
    CaOnPath,
    CertOnPath,
    CnNotInSanEvidence,
    EkuEvidence,
    EmptyNameEvidence,
    ExpiredCaEvidence,
    ExtensionCriticalityEvidence,
    InvalidSanEvidence,
    InvalidSerialEvidence,
    IssuerNotCaEvidence,
    KeyIdentifierMissingEvidence,
    KeyUsageEvidence,
    MalformedExtensionEvidence,
    NameConstraintsMalformedEvidence,
    NameConstraintViolationEvidence,
    NotV3Evidence,
    NotYetValidCaEvidence,
    PathLengthEvidence,
    SanMissingEvidence,
    SignatureMismatchEvidence,
    UnknownCriticalExtensionEvidence,
    UnsupportedAlgorithmEvidence,
    WeakKeyEvidence,
    WeakSignatureEvidence,
)
from layerscope.model.evidence_site import (
    CdnManagedEvidence,
    CertTypeMissingEvidence,
    ChainDiffersEvidence,
    CspUpgradeEvidence,
    EdgeAheadEvidence,
    EdgesDisagreeEvidence,
    HstsMissingEvidence,
    HttpDifference,
    HttpDiffersEvidence,
    HttpPolicy,
    KeyDiffersEvidence,
    LayerAnswer,
    LayerKey,
    LeafGroup,
    MixedContentEvidence,
    MixedUrl,
    SanDiffersEvidence,
    StaleEdgeEvidence,
)

EvidenceShape = type[Mapping[str, object]]
"""A ``TypedDict`` class describing the evidence of one code."""

SHAPES: Mapping[str, EvidenceShape] = {
    # connection
    "unreachable": ConnectionEvidence,
    "not_tls": ConnectionEvidence,
    "handshake_failed": ConnectionEvidence,
    # validity
    "expired": ExpiredEvidence,
    "expiring_soon": ExpiringSoonEvidence,
    "not_yet_valid": NotYetValidEvidence,
    "expired_intermediate": ExpiredCaEvidence,
    "expired_root": ExpiredCaEvidence,
    "not_yet_valid_ca": NotYetValidCaEvidence,
    # names
    "hostname_mismatch": HostnameMismatchEvidence,
    "san_missing": SanMissingEvidence,
    "invalid_san": InvalidSanEvidence,
    "cn_not_in_san": CnNotInSanEvidence,
    "empty_name": EmptyNameEvidence,
    "default_cert_without_sni": DefaultCertEvidence,
    # chain
    "incomplete_chain": IncompleteChainEvidence,
    "wrong_order": WrongOrderEvidence,
    "root_in_chain": RootInChainEvidence,
    "unrelated_cert_in_chain": UnrelatedCertEvidence,
    "unparseable_certificate": UnparseableEvidence,
    # trust
    "self_signed": SelfSignedEvidence,
    "untrusted_root": UntrustedRootEvidence,
    "private_ca": PrivateCaEvidence,
    "trust_store_dependent": TrustStoreDependentEvidence,
    "verifier_refused": VerifierRefusedEvidence,
    # name constraints, basic constraints
    "name_constraint_violation": NameConstraintViolationEvidence,
    "name_constraints_malformed": NameConstraintsMalformedEvidence,
    "issuer_not_ca": IssuerNotCaEvidence,
    "ca_certificate_as_leaf": CaAsLeafEvidence,
    "path_length_exceeded": PathLengthEvidence,
    # usages
    "eku_missing_server_auth": EkuEvidence,
    "key_usage_forbids_tls": KeyUsageEvidence,
    "ca_missing_key_cert_sign": KeyUsageEvidence,
    # extensions
    "unknown_critical_extension": UnknownCriticalExtensionEvidence,
    "extension_criticality": ExtensionCriticalityEvidence,
    "malformed_extension": MalformedExtensionEvidence,
    "key_identifier_missing": KeyIdentifierMissingEvidence,
    "certificate_not_v3": NotV3Evidence,
    "invalid_serial": InvalidSerialEvidence,
    # algorithms
    "weak_signature": WeakSignatureEvidence,
    "weak_key": WeakKeyEvidence,
    "signature_algorithm_mismatch": SignatureMismatchEvidence,
    "unsupported_algorithm": UnsupportedAlgorithmEvidence,
    # revocation
    "ocsp_staple_missing": OcspStapleMissingEvidence,
    "ocsp_staple_invalid": OcspStapleInvalidEvidence,
    "revoked": RevokedEvidence,
    # files (preflight)
    "not_a_certificate": NotACertificateEvidence,
    "key_mismatch": KeyMismatchEvidence,
    "reload_needed": ReloadNeededEvidence,
    # across layers
    "stale_edge": StaleEdgeEvidence,
    "cert_type_missing": CertTypeMissingEvidence,
    "edge_ahead_of_origin": EdgeAheadEvidence,
    "edges_disagree": EdgesDisagreeEvidence,
    "chain_differs_from_origin": ChainDiffersEvidence,
    "key_differs": KeyDiffersEvidence,
    "san_differs": SanDiffersEvidence,
    "cdn_managed_certificate": CdnManagedEvidence,
    # http
    "mixed_content": MixedContentEvidence,
    "csp_upgrade_insecure": CspUpgradeEvidence,
    "hsts_missing": HstsMissingEvidence,
    "http_differs": HttpDiffersEvidence,
}
"""Every finding code -> the shape of its evidence."""


def fits(shape: EvidenceShape, code: str) -> bool:
    """Reading ``code``'s evidence as ``shape`` reads only keys ``code``'s shape declares
    (``shape`` is the code's own shape, or a view of part of it)."""
    own = SHAPES.get(code)
    if own is None:
        return False
    wanted, maybe = shape_keys(shape)
    required, optional = shape_keys(own)
    return wanted | maybe <= required | optional


__all__ = [
    "SHAPES",
    "CaAsLeafEvidence",
    "CaOnPath",
    "CaRef",
    "CdnManagedEvidence",
    "CertOnPath",
    "CertRef",
    "CertRole",
    "CertSummary",
    "CertTypeMissingEvidence",
    "ChainDiffersEvidence",
    "CnNotInSanEvidence",
    "ConnectionEvidence",
    "CspUpgradeEvidence",
    "DefaultCertEvidence",
    "EdgeAheadEvidence",
    "EdgesDisagreeEvidence",
    "EkuEvidence",
    "EmptyNameEvidence",
    "EvidenceShape",
    "ExpiredCaEvidence",
    "ExpiredEvidence",
    "ExpiringSoonEvidence",
    "ExtensionCriticalityEvidence",
    "FoundCert",
    "Grouped",
    "HasEvidence",
    "HostnameMismatchEvidence",
    "HstsMissingEvidence",
    "HttpDifference",
    "HttpDiffersEvidence",
    "HttpPolicy",
    "IncompleteChainEvidence",
    "InvalidSanEvidence",
    "InvalidSerialEvidence",
    "IssuerNotCaEvidence",
    "KeyDiffersEvidence",
    "KeyIdentifierMissingEvidence",
    "KeyMismatchEvidence",
    "KeyUsageEvidence",
    "LayerAnswer",
    "LayerKey",
    "LeafGroup",
    "MalformedExtensionEvidence",
    "MixedContentEvidence",
    "MixedUrl",
    "NameConstraintViolationEvidence",
    "NameConstraintsMalformedEvidence",
    "NotACertificateEvidence",
    "NotV3Evidence",
    "NotYetValidCaEvidence",
    "NotYetValidEvidence",
    "OcspStapleInvalidEvidence",
    "OcspStapleMissingEvidence",
    "OnPath",
    "PathLengthEvidence",
    "PrivateCaEvidence",
    "ReloadNeededEvidence",
    "RevokedEvidence",
    "RootInChainEvidence",
    "SanDiffersEvidence",
    "SanMissingEvidence",
    "SelfSignedEvidence",
    "Shape",
    "SignatureMismatchEvidence",
    "StaleEdgeEvidence",
    "TrustStoreDependentEvidence",
    "UnknownCriticalExtensionEvidence",
    "UnparseableEvidence",
    "UnrelatedCertEvidence",
    "UnsupportedAlgorithmEvidence",
    "UntrustedRootEvidence",
    "VerifierRefusedEvidence",
    "WeakKeyEvidence",
    "WeakSignatureEvidence",
    "WrongOrderEvidence",
    "evidence_of",
    "fits",
    "record_of",
    "records_of",
    "shape_keys",
]
