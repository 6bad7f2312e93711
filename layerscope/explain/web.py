"""Remediations for OCSP stapling and HTTP findings (mixed content, CSP, HSTS)."""

from __future__ import annotations

from layerscope.explain.cdn import _cdn, _cdn_label, _edge_purge, _edge_upload
from layerscope.explain.context import _visible
from layerscope.explain.fill import _Fill
from layerscope.explain.steps import (
    _apache,
    _by_role,
    _done,
    _nginx,
)
from layerscope.model import Remediation, Step
from layerscope.model.evidence import (
    HttpDiffersEvidence,
    LayerAnswer,
    MixedContentEvidence,
    OcspStapleInvalidEvidence,
    records_of,
)


def _status(f: _Fill) -> str:
    """The stapled OCSP response of this layer, neutralised."""
    return f"{f.s_client()} -status </dev/null 2>&1 | grep -A 4 'OCSP response' | cat -v"


def _ocsp_missing(f: _Fill) -> Remediation:
    origin = (
        _nginx(
            f,
            "nginx: turn stapling on (it needs a resolver to reach the CA; the first "
            "handshake after a reload has no staple yet).",
            "ssl_stapling on;",
            "ssl_stapling_verify on;",
            f"ssl_trusted_certificate {f.chainfile};",
            "resolver RESOLVER_IP;",
        ),
        _apache(
            f,
            "Apache: turn stapling on (the cache line goes outside the VirtualHost).",
            "SSLUseStapling on",
            "SSLStaplingCache shmcb:/var/run/apache2/ocsp(128000)",
        ),
    )
    return _done(
        f,
        "The layer does not staple an OCSP response.",
        "Not a trust error: browsers then ask the CA themselves or skip the check. Some CAs no "
        "longer run OCSP (Let's Encrypt stopped in 2025): then there is nothing to staple.",
        _by_role(
            f,
            origin,
            (
                Step(
                    "edge", f"Stapling at the edge is {_cdn_label(f)}'s job: usually nothing to do."
                ),
            ),
        ),
        reproduce=_status(f),
        verify=_status(f),
        verify_text="The layer must show an OCSP response with status successful.",
    )


def _ocsp_invalid(f: _Fill) -> Remediation:
    reason = f.text(f.of(OcspStapleInvalidEvidence)["message"])
    origin = (
        Step(
            "origin",
            "nginx: a restart drops a staple cached for the old certificate; remove any "
            "ssl_stapling_file line that points at an old response.",
            ("nginx -t && systemctl restart nginx",),
        ),
        Step(
            "origin",
            "Apache: a restart empties the stapling cache.",
            ("apachectl configtest && systemctl restart apache2",),
        ),
    )
    return _done(
        f,
        "The stapled OCSP response is for another certificate, expired, or unparsable"
        + (f" ({reason})." if reason else "."),
        "Browsers ignore or reject a bad staple; with OCSP Must-Staple the certificate is "
        "refused outright.",
        _by_role(
            f,
            origin,
            _edge_upload(
                f, "Re-deploy the current certificate so the edge fetches a fresh response."
            ),
        ),
        reproduce=_status(f),
        verify=_status(f),
        verify_text="The stapled response must be for the served certificate and current.",
    )


def _mixed_content(f: _Fill) -> Remediation:
    urls = f.text(f.of(MixedContentEvidence)["urls"])
    csp = '"upgrade-insecure-requests"'
    page = f.curl(show_headers=False) + " | grep -Eo 'http://[^\"[:space:]<>]+' | sort -u | cat -v"
    steps: list[Step] = [
        Step(
            "origin",
            "Change these references to https:// in the page or app"
            + (f" ({urls})" if urls else "")
            + ". As a stopgap, ask browsers to upgrade them:",
        ),
        _nginx(f, "nginx:", f"add_header Content-Security-Policy {csp} always;"),
        _apache(f, "Apache (mod_headers):", f"Header always set Content-Security-Policy {csp}"),
    ]
    if f.edge:
        cdn = _cdn(f)
        rewrite = (
            cdn.https_rewrite
            if cdn is not None and cdn.https_rewrite
            else (f"{_cdn_label(f)} may offer automatic HTTPS rewrites.")
        )
        steps.append(_edge_purge(f, f"Or let the CDN rewrite them: {rewrite}"))
    return _done(
        f,
        "The HTTPS page loads http:// resources.",
        "Browsers block active mixed content (scripts, styles, iframes) and drop the padlock for "
        "images: users see Not secure, often reported as untrusted.",
        steps,
        reproduce=page,
        verify=page,
        verify_text="The page must reference no http:// resources (plain links are fine).",
    )


def _csp_upgrade(f: _Fill) -> Remediation:
    header = f.curl_header("content-security-policy")
    return _done(
        f,
        "The page asks browsers to upgrade http:// resources (upgrade-insecure-requests).",
        "Fine: browsers fetch them over https instead. It hides mixed content that breaks if a "
        "resource has no https URL.",
        (Step("origin", "Nothing urgent; fix the http:// references at the source when you can."),),
        reproduce=f.curl(),
        verify=header,
        verify_text="Shows the policy in effect.",
    )


def _hsts_missing(f: _Fill) -> Remediation:
    value = '"max-age=31536000"'
    origin = (
        _nginx(
            f,
            "nginx: send HSTS (start with a short max-age; add includeSubDomains only when "
            "every subdomain has HTTPS).",
            f"add_header Strict-Transport-Security {value} always;",
        ),
        _apache(
            f,
            "Apache (mod_headers: a2enmod headers):",
            f"Header always set Strict-Transport-Security {value}",
        ),
    )
    cdn = _cdn(f)
    edge_where = (
        cdn.hsts if cdn is not None and cdn.hsts else (f"{_cdn_label(f)}'s header settings")
    )
    edge = (
        Step(
            "edge",
            f"Set it at the edge ({edge_where}), or at the origin: the CDN passes "
            "origin headers through.",
        ),
    )
    return _done(
        f,
        "The layer sends no Strict-Transport-Security header.",
        "Not a trust error: without HSTS a first visit over http:// can be downgraded. With it, "
        "browsers refuse to click through certificate errors, so fix those first.",
        _by_role(f, origin, edge),
        reproduce=f.curl(),
        verify=f.curl_header("strict-transport-security"),
        verify_text="The header must be present.",
    )


def _answers(values: list[tuple[str, str]]) -> str:
    """(value, address) pairs as "value on address, address vs value on address"."""
    by_value: dict[str, list[str]] = {}
    for value, address in values:
        by_value.setdefault(value, []).append(address)
    groups = list(by_value.items())[:4]
    return " vs ".join(
        f"{value} on {', '.join(addresses[:5])}" + (" ..." if len(addresses) > 5 else "")
        for value, addresses in groups
    ) + (" ..." if len(by_value) > len(groups) else "")


def _http_differences(f: _Fill) -> str:
    """What each layer answers, for each field in which the layers differ."""
    ev = f.of(HttpDiffersEvidence)
    answers = records_of(ev["layers"], LayerAnswer, 50)
    parts: list[str] = []
    for field in dict.fromkeys(f.strings(ev["differences"])):
        if field == "status":
            pairs = [(f.text(a["status"]) or "none", _visible(a["address"], 60)) for a in answers]
            parts.append("status " + _answers(pairs))
        elif field == "hsts":
            pairs = [
                (_visible(a["hsts"], 60) if a["hsts"] else "none", _visible(a["address"], 60))
                for a in answers
            ]
            parts.append("HSTS " + _answers(pairs))
    return "; ".join(parts)


def _http_differs(f: _Fill) -> Remediation:
    detail = _http_differences(f)
    return _done(
        f,
        "Layers answer with different HTTP status codes or HSTS policies"
        + (f" ({detail})." if detail else "."),
        "Users get different behaviour depending on the edge; the odd layer is often an edge "
        "with stale configuration or an origin that is not the one you think.",
        _by_role(
            f,
            (
                Step(
                    "origin",
                    "Make every origin server run the same configuration, then reload.",
                    (
                        "nginx -t && systemctl reload nginx",
                        "apachectl configtest && systemctl reload apache2",
                    ),
                ),
            ),
            (_edge_purge(f, f"Align {_cdn_label(f)}'s rules and headers for the hostname."),),
        ),
        reproduce=f.curl(),
        verify=f.check(layer=False),
        site_check=True,
        verify_text="Every layer must answer the same.",
    )
