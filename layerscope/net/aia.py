"""Missing intermediates from the AIA ``caIssuers`` URLs of certificates.

Browsers such as Chrome on Android and Windows' CryptoAPI fetch a missing intermediate from
the URL its child names; most other clients (curl, OpenSSL, Java, Python, Firefox without a
cache) do not, which is why an incomplete chain "works in my browser". layerscope fetches
them to show *which* certificate is missing and to build ``fullchain.pem``.

Downloads are data, not exceptions: every failure is kept in :attr:`AiaFetcher.errors`.
httpx is imported lazily: the ``check`` path must stay quick to start.
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs7

from layerscope.model import CertFacts
from layerscope.net.capped import IDENTITY, BodyTooLarge, read_capped
from layerscope.net.errors import download_failure
from layerscope.x509.certs import CertificateError, facts, is_self_signed, issued_by

if TYPE_CHECKING:
    import httpx

    from layerscope.net.hosts import HostLookup

_ACCEPT = "application/pkix-cert, application/pkcs7-mime, application/x-x509-ca-cert, */*"


class _Failed(Exception):
    """One download that did not give certificates; the message is for humans."""


def _size(limit: int) -> str:
    if limit % 1024 == 0:
        return f"{limit // 1024} KiB"
    return f"{limit} bytes"


def parse_certificates(body: bytes) -> list[CertFacts]:
    """Certificates of an AIA body: DER, PEM (one or more) or PKCS#7 certs-only (DER or PEM).

    Raises ValueError when the body holds none of these.
    """
    with warnings.catch_warnings():
        # real CA files hold old certificates cryptography warns about (e.g. a zero serial)
        warnings.simplefilter("ignore")
        certs = _parse(body)
    out: list[CertFacts] = []
    for cert in certs:
        try:
            out.append(facts(cert.public_bytes(serialization.Encoding.DER)))
        except CertificateError as exc:
            raise ValueError(str(exc)) from exc
    if not out:
        raise ValueError("no certificates")
    return out


def _parse(body: bytes) -> list[x509.Certificate]:
    stripped = body.strip()
    if stripped.startswith(b"-----BEGIN"):
        if b"-----BEGIN PKCS7-----" in stripped or b"-----BEGIN CMS-----" in stripped:
            return list(pkcs7.load_pem_pkcs7_certificates(stripped))
        return list(x509.load_pem_x509_certificates(stripped))
    try:
        return [x509.load_der_x509_certificate(body)]
    except ValueError:
        return list(pkcs7.load_der_pkcs7_certificates(body))


class AiaFetcher:
    """Downloads AIA ``caIssuers`` URLs, once per URL for the fetcher's lifetime (one run).

    ``client`` is the HTTP transport (an ``httpx.AsyncClient``); by default a short-lived
    client is made for each download. ``lookup`` resolves the URLs' host names for that
    default client (the site's resolvers; None: the system resolver); a name it cannot
    resolve is an error, never a fallback. Whatever the client's own timeouts, each
    download (name lookups included) is bounded as a whole by ``timeout`` seconds and
    ``max_bytes`` bytes.

    Attributes:
        timeout: seconds allowed for one whole download.
        max_bytes: largest body accepted (a CA certificate is a few KB).
        errors: (url, message) of every URL that gave no certificate, in the order seen.
    """

    def __init__(
        self,
        *,
        timeout: float = 5.0,
        max_bytes: int = 64 * 1024,
        client: httpx.AsyncClient | None = None,
        lookup: HostLookup | None = None,
    ) -> None:
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.errors: list[tuple[str, str]] = []
        self._client = client
        self._lookup = lookup
        self._cache: dict[str, asyncio.Task[list[CertFacts]]] = {}

    async def issuers(self, cert: CertFacts) -> list[tuple[CertFacts, str]]:
        """Certificates downloaded from ``cert``'s caIssuers URLs, each with ``"AIA <url>"``.

        URLs are fetched concurrently; a URL already fetched (or being fetched) by this
        fetcher is not fetched again. Failures are recorded in :attr:`errors`.
        """
        urls = list(dict.fromkeys(cert.aia_issuers))
        # shielded: one caller giving up must not cancel a download others wait for
        results = await asyncio.gather(*(asyncio.shield(self._shared(url)) for url in urls))
        out: list[tuple[CertFacts, str]] = []
        seen: set[str] = set()
        for url, certs in zip(urls, results, strict=True):
            for found in certs:
                if found.sha256 not in seen:
                    seen.add(found.sha256)
                    out.append((found, f"AIA {url}"))
        return out

    async def complete(
        self,
        served: Sequence[CertFacts],
        known: Sequence[CertFacts] = (),
        *,
        depth: int = 4,
    ) -> list[tuple[CertFacts, str]]:
        """Certificates missing above the served chain, fetched through AIA.

        Walks from the leaf up through ``served`` and ``known`` (other layers' chains,
        trust-store roots); where the issuer of the current certificate is in neither and
        the certificate is not self-signed, downloads its caIssuers and continues from the
        certificate that actually signed it, for at most ``depth`` downloads. Returns every
        certificate downloaded that was not already in ``served`` or ``known``, with its
        source.
        """
        if not served:
            return []
        pool: list[CertFacts] = [*served, *known]
        pooled = {c.sha256 for c in pool}
        found: list[tuple[CertFacts, str]] = []
        current = served[0]
        on_path = {current.sha256}
        hops = 0
        while not is_self_signed(current):
            parent = _issuer_in(current, pool, on_path)
            if parent is None:
                if hops >= depth or not current.aia_issuers:
                    break
                hops += 1
                downloaded = await self.issuers(current)
                for cert, source in downloaded:
                    if cert.sha256 not in pooled:
                        pooled.add(cert.sha256)
                        pool.append(cert)
                        found.append((cert, source))
                parent = _issuer_in(current, [c for c, _ in downloaded], on_path)
                if parent is None:
                    self._no_issuer(current)
                    break
            current = parent
            on_path.add(current.sha256)
        return found

    def _no_issuer(self, cert: CertFacts) -> None:
        for url in dict.fromkeys(cert.aia_issuers):
            task = self._cache.get(url)
            if task is not None and task.done() and not task.cancelled() and task.result():
                error = (url, f"AIA {url} holds no certificate that issued '{cert.subject}'")
                if error not in self.errors:
                    self.errors.append(error)

    def _shared(self, url: str) -> asyncio.Task[list[CertFacts]]:
        task = self._cache.get(url)
        if task is None:
            task = asyncio.ensure_future(self._fetch(url))
            self._cache[url] = task
        return task

    async def _fetch(self, url: str) -> list[CertFacts]:
        try:
            body = await self._download(url)
        except _Failed as exc:
            self.errors.append((url, str(exc)))
            return []
        try:
            return parse_certificates(body)
        except Exception:  # ValueError mostly; whatever the parser says, it is no certificate
            self.errors.append((url, f"AIA {url} is not a certificate (DER, PEM or PKCS#7)"))
            return []

    async def _download(self, url: str) -> bytes:
        try:
            scheme = urlsplit(url).scheme.lower()
        except ValueError as exc:
            raise _Failed(f"AIA {url} is not a valid URL") from exc
        if scheme not in ("http", "https"):
            raise _Failed(f"AIA {url} skipped: only http and https URLs are fetched")
        import httpx  # lazily: the ``check`` path must stay quick to start

        from layerscope.net.pinned import PinnedTransport

        try:
            async with asyncio.timeout(self.timeout):
                if self._client is not None:
                    return await self._get(self._client, url)
                # with the site's resolvers, every hop (redirects too) is resolved by them
                transport = PinnedTransport(self._lookup) if self._lookup is not None else None
                # httpx's per-operation timeouts a bit longer: the overall deadline decides
                async with httpx.AsyncClient(
                    timeout=self.timeout + 1, transport=transport
                ) as client:
                    return await self._get(client, url)
        except _Failed:
            raise
        except Exception as exc:  # httpx, OSError, h11...: all mean "no certificate here"
            message = download_failure(
                exc, subject=f"AIA {url}", action="fetched", limit=self.timeout
            )
            raise _Failed(message) from exc

    async def _get(self, client: httpx.AsyncClient, url: str) -> bytes:
        headers = {"Accept": _ACCEPT, **IDENTITY}
        async with client.stream("GET", url, headers=headers, follow_redirects=True) as resp:
            if resp.status_code != 200:
                raise _Failed(f"AIA {url} returned {resp.status_code}")
            try:
                return (
                    await read_capped(
                        resp.aiter_raw(),
                        self.max_bytes,
                        truncate=False,
                        declared=resp.headers.get("content-length", ""),
                    )
                ).data
            except BodyTooLarge:
                raise _Failed(f"AIA {url} is larger than {_size(self.max_bytes)}") from None


def _issuer_in(
    cert: CertFacts, candidates: Sequence[CertFacts], exclude: set[str]
) -> CertFacts | None:
    return next(
        (c for c in candidates if c.sha256 not in exclude and issued_by(cert, c)),
        None,
    )


__all__ = ["AiaFetcher", "parse_certificates"]
