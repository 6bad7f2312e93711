"""The per-layer finding codes of the catalogue (see :mod:`layerscope.model.codes`); the
path-validation families are in :mod:`layerscope.model.codes_pathval`."""

from __future__ import annotations

from layerscope.model import Severity
from layerscope.model.codes_model import VERIFIER_NOTE, CodeInfo
from layerscope.model.codes_pathval import PATH_RULE_CODES

_C = Severity.CRITICAL
_W = Severity.WARNING
_I = Severity.INFO

_BEFORE_RULES: tuple[CodeInfo, ...] = (
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
        "the AIA `caIssuers` URL). Evidence: the missing certificates, where they were found, "
        "and `ca_issuers` (the caIssuers URLs of the certificate whose issuer is missing).",
    ),
    CodeInfo(
        "wrong_order",
        _W,
        "layer",
        "chain",
        "The served certificates are not in the order leaf, its issuer, ... (some clients fail).",
        "warning; critical for a file whose first certificate is not the leaf (`preflight`: "
        "the server would take a CA certificate for its own)",
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
)

_REVOCATION: tuple[CodeInfo, ...] = (
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

LAYER_CODES: tuple[CodeInfo, ...] = (*_BEFORE_RULES, *PATH_RULE_CODES, *_REVOCATION)
"""Findings about one layer, grouped by family."""

__all__ = ["LAYER_CODES"]
