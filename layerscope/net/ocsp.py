"""Revocation over the network: ask a leaf's OCSP responder, once per run per leaf.

The answer is judged by :mod:`layerscope.x509.ocsp`, like a staple. Nothing here raises for
network trouble: every outcome is an :class:`OcspResult`. httpx is imported lazily, only
when a responder is asked: the ``check`` path must stay quick to start.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from layerscope.model import CertFacts, OcspResult, OcspState
from layerscope.net.capped import IDENTITY, BodyTooLarge, read_capped
from layerscope.net.errors import download_failure, reason
from layerscope.x509.certs import load
from layerscope.x509.ocsp import Unusable, judge_response

if TYPE_CHECKING:
    import httpx

    from layerscope.net.hosts import HostLookup


class _Failed(Exception):
    """No answer from a responder; the message is for humans."""


def _error(url: str, message: str) -> OcspResult:
    return OcspResult(url, OcspState.ERROR, message)


async def _post(client: httpx.AsyncClient, url: str, body: bytes, max_bytes: int) -> bytes:
    headers = {
        "Content-Type": "application/ocsp-request",
        "Accept": "application/ocsp-response",
        **IDENTITY,
    }
    async with client.stream(
        "POST", url, content=body, headers=headers, follow_redirects=False
    ) as response:
        if response.status_code != 200:
            raise _Failed(f"the OCSP responder {url} answered HTTP {response.status_code}")
        try:
            return (
                await read_capped(
                    response.aiter_raw(),
                    max_bytes,
                    truncate=False,
                    declared=response.headers.get("content-length", ""),
                )
            ).data
        except BodyTooLarge:
            too_large = f"the OCSP responder {url} sent more than the {max_bytes} bytes accepted"
            raise _Failed(too_large) from None


async def _exchange(
    url: str,
    body: bytes,
    *,
    timeout: float,
    max_bytes: int,
    client: httpx.AsyncClient | None,
    lookup: HostLookup | None = None,
) -> bytes:
    """POST ``body`` to ``url`` within ``timeout``; raises :class:`_Failed` with the reason."""
    import httpx  # lazily: the ``check`` path must stay quick to start

    from layerscope.net.pinned import PinnedTransport

    try:
        async with asyncio.timeout(timeout):
            if client is not None:
                return await _post(client, url, body, max_bytes)
            # with the site's resolvers, the responder's host is resolved by them only
            transport = PinnedTransport(lookup) if lookup is not None else None
            # httpx's per-operation timeouts a bit longer: the overall deadline decides
            async with httpx.AsyncClient(timeout=timeout + 1, transport=transport) as own:
                return await _post(own, url, body, max_bytes)
    except _Failed:
        raise
    except Exception as exc:  # httpx, OSError, h11...: all mean "no answer from there"
        subject = f"the OCSP responder {url}"
        message = download_failure(exc, subject=subject, action="asked", limit=timeout)
        raise _Failed(message) from exc


async def query_responder(
    leaf: CertFacts,
    issuer: CertFacts,
    *,
    at: dt.datetime,
    timeout: float = 5.0,
    max_bytes: int = 64 * 1024,
    client: httpx.AsyncClient | None = None,
    lookup: HostLookup | None = None,
) -> OcspResult:
    """Ask the leaf's OCSP responder (its first AIA OCSP URL) about ``leaf``.

    POSTs a SHA-1 CertID request as ``application/ocsp-request``; ``timeout`` bounds the
    whole exchange (the responder's name lookup included) and ``max_bytes`` the answer.
    ``lookup`` resolves the responder's host name when no ``client`` is given (the site's
    resolvers; None: the system resolver); a name it cannot resolve is an ERROR result
    naming the host and the resolvers, never a fallback to another resolver. The answer
    is judged like a staple (source = the URL). Anything that gives no usable answer (no
    URL, not http(s), timeout, refused connection, HTTP error status, too large, not an
    OCSP response, an unsuccessful OCSP status such as tryLater) is an ERROR result naming
    the URL. Never raises.
    """
    if not leaf.ocsp_urls:
        return _error("", "the certificate names no OCSP responder (no AIA OCSP URL)")
    url = leaf.ocsp_urls[0]
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        scheme = ""
    if scheme not in ("http", "https"):
        return _error(url, f"the OCSP responder URL {url} is not asked: only http(s) is")
    try:
        request = (
            ocsp.OCSPRequestBuilder()
            .add_certificate(load(leaf.der), load(issuer.der), hashes.SHA1())
            .build()
            .public_bytes(serialization.Encoding.DER)
        )
        answer = await _exchange(
            url, request, timeout=timeout, max_bytes=max_bytes, client=client, lookup=lookup
        )
        verdict = judge_response(
            answer, leaf, issuer, at, source=url, what=f"the OCSP response from {url}"
        )
    except _Failed as exc:
        return _error(url, str(exc))
    except Exception as exc:  # a hostile certificate or response must not abort a report
        return _error(url, f"the OCSP responder {url} could not be asked: {reason(exc)}")
    if isinstance(verdict, Unusable):
        if verdict.unparsable:
            return _error(url, f"the OCSP responder {url} did not answer with an OCSP response")
        return _error(url, verdict.message)
    return verdict


class OcspChecker:
    """Asks OCSP responders once per run: layers serving the same leaf share one query.

    The cache is keyed by (leaf SHA-256, issuer SHA-256) and holds the query in flight, so
    concurrent checks of the same leaf wait for the same answer. Errors are cached too: a
    dead responder is asked once, not once per edge. One checker serves one run on one
    event loop. ``client`` and ``lookup`` are passed to :func:`query_responder`.
    """

    def __init__(
        self,
        *,
        timeout: float = 5.0,
        max_bytes: int = 64 * 1024,
        client: httpx.AsyncClient | None = None,
        lookup: HostLookup | None = None,
    ) -> None:
        self._timeout = timeout
        self._max_bytes = max_bytes
        self._client = client
        self._lookup = lookup
        self._cache: dict[tuple[str, str], asyncio.Future[OcspResult]] = {}

    async def check(self, leaf: CertFacts, issuer: CertFacts, *, at: dt.datetime) -> OcspResult:
        """The responder's answer about ``leaf``, asked at most once per (leaf, issuer)."""
        key = (leaf.sha256, issuer.sha256)
        pending = self._cache.get(key)
        if pending is None:
            pending = asyncio.ensure_future(
                query_responder(
                    leaf,
                    issuer,
                    at=at,
                    timeout=self._timeout,
                    max_bytes=self._max_bytes,
                    client=self._client,
                    lookup=self._lookup,
                )
            )
            self._cache[key] = pending
        # one caller giving up must not cancel the query the others wait for
        return await asyncio.shield(pending)


__all__ = ["OcspChecker", "query_responder"]
