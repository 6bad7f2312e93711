"""The page fetched over the probe's own connection, after its handshake (#14).

The same loopback servers as ``test_http_fetch``: content, decoding, caps, redirects (the
first request on the probe's connection, the next on connections of their own), a body cut
short, garbage and a drip all read as they do on a connection of the page's own; and a
whole inspection handshakes each layer once less.
"""

from __future__ import annotations

import time

from layerscope.model import ErrorKind, HttpResult
from layerscope.model.options import CheckOptions, Endpoint
from layerscope.net.page import fetch_page
from layerscope.net.probe import TlsStream, probe

from .test_http_fetch import MAIN, MIXED_PAGE, SITE, Servers, servers

__all__ = ["servers"]  # the fixture, shared with test_http_fetch


async def over_probe(servers: Servers, path: str, timeout: float = 5.0) -> HttpResult:
    """Probe MAIN with SNI, then fetch ``path`` over that connection."""
    pages: list[HttpResult] = []

    async def then(stream: TlsStream) -> None:
        pages.append(
            await fetch_page(MAIN, servers.port, SITE, path=path, timeout=timeout, stream=stream)
        )

    result = await probe(MAIN, servers.port, SITE, then=then)
    assert result.ok
    (page,) = pages
    return page


async def test_the_page_and_its_mixed_content_come_over_the_probes_connection(
    servers: Servers,
) -> None:
    """Status, headers and the scan as over a connection of its own; SNI and Host kept."""
    before = len(servers.seen)
    page = await over_probe(servers, "/mixed")
    assert page.error is None
    assert page.status == 200
    assert page.header("strict-transport-security") == "max-age=300"
    assert page.title == "Mixed page"
    assert len(page.mixed) == 2
    (seen,) = servers.seen[before:]
    assert (seen.sni, seen.host) == (SITE, f"{SITE}:{servers.port}")


async def test_a_gzip_page_is_decoded_over_the_probes_connection(servers: Servers) -> None:
    """Content-Encoding is undone within the cap, as on a connection of its own."""
    page = await over_probe(servers, "/gzip")
    assert page.body_bytes == len(MIXED_PAGE)
    assert len(page.mixed) == 2


async def test_redirects_go_on_connections_of_their_own(servers: Servers) -> None:
    """The first request on the probe's connection, each redirect on a new one."""
    page = await over_probe(servers, "/r1")
    assert page.error is None
    assert [status for status, _ in page.redirects] == [301, 302]
    assert page.status == 200


async def test_a_huge_body_is_cut_at_the_cap(servers: Servers) -> None:
    """At most one mebibyte is kept, and the page says it was truncated."""
    page = await over_probe(servers, "/huge")
    assert page.truncated
    assert page.body_bytes == 1 << 20


async def test_a_body_cut_short_is_peer_closed(servers: Servers) -> None:
    """Content-Length promised, the TLS stream ended early: PEER_CLOSED, status kept."""
    page = await over_probe(servers, "/short")
    assert page.error is not None
    assert page.error.kind is ErrorKind.PEER_CLOSED
    assert page.status == 200


async def test_garbage_is_invalid_http_without_echo(servers: Servers) -> None:
    """Bytes that are not HTTP: an error value that does not quote them."""
    page = await over_probe(servers, "/garbage")
    assert page.error is not None
    assert page.error.kind is ErrorKind.HTTP_PROTOCOL
    assert "SECRET" not in page.error.message


async def test_a_drip_feed_ends_at_the_pages_deadline(servers: Servers) -> None:
    """The page's own deadline holds on a borrowed connection too."""
    started = time.perf_counter()
    page = await over_probe(servers, "/drip", timeout=2)
    assert time.perf_counter() - started < 2 + 2
    assert page.error is not None
    assert page.error.kind is ErrorKind.HTTP_TIMEOUT


async def test_an_inspection_handshakes_a_layer_once_for_probe_and_page(
    servers: Servers,
) -> None:
    """One layer: the page comes over an SNI probe's connection, not one of its own."""
    from layerscope.engine.run import inspect

    before, accepted = len(servers.seen), servers.connections
    options = CheckOptions(
        port=servers.port, origin=Endpoint(MAIN, servers.port), path="/mixed", alt_ca_bundle=""
    )
    report = await inspect(SITE, options)
    (layer,) = report.layers
    assert layer.http is not None
    assert layer.http.status == 200
    assert len(layer.http.mixed) == 2
    assert len(servers.seen) == before + 1
    # handshakes the server completed: the ECDSA probe's, which carried the page, and the
    # one without SNI (the RSA probe is refused: an ECDSA certificate only); no third
    assert servers.connections == accepted + 2
