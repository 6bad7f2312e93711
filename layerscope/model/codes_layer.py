"""The per-layer finding codes of the catalogue (see :mod:`layerscope.model.codes`)."""

from __future__ import annotations

from layerscope.model import Severity
from layerscope.model.codes_model import VERIFIER_NOTE, CodeInfo

_C = Severity.CRITICAL
_W = Severity.WARNING
_I = Severity.INFO

LAYER_CODES: tuple[CodeInfo, ...] = (
    # connection
    CodeInfo(
        "unreachable",
        _C,
        "layer",
        "connection",
        "TCP connect refused, reset, timed out, or no route. Evidence: the error kind and the "
        "elapsed time.",
    ),
    CodeInfo(
        "not_tls",
        _C,
        "layer",
        "connection",
        "Something answered on the port but not with TLS (e.g. plain HTTP on 443).",
    ),
    CodeInfo(
        "handshake_failed",
        _C,
        "layer",
        "connection",
        "A TLS alert or a protocol or cipher mismatch. Evidence: the alert or reason.",
    ),
    # validity
    CodeInfo(
        "expired",
        _C,
        "layer",
        "validity",
        "The leaf's `not_after` is before the evaluation time (`--at`).",
    ),
    CodeInfo(
        "expiring_soon",
        _W,
        "layer",
        "validity",
        "The leaf expires within `--warn-days` (warning) or `--crit-days` (critical).",
        "warning; critical within `--crit-days`",
    ),
    CodeInfo(
        "not_yet_valid",
        _C,
        "layer",
        "validity",
        "The leaf's `not_before` is after the evaluation time.",
    ),
    CodeInfo(
        "expired_intermediate",
        _C,
        "layer",
        "validity",
        "An intermediate that the served path uses has expired (to the second: a "
        "certificate is valid through the last second of its notAfter).",
    ),
    CodeInfo(
        "expired_root",
        _C,
        "layer",
        "validity",
        "The trust anchor the path ends at has expired. Evidence: `subject`, `sha256`, "
        "`not_after`.",
        VERIFIER_NOTE,
    ),
    CodeInfo(
        "not_yet_valid_ca",
        _C,
        "layer",
        "validity",
        "An intermediate or the root is not yet valid. Evidence: `subject`, `sha256`, "
        "`not_before`, `role` (`intermediate` or `root`).",
        VERIFIER_NOTE,
    ),
    # names
    CodeInfo(
        "hostname_mismatch",
        _C,
        "layer",
        "names",
        "The site name is not covered by the leaf's SANs (a wildcard covers exactly one label; "
        "the CN is not used). Evidence: the names the certificate does cover.",
    ),
    CodeInfo(
        "san_missing",
        _C,
        "layer",
        "names",
        "The leaf has no subjectAltName (browsers ignore the CN); raised instead of "
        "`hostname_mismatch`. Evidence: `common_name`.",
        VERIFIER_NOTE,
    ),
    CodeInfo(
        "invalid_san",
        _W,
        "layer",
        "names",
        "A DNS name of the leaf's SAN is not a valid hostname or wildcard (underscore, empty "
        "label, trailing dot, `*.*.x`, `f*o.x`, a wildcard over one label such as `*.com`). "
        "Clients skip such names. Evidence: `names`.",
        "warning; critical when the verifier refused the chain and an invalid name was meant "
        "to cover the site (no valid one does), or a CA above constrains DNS names",
    ),
    CodeInfo(
        "cn_not_in_san",
        _W,
        "layer",
        "names",
        "Baseline Requirements: the subject CN is not one of the SANs. Evidence: "
        "`common_name`, `names`.",
    ),
    CodeInfo(
        "empty_name",
        _C,
        "layer",
        "names",
        "An empty issuer, or an empty subject where one is required. Evidence: `subject`, "
        "`sha256`, `field` (`issuer` or `subject`).",
        VERIFIER_NOTE,
    ),
    CodeInfo(
        "default_cert_without_sni",
        _W,
        "layer",
        "names",
        "Without SNI the layer serves a different certificate that does not cover the site "
        "(old clients and some bots get the default virtual host).",
    ),
    # chain
    CodeInfo(
        "incomplete_chain",
        _C,
        "layer",
        "chain",
        "No path to a trusted root from the served certificates, but one exists once the "
        "missing intermediates are added (from the trust store, the other layers' chains or "
        "the AIA `caIssuers` URL). Evidence: the missing certificates and where they were found.",
    ),
    CodeInfo(
        "wrong_order",
        _W,
        "layer",
        "chain",
        "The served certificates are not in the order leaf, its issuer, ... (some clients fail).",
    ),
    CodeInfo(
        "root_in_chain",
        _I,
        "layer",
        "chain",
        "The server also sends the self-signed root (harmless but wasteful; can break with "
        "cross-signs).",
    ),
    CodeInfo(
        "unrelated_cert_in_chain",
        _W,
        "layer",
        "chain",
        "A served certificate is not on the path (a leftover intermediate of an old CA, a "
        "duplicate).",
    ),
    CodeInfo(
        "unparseable_certificate",
        _C,
        "layer",
        "chain",
        "A served certificate cannot be parsed at all. Evidence: `position` (1-based), "
        "`total`, `sha256` (of the DER), `error`.",
    ),
    # trust
    CodeInfo(
        "self_signed",
        _C,
        "layer",
        "trust",
        "The leaf is its own issuer (subject equals issuer and its signature verifies with its "
        "own key).",
    ),
    CodeInfo(
        "untrusted_root",
        _C,
        "layer",
        "trust",
        "A path can be built from the served certificates but ends at a root that is not in "
        "the trust store.",
    ),
    CodeInfo(
        "private_ca",
        _I,
        "layer",
        "trust",
        "The chain is trusted only thanks to an `--extra-ca` (company CA): fine inside, "
        "untrusted for everyone else.",
    ),
    CodeInfo(
        "trust_store_dependent",
        _W,
        "layer",
        "trust",
        "Trusted by one store but not by the other (`--ca-bundle` vs `--alt-ca-bundle`): an "
        'outdated client trust store explains "untrusted" on some machines only.',
    ),
    CodeInfo(
        "verifier_refused",
        _C,
        "layer",
        "trust",
        "The X.509 verifier refused the served chain and no other rule explains it (the "
        "fallback). Evidence: `error` (the verifier's message).",
    ),
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
    # revocation
    CodeInfo(
        "ocsp_staple_missing",
        _I,
        "layer",
        "revocation",
        "No OCSP response was stapled.",
    ),
    CodeInfo(
        "ocsp_staple_invalid",
        _W,
        "layer",
        "revocation",
        "The stapled response is for another certificate, expired, or unparsable.",
    ),
    CodeInfo(
        "revoked",
        _C,
        "layer",
        "revocation",
        "OCSP (stapled or from the responder) says the leaf is revoked.",
    ),
)
"""Findings about one layer, grouped by family."""

__all__ = ["LAYER_CODES"]
