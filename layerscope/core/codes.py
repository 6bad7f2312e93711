"""The catalogue of finding codes: one entry per code, the single home of the JSON contract.

Every ``Finding.code`` layerscope emits is in :data:`CATALOGUE`, with its default severity,
its scope (one layer, the site across layers, or the page fetched over one layer), the family
it belongs to and when it is raised. ``docs/findings.md`` is generated from it
(``python scripts/findings_doc.py``); a test keeps the two, and the remediation builders, in
step with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from layerscope.core.model import Severity

Scope = Literal["layer", "site", "http"]
"""Where a finding applies: one layer, the site across its layers, or one layer's page."""

SCOPES: tuple[Scope, ...] = ("layer", "site", "http")
"""Every scope, in the order the documentation shows them."""

FAMILIES: tuple[str, ...] = (
    "connection",
    "validity",
    "names",
    "chain",
    "trust",
    "name constraints",
    "basic constraints",
    "usages",
    "extensions",
    "algorithms",
    "revocation",
    "across layers",
    "http",
)
"""Every family, in the order the documentation shows them."""

VERIFIER_NOTE = "critical; warning if the verifier accepted the chain"
"""The ``severity_note`` of the path-validation codes: critical when the verifier refused."""


@dataclass(frozen=True, slots=True)
class CodeInfo:
    """One finding code of the catalogue.

    Attributes:
        code: the stable ``code`` string of the JSON output (lower_snake_case).
        severity: the default severity.
        scope: ``layer`` (one layer), ``site`` (across layers) or ``http`` (the page fetched
            over one layer).
        family: the group the code belongs to, one of :data:`FAMILIES`.
        when: one or two sentences: when the finding is raised, and its evidence.
        severity_note: how the severity varies, starting with the default (e.g. ``warning;
            critical within --crit-days``); ``""`` when it is always the default.
    """

    code: str
    severity: Severity
    scope: Scope
    family: str
    when: str
    severity_note: str = ""

    @property
    def severity_text(self) -> str:
        """The severity as documented: the note when there is one, else the default's label."""
        return self.severity_note or self.severity.label


_C = Severity.CRITICAL
_W = Severity.WARNING
_I = Severity.INFO

CATALOGUE: tuple[CodeInfo, ...] = (
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
        "An intermediate that the served path uses has expired.",
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
        _C,
        "layer",
        "names",
        "A DNS name of the leaf's SAN is not a valid hostname or wildcard (underscore, empty "
        "label, `*.*.x`, `f*o.x`, ...). Evidence: `names`.",
        VERIFIER_NOTE,
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
        "The leaf's keyUsage forbids a TLS server key (e.g. only keyCertSign). Evidence: "
        "`subject`, `sha256`, `key_usages`.",
        VERIFIER_NOTE,
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
        "An extension with the wrong criticality (e.g. basicConstraints not critical on a CA; "
        "AKI, SKI or AIA critical). Evidence: `subject`, `sha256`, `extension`, `oid`, "
        "`critical` (as sent), `expected`.",
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
        "Baseline Requirements: a missing authorityKeyIdentifier (non-root) or "
        "subjectKeyIdentifier (CA). Evidence: `subject`, `sha256`, `extension`.",
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
    # across layers
    CodeInfo(
        "stale_edge",
        _W,
        "site",
        "across layers",
        "An edge serves a leaf other than the reference that covers the same names and is "
        "older (earlier `not_before`): the renewal did not reach it. Evidence: both "
        "fingerprints, validity dates and how much older.",
        "warning; critical if that edge's leaf is expired, invalid, or within `--crit-days`",
    ),
    CodeInfo(
        "edge_ahead_of_origin",
        _W,
        "site",
        "across layers",
        "Edges serve a newer leaf for the same names than the origin: the origin was not "
        "updated (breaks direct access, and CDNs that validate the origin).",
    ),
    CodeInfo(
        "edges_disagree",
        _W,
        "site",
        "across layers",
        "Edges serve more than one distinct leaf: one finding for the site, listing which "
        "edges serve which.",
    ),
    CodeInfo(
        "chain_differs_from_origin",
        _I,
        "site",
        "across layers",
        "The layer's certificate reaches the root through other intermediates than the "
        "reference's (the same leaf with another intermediate set, or re-issued under another "
        "intermediate).",
        "info; warning if it breaks trust",
    ),
    CodeInfo(
        "key_differs",
        _I,
        "site",
        "across layers",
        "Same names, different public key (SPKI) across layers: matters for pinning.",
    ),
    CodeInfo(
        "san_differs",
        _W,
        "site",
        "across layers",
        "A layer's leaf covers fewer names than the reference's.",
    ),
    CodeInfo(
        "cdn_managed_certificate",
        _I,
        "site",
        "across layers",
        "All edges agree on a leaf from another issuer and name set than the origin's: the "
        "CDN serves its own certificate, with its own lifecycle. Not stale.",
    ),
    # http
    CodeInfo(
        "mixed_content",
        _W,
        "http",
        "http",
        "The HTTPS page references `http://` subresources; not raised when "
        "`upgrade-insecure-requests` is in effect. Evidence: the URLs with their element.",
        "warning (passive: img, audio, video); critical (active: script, stylesheet, iframe, "
        "form action, object)",
    ),
    CodeInfo(
        "csp_upgrade_insecure",
        _I,
        "http",
        "http",
        "The `Content-Security-Policy` header (or meta tag) has `upgrade-insecure-requests`.",
    ),
    CodeInfo(
        "hsts_missing",
        _I,
        "http",
        "http",
        "No `Strict-Transport-Security` header.",
    ),
    CodeInfo(
        "http_differs",
        _W,
        "http",
        "http",
        "Layers answer with different status codes or HSTS policies.",
    ),
)
"""Every finding code, grouped by family in the order of :data:`FAMILIES`."""

CODES: frozenset[str] = frozenset(info.code for info in CATALOGUE)
"""Every finding code of the catalogue."""

_BY_CODE: dict[str, CodeInfo] = {info.code: info for info in CATALOGUE}


def by_code(code: str) -> CodeInfo:
    """The catalogue entry of ``code``; raises ``KeyError`` for a code not in the catalogue."""
    return _BY_CODE[code]


def codes_of_scope(scope: Scope) -> tuple[str, ...]:
    """The codes of ``scope``, in catalogue order."""
    return tuple(info.code for info in CATALOGUE if info.scope == scope)


_SCOPE_TITLES: dict[Scope, str] = {
    "layer": "Per layer",
    "site": "Across layers",
    "http": "HTTP (per layer, over the same pinned address)",
}

_INTRO = """\
# Finding codes

<!-- Generated from layerscope/core/codes.py by `python scripts/findings_doc.py`: do not edit. -->

Each finding has a `code`, a severity, the layers it concerns, evidence (which certificate,
which field, what was expected) and remediation for that layer (origin server or CDN edge),
with commands filled in with the real names, addresses and files. The codes below are the
JSON contract ([json-schema.md](json-schema.md)): a code keeps its meaning within a schema
version. The severity column starts with the default; thresholds come from the options.

Path validation: the codes marked "critical; warning if the verifier accepted the chain"
follow one rule: **critical when cryptography's X.509 verifier refused the served chain,
warning when it accepted it** (the finding then states the rule that browsers or the CA/B
Forum Baseline Requirements state). `verifier_refused` is the fallback when the verifier
refused and no other rule explains why. `weak_key`, `weak_signature` and the validity
codes look at every certificate on the path, root included.
"""

_REFERENCE = """\
The **reference certificate** of a site is the origin's leaf when the origin was given,
answered, and serves a leaf that is valid, trusted and covers the site; otherwise the newest
(latest `not_before`) such leaf among the layers. Certificates are the same when their SHA-256
fingerprints are equal.
"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _table(infos: list[CodeInfo]) -> list[str]:
    lines = ["| code | severity | when |", "|---|---|---|"]
    for info in infos:
        lines.append(f"| `{info.code}` | {_cell(info.severity_text)} | {_cell(info.when)} |")
    return lines


def findings_markdown() -> str:
    """The text of ``docs/findings.md``: an introduction and one table per family."""
    lines = [_INTRO.rstrip("\n")]
    for scope in SCOPES:
        lines += ["", f"## {_SCOPE_TITLES[scope]}"]
        if scope == "site":
            lines += ["", _REFERENCE.rstrip("\n")]
        for family in FAMILIES:
            infos = [i for i in CATALOGUE if i.scope == scope and i.family == family]
            if not infos:
                continue
            if scope == "layer":
                lines += ["", f"### {family[:1].upper()}{family[1:]}"]
            lines += ["", *_table(infos)]
    return "\n".join(lines) + "\n"
