"""Remediations for cross-layer findings: edges versus origin, and edges among themselves."""

from __future__ import annotations

import dataclasses

from layerscope.explain.cdn import _cdn, _cdn_label, _edge_upload
from layerscope.explain.context import _HEX64, _fingerprint, _items, _listing
from layerscope.explain.fill import _Fill
from layerscope.explain.steps import (
    _by_role,
    _done,
    _fix_chain,
    _install,
    _replace_leaf,
)
from layerscope.model import Remediation, Step
from layerscope.model.evidence import (
    CertRef,
    CertSummary,
    CertTypeMissingEvidence,
    ChainDiffersEvidence,
    EdgeAheadEvidence,
    EdgesDisagreeEvidence,
    KeyDiffersEvidence,
    LeafGroup,
    SanDiffersEvidence,
    StaleEdgeEvidence,
    record_of,
    records_of,
)


def _expect(ref: str | None) -> str:
    """Sentence naming the fingerprint the layer must serve, when known."""
    return f"It must print sha256 Fingerprint={ref}." if ref else ""


def _short(fingerprint: str) -> str:
    """First 12 hex digits, as the layers table labels certificates."""
    return fingerprint.replace(":", "")[:12].lower()


def _stale_edge(f: _Fill) -> Remediation:
    ev = f.of(StaleEdgeEvidence)
    ref = f.sha(record_of(ev["reference"], CertSummary)["sha256"])
    served = f.sha(record_of(ev["served"], CertSummary)["sha256"])
    older = f.number(ev["older_by_days"])
    facts = []
    # Short ids in the meaning; the full reference fingerprint is in the verify step.
    if served:
        facts.append(f"serves {_short(served)}")
    if ref:
        facts.append(f"reference {_short(ref)}")
    detail = f" ({', '.join(facts)})" if facts else ""
    return _done(
        f,
        f"This edge still serves an older {f.type_word}certificate than the "
        f"{f.type_word}reference{detail}"
        + (f", {older} days older" if older else "")
        + ": the renewal did not reach it.",
        "Users sent to this edge get the old certificate; when it expires they see untrusted "
        "while everyone else is fine.",
        _edge_upload(
            f,
            f"Upload the renewed {f.type_word}certificate (the reference) with its "
            "intermediates and key, to every edge/region of the hostname"
            + (" (a server holding two certificates needs both renewed)." if f.type_word else "."),
        ),
        verify_text=" ".join(filter(None, ["Check the edge serves the reference.", _expect(ref)])),
    )


def _cert_type_missing(f: _Fill) -> Remediation:
    ev = f.of(CertTypeMissingEvidence)
    kinds = {"ecdsa": "ECDSA", "rsa": "RSA"}
    missing = [kinds[k] for k in _items(ev["missing"]) if k in kinds] or ["the other"]
    offered = [kinds[k] for k in _items(ev["offered"]) if k in kinds]
    lacking = " and ".join(missing)
    has = " and ".join(offered) or "one type"
    # the commands ask for the missing type: they fail now and show it once installed
    typed = _Fill(dataclasses.replace(f.ctx, cert_type=missing[0].lower()), f.code)
    nginx = Step(
        "edge",
        f"On a server you run (nginx), add the {lacking} certificate beside the {has} one: "
        "a second ssl_certificate/ssl_certificate_key pair in the same server block, then "
        "reload. nginx picks the type per handshake.",
        (
            f"ssl_certificate     {f.dir}/fullchain-{missing[0].lower()}.pem;",
            f"ssl_certificate_key {f.dir}/privkey-{missing[0].lower()}.pem;",
            "nginx -t && nginx -s reload",
        ),
    )
    return _done(
        typed,
        f"This edge serves only {has} certificates; the layer compared with serves ECDSA and "
        f"RSA: a handshake that asks for {lacking} fails here and works elsewhere.",
        f"Clients that accept only {lacking} (RSA-only TLS libraries, older Java and Android, "
        "API clients with a restricted cipher list) get a handshake failure from this edge "
        "only, which looks like random outages.",
        (
            *_edge_upload(
                f,
                f"Deploy the {lacking} certificate (with its intermediates and key) to this "
                "edge as well, like on the other layers.",
            ),
            nginx,
        ),
        reproduce=typed.showcerts(),
        verify_text=f"Check that the edge now completes a handshake that asks for {lacking}.",
    )


def _edge_ahead(f: _Fill) -> Remediation:
    origin = (
        Step(
            "origin",
            "Install on the origin the certificate you renewed at the CDN (or renew it there too).",
        ),
        *_install(f),
    )
    return _done(
        f,
        "The edges serve a newer certificate than the origin: the origin was not updated.",
        "Visitors do not see it yet, but direct access to the origin and CDNs that validate the "
        "origin certificate (strict mode) fail once the origin certificate expires.",
        origin,
        # Only an origin context knows the origin's address; otherwise re-check the site.
        verify=None if f.origin else f.check(layer=False),
        site_check=not f.origin,
        verify_text=" ".join(
            filter(
                None,
                [
                    "Check the origin serves the new certificate.",
                    _expect(
                        f.sha(record_of(f.of(EdgeAheadEvidence)["edge"], CertSummary)["sha256"])
                    ),
                ],
            )
        ),
    )


def _edges_disagree(f: _Fill) -> Remediation:
    groups: list[str] = []
    for group in records_of(f.of(EdgesDisagreeEvidence)["groups"], LeafGroup, 10):
        if sha := _fingerprint(group["sha256"]):
            groups.append(f"{_short(sha)} on {', '.join(_items(group['layers'])[:5])}")
    return _done(
        f,
        "The edges serve more than one distinct certificate"
        + (f": {_listing(groups)}." if groups else "."),
        "Users get a different certificate depending on the edge DNS gives them; when one of "
        "them is bad, failures look random.",
        _edge_upload(
            f,
            "Deploy the same certificate to every edge (the layers table shows "
            "which edges serve which: same label, same certificate).",
        ),
        verify=f.check(layer=False),
        site_check=True,
        verify_text="Every edge must show the same certificate label.",
    )


def _chain_differs(f: _Fill) -> Remediation:
    ev = f.of(ChainDiffersEvidence)
    served = f.certs((c["subject"], ()) for c in records_of(ev["intermediates"], CertRef, 50))
    wanted = f.certs(
        (c["subject"], ()) for c in records_of(ev["reference_intermediates"], CertRef, 50)
    )
    return _done(
        f,
        "This layer reaches the root through other intermediates than the reference"
        + (f" (serves: {served}; reference: {wanted})." if served and wanted else "."),
        "Often harmless; it matters when the other intermediate is old, expired, or "
        "cross-signed to a root that some clients lack.",
        _fix_chain(
            f,
            "Use the same intermediate(s) as the reference layer for intermediate.pem.",
            "Re-upload the certificate with the same intermediate(s) as the reference.",
        ),
        verify=f.check(layer=False),
        site_check=True,
        verify_text="The layer must show the same chain as the reference.",
    )


def _key_differs(f: _Fill) -> Remediation:
    raw = f.of(KeyDiffersEvidence)["reference_spki_sha256"]
    ref_spki = raw.lower() if isinstance(raw, str) and _HEX64.fullmatch(raw) else ""
    spki = (
        f"{f.s_client()} </dev/null 2>/dev/null | openssl x509 -noout -pubkey"
        " | openssl pkey -pubin -outform DER | openssl dgst -sha256"
    )
    note = (
        "Only matters if something pins the key (mobile apps, API clients): update the "
        "pins, or deploy the pinned key everywhere."
    )
    return _done(
        f,
        "Layers serve the same names with different public keys.",
        "Browsers do not care; clients that pin the key fail on the layers with the other key.",
        _by_role(f, (Step("origin", note),), (Step("edge", note),)),
        verify=spki,
        verify_text="The key hash (SPKI SHA-256) must be the same on every layer"
        + (f": {ref_spki}." if ref_spki else "."),
    )


def _san_differs(f: _Fill) -> Remediation:
    ev = f.of(SanDiffersEvidence)
    missing_names = f.strings(ev["missing_names"])
    # The reference's names are what the layer covers plus what it lacks.
    wanted = (*f.strings(ev["names"]), *missing_names)
    listed = _listing(missing_names)
    return _done(
        f,
        "This layer's certificate covers fewer names than the reference"
        + (f" (missing: {listed})." if listed else "."),
        "Visitors to the missing names get a name mismatch (untrusted) on this layer only.",
        _replace_leaf(
            f,
            "Reissue with every name of the reference.",
            "Upload the certificate that covers every name of the reference.",
            names=wanted,
        ),
        verify=f.check(layer=False),
        site_check=True,
        verify_text="The layer must cover the same names as the reference.",
    )


def _cdn_managed(f: _Fill) -> Remediation:
    cdn = _cdn(f)
    where = (
        f"{cdn.name}: {cdn.where}" if cdn is not None else f"{_cdn_label(f)}'s certificate settings"
    )
    return _done(
        f,
        "All edges serve the CDN's own certificate, different from the origin's.",
        "Not a problem: edge and origin certificates are renewed independently, so both need "
        "watching.",
        (
            Step("edge", f"Nothing to fix. The edge certificate is managed in {where}."),
            Step(
                "origin",
                "Keep the origin certificate valid too if the CDN checks it (strict origin mode).",
            ),
        ),
        verify=f.check(layer=False),
        site_check=True,
        verify_text="Check both the edges and the origin.",
    )
