"""Evidence shapes of the path-validation rules (:mod:`layerscope.x509.pathcheck`).

A rule writes the facts of one certificate; the pipeline then adds ``role`` (which
certificate of the path) and groups the violations of one code into one finding, the first
one's facts plus ``items`` (all of them; ``certificates`` for the weak key and weak
signature findings). Most rules are about a certificate (``subject``, ``sha256``), the
name-constraint and path-length rules about a CA (``ca``, ``ca_sha256``).
"""

from typing import Literal, NotRequired

from layerscope.model.evidence_common import CaRef, CertRef, CertRole, Grouped, OnPath

# --------------------------------------------------------------------------- views


class CertOnPath(CertRef, OnPath):
    """What every rule about a certificate has: which one, and its role on the path."""


class CaOnPath(CaRef, OnPath):
    """What every rule about a CA's constraints has: which CA, and its role on the path."""


# --------------------------------------------------------------------------- validity


class ExpiredCaEvidence(CertRef, Grouped):
    """``expired_intermediate``, ``expired_root``: the CA and when it expired."""

    not_after: str


class NotYetValidCaEvidence(CertRef):
    """``not_yet_valid_ca``: the CA and when it becomes valid (the rule names the role)."""

    not_before: str
    role: CertRole
    items: NotRequired[list["NotYetValidCaEvidence"]]


# --------------------------------------------------------------------------- names


class SanMissingEvidence(CertRef, Grouped):
    """``san_missing``: the leaf without subjectAltName, and the CN browsers ignore."""

    common_name: str


class InvalidSanEvidence(CertRef, Grouped):
    """``invalid_san``: the SAN values that are not valid host names (the first 50)."""

    names: list[str]


class CnNotInSanEvidence(CertRef, Grouped):
    """``cn_not_in_san``: the CN and the DNS names it is not one of."""

    common_name: str
    names: list[str]


class EmptyNameEvidence(CertRef, Grouped):
    """``empty_name``: the certificate and which of its names is empty."""

    field: Literal["issuer", "subject"]


# --------------------------------------------------------------------------- constraints


class NameConstraintViolationEvidence(CaRef, Grouped):
    """``name_constraint_violation``: the CA, its constraint, and the names outside it."""

    constraint: str  # in words, e.g. "permitted DNS example.com"
    kind: str  # "permitted" (outside every permitted subtree) or "excluded"
    name: str
    names: list[str]
    certificate: str  # the certificate that holds the names (the leaf, or an intermediate)
    certificate_sha256: str


class NameConstraintsMalformedEvidence(CaRef, Grouped):
    """``name_constraints_malformed``: the CA and why its constraints cannot be used."""

    reason: str


class IssuerNotCaEvidence(CertRef, Grouped):
    """``issuer_not_ca``: the issuing certificate and why it is not a CA."""

    reason: str


class CaAsLeafEvidence(CertRef, Grouped):
    """``ca_certificate_as_leaf``: the served leaf that is a CA certificate."""


class PathLengthEvidence(CaRef, Grouped):
    """``path_length_exceeded``: the CA, its pathLenConstraint, the intermediates below."""

    path_length: int
    below: int


# --------------------------------------------------------------------------- usages


class EkuEvidence(CertRef, Grouped):
    """``eku_missing_server_auth``: the extendedKeyUsage purposes the certificate has."""

    ekus: list[str]


class KeyUsageEvidence(CertRef, Grouped):
    """``key_usage_forbids_tls``, ``ca_missing_key_cert_sign``: the keyUsage bits it has."""

    key_usages: list[str]


# --------------------------------------------------------------------------- extensions


class UnknownCriticalExtensionEvidence(CertRef, Grouped):
    """``unknown_critical_extension``: the extension's OID."""

    oid: str


class ExtensionCriticalityEvidence(CertRef, Grouped):
    """``extension_criticality``: the extension, its criticality as sent and as required."""

    extension: str
    oid: str
    critical: bool
    expected: bool


class MalformedExtensionEvidence(CertRef, Grouped):
    """``malformed_extension``: the extension and the parse error."""

    extension: str
    oid: str
    error: str


class KeyIdentifierMissingEvidence(CertRef, Grouped):
    """``key_identifier_missing``: the key identifier that is missing."""

    extension: str


class NotV3Evidence(CertRef, Grouped):
    """``certificate_not_v3``: the certificate's X.509 version."""

    version: str


class InvalidSerialEvidence(CertRef, Grouped):
    """``invalid_serial``: the serial number (hex) and its DER length in octets."""

    serial: str
    octets: int


# --------------------------------------------------------------------------- algorithms


class WeakSignatureEvidence(CertRef, OnPath):
    """``weak_signature``: the certificate signed with a broken hash."""

    signature_algorithm: str
    certificates: NotRequired[list["WeakSignatureEvidence"]]  # every finding has it


class WeakKeyEvidence(CertRef, OnPath):
    """``weak_key``: the certificate with a key too small."""

    key_type: str
    key_bits: int
    certificates: NotRequired[list["WeakKeyEvidence"]]  # every finding has it


class SignatureMismatchEvidence(CertRef, Grouped):
    """``signature_algorithm_mismatch``: the algorithm named outside the signed part."""

    algorithm: str


class UnsupportedAlgorithmEvidence(CertRef, Grouped):
    """``unsupported_algorithm``: the key or signature algorithm outside the Web PKI."""

    algorithm: str
    what: Literal["key", "signature"]


__all__ = [
    "CaAsLeafEvidence",
    "CaOnPath",
    "CertOnPath",
    "CnNotInSanEvidence",
    "EkuEvidence",
    "EmptyNameEvidence",
    "ExpiredCaEvidence",
    "ExtensionCriticalityEvidence",
    "InvalidSanEvidence",
    "InvalidSerialEvidence",
    "IssuerNotCaEvidence",
    "KeyIdentifierMissingEvidence",
    "KeyUsageEvidence",
    "MalformedExtensionEvidence",
    "NameConstraintViolationEvidence",
    "NameConstraintsMalformedEvidence",
    "NotV3Evidence",
    "NotYetValidCaEvidence",
    "PathLengthEvidence",
    "SanMissingEvidence",
    "SignatureMismatchEvidence",
    "UnknownCriticalExtensionEvidence",
    "UnsupportedAlgorithmEvidence",
    "WeakKeyEvidence",
    "WeakSignatureEvidence",
]
