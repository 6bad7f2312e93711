"""The lab's sites: one per diagnosis, each with an origin and 2-4 edges.

Every scenario is what an on-call engineer meets in real life; the end-to-end tests hold
the findings each must produce (tests/test_lab_scenarios.py). Most are rows of
:data:`SCENARIOS` (the vocabulary is :mod:`layerscope.lab.recipes`); the path-validation
and malformed-DER sites, which need odd certificates, come from their own modules, and the
dual-certificate sites (an ECDSA and an RSA certificate per layer) from
:mod:`layerscope.lab.scenarios_dual`, built last.
"""

from __future__ import annotations

import datetime as dt
import math
import os

from layerscope.lab import pki
from layerscope.lab.hierarchy import LabPki
from layerscope.lab.recipes import (
    Aia,
    BuildContext,
    KeyChoice,
    Layer,
    Leaf,
    Ocsp,
    Rollout,
    Scenario,
    Staple,
    build_site,
    renewal,
    same,
    tls,
    uniform,
)
from layerscope.lab.scenarios_dual import DUAL_SCENARIOS
from layerscope.lab.scenarios_malformed import malformed_sites
from layerscope.lab.scenarios_pathval import pathval_sites
from layerscope.lab.servers import Behaviour
from layerscope.lab.services import LabServices
from layerscope.lab.site import CDN_ZONE, ZONE, SiteSpec, lab_host

#: Seconds after the lab starts at which the ``rolling`` site's three edges pick up the
#: renewed certificate, one by one.
ROLLING_DELAYS: tuple[float, float, float] = (15.0, 30.0, 45.0)
#: Environment variable that overrides :data:`ROLLING_DELAYS`: three comma-separated
#: seconds, e.g. ``0.5,1,1.5`` in tests (``inf`` never switches).
ROLLING_ENV = "LAYERSCOPE_LAB_ROLLING"


def rolling_delays() -> tuple[float, float, float]:
    """The ``rolling`` site's switch delays: :data:`ROLLING_ENV` when set, else
    :data:`ROLLING_DELAYS` (raises ValueError for a malformed value)."""
    raw = os.environ.get(ROLLING_ENV, "").strip()
    if not raw:
        return ROLLING_DELAYS
    try:
        values = tuple(float(part) for part in raw.split(","))
    except ValueError:
        values = ()
    if len(values) != 3 or any(math.isnan(v) or v < 0 for v in values):
        raise ValueError(f"{ROLLING_ENV}={raw!r}: give three seconds, e.g. 15,30,45")
    return values[0], values[1], values[2]


# a shop page whose resources are all plain http://
_MIXED_PAGE = (
    "<!doctype html><title>Shop</title>"
    '<script src="http://static.lab.test/app.js"></script>'
    '<link rel="stylesheet" href="http://static.lab.test/site.css">'
    '<img src="http://static.lab.test/logo.png" alt="logo">'
)
_CSP_HEADER = (("Content-Security-Policy", "upgrade-insecure-requests"),)
_CSP_META = '<meta http-equiv="Content-Security-Policy" content="upgrade-insecure-requests">'

_CHAIN = ("leaf", "i1")  # the usual chain: the scenario's leaf and the main intermediate
_USUAL = Layer(_CHAIN)


#: The table-built sites, in the order the demo shows them. The order is part of the
#: contract: seeded labs draw keys and serials row by row, leaf by leaf.
SCENARIOS: tuple[Scenario, ...] = (
    uniform(
        "healthy",
        "Every layer serves the same valid certificate with a complete chain.",
        Leaf(),
        _CHAIN,
        edges=3,
    ),
    uniform(
        "cdn",
        "A healthy site behind a CDN: the name is a CNAME chain to the CDN's edges.",
        Leaf(),
        _CHAIN,
        edges=3,
        cname=(f"cdn.{ZONE}.{CDN_ZONE}", f"edge-17.{CDN_ZONE}"),
    ),
    uniform(
        "expired",
        "The certificate expired three days ago on every layer.",
        Leaf(days_before=95, days_after=-3),
        _CHAIN,
        edges=2,
    ),
    uniform(
        "expiring",
        "The certificate expires in ten days and was not renewed.",
        Leaf(days_before=80, days_after=10),
        _CHAIN,
        edges=2,
    ),
    uniform(
        "not-yet-valid",
        "The certificate starts being valid in two days (clock or issuance mistake).",
        Leaf(days_before=-2, days_after=90),
        _CHAIN,
        edges=2,
    ),
    uniform(
        "wildcard",
        "A *.lab.test wildcard does not cover www.wildcard.lab.test (one label only).",
        Leaf(sans=(f"*.{ZONE}",)),
        _CHAIN,
        edges=2,
        host=f"www.wildcard.{ZONE}",
    ),
    uniform(
        "self-signed",
        "Every layer serves a self-signed certificate.",
        Leaf(issuer=None, sans=("{site}",)),
        ("leaf",),
        edges=2,
    ),
    uniform(
        "untrusted-root",
        "The chain ends at a root no trust store has.",
        Leaf(issuer="irogue"),
        ("leaf", "irogue"),
        edges=2,
    ),
    uniform(
        "private-ca",
        "Issued by the company's internal CA: trusted only where it is installed.",
        Leaf(issuer="icompany"),
        ("leaf", "icompany"),
        edges=2,
    ),
    Scenario(
        "incomplete",
        "Edge 3 sends the leaf without its intermediate.",
        (Leaf(),),
        _USUAL,
        (_USUAL, _USUAL, tls("leaf")),
    ),
    Scenario(
        "wrong-order",
        "Edge 2 sends the intermediates in the wrong order.",
        (Leaf(issuer="i2b"),),
        tls("leaf", "i2b", "i2a"),
        (tls("leaf", "i2b", "i2a"), tls("leaf", "i2a", "i2b"), tls("leaf", "i2b", "i2a")),
    ),
    Scenario(
        "root-in-chain",
        "The origin also sends the root certificate.",
        (Leaf(),),
        tls("leaf", "i1", "r1"),
        same(_USUAL, 2),
    ),
    Scenario(
        "leftover",
        "Edge 1 still sends an intermediate of the previous CA.",
        (Leaf(),),
        _USUAL,
        (tls("leaf", "i1", "iold"), _USUAL),
    ),
    uniform(
        "expired-intermediate",
        "The leaf is valid but its intermediate expired.",
        Leaf(issuer="iexp", days_after=30),
        ("leaf", "iexp"),
        edges=2,
    ),
    uniform(
        "weak",
        "An RSA-1024 certificate signed with SHA-1.",
        Leaf(issuer="irsa", key=KeyChoice.RSA1024, sha1=True),
        ("leaf", "irsa"),
        edges=2,
    ),
    Scenario(
        "default-cert",
        "Edge 2 serves its default certificate to clients without SNI.",
        (Leaf(), Leaf("default", issuer="icdn", sans=(f"default.{CDN_ZONE}",))),
        _USUAL,
        (_USUAL, Layer(_CHAIN, default_chain=("default", "icdn")), _USUAL),
    ),
    Scenario(
        "stale",
        "After a renewal, edge 3 still serves the previous certificate.",
        renewal("renewed", "previous"),
        tls("renewed", "i1"),
        (tls("renewed", "i1"), tls("renewed", "i1"), tls("previous", "i1")),
    ),
    Scenario(
        "edge-ahead",
        "The CDN got the renewed certificate; the origin still has the old one.",
        renewal("ahead", "behind"),
        tls("behind", "i1"),
        same(tls("ahead", "i1"), 3),
    ),
    Scenario(
        "chain-differs",
        "Edge 3 sends the cross-signed variant of the intermediate.",
        (Leaf(),),
        _USUAL,
        (_USUAL, _USUAL, tls("leaf", "i1x")),
    ),
    Scenario(
        "key-differs",
        "The CDN holds the same names under another key (pinning breaks).",
        (Leaf("origin"), Leaf("edge")),
        tls("origin", "i1"),
        same(tls("edge", "i1"), 2),
    ),
    Scenario(
        "san-differs",
        "Edge 2 serves a certificate without the www name.",
        (Leaf("full"), Leaf("short", sans=("{site}",))),
        tls("full", "i1"),
        (tls("full", "i1"), tls("short", "i1"), tls("full", "i1")),
    ),
    Scenario(
        "cdn-managed",
        "The CDN serves its own certificate; the origin has another one.",
        (
            Leaf("own"),
            Leaf(
                "managed",
                issuer="icdn",
                sans=("{site}", f"*.{CDN_ZONE}", f"sni-4121.{CDN_ZONE}"),
                days_before=20,
                days_after=70,
            ),
        ),
        tls("own", "i1"),
        same(tls("managed", "icdn"), 3),
        cname=(f"cdn-managed.{ZONE}.{CDN_ZONE}",),
    ),
    uniform(
        "new-root",
        "Issued under a new root that older trust stores lack.",
        Leaf(issuer="inew"),
        ("leaf", "inew"),
        edges=2,
    ),
    Scenario(
        "mixed-content",
        "The page loads scripts, styles and images over plain http://.",
        (Leaf(),),
        Layer(_CHAIN, page=_MIXED_PAGE),
        same(Layer(_CHAIN, page=_MIXED_PAGE), 2),
    ),
    Scenario(
        "upgrade-insecure",
        "http:// references, but upgrade-insecure-requests (header on the "
        "origin, meta tag on the edges) makes browsers fetch them over https.",
        (Leaf(),),
        Layer(_CHAIN, page=_MIXED_PAGE, headers=_CSP_HEADER),
        same(Layer(_CHAIN, page=_CSP_META + _MIXED_PAGE), 2),
    ),
    Scenario(
        "no-hsts",
        "Edge 2 does not send Strict-Transport-Security.",
        (Leaf(),),
        _USUAL,
        (_USUAL, Layer(_CHAIN, hsts=False), _USUAL),
    ),
    uniform(
        "revoked",
        "The CA revoked the certificate (key compromise); nobody staples.",
        Leaf(ocsp=Ocsp.REVOKED),
        _CHAIN,
        edges=2,
    ),
    Scenario(
        "stapled",
        "Every layer staples an OCSP response; edge 2's expired days ago.",
        (Leaf(ocsp=Ocsp.GOOD),),
        Layer(_CHAIN, staple=Staple.CURRENT),
        (Layer(_CHAIN, staple=Staple.CURRENT), Layer(_CHAIN, staple=Staple.EXPIRED)),
    ),
    uniform(
        "aia-only",
        "No layer sends the intermediate; only the certificate's AIA URL has it.",
        Leaf(issuer="i3", aia=Aia("lab-issuing-ca-3", "i3")),
        ("leaf",),
        edges=2,
    ),
    Scenario(
        "broken-edges",
        "One edge refuses connections, one speaks plain HTTP, one aborts the handshake.",
        (Leaf(),),
        _USUAL,
        (
            _USUAL,
            Layer(behaviour=Behaviour.REFUSE),
            Layer(behaviour=Behaviour.PLAIN_HTTP),
            Layer(_CHAIN, behaviour=Behaviour.ALERT),
        ),
    ),
    # after the sites above, so that seeded runs keep every earlier site's keys and
    # fingerprints
    Scenario(
        "rolling",
        "A renewal rolling out: the edges pick up the origin's new certificate one by one "
        "(watch it converge).",
        renewal("fresh", "older"),
        tls("fresh", "i1"),
        tuple(Layer(("older", "i1"), rollout=Rollout(("fresh", "i1"), step)) for step in range(3)),
    ),
    # Issue 9: OCSP and AIA URLs that name the CA repository by a host name only the lab's
    # DNS resolves. Checked with ``--resolver <lab dns>``, the revocation and the missing
    # intermediate are found only if those names are resolved with the site's resolvers.
    uniform(
        "revoked-by-name",
        "The CA revoked the certificate; its OCSP responder has a host name only the "
        "site's resolver knows.",
        Leaf(ocsp=Ocsp.REVOKED, by_name=True),
        _CHAIN,
        edges=2,
    ),
    uniform(
        "aia-by-name",
        "No layer sends the intermediate; only the AIA URL has it, on a host name only "
        "the site's resolver knows.",
        Leaf(issuer="i3", aia=Aia("lab-issuing-ca-3-by-name", "i3"), by_name=True),
        ("leaf",),
        edges=2,
    ),
)


def make_sites(ca: LabPki, now: dt.datetime, services: LabServices) -> list[SiteSpec]:
    """Every lab site, in the order the demo shows them."""
    # RSA keys are not drawn from the seed: drawing this one changes no seeded value
    context = BuildContext(ca, now, services, rolling_delays(), pki.new_key("rsa2048"))
    sites = [build_site(scenario, context) for scenario in SCENARIOS]
    sites.extend(pathval_sites(ca, now, services))
    sites.extend(malformed_sites(ca, now, lab_host))
    # last, so that every earlier site keeps its seeded keys, serials and addresses
    sites.extend(build_site(scenario, context) for scenario in DUAL_SCENARIOS)
    return sites


__all__ = ["ROLLING_DELAYS", "ROLLING_ENV", "SCENARIOS", "make_sites", "rolling_delays"]
