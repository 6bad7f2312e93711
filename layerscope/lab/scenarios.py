"""The lab's sites: one per diagnosis, each with an origin and 2-4 edges.

Every scenario is what an on-call engineer meets in real life; the end-to-end tests hold
the findings each must produce (tests/test_lab_scenarios.py).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import os
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from cryptography import x509

from layerscope.lab import pki
from layerscope.lab.ocsp import OcspResponder
from layerscope.lab.pki import Issued
from layerscope.lab.repository import Repository
from layerscope.lab.scenarios_malformed import malformed_sites
from layerscope.lab.scenarios_pathval import pathval_sites
from layerscope.lab.scenarios_resolver import resolver_sites
from layerscope.lab.servers import Behaviour, LayerSpec

ZONE = "lab.test"
CDN_ZONE = "fastedge-lab.test"
#: The CA repository's host name in the lab zone: only the lab's DNS resolves it.
REPOSITORY_HOST = f"ca.{ZONE}"

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


@dataclass(frozen=True)
class SiteSpec:
    """One lab site.

    Attributes:
        name: short scenario name.
        host: the site's DNS name.
        description: what is wrong, in one sentence.
        origin: the origin layer.
        edges: the edge layers (their IPs are the site's A records).
        cname: CNAME chain from ``host``; the last name carries the A records.
        roots: roots the site's chain ends at that the lab's trust stores must hold
            besides the public ones (added to the main and the legacy store).
    """

    name: str
    host: str
    description: str
    origin: LayerSpec
    edges: tuple[LayerSpec, ...]
    cname: tuple[str, ...] = ()
    roots: tuple[Issued, ...] = ()


@dataclass(frozen=True)
class LabPki:
    """The lab's certificate authorities.

    Attributes:
        r1: public root 1 (in both stores).
        r2: public root 2 (in both stores), cross-signs i1.
        x3: a new public root only modern stores have.
        company: the company's private root (trusted only with --extra-ca).
        rogue: a root nobody trusts.
        i1: main public intermediate (under r1).
        i1x: i1 cross-signed by r2 (same subject and key).
        i2a: first of a two-level intermediate chain (under r1).
        i2b: second level (under i2a).
        iexp: an expired intermediate (under r1).
        iold: an old intermediate left over from a previous CA.
        icdn: the CDN's own intermediate (under r1).
        inew: intermediate under the new root x3.
        icompany: company intermediate.
        irogue: intermediate under the rogue root.
        irsa: an RSA intermediate for SHA-1 signatures.
        i3: an intermediate no layer sends (published only at an AIA URL).
    """

    r1: Issued
    r2: Issued
    x3: Issued
    company: Issued
    rogue: Issued
    i1: Issued
    i1x: Issued
    i2a: Issued
    i2b: Issued
    iexp: Issued
    iold: Issued
    icdn: Issued
    inew: Issued
    icompany: Issued
    irogue: Issued
    irsa: Issued
    i3: Issued


def make_pki(now: dt.datetime) -> LabPki:
    """Generate every CA of the lab (fresh keys, dates relative to ``now``)."""
    r1 = pki.ca("Lab Public Root R1", now=now, org="Lab Public Trust")
    r2 = pki.ca("Lab Public Root R2", now=now, org="Lab Public Trust")
    x3 = pki.ca("Lab Public Root X3", now=now, days_before=30, org="Lab Public Trust")
    company = pki.ca("Example Corp Internal Root", now=now, org="Example Corp")
    rogue = pki.ca("Totally Legit Root CA", now=now, org="Unknown")
    i1 = pki.ca("Lab Issuing CA 1", now=now, parent=r1, org="Lab Public Trust", days_after=1500)
    i1x = pki.ca(
        "Lab Issuing CA 1", now=now, parent=r2, key=i1.key, org="Lab Public Trust", days_after=1500
    )
    i2a = pki.ca("Lab Policy CA 2A", now=now, parent=r1, org="Lab Public Trust")
    i2b = pki.ca("Lab Issuing CA 2B", now=now, parent=i2a, org="Lab Public Trust")
    iexp = pki.ca(
        "Lab Issuing CA 2019",
        now=now,
        parent=r1,
        org="Lab Public Trust",
        days_before=2000,
        days_after=-2,
    )
    iold = pki.ca("Lab Legacy Issuing CA", now=now, parent=r1, org="Lab Public Trust")
    icdn = pki.ca("FastEdge Lab CDN CA", now=now, parent=r1, org="FastEdge Lab")
    inew = pki.ca("Lab Issuing CA X3-1", now=now, parent=x3, org="Lab Public Trust")
    icompany = pki.ca("Example Corp Issuing CA", now=now, parent=company, org="Example Corp")
    irogue = pki.ca("Totally Legit Issuing CA", now=now, parent=rogue, org="Unknown")
    irsa = pki.ca(
        "Lab Legacy RSA CA", now=now, parent=r1, key=pki.new_key("rsa2048"), org="Lab Public Trust"
    )
    i3 = pki.ca("Lab Issuing CA 3", now=now, parent=r1, org="Lab Public Trust")
    return LabPki(
        r1, r2, x3, company, rogue, i1, i1x, i2a, i2b, iexp, iold, icdn, inew, icompany, irogue,
        irsa, i3,
    )  # fmt: skip


class LabServices:
    """What scenarios can publish: files in the CA repository (AIA) and OCSP answers."""

    def __init__(self, repository: Repository, ca: LabPki, now: dt.datetime) -> None:
        self._repository = repository
        self.now = now
        self.responder = OcspResponder(ca.i1)
        responder = self.responder
        repository.add_handler(
            "/ocsp",
            lambda _method, body: (200, "application/ocsp-response", responder.respond(body, now)),
        )
        self.ocsp_url = repository.url("/ocsp")

    def publish(self, name: str, cert: Issued) -> str:
        """Serve ``cert`` (DER) at /aia/<name>.der; returns its URL."""
        path = f"/aia/{name}.der"
        self._repository.add_file(path, cert.der, "application/pkix-cert")
        return self._repository.url(path)

    def named_url(self, url: str) -> str:
        """A repository ``url`` (:meth:`publish`, :attr:`ocsp_url`) with
        :data:`REPOSITORY_HOST` in place of the repository's IP."""
        parts = urlsplit(url)
        return urlunsplit(parts._replace(netloc=f"{REPOSITORY_HOST}:{parts.port}"))


def _tls(*chain: Issued, default: tuple[Issued, ...] | None = None) -> LayerSpec:
    return LayerSpec(Behaviour.TLS, tuple(chain), default)


def _page(spec: LayerSpec, page: str, headers: tuple[tuple[str, str], ...] = ()) -> LayerSpec:
    return dataclasses.replace(spec, page=page, headers=headers)


def _staple(spec: LayerSpec, staple: bytes) -> LayerSpec:
    return dataclasses.replace(spec, staple=staple)


def _same(spec: LayerSpec, n: int) -> tuple[LayerSpec, ...]:
    return tuple(spec for _ in range(n))


def make_sites(ca: LabPki, now: dt.datetime, services: LabServices) -> list[SiteSpec]:
    """Every lab site, in the order the demo shows them."""

    def host(name: str) -> str:
        return f"{name}.{ZONE}"

    def cert(name: str, *, parent: Issued | None = None, **kw: object) -> Issued:
        sans = kw.pop("sans", None) or [host(name), f"www.{host(name)}"]
        return pki.leaf(sans, now=now, parent=parent or ca.i1, **kw)  # type: ignore[arg-type]

    sites: list[SiteSpec] = []

    def add(
        name: str,
        description: str,
        origin: LayerSpec,
        edges: tuple[LayerSpec, ...],
        cname: tuple[str, ...] = (),
        site_host: str | None = None,
    ) -> None:
        sites.append(SiteSpec(name, site_host or host(name), description, origin, edges, cname))

    good = cert("healthy")
    add(
        "healthy",
        "Every layer serves the same valid certificate with a complete chain.",
        _tls(good, ca.i1),
        _same(_tls(good, ca.i1), 3),
    )

    cdn = cert("cdn")
    add(
        "cdn",
        "A healthy site behind a CDN: the name is a CNAME chain to the CDN's edges.",
        _tls(cdn, ca.i1),
        _same(_tls(cdn, ca.i1), 3),
        cname=(f"cdn.{ZONE}.{CDN_ZONE}", f"edge-17.{CDN_ZONE}"),
    )

    expired = cert("expired", days_before=95, days_after=-3)
    add(
        "expired",
        "The certificate expired three days ago on every layer.",
        _tls(expired, ca.i1),
        _same(_tls(expired, ca.i1), 2),
    )

    soon = cert("expiring", days_before=80, days_after=10)
    add(
        "expiring",
        "The certificate expires in ten days and was not renewed.",
        _tls(soon, ca.i1),
        _same(_tls(soon, ca.i1), 2),
    )

    future = cert("not-yet-valid", days_before=-2, days_after=90)
    add(
        "not-yet-valid",
        "The certificate starts being valid in two days (clock or issuance mistake).",
        _tls(future, ca.i1),
        _same(_tls(future, ca.i1), 2),
    )

    wildcard = cert("wildcard", sans=[f"*.{ZONE}"])
    add(
        "wildcard",
        "A *.lab.test wildcard does not cover www.wildcard.lab.test (one label only).",
        _tls(wildcard, ca.i1),
        _same(_tls(wildcard, ca.i1), 2),
        site_host=f"www.wildcard.{ZONE}",
    )

    selfsigned = pki.leaf([host("self-signed")], now=now, parent=None)
    add(
        "self-signed",
        "Every layer serves a self-signed certificate.",
        _tls(selfsigned),
        _same(_tls(selfsigned), 2),
    )

    rogue = cert("untrusted-root", parent=ca.irogue)
    add(
        "untrusted-root",
        "The chain ends at a root no trust store has.",
        _tls(rogue, ca.irogue),
        _same(_tls(rogue, ca.irogue), 2),
    )

    private = cert("private-ca", parent=ca.icompany)
    add(
        "private-ca",
        "Issued by the company's internal CA: trusted only where it is installed.",
        _tls(private, ca.icompany),
        _same(_tls(private, ca.icompany), 2),
    )

    incomplete = cert("incomplete")
    add(
        "incomplete",
        "Edge 3 sends the leaf without its intermediate.",
        _tls(incomplete, ca.i1),
        (_tls(incomplete, ca.i1), _tls(incomplete, ca.i1), _tls(incomplete)),
    )

    ordered = cert("wrong-order", parent=ca.i2b)
    add(
        "wrong-order",
        "Edge 2 sends the intermediates in the wrong order.",
        _tls(ordered, ca.i2b, ca.i2a),
        (
            _tls(ordered, ca.i2b, ca.i2a),
            _tls(ordered, ca.i2a, ca.i2b),
            _tls(ordered, ca.i2b, ca.i2a),
        ),
    )

    rooted = cert("root-in-chain")
    add(
        "root-in-chain",
        "The origin also sends the root certificate.",
        _tls(rooted, ca.i1, ca.r1),
        _same(_tls(rooted, ca.i1), 2),
    )

    leftover = cert("leftover")
    add(
        "leftover",
        "Edge 1 still sends an intermediate of the previous CA.",
        _tls(leftover, ca.i1),
        (_tls(leftover, ca.i1, ca.iold), _tls(leftover, ca.i1)),
    )

    old_ca = cert("expired-intermediate", parent=ca.iexp, days_after=30)
    add(
        "expired-intermediate",
        "The leaf is valid but its intermediate expired.",
        _tls(old_ca, ca.iexp),
        _same(_tls(old_ca, ca.iexp), 2),
    )

    weak = pki.leaf(
        [host("weak"), f"www.{host('weak')}"],
        now=now,
        parent=ca.irsa,
        key=pki.new_key("rsa1024"),
        sha1=True,
    )
    add(
        "weak",
        "An RSA-1024 certificate signed with SHA-1.",
        _tls(weak, ca.irsa),
        _same(_tls(weak, ca.irsa), 2),
    )

    sni = cert("default-cert")
    default = pki.leaf([f"default.{CDN_ZONE}"], now=now, parent=ca.icdn)
    add(
        "default-cert",
        "Edge 2 serves its default certificate to clients without SNI.",
        _tls(sni, ca.i1),
        (_tls(sni, ca.i1), _tls(sni, ca.i1, default=(default, ca.icdn)), _tls(sni, ca.i1)),
    )

    key = pki.new_key()
    renewed = cert("stale", key=key, days_before=1, days_after=89)
    previous = cert("stale", key=key, days_before=60, days_after=30)
    add(
        "stale",
        "After a renewal, edge 3 still serves the previous certificate.",
        _tls(renewed, ca.i1),
        (_tls(renewed, ca.i1), _tls(renewed, ca.i1), _tls(previous, ca.i1)),
    )

    key = pki.new_key()
    ahead = cert("edge-ahead", key=key, days_before=1, days_after=89)
    behind = cert("edge-ahead", key=key, days_before=60, days_after=30)
    add(
        "edge-ahead",
        "The CDN got the renewed certificate; the origin still has the old one.",
        _tls(behind, ca.i1),
        _same(_tls(ahead, ca.i1), 3),
    )

    crossed = cert("chain-differs")
    add(
        "chain-differs",
        "Edge 3 sends the cross-signed variant of the intermediate.",
        _tls(crossed, ca.i1),
        (_tls(crossed, ca.i1), _tls(crossed, ca.i1), _tls(crossed, ca.i1x)),
    )

    origin_key = cert("key-differs")
    edge_key = cert("key-differs")
    add(
        "key-differs",
        "The CDN holds the same names under another key (pinning breaks).",
        _tls(origin_key, ca.i1),
        _same(_tls(edge_key, ca.i1), 2),
    )

    full = cert("san-differs")
    short = cert("san-differs", sans=[host("san-differs")])
    add(
        "san-differs",
        "Edge 2 serves a certificate without the www name.",
        _tls(full, ca.i1),
        (_tls(full, ca.i1), _tls(short, ca.i1), _tls(full, ca.i1)),
    )

    own = cert("cdn-managed")
    managed = pki.leaf(
        [host("cdn-managed"), f"*.{CDN_ZONE}", f"sni-4121.{CDN_ZONE}"],
        now=now,
        parent=ca.icdn,
        days_before=20,
        days_after=70,
    )
    add(
        "cdn-managed",
        "The CDN serves its own certificate; the origin has another one.",
        _tls(own, ca.i1),
        _same(_tls(managed, ca.icdn), 3),
        cname=(f"cdn-managed.{ZONE}.{CDN_ZONE}",),
    )

    modern = cert("new-root", parent=ca.inew)
    add(
        "new-root",
        "Issued under a new root that older trust stores lack.",
        _tls(modern, ca.inew),
        _same(_tls(modern, ca.inew), 2),
    )

    mixed_page = (
        "<!doctype html><title>Shop</title>"
        '<script src="http://static.lab.test/app.js"></script>'
        '<link rel="stylesheet" href="http://static.lab.test/site.css">'
        '<img src="http://static.lab.test/logo.png" alt="logo">'
    )
    mixed = cert("mixed-content")
    add(
        "mixed-content",
        "The page loads scripts, styles and images over plain http://.",
        _page(_tls(mixed, ca.i1), mixed_page),
        _same(_page(_tls(mixed, ca.i1), mixed_page), 2),
    )

    upgrade = cert("upgrade-insecure")
    csp = (("Content-Security-Policy", "upgrade-insecure-requests"),)
    meta = '<meta http-equiv="Content-Security-Policy" content="upgrade-insecure-requests">'
    add(
        "upgrade-insecure",
        "http:// references, but upgrade-insecure-requests (header on the "
        "origin, meta tag on the edges) makes browsers fetch them over https.",
        _page(_tls(upgrade, ca.i1), mixed_page, csp),
        _same(_page(_tls(upgrade, ca.i1), meta + mixed_page), 2),
    )

    hsts = cert("no-hsts")
    add(
        "no-hsts",
        "Edge 2 does not send Strict-Transport-Security.",
        _tls(hsts, ca.i1),
        (_tls(hsts, ca.i1), dataclasses.replace(_tls(hsts, ca.i1), hsts=False), _tls(hsts, ca.i1)),
    )

    revoked = cert("revoked", ocsp_urls=[services.ocsp_url])
    services.responder.revoke(revoked, now - dt.timedelta(days=1), x509.ReasonFlags.key_compromise)
    add(
        "revoked",
        "The CA revoked the certificate (key compromise); nobody staples.",
        _tls(revoked, ca.i1),
        _same(_tls(revoked, ca.i1), 2),
    )

    stapled = cert("stapled", ocsp_urls=[services.ocsp_url])
    services.responder.good(stapled)
    good_staple = services.responder.staple_for(stapled, now)
    old_staple = services.responder.staple_for(stapled, now, expired=True)
    add(
        "stapled",
        "Every layer staples an OCSP response; edge 2's expired days ago.",
        _staple(_tls(stapled, ca.i1), good_staple),
        (_staple(_tls(stapled, ca.i1), good_staple), _staple(_tls(stapled, ca.i1), old_staple)),
    )

    aia_url = services.publish("lab-issuing-ca-3", ca.i3)
    aia = cert("aia-only", parent=ca.i3, aia_issuers=[aia_url])
    add(
        "aia-only",
        "No layer sends the intermediate; only the certificate's AIA URL has it.",
        _tls(aia),
        _same(_tls(aia), 2),
    )

    broken = cert("broken-edges")
    add(
        "broken-edges",
        "One edge refuses connections, one speaks plain HTTP, one aborts the handshake.",
        _tls(broken, ca.i1),
        (
            _tls(broken, ca.i1),
            LayerSpec(Behaviour.REFUSE),
            LayerSpec(Behaviour.PLAIN_HTTP),
            LayerSpec(Behaviour.ALERT, (broken, ca.i1)),
        ),
    )

    # last, so that seeded runs keep every earlier site's keys and fingerprints
    key = pki.new_key()
    fresh = cert("rolling", key=key, days_before=1, days_after=89)
    older = cert("rolling", key=key, days_before=60, days_after=30)
    add(
        "rolling",
        "A renewal rolling out: the edges pick up the origin's new certificate one by one "
        "(watch it converge).",
        _tls(fresh, ca.i1),
        tuple(
            dataclasses.replace(_tls(older, ca.i1), switches=((delay, (fresh, ca.i1)),))
            for delay in rolling_delays()
        ),
    )
    sites.extend(resolver_sites(ca, now, services))
    sites.extend(pathval_sites(ca, now, services))
    sites.extend(malformed_sites(ca, now, host))
    return sites
