"""Recognise the CDN a site points at from its CNAME chain, or a layer from its headers."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

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


def _server(*prefixes: str) -> Callable[[str], bool]:
    return lambda value: value.strip().lower().startswith(prefixes)


def _present(_value: str) -> bool:
    return True


def _via(test: Callable[[str], bool]) -> Callable[[str], bool]:
    # Via lists every hop, comma-separated: "1.1 varnish, 1.1 abc.cloudfront.net (CloudFront)"
    return lambda value: any(test(hop.strip().lower()) for hop in value.split(","))


def _each_cache(value: str) -> bool:
    # Fastly: "cache-fra19121-FRA" (one per shield hop, comma-separated)
    return any(part.strip().lower().startswith("cache-") for part in value.split(","))


# provider -> (header name, test of its value); the first provider with a match wins
HEADER_SIGNS: tuple[tuple[str, tuple[tuple[str, Callable[[str], bool]], ...]], ...] = (
    ("FastEdge (lab)", (("server", _server("fastedge-lab")),)),
    ("Cloudflare", (("server", _server("cloudflare")), ("cf-ray", _present))),
    (
        "CloudFront",
        (
            ("x-amz-cf-id", _present),
            ("x-amz-cf-pop", _present),
            ("via", _via(lambda hop: hop.endswith("(cloudfront)"))),
        ),
    ),
    (
        "Fastly",
        (
            ("x-fastly-request-id", _present),
            ("fastly-debug-digest", _present),
            ("x-served-by", _each_cache),
        ),
    ),
    (
        "Akamai",
        (
            ("server", _server("akamaighost", "akamainetstorage")),
            ("x-akamai-transformed", _present),
            ("akamai-grn", _present),
        ),
    ),
    ("Azure Front Door", (("x-azure-ref", _present),)),
    ("Google Cloud CDN", (("via", _via(lambda hop: hop.endswith(" google"))),)),
    ("Bunny", (("server", _server("bunnycdn")), ("cdn-pullzone", _present))),
    ("Vercel", (("x-vercel-id", _present),)),
    ("Netlify", (("x-nf-request-id", _present),)),
)


def cdn_from_headers(headers: Sequence[tuple[str, str]]) -> str | None:
    """The CDN whose signature headers are in a response (names case-insensitive), or None.

    ``headers`` are (name, value) pairs as received; a ``Server: fastedge-lab`` header is
    the lab's stand-in CDN.
    """
    by_name: dict[str, list[str]] = {}
    for name, value in headers:
        by_name.setdefault(name.strip().lower(), []).append(value)
    for provider, signs in HEADER_SIGNS:
        for name, test in signs:
            if any(test(value) for value in by_name.get(name, ())):
                return provider
    return None
