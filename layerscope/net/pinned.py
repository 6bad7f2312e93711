"""An httpx transport that resolves each request's host with a :data:`HostLookup`.

Used for the URLs certificates carry (AIA caIssuers, OCSP) when the user gave resolvers:
every request, redirects included, goes to ``<ip>:<port>`` of the resolved addresses in
order (the next one only when the connection fails), with the original ``Host`` header
and, for https, the host name as SNI and for certificate checks. Nothing reaches the
system resolver: an IP literal needs no DNS, and a name that does not resolve raises
:class:`UnresolvedHost` instead of falling back. This module imports httpx: import it
lazily, where a download happens.
"""

from __future__ import annotations

import functools
import ssl

import httpx

from layerscope.net.errors import UnresolvedHost
from layerscope.net.hosts import HostLookup


@functools.lru_cache(maxsize=1)
def _tls_context() -> ssl.SSLContext:
    """One verifying client context for every pinned transport of the process (loading the
    CA bundle takes ~50 ms: once, not per download)."""
    return httpx.create_ssl_context()


class PinnedTransport(httpx.AsyncBaseTransport):
    """Sends each request to the addresses ``lookup`` gives for its host.

    ``transport`` does the actual connections (by default an ``httpx.AsyncHTTPTransport``
    without retries, verifying https certificates against the host name).
    """

    def __init__(self, lookup: HostLookup, transport: httpx.AsyncBaseTransport | None = None):
        self._lookup = lookup
        self._transport = transport or httpx.AsyncHTTPTransport(verify=_tls_context())

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Resolve the host, then try its addresses in order until one connects."""
        host = request.url.host
        resolution = await self._lookup(host)
        if not resolution.addresses:
            raise UnresolvedHost(resolution.error or f"{host}: no address")
        extensions = dict(request.extensions)
        if request.url.scheme == "https" and "sni_hostname" not in extensions:
            extensions["sni_hostname"] = host
        # httpx set Host from the original URL (with its port when not the default)
        headers = request.headers.copy()
        headers.setdefault("Host", request.url.netloc.decode("ascii"))
        failure: httpx.ConnectError | None = None
        for address in resolution.addresses:
            pinned = httpx.Request(
                request.method,
                request.url.copy_with(host=address),
                headers=headers,
                stream=request.stream,
                extensions=extensions,
            )
            try:
                return await self._transport.handle_async_request(pinned)
            except httpx.ConnectError as exc:
                failure = exc
        assert failure is not None  # a resolution with addresses has at least one
        raise failure

    async def aclose(self) -> None:
        """Close the connections of the inner transport."""
        await self._transport.aclose()


__all__ = ["PinnedTransport", "UnresolvedHost"]
