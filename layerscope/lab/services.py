"""What lab scenarios can publish besides their layers: certificates in the CA
repository (AIA caIssuers URLs) and answers of the lab's OCSP responder.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit, urlunsplit

from layerscope.lab.hierarchy import LabPki
from layerscope.lab.ocsp import OcspResponder
from layerscope.lab.pki import Issued
from layerscope.lab.repository import Repository
from layerscope.lab.site import ZONE

REPOSITORY_HOST = f"ca.{ZONE}"
"""The CA repository's host name in the lab zone: only the lab's DNS resolves it."""


class LabServices:
    """What scenarios can publish: files in the CA repository (AIA) and OCSP answers.

    Attributes:
        now: the lab's clock, at which OCSP answers are made.
        responder: the OCSP responder of the main intermediate ``i1``.
        ocsp_url: the responder's URL in the repository (by IP).
    """

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


__all__ = ["REPOSITORY_HOST", "LabServices"]
