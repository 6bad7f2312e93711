"""Remediations for the chain and trust: roots, intermediates, order, weak crypto."""

from __future__ import annotations

import re

from layerscope.explain.cdn import _edge_upload
from layerscope.explain.context import _listing, _q
from layerscope.explain.fill import _Fill
from layerscope.explain.steps import (
    _build_fullchain,
    _by_role,
    _client_import,
    _done,
    _fix_chain,
    _install,
    _renew_origin,
    _replace_leaf,
)
from layerscope.model import Remediation, Step
from layerscope.model.evidence import (
    ExpiredCaEvidence,
    FoundCert,
    IncompleteChainEvidence,
    PrivateCaEvidence,
    TrustStoreDependentEvidence,
    UnrelatedCertEvidence,
    UntrustedRootEvidence,
    WeakKeyEvidence,
    WeakSignatureEvidence,
    WrongOrderEvidence,
    records_of,
)


def _self_signed(f: _Fill) -> Remediation:
    origin = (
        Step(
            "origin",
            "The server sends a self-signed certificate (often a default or snakeoil "
            "one): find which file it uses. Behind a CDN this only works in a non-strict "
            "origin mode; direct visitors still see untrusted.",
            (
                "nginx -T 2>/dev/null | grep -n ssl_certificate | cat -v",
                "grep -rn SSLCertificateFile /etc/apache2/ | cat -v",
            ),
        ),
        _renew_origin(f, "Get a certificate from a public CA."),
        *_install(f),
    )
    return _done(
        f,
        "The certificate served here is its own issuer: no CA vouches for it.",
        "Browsers trust only certificates issued by a CA in their store; nobody has this "
        "certificate in theirs (NET::ERR_CERT_AUTHORITY_INVALID).",
        _by_role(
            f,
            origin,
            _edge_upload(
                f,
                f"The CDN has no real certificate for {f.host_text}: add the hostname there or "
                "upload a CA-issued certificate.",
            ),
        ),
        verify=f.check(),
        verify_text="The layer must chain to a public root.",
    )


def _untrusted_root(f: _Fill) -> Remediation:
    root = f.text(f.of(UntrustedRootEvidence)["root"])
    steps = _replace_leaf(
        f,
        "For a public site: reissue from a public CA.",
        "For a public site: upload a certificate from a public CA.",
    )
    return _done(
        f,
        "The chain ends at a root that is not in the trust store"
        + (f" ({root})." if root else "."),
        "Browsers trust only chains that end at a root in their store; a private or unknown CA "
        "is untrusted for everyone who has not imported it.",
        (*steps, *_client_import(f, "For an internal site: trust the company CA on clients.")),
        verify=f.check(),
        verify_text="Check again (add --extra-ca with the company CA for internal sites).",
    )


def _private_ca(f: _Fill) -> Remediation:
    files = f.ca_files()
    root = f.text(f.of(PrivateCaEvidence)["root"])
    via = ", ".join(filter(None, [root, f"from {_listing(files)}" if files else ""]))
    via = f" ({via})" if via else ""
    steps = _replace_leaf(
        f,
        "If people outside the company use the site: reissue from a public CA.",
        "If people outside the company use the site: upload a certificate from a public CA.",
    )
    return _done(
        f,
        f"The chain is trusted only thanks to the extra company CA{via}.",
        "Machines with the company CA imported trust it; everyone else (phones, partners, the "
        "public) sees untrusted.",
        (*_client_import(f, "Import the company CA on every client that must trust it."), *steps),
        verify=f.check(),
        verify_text="Check with the company CA, as clients will see it.",
    )


def _incomplete_chain(f: _Fill) -> Remediation:
    ev = f.of(IncompleteChainEvidence)
    missing = f.text(ev["missing"])
    sources = [
        "" if item["source"] is None else str(item["source"])
        for item in records_of(ev["found"], FoundCert)
    ]
    # where to download the first missing intermediate: the caIssuers URL of the
    # certificate that needs it, then the AIA URLs the analysis found them at
    candidates = [
        *f.strings(ev["ca_issuers"]),
        *(src.removeprefix("AIA ") for src in sources if src.startswith("AIA ")),
    ]
    urls = [u for u in candidates if re.fullmatch(r"https?://[A-Za-z0-9._~:/?=&%+@-]+", u)]
    found = _listing(dict.fromkeys(src for src in sources if src))
    fetch: tuple[str, ...] = (
        (
            f"curl -sf -o intermediate.der {_q(urls[0])}",
            "openssl x509 -inform DER -in intermediate.der -out intermediate.pem",
        )
        if urls
        else (f"openssl x509 -in {f.leaf_file} -noout -ext authorityInfoAccess | cat -v",)
    )
    named = f"Missing: {missing}. " if missing else ""
    if found:
        named += f"It was found via: {found}. "
    origin = (
        Step(
            "origin",
            f"{named}Get the intermediate from your CA (its URL is the leaf's "
            "CA Issuers entry). With certbot, point the server at fullchain.pem, not cert.pem.",
            fetch,
        ),
        _build_fullchain(
            f,
            "Build fullchain.pem: leaf first, then the intermediate(s), no root; "
            "openssl verify must say OK.",
        ),
        *_install(f),
    )
    return _done(
        f,
        "The layer does not send the intermediate certificate(s) needed to reach a trusted root"
        + (f" ({missing})." if missing else "."),
        "Browsers that do not happen to have the intermediate cached, and most other clients "
        "(curl, Java, Android apps), cannot build a path to a root: untrusted on some machines, "
        "fine on others.",
        _by_role(
            f,
            origin,
            _edge_upload(
                f,
                f"{named}Upload the certificate together with its intermediate(s) (the chain or "
                "bundle field), leaf first, no root.",
            ),
        ),
        verify=f.check(),
        verify_text="The layer must now send the intermediate(s).",
    )


def _print_chain(f: _Fill) -> str:
    """Subjects and issuers of fullchain.pem, in file order, neutralised."""
    return (
        f"openssl crl2pkcs7 -nocrl -certfile {f.fullchain}"
        " | openssl pkcs7 -print_certs -noout | cat -v"
    )


def _wrong_order(f: _Fill) -> Remediation:
    expected = f.text(f.of(WrongOrderEvidence)["expected_order"])
    origin = (
        Step(
            "origin",
            "See the order in the file: each certificate's issuer must be the next one's subject."
            + (f" Expected order: {expected}." if expected else ""),
            (_print_chain(f),),
        ),
        _build_fullchain(
            f, "Concatenate leaf first, then the certificate that signed it, and so on."
        ),
        *_install(f),
    )
    return _done(
        f,
        "The certificates are sent out of order (expected: leaf, then its issuer, and so on).",
        "Most browsers reorder them, but some clients (older OpenSSL, Java, embedded devices) "
        "fail and report untrusted.",
        _by_role(
            f, origin, _edge_upload(f, "Re-upload the chain with the leaf first, then its issuer.")
        ),
        verify=f.check(),
        verify_text="The layer must send leaf first, then each issuer.",
    )


def _root_in_chain(f: _Fill) -> Remediation:
    return _done(
        f,
        "The layer also sends the self-signed root certificate.",
        "Harmless for trust (clients use their own copy of the root), but it wastes bytes in "
        "every handshake and can break paths when the CA is cross-signed.",
        _fix_chain(
            f,
            "Drop the root (the last, self-signed block) from the chain file: rebuild it from "
            "the leaf and the intermediate(s) only.",
            "Upload the chain without the root certificate.",
        ),
        verify=f.check(),
        verify_text="The layer must no longer send the root.",
    )


def _unrelated_cert(f: _Fill) -> Remediation:
    extra = f.text(f.of(UnrelatedCertEvidence)["unrelated"])
    return _done(
        f,
        "The layer sends a certificate that is not on the path to the root"
        + (f" ({extra})." if extra else "."),
        "Usually a leftover intermediate from a previous CA or a duplicate; strict clients may "
        "pick the wrong one and fail.",
        _fix_chain(
            f,
            "Rebuild the chain file from the leaf and its current intermediate(s) only.",
            "Re-upload the certificate with only its current intermediate(s).",
        ),
        verify=f.check(),
        verify_text="The layer must send only the path certificates.",
    )


def _expired_intermediate(f: _Fill) -> Remediation:
    which = f.text(f.of(ExpiredCaEvidence)["subject"])
    return _done(
        f,
        "An intermediate on the served path has expired" + (f" ({which})." if which else "."),
        "Browsers reject the whole chain when any certificate on it is expired, even with a "
        "valid leaf.",
        _fix_chain(
            f,
            "Download the CA's current intermediate as intermediate.pem and rebuild the chain.",
            "Re-upload the certificate with the CA's current intermediate.",
        ),
        verify=f.check(),
        verify_text="The layer must send a current intermediate.",
    )


def _weak_signature(f: _Fill) -> Remediation:
    ev = f.of(WeakSignatureEvidence)
    which = f.certs(
        (c["subject"], (c["signature_algorithm"],))
        for c in records_of(ev["certificates"], WeakSignatureEvidence, 50)
    ) or f.text(ev["subject"])
    return _done(
        f,
        "A certificate on the path is signed with SHA-1 or MD5" + (f": {which}." if which else "."),
        "Browsers have rejected SHA-1 and MD5 signatures for years: the chain is untrusted.",
        _replace_leaf(
            f,
            "Reissue the leaf (SHA-256 by default); if it is an intermediate, use the CA's "
            "current one.",
            "Upload a certificate (and intermediates) signed with SHA-256.",
        ),
        verify_text="Check the new certificate is served.",
    )


def _weak_key(f: _Fill) -> Remediation:
    which = f.certs(
        (c["subject"], (c["key_type"], c["key_bits"]))
        for c in records_of(f.of(WeakKeyEvidence)["certificates"], WeakKeyEvidence, 50)
    )
    return _done(
        f,
        "A key on the path is too small (RSA needs 2048 bits, EC 256)"
        + (f": {which}." if which else "."),
        "Browsers and many clients refuse RSA keys under 2048 bits.",
        _replace_leaf(
            f,
            "Reissue with a new, larger key (ECDSA P-256 shown).",
            "Upload a certificate with an RSA 2048+ or EC P-256 key.",
            extra=" --key-type ecdsa",
        ),
        verify_text="Check the new certificate is served.",
    )


def _trust_store_dependent(f: _Fill) -> Remediation:
    alt = f.text(f.of(TrustStoreDependentEvidence)["alt_store"])
    stores = f"the other store: {alt}" if alt else ""
    server = _fix_chain(
        f,
        "Serve the chain your CA offers for older clients (its alternate or cross-signed "
        "intermediate) as intermediate.pem.",
        "Select the CA chain that works with older clients (compatible bundle) and re-upload.",
    )
    client = Step(
        "client",
        "Update the CA bundle on the machines that fail.",
        (
            "apt-get update && apt-get install --only-upgrade ca-certificates",
            "update-ca-certificates",
        ),
    )
    return _done(
        f,
        "The chain is trusted by one trust store but not another"
        + (f" ({stores})." if stores else "."),
        "Machines with an outdated CA bundle (old OS, old Java, old Android) lack the root and "
        "say untrusted; the others work.",
        (*server, client),
        verify=f.check(),
        verify_text="Check again against both stores.",
    )
