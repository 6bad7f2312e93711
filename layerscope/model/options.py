"""Options of one inspection, as a frozen value built by the CLI or the config file."""

from __future__ import annotations

from dataclasses import dataclass

TYPE_CHECKING = False
if TYPE_CHECKING:  # a type only: --help does not load datetime
    import datetime as dt


@dataclass(frozen=True)
class Endpoint:
    """A host or IP with an optional port, as given by ``--origin``, ``--edge`` or
    ``--resolver``.

    Attributes:
        host: IP address or host name.
        port: port, or None for the default.
    """

    host: str
    port: int | None = None


@dataclass(frozen=True)
class CheckOptions:
    """Everything that changes how one site is inspected.

    Attributes:
        port: site port (edges are probed there).
        sni: server name to send instead of the site name.
        origin: the origin server, if known.
        edges: edge addresses given by hand (``--edge IP[:PORT]``), each probed at its own
            port or else at ``port``; DNS is skipped when set. A plain address string is
            read as ``Endpoint(address)`` (the form before edges had ports).
        resolvers: DNS resolvers; empty means the system resolver.
        family: 4, 6, or 0 for both.
        ca_bundle: "certifi", "system" or a PEM file path.
        extra_ca: PEM files of private/company CAs added to the trust store.
        alt_ca_bundle: a second store to compare with ("certifi", "system", a file),
            "" for the default (system when the bundle is certifi and vice versa), or
            "none" to skip the comparison.
        warn_days: expiry warning threshold.
        crit_days: expiry critical threshold.
        at: moment validity is judged; None means now.
        timeout: seconds allowed per layer (connect + handshake) and per DNS lookup.
        concurrency: probes in flight at once.
        http: fetch the page per layer.
        path: the path fetched per layer.
        ocsp: ask the leaf's OCSP responder (stapled responses are always judged).
        aia: fetch missing intermediates from the AIA caIssuers URLs.
        cert_types: probe each layer once per certificate type (ECDSA, RSA) too, to see
            both certificates of a layer that holds two.
        ecs: EDNS Client Subnets to ask DNS with (one query set per subnet); empty: plain.
    """

    port: int = 443
    sni: str | None = None
    origin: Endpoint | None = None
    edges: tuple[Endpoint, ...] = ()
    resolvers: tuple[Endpoint, ...] = ()
    family: int = 0
    ca_bundle: str = "certifi"
    extra_ca: tuple[str, ...] = ()
    alt_ca_bundle: str = ""
    warn_days: int = 21
    crit_days: int = 7
    at: dt.datetime | None = None
    timeout: float = 5.0
    concurrency: int = 32
    http: bool = True
    path: str = "/"
    ocsp: bool = True
    aia: bool = True
    cert_types: bool = True
    ecs: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "edges", tuple(_endpoint(e) for e in self.edges))


def _endpoint(edge: Endpoint | str) -> Endpoint:
    """An edge as an Endpoint: a plain string is an address without a port."""
    return edge if isinstance(edge, Endpoint) else Endpoint(edge)


@dataclass(frozen=True)
class SiteRequest:
    """One site to inspect with its options.

    Attributes:
        host: the site name as given.
        options: how to inspect it.
    """

    host: str
    options: CheckOptions
