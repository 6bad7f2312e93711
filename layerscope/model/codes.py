"""The catalogue of finding codes: one entry per code, the single home of the JSON contract.

Every ``Finding.code`` layerscope emits is in :data:`CATALOGUE`, with its default severity,
its scope (one layer, the site across layers, or the page fetched over one layer), the family
it belongs to and when it is raised. ``docs/findings.md`` is generated from it
(``python scripts/findings_doc.py``); a test keeps the two, and the remediation builders, in
step with it.
"""

from __future__ import annotations

from layerscope.model import Severity
from layerscope.model.codes_files import FILE_CODES
from layerscope.model.codes_layer import LAYER_CODES
from layerscope.model.codes_model import FAMILIES, SCOPES, VERIFIER_NOTE, CodeInfo, Scope

_C = Severity.CRITICAL
_W = Severity.WARNING
_I = Severity.INFO

CATALOGUE: tuple[CodeInfo, ...] = (
    *LAYER_CODES,
    *FILE_CODES,
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
        "cert_type_missing",
        _W,
        "site",
        "across layers",
        "The origin (or, without an origin, another edge) serves two certificates for the "
        "name, an ECDSA and an RSA one, and this edge refused a handshake that asks for one "
        "of the types: clients that accept only that type (RSA-only TLS libraries, older "
        "Java and Android, some API clients) fail there and nowhere else. Evidence: the "
        "types the edge offers, the missing ones, and the layer compared with.",
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
        "Layers answer with different status codes or HSTS policies. Evidence: each layer's "
        "`status` and `hsts`, and `differences` (which of the two differ).",
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

<!-- Generated from layerscope/model/codes.py by `python scripts/findings_doc.py`: do not edit. -->

Each finding has a `code`, a severity, the layers it concerns, evidence (which certificate,
which field, what was expected) and remediation for that layer (origin server or CDN edge),
with commands filled in with the real names, addresses and files. The codes below are the
JSON contract ([json-schema.md](json-schema.md)): a code keeps its meaning within a schema
version. The severity column starts with the default; thresholds come from the options.

The verdict is the verifier's: a layer's chain is `trusted` (or `private`) only when
cryptography's X.509 verifier (Web PKI server profile, the site name, `--at`, judged to the
second) accepts the served chain; a refusal is always a critical finding on that layer.
Path validation: the codes marked "critical; a warning when the verifier accepted the chain"
follow one rule: **critical when the verifier refused the served chain, a warning when it
accepted it** (the finding then states the rule that browsers or the CA/B Forum Baseline
Requirements state). `verifier_refused` is the fallback when the verifier refused and no
other rule explains why. The rules look at every certificate on the path, the trust anchor
included (but not the anchor's own signature, which clients never check).

`layerscope preflight` judges a certificate file before it is deployed as one layer (role
`file`): the same per-layer codes, computed the same way, plus the [file codes](#files)
(with `--nginx`, on the server itself, also whether each server block serves the file it
names: `reload_needed`).
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


__all__ = [
    "CATALOGUE",
    "CODES",
    "FAMILIES",
    "SCOPES",
    "VERIFIER_NOTE",
    "CodeInfo",
    "Scope",
    "by_code",
    "codes_of_scope",
    "findings_markdown",
]
