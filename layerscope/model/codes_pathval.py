"""The path-validation codes of the catalogue: the Web PKI rules a certificate on the path
breaks (name and basic constraints, usages, extensions, algorithms), per layer.

Most are critical when the verifier refused the chain and a warning when it accepted it
(:data:`~layerscope.model.codes_model.VERIFIER_NOTE`). Kept apart from
:mod:`layerscope.model.codes_layer`, which puts them in family order.
"""

from __future__ import annotations

from layerscope.model import Severity
from layerscope.model.codes_model import VERIFIER_NOTE, CodeInfo

_C = Severity.CRITICAL
_W = Severity.WARNING

PATH_RULE_CODES: tuple[CodeInfo, ...] = (
    # name constraints
    CodeInfo(
        "name_constraint_violation",
        _C,
        "layer",
        "name constraints",
        "A name of the leaf (SAN DNS or IP) is outside a CA's permitted subtrees or inside its "
        "excluded subtrees. Evidence: `ca`, `ca_sha256`, `constraint`, `kind` (`permitted` or "
        "`excluded`), `name`.",
        VERIFIER_NOTE,
    ),
    CodeInfo(
        "name_constraints_malformed",
        _C,
        "layer",
        "name constraints",
        "A CA's nameConstraints cannot be used (unparseable, empty, not critical where "
        "required, bad IP mask, ...). Evidence: `ca`, `ca_sha256`, `reason`.",
        VERIFIER_NOTE,
    ),
    # basic constraints
    CodeInfo(
        "issuer_not_ca",
        _C,
        "layer",
        "basic constraints",
        "A certificate that issues another on the path is not a CA (no basicConstraints, or "
        "cA false). Evidence: `subject`, `sha256`, `reason`.",
        VERIFIER_NOTE,
    ),
    CodeInfo(
        "ca_certificate_as_leaf",
        _C,
        "layer",
        "basic constraints",
        "The served leaf is a CA certificate (basicConstraints cA true). Evidence: `subject`, "
        "`sha256`.",
        VERIFIER_NOTE,
    ),
    CodeInfo(
        "path_length_exceeded",
        _C,
        "layer",
        "basic constraints",
        "More CAs below a CA than its pathLenConstraint allows. Evidence: `ca`, `ca_sha256`, "
        "`path_length`, `below`.",
        VERIFIER_NOTE,
    ),
    # usages
    CodeInfo(
        "eku_missing_server_auth",
        _C,
        "layer",
        "usages",
        "An extendedKeyUsage on the path lacks serverAuth. Evidence: `subject`, `sha256`, "
        "`ekus` (the usages it has).",
        VERIFIER_NOTE,
    ),
    CodeInfo(
        "key_usage_forbids_tls",
        _C,
        "layer",
        "usages",
        "The leaf's keyUsage forbids a TLS server key (keyCertSign asserted; or neither "
        "digitalSignature nor keyEncipherment). Evidence: `subject`, `sha256`, `key_usages`.",
        "critical when the verifier refused the chain and keyCertSign is asserted; a "
        "warning otherwise",
    ),
    CodeInfo(
        "ca_missing_key_cert_sign",
        _C,
        "layer",
        "usages",
        "A CA on the path has a keyUsage without keyCertSign. Evidence: `subject`, `sha256`, "
        "`key_usages`.",
        VERIFIER_NOTE,
    ),
    # extensions
    CodeInfo(
        "unknown_critical_extension",
        _C,
        "layer",
        "extensions",
        "A certificate on the path carries a critical extension clients do not know. "
        "Evidence: `subject`, `sha256`, `oid`.",
        VERIFIER_NOTE,
    ),
    CodeInfo(
        "extension_criticality",
        _C,
        "layer",
        "extensions",
        "An extension with the wrong criticality (basicConstraints not critical on a CA; AKI, "
        "SKI, AIA or extendedKeyUsage critical; a leaf's subjectAltName critical with a "
        "subject, or not critical without one; a CA's keyUsage not critical, a Baseline "
        "Requirements rule). Evidence: `subject`, `sha256`, `extension`, `oid`, `critical` "
        "(as sent), `expected`.",
        VERIFIER_NOTE,
    ),
    CodeInfo(
        "malformed_extension",
        _C,
        "layer",
        "extensions",
        "An extension that cannot be parsed, or appears twice. Evidence: `subject`, `sha256`, "
        "`extension`, `oid`, `error`.",
        VERIFIER_NOTE,
    ),
    CodeInfo(
        "key_identifier_missing",
        _W,
        "layer",
        "extensions",
        "A missing authorityKeyIdentifier (leaf, intermediate) or subjectKeyIdentifier "
        "(intermediate), or a CA's authorityKeyIdentifier without keyIdentifier (Baseline "
        "Requirements 7.1.2). Evidence: `subject`, `sha256`, `extension`.",
        "warning; critical when the verifier refused the chain for it (it requires the "
        "leaf's authorityKeyIdentifier, and a keyIdentifier in a CA's)",
    ),
    CodeInfo(
        "certificate_not_v3",
        _C,
        "layer",
        "extensions",
        "A certificate on the path is X.509 v1 (or v2): the Web PKI accepts only v3. "
        "Evidence: `subject`, `sha256`, `version`.",
        VERIFIER_NOTE,
    ),
    CodeInfo(
        "invalid_serial",
        _C,
        "layer",
        "extensions",
        "A certificate's serial number is negative or longer than 20 octets (RFC 5280 "
        "4.1.2.2). Evidence: `subject`, `sha256`, `serial`, `octets`.",
        VERIFIER_NOTE,
    ),
    # algorithms
    CodeInfo(
        "weak_signature",
        _C,
        "layer",
        "algorithms",
        "A certificate on the path is signed with SHA-1 or MD5 (a root's self-signature is not "
        "judged: browsers ignore it).",
    ),
    CodeInfo(
        "weak_key",
        _W,
        "layer",
        "algorithms",
        "A certificate on the path, root included, has an RSA key below 2048 bits or an EC "
        "key below 256 bits.",
        "warning; critical if the verifier refused the chain and the key is an issuer's (the "
        "verifier does not judge the leaf's own key)",
    ),
    CodeInfo(
        "signature_algorithm_mismatch",
        _C,
        "layer",
        "algorithms",
        "A certificate names one signature algorithm in its signed part (TBSCertificate) and "
        "another outside it (RFC 5280 4.1.1.2). Evidence: `subject`, `sha256`, `algorithm`.",
        VERIFIER_NOTE,
    ),
    CodeInfo(
        "unsupported_algorithm",
        _C,
        "layer",
        "algorithms",
        "A key or signature algorithm outside the Web PKI set (e.g. Ed25519, DSA, "
        "secp256k1, unusual RSA-PSS parameters); the leaf's own key is not judged by the "
        "verifier (a warning there). Evidence: `subject`, `sha256`, `algorithm`, `what`.",
        VERIFIER_NOTE,
    ),
)
"""The per-layer path-validation codes, from name constraints to algorithms."""

__all__ = ["PATH_RULE_CODES"]
