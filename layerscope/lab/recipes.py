"""The vocabulary of the scenario table (:data:`layerscope.lab.scenarios.SCENARIOS`) and
:func:`build_site`, which turns one row of it into a :class:`~layerscope.lab.site.SiteSpec`.

A row refers to certificates by label: the leaves it issues itself (:class:`Leaf`) and the
lab's CAs by their :class:`~layerscope.lab.hierarchy.LabPki` attribute (``"i1"``,
``"icdn"``). :func:`build_site` issues a row's leaves in the order listed, and the rows are
built in table order: inside :func:`layerscope.lab.pki.deterministic` keys and serials are
drawn in issuance order, so that order is what keeps a seeded lab's fingerprints stable.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography import x509

from layerscope.lab import pki
from layerscope.lab.hierarchy import LabPki
from layerscope.lab.pki import Issued, PrivateKey
from layerscope.lab.servers import Behaviour, LayerSpec
from layerscope.lab.services import LabServices
from layerscope.lab.site import SiteSpec, lab_host

SITE_NAMES: tuple[str, ...] = ("{site}", "www.{site}")
"""A leaf's default subjectAltNames; ``{site}`` stands for the scenario's lab-zone name."""

_CA_NAMES = frozenset(f.name for f in dataclasses.fields(LabPki))


class KeyChoice(enum.Enum):
    """Which private key a :class:`Leaf` gets."""

    FRESH = "fresh"
    """A new P-256 key of its own."""
    SHARED = "shared"
    """The one P-256 key the scenario draws before its first leaf (a renewal that kept
    its key: the certificates differ, the key does not)."""
    RSA1024 = "rsa1024"
    """A new RSA-1024 key (a weak key)."""
    RSA = "rsa"
    """The lab's one RSA-2048 key (:attr:`BuildContext.rsa_key`): every RSA leaf beside an
    ECDSA one shares it (RSA keys are slow to draw and cannot be seeded); within a site,
    a renewal that kept its key."""


class Ocsp(enum.Enum):
    """What the lab's OCSP responder says about a :class:`Leaf` that names it."""

    GOOD = "good"
    """Good; the scenario also gets a current and an expired staple for the leaf."""
    REVOKED = "revoked"
    """Revoked a day before the lab's clock, for key compromise."""


class Staple(enum.Enum):
    """Which OCSP staple of its leaf (one with :attr:`Ocsp.GOOD`) a :class:`Layer` sends."""

    CURRENT = "current"
    """Made at the lab's clock, valid for a day."""
    EXPIRED = "expired"
    """Made eight days ago, expired a day ago (a server that kept an old response)."""


@dataclass(frozen=True)
class Aia:
    """A CA certificate published in the lab's repository, named by a leaf's caIssuers URL.

    Attributes:
        file: the file name under ``/aia/`` (without ``.der``).
        ca: the :class:`LabPki` attribute of the CA published there.
    """

    file: str
    ca: str


@dataclass(frozen=True)
class Leaf:
    """A server certificate a scenario issues (see :func:`layerscope.lab.pki.leaf`).

    Attributes:
        label: how the scenario's layers refer to it.
        issuer: the :class:`LabPki` attribute of its CA; None makes it self-signed.
        sans: its DNS names, ``{site}`` replaced by the scenario's lab-zone name.
        days_before: validity start, in days before the lab's clock.
        days_after: validity end, in days after the lab's clock.
        key: which private key it gets.
        sha1: signed with SHA-1 (needs an RSA issuer).
        ocsp: when set, its AIA names the lab's OCSP responder, which answers this.
        aia: a CA published in the repository before the leaf is issued, and named by
            the leaf's caIssuers URL.
        by_name: the OCSP and caIssuers URLs name the repository by
            :data:`~layerscope.lab.services.REPOSITORY_HOST` instead of its IP.
    """

    label: str = "leaf"
    issuer: str | None = "i1"
    sans: tuple[str, ...] = SITE_NAMES
    days_before: float = 10
    days_after: float = 80
    key: KeyChoice = KeyChoice.FRESH
    sha1: bool = False
    ocsp: Ocsp | None = None
    aia: Aia | None = None
    by_name: bool = False


@dataclass(frozen=True)
class Rollout:
    """A layer that picks up a renewed chain while the lab runs.

    Attributes:
        chain: the chain served from the switch on (labels, leaf first).
        step: which of the ``rolling`` delays (0, 1 or 2) the switch waits for.
    """

    chain: tuple[str, ...]
    step: int


@dataclass(frozen=True)
class Layer:
    """One layer of a scenario; see :class:`~layerscope.lab.servers.LayerSpec`.

    Attributes:
        chain: what is served with SNI (labels, leaf first, in the order sent).
        behaviour: what the server does.
        default_chain: what is served without SNI (labels); None: the same as ``chain``.
        page: the HTML served; None keeps the lab's default page.
        headers: extra response headers.
        hsts: send Strict-Transport-Security.
        staple: which staple of the chain's leaf to send, if any.
        rollout: a renewal the layer picks up while the lab runs.
        rsa_chain: an RSA certificate held beside the ECDSA ``chain`` (labels, leaf
            first), as nginx with two ``ssl_certificate`` lines; empty: ``chain`` only.
        rsa_rollout: a renewal of ``rsa_chain`` the layer picks up while the lab runs.
    """

    chain: tuple[str, ...] = ()
    behaviour: Behaviour = Behaviour.TLS
    default_chain: tuple[str, ...] | None = None
    page: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    hsts: bool = True
    staple: Staple | None = None
    rollout: Rollout | None = None
    rsa_chain: tuple[str, ...] = ()
    rsa_rollout: Rollout | None = None


@dataclass(frozen=True)
class Scenario:
    """One row of the scenario table.

    Attributes:
        name: short scenario name (also the first label of its host name).
        description: what is wrong, in one sentence.
        leaves: the certificates it issues, in issuance order.
        origin: the origin layer.
        edges: the edge layers.
        cname: CNAME chain from the site's host name.
        host: the site's host name; None: ``<name>.lab.test``.
    """

    name: str
    description: str
    leaves: tuple[Leaf, ...]
    origin: Layer
    edges: tuple[Layer, ...]
    cname: tuple[str, ...] = ()
    host: str | None = None


def tls(*chain: str) -> Layer:
    """A plain TLS layer serving ``chain`` (labels, leaf first)."""
    return Layer(chain)


def same(layer: Layer, count: int) -> tuple[Layer, ...]:
    """``count`` identical edges."""
    return (layer,) * count


def uniform(
    name: str,
    description: str,
    leaf: Leaf,
    chain: tuple[str, ...],
    *,
    edges: int,
    cname: tuple[str, ...] = (),
    host: str | None = None,
) -> Scenario:
    """A scenario whose one leaf every layer serves with the same ``chain``."""
    layer = Layer(chain)
    return Scenario(name, description, (leaf,), layer, same(layer, edges), cname, host)


def renewal(
    renewed: str, previous: str, *, key: KeyChoice = KeyChoice.SHARED, issuer: str = "i1"
) -> tuple[Leaf, Leaf]:
    """Leaves labelled ``renewed`` (valid since yesterday) and ``previous`` (the
    certificate it replaces, 30 days left), for the same names and ``key``, from
    ``issuer``."""
    return (
        Leaf(renewed, issuer=issuer, key=key, days_before=1, days_after=89),
        Leaf(previous, issuer=issuer, key=key, days_before=60, days_after=30),
    )


@dataclass(frozen=True)
class BuildContext:
    """What building a scenario draws on.

    Attributes:
        ca: the lab's CAs.
        now: the lab's clock.
        services: the CA repository and the OCSP responder.
        rolling: the three delays of :attr:`Rollout.step` 0, 1 and 2, in seconds.
        rsa_key: the key of :attr:`KeyChoice.RSA` leaves (None: the lab has none).
    """

    ca: LabPki
    now: dt.datetime
    services: LabServices
    rolling: tuple[float, float, float]
    rsa_key: PrivateKey | None = field(default=None, repr=False)


def _ca(ca: LabPki, name: str) -> Issued:
    """The lab CA called ``name`` (a :class:`LabPki` attribute)."""
    if name not in _CA_NAMES:
        raise KeyError(f"the lab has no CA {name!r}")
    cert: Issued = getattr(ca, name)
    return cert


@dataclass(frozen=True)
class _Issued:
    """A scenario's leaves by label, and the staples made for them."""

    scenario: str
    ca: LabPki
    leaves: dict[str, Issued]
    staples: dict[tuple[str, Staple], bytes]

    def chain(self, labels: Sequence[str]) -> tuple[Issued, ...]:
        """The certificates ``labels`` name: the scenario's leaves first, then the CAs."""
        return tuple(self._one(label) for label in labels)

    def _one(self, label: str) -> Issued:
        if label in self.leaves:
            return self.leaves[label]
        if label in _CA_NAMES:
            return _ca(self.ca, label)
        raise KeyError(f"scenario {self.scenario!r}: no certificate labelled {label!r}")


def build_site(scenario: Scenario, context: BuildContext) -> SiteSpec:
    """Issue ``scenario``'s leaves (publishing and recording what they need) and describe
    its layers."""
    site = lab_host(scenario.name)
    uses_shared = any(leaf.key is KeyChoice.SHARED for leaf in scenario.leaves)
    # drawn before the first leaf, as a renewal's key exists before its certificates
    shared = pki.new_key() if uses_shared else None
    leaves: dict[str, Issued] = {}
    staples: dict[tuple[str, Staple], bytes] = {}
    for leaf in scenario.leaves:
        cert = _issue(leaf, site, shared, context)
        leaves[leaf.label] = cert
        staples.update(_record_status(leaf, cert, context))
    issued = _Issued(scenario.name, context.ca, leaves, staples)
    return SiteSpec(
        scenario.name,
        scenario.host or site,
        scenario.description,
        _layer(scenario.origin, issued, context),
        tuple(_layer(edge, issued, context) for edge in scenario.edges),
        scenario.cname,
    )


def _issue(leaf: Leaf, site: str, shared: PrivateKey | None, context: BuildContext) -> Issued:
    services = context.services

    def url(raw: str) -> str:
        return services.named_url(raw) if leaf.by_name else raw

    aia_issuers: list[str] = []
    if leaf.aia is not None:
        published = _ca(context.ca, leaf.aia.ca)
        aia_issuers.append(url(services.publish(leaf.aia.file, published)))
    ocsp_urls = [url(services.ocsp_url)] if leaf.ocsp is not None else []
    return pki.leaf(
        [name.format(site=site) for name in leaf.sans],
        now=context.now,
        parent=_ca(context.ca, leaf.issuer) if leaf.issuer is not None else None,
        key=_key(leaf.key, shared, context),
        days_before=leaf.days_before,
        days_after=leaf.days_after,
        sha1=leaf.sha1,
        aia_issuers=aia_issuers,
        ocsp_urls=ocsp_urls,
    )


def _key(choice: KeyChoice, shared: PrivateKey | None, context: BuildContext) -> PrivateKey | None:
    # None lets pki.leaf draw the key itself, right before the serial, as it always has
    if choice is KeyChoice.SHARED:
        return shared
    if choice is KeyChoice.RSA1024:
        return pki.new_key("rsa1024")
    if choice is KeyChoice.RSA:
        if context.rsa_key is None:
            raise ValueError("an RSA leaf needs BuildContext.rsa_key")
        return context.rsa_key
    return None


def _record_status(
    leaf: Leaf, cert: Issued, context: BuildContext
) -> dict[tuple[str, Staple], bytes]:
    """Tell the OCSP responder about ``cert``; the staples made for it, by label."""
    responder = context.services.responder
    now = context.now
    if leaf.ocsp is Ocsp.REVOKED:
        responder.revoke(cert, now - dt.timedelta(days=1), x509.ReasonFlags.key_compromise)
    if leaf.ocsp is not Ocsp.GOOD:
        return {}
    responder.good(cert)
    return {
        (leaf.label, Staple.CURRENT): responder.staple_for(cert, now),
        (leaf.label, Staple.EXPIRED): responder.staple_for(cert, now, expired=True),
    }


def _layer(layer: Layer, issued: _Issued, context: BuildContext) -> LayerSpec:
    default = issued.chain(layer.default_chain) if layer.default_chain is not None else None
    spec = LayerSpec(
        layer.behaviour, issued.chain(layer.chain), default, headers=layer.headers, hsts=layer.hsts
    )
    if layer.page is not None:
        spec = dataclasses.replace(spec, page=layer.page)
    if layer.staple is not None:
        spec = dataclasses.replace(spec, staple=issued.staples[(layer.chain[0], layer.staple)])
    if layer.rollout is not None:
        switch = (context.rolling[layer.rollout.step], issued.chain(layer.rollout.chain))
        spec = dataclasses.replace(spec, switches=(switch,))
    if layer.rsa_chain:
        if layer.staple is not None:
            raise ValueError("a stapling layer holds one certificate: no rsa_chain")
        spec = dataclasses.replace(spec, second_chain=issued.chain(layer.rsa_chain))
    if layer.rsa_rollout is not None:
        later = layer.rsa_rollout
        switch = (context.rolling[later.step], issued.chain(later.chain))
        spec = dataclasses.replace(spec, second_switches=(switch,))
    return spec


__all__ = [
    "SITE_NAMES",
    "Aia",
    "BuildContext",
    "KeyChoice",
    "Layer",
    "Leaf",
    "Ocsp",
    "Rollout",
    "Scenario",
    "Staple",
    "build_site",
    "renewal",
    "same",
    "tls",
    "uniform",
]
