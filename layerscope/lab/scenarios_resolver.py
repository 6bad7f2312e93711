"""Lab sites whose certificates name the CA repository by host name (issue 9).

Their OCSP and AIA URLs use :data:`~layerscope.lab.scenarios.REPOSITORY_HOST`, which only
the lab's DNS resolves: checked with ``--resolver <lab dns>``, revocation and missing
intermediates are found only if those host names are resolved with the site's resolvers.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from cryptography import x509

from layerscope.lab import pki
from layerscope.lab.servers import Behaviour, LayerSpec

if TYPE_CHECKING:
    from layerscope.lab.scenarios import LabPki, LabServices, SiteSpec


def resolver_sites(ca: LabPki, now: dt.datetime, services: LabServices) -> list[SiteSpec]:
    """The sites ``revoked-by-name`` and ``aia-by-name``, in that order."""
    from layerscope.lab.scenarios import ZONE, SiteSpec  # scenarios imports this module

    def site(name: str, description: str, *chain: pki.Issued) -> SiteSpec:
        layer = LayerSpec(Behaviour.TLS, chain)
        return SiteSpec(name, f"{name}.{ZONE}", description, layer, (layer, layer))

    def sans(name: str) -> list[str]:
        return [f"{name}.{ZONE}", f"www.{name}.{ZONE}"]

    ocsp_url = services.named_url(services.ocsp_url)
    revoked = pki.leaf(sans("revoked-by-name"), now=now, parent=ca.i1, ocsp_urls=[ocsp_url])
    services.responder.revoke(revoked, now - dt.timedelta(days=1), x509.ReasonFlags.key_compromise)

    aia_url = services.named_url(services.publish("lab-issuing-ca-3-by-name", ca.i3))
    aia = pki.leaf(sans("aia-by-name"), now=now, parent=ca.i3, aia_issuers=[aia_url])
    return [
        site(
            "revoked-by-name",
            "The CA revoked the certificate; its OCSP responder has a host name only the "
            "site's resolver knows.",
            revoked,
            ca.i1,
        ),
        site(
            "aia-by-name",
            "No layer sends the intermediate; only the AIA URL has it, on a host name only "
            "the site's resolver knows.",
            aia,
        ),
    ]


__all__ = ["resolver_sites"]
