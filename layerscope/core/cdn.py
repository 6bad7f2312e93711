"""Recognise the CDN a site points at from its CNAME chain."""

from __future__ import annotations

from collections.abc import Iterable

# suffix -> provider; the lab's "fastedge-lab.test" stands in for a real CDN
CNAME_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("cloudfront.net", "CloudFront"),
    ("cdn.cloudflare.net", "Cloudflare"),
    ("fastly.net", "Fastly"),
    ("fastlylb.net", "Fastly"),
    ("akamaiedge.net", "Akamai"),
    ("edgekey.net", "Akamai"),
    ("edgesuite.net", "Akamai"),
    ("akamai.net", "Akamai"),
    ("azurefd.net", "Azure Front Door"),
    ("azureedge.net", "Azure CDN"),
    ("trafficmanager.net", "Azure Traffic Manager"),
    ("b-cdn.net", "Bunny"),
    ("cdn77.org", "CDN77"),
    ("stackpathdns.com", "StackPath"),
    ("edgecastcdn.net", "Edgio"),
    ("llnwd.net", "Edgio"),
    ("netlify.app", "Netlify"),
    ("vercel-dns.com", "Vercel"),
    ("googlehosted.com", "Google Cloud CDN"),
    ("fastedge-lab.test", "FastEdge (lab)"),
)


def cdn_from_names(names: Iterable[str]) -> str | None:
    """The CDN whose domain ends one of ``names`` (a CNAME chain), or None."""
    for name in names:
        lowered = name.lower().rstrip(".")
        for suffix, provider in CNAME_SUFFIXES:
            if lowered == suffix or lowered.endswith("." + suffix):
                return provider
    return None
