"""The CDN table, and the edge upload and purge steps built from it."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from layerscope.explain.context import _visible
from layerscope.explain.fill import _Fill
from layerscope.model import Step


@dataclass(frozen=True)
class _Cdn:
    """Where a CDN keeps the certificate, and how to push and purge there."""

    name: str
    where: str
    upload: Callable[[_Fill], tuple[str, ...]]
    purge: tuple[str, ...]
    https_rewrite: str = ""
    hsts: str = ""


_CDNS: dict[str, _Cdn] = {
    "cloudflare": _Cdn(
        "Cloudflare",
        "dashboard, SSL/TLS > Edge Certificates (custom certificate: upload "
        "fullchain.pem and the key; Universal and Advanced certificates renew by themselves, "
        "check their status and validation there)",
        lambda f: (),
        (
            "curl -X POST https://api.cloudflare.com/client/v4/zones/ZONE_ID/purge_cache"
            " -H 'Authorization: Bearer API_TOKEN' -H 'Content-Type: application/json'"
            " --data '{\"purge_everything\":true}'",
        ),
        https_rewrite="Cloudflare: SSL/TLS > Edge Certificates > Automatic HTTPS Rewrites.",
        hsts="Cloudflare: SSL/TLS > Edge Certificates > HTTP Strict Transport Security (HSTS).",
    ),
    "cloudfront": _Cdn(
        "CloudFront",
        "the distribution's viewer certificate, which lives in ACM in us-east-1 "
        "(re-import into the same certificate ARN so the distribution picks it up)",
        lambda f: (
            "aws acm import-certificate --region us-east-1 --certificate-arn CERTIFICATE_ARN"
            f" --certificate fileb://{f.leaf_file} --private-key fileb://{f.key_file}"
            " --certificate-chain fileb://intermediate.pem",
        ),
        ("aws cloudfront create-invalidation --distribution-id DISTRIBUTION_ID --paths '/*'",),
        hsts="CloudFront: a response headers policy with Strict-Transport-Security.",
    ),
    "fastly": _Cdn(
        "Fastly",
        "Secure > TLS management (TLS configuration), or the fastly CLI; "
        "Fastly-managed certificates renew by themselves",
        lambda f: (
            f"fastly tls-custom certificate update --id CERTIFICATE_ID --cert-path {f.leaf_file}",
        ),
        ("fastly purge --all --service-id SERVICE_ID",),
    ),
    "akamai": _Cdn(
        "Akamai",
        "Control Center, Certificate Provisioning System (CPS): update the enrollment "
        "(third-party: upload the new certificate and its chain) and deploy it to production",
        lambda f: (),
        ("akamai purge invalidate --cpcode CP_CODE",),
    ),
    "azure": _Cdn(
        "Azure Front Door",
        "the custom domain's HTTPS settings (your own certificate: select the "
        "new Key Vault certificate version, or Latest)",
        lambda f: (),
        (
            "az afd endpoint purge --resource-group RESOURCE_GROUP --profile-name PROFILE"
            " --endpoint-name ENDPOINT --content-paths '/*'",
        ),
    ),
    "google": _Cdn(
        "Google Cloud CDN",
        "the HTTPS load balancer's certificate map or target HTTPS proxy",
        lambda f: (
            f"gcloud compute ssl-certificates create NEW_CERT_NAME --certificate={f.fullchain}"
            f" --private-key={f.privkey}",
            "gcloud compute target-https-proxies update PROXY_NAME"
            " --ssl-certificates=NEW_CERT_NAME",
        ),
        ("gcloud compute url-maps invalidate-cdn-cache URL_MAP --path '/*'",),
    ),
    "bunny": _Cdn(
        "Bunny",
        "Pull Zone > Hostnames, the hostname's SSL settings (upload the new "
        "certificate, or re-issue the free one)",
        lambda f: (),
        (
            "curl -X POST https://api.bunny.net/pullzone/PULL_ZONE_ID/purgeCache"
            " -H 'AccessKey: API_KEY'",
        ),
    ),
}


def _cdn(f: _Fill) -> _Cdn | None:
    """The CDN guidance that matches the recognised CDN name, if any."""
    name = re.sub(r"[^a-z]", "", (f.ctx.cdn or "").lower())
    if not name:
        return None
    for key, aliases in (
        ("cloudflare", ("cloudflare",)),
        ("cloudfront", ("cloudfront", "amazon", "aws")),
        ("fastly", ("fastly",)),
        ("akamai", ("akamai", "edgesuite", "edgekey")),
        # Not "azure" alone: Azure Traffic Manager is DNS only, it holds no certificate.
        ("azure", ("frontdoor", "azurecdn", "azurefd")),
        ("google", ("google", "gcp", "cloudcdn")),
        ("bunny", ("bunny", "bcdn")),
    ):
        if any(alias in name for alias in aliases):
            return _CDNS[key]
    return None


def _cdn_label(f: _Fill) -> str:
    """The CDN's name for texts: the known spelling, the given one, or "the CDN"."""
    known = _cdn(f)
    if known is not None:
        return known.name
    return _visible(f.ctx.cdn, 40) if f.ctx.cdn else "the CDN"


def _edge_upload(f: _Fill, what: str) -> tuple[Step, ...]:
    """Push a certificate to the CDN and purge, naming where when the CDN is known."""
    cdn = _cdn(f)
    if cdn is not None:
        text = f"{what} {cdn.name}: {cdn.where}. Then purge the cache."
        commands = (*cdn.upload(f), *cdn.purge)
    else:
        where = f"{_visible(f.ctx.cdn, 40)}'s" if f.ctx.cdn else "your CDN's"
        text = (
            f"{what} Where: {where} TLS/certificate settings for {f.host_text}. "
            "Then purge the cache."
        )
        commands = ()
    watch = Step(
        "edge",
        "Edges pick the change up one by one: re-probe until every edge serves the new "
        "certificate.",
        (f.watch(),),
    )
    return Step("edge", text, commands), watch


def _edge_purge(f: _Fill, what: str) -> Step:
    """A configuration change at the CDN (no certificate involved), then purge."""
    cdn = _cdn(f)
    return Step("edge", f"{what} Then purge the cache.", cdn.purge if cdn is not None else ())
