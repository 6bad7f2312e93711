"""One HTTPS GET pinned to one layer: SNI and Host are the site, the TCP peer is one IP.

The request goes to ``<ip>:<port>`` with SNI and ``Host: <site>``, so no DNS is involved
and each CDN edge is observed on its own (one connection per request: asyncio's TLS and
h11, :mod:`layerscope.net.http11`). Certificates are not verified here (the TLS analysis
judges them); this module observes the page: status, headers, redirects, and mixed
content.

Everything about the peer is untrusted: the whole fetch has one deadline whatever the
server drips, the body is capped (compressed bodies too), header values are kept as
received for renderers to escape, and error messages never quote the peer's bytes.
Failures are values (:class:`~layerscope.model.ProbeError`), never exceptions.
"""

from __future__ import annotations

import asyncio
import ipaddress
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import cast
from urllib.parse import urljoin, urlsplit

from layerscope.model import ErrorKind, HttpResult, ProbeError
from layerscope.model.names import bracketed
from layerscope.net.capped import decodable, read_capped
from layerscope.net.errors import Failure, Phase, http_failure, timed_out
from layerscope.net.http11 import Exchange, Stream, charset_of
from layerscope.net.page_scan import PageScan, csp_upgrades, scan_page

__all__ = ["REDIRECT_STATUSES", "USER_AGENT", "fetch_page"]

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
"""Statuses whose ``Location`` is followed (when it stays on the site)."""

USER_AGENT = "layerscope/0.1 (TLS layer inspection)"
"""User-Agent sent with every request."""

_HTML_TYPES = frozenset({"", "text/html", "application/xhtml+xml"})
_SCAN_INLINE = 64 * 1024  # bigger pages are scanned on a worker thread


@dataclass
class _Progress:
    """What the fetch has seen so far, kept when a deadline or an error cuts it short."""

    phase: Phase = "connect"  # connect -> tls -> http
    status: int | None = None
    headers: tuple[tuple[str, str], ...] = ()
    redirects: list[tuple[int, str]] = field(default_factory=list)
    body_bytes: int = 0

    def at(self, phase: str) -> None:
        """Note the step the exchange has reached (again "connect" after a redirect)."""
        self.phase = cast(Phase, phase)

    def read(self, size: int) -> None:
        """Note the body bytes kept so far (a deadline reports how far the body got)."""
        self.body_bytes = size


@dataclass(frozen=True)
class _Page:
    """The final response of a fetch."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    truncated: bool
    refused: bool
    scannable: bool
    charset: str


class _TooManyRedirects(Exception):
    """The site redirected more than ``max_redirects`` times."""


async def fetch_page(
    address: str,
    port: int,
    host: str,
    *,
    path: str = "/",
    timeout: float = 5.0,
    max_body: int = 1 << 20,
    max_redirects: int = 20,
    stream: Stream | None = None,
) -> HttpResult:
    """GET ``path`` from the layer at ``address:port`` as the site ``host`` (SNI and Host).

    Redirects are followed by hand while they stay on the site (https, same host name and
    port, hence the same pinned address); a redirect elsewhere is recorded and not
    followed (``redirect_refused``), and more than ``max_redirects`` is an error value.
    At most ``max_body`` bytes of (decoded) body are read. ``timeout`` bounds the whole
    fetch: connect, TLS, headers, body and redirects together.

    ``stream`` is a connection to the layer already through its handshake with SNI ``host``
    (the probe's, so the layer is not handshaken twice): the first request goes over it,
    and the deadline starts there. Otherwise, and for every redirect, a request has a
    connection of its own.

    Never raises for network, TLS or HTTP trouble: the result carries a
    :class:`ProbeError` instead.
    """
    started = time.perf_counter()
    progress = _Progress()

    def failed(kind: ErrorKind, message: str) -> HttpResult:
        elapsed = round((time.perf_counter() - started) * 1000, 1)
        return HttpResult(
            address,
            port,
            path,
            status=progress.status,
            headers=progress.headers,
            redirects=tuple(progress.redirects),
            redirect_refused=False,
            body_bytes=progress.body_bytes,
            elapsed_ms=elapsed,
            error=ProbeError(kind, message, elapsed),
        )

    problem = _check_input(address, port, host, path)
    if problem:
        return failed(ErrorKind.INVALID_INPUT, problem)
    try:
        async with asyncio.timeout(timeout):
            page = await _fetch(
                address, port, host, path, max_body, max_redirects, progress, stream
            )
    except TimeoutError:
        return failed(*_timed_out(progress, f"{timeout:g}s"))
    except _TooManyRedirects:
        return failed(
            ErrorKind.TOO_MANY_REDIRECTS, f"too many redirects (more than {max_redirects})"
        )
    except Exception as exc:  # whatever a hostile server makes the stack raise: a value
        return failed(*http_failure(exc, progress.phase, address=address, port=port))
    elapsed = round((time.perf_counter() - started) * 1000, 1)
    scan = PageScan()
    if page.scannable:
        text = _decode(page.body, page.charset)
        scan = scan_page(text) if len(text) <= _SCAN_INLINE else await _scan_off_loop(text)
    # Content-Security-Policy-Report-Only does not enforce anything: not looked at
    if any(csp_upgrades(v) for k, v in page.headers if k == "content-security-policy"):
        upgrade = "header"
    else:
        upgrade = "meta" if scan.upgrade_meta else ""
    return HttpResult(
        address,
        port,
        path,
        status=page.status,
        headers=page.headers,
        redirects=tuple(progress.redirects),
        redirect_refused=page.refused,
        body_bytes=len(page.body),
        truncated=page.truncated,
        mixed=scan.mixed,
        upgrade_insecure=upgrade,
        title=scan.title,
        elapsed_ms=elapsed,
    )


async def _scan_off_loop(text: str) -> PageScan:
    # a big page takes the parser up to a second or two: keep the event loop responsive
    return await asyncio.to_thread(scan_page, text)


def _check_input(address: str, port: int, host: str, path: str) -> str:
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return "the layer address must be an IP address"
    if not 0 < port < 65536:
        return f"port {port} is out of range"
    if not host or any(ord(c) <= 0x20 or c in "/?#@[]\\" or ord(c) == 0x7F for c in host):
        return "the site name is empty or has characters a host name cannot have"
    if not path.startswith("/") or any(ord(c) < 0x20 or ord(c) == 0x7F for c in path):
        return "the path must start with / and have no control characters"
    return ""


def _authority(host: str, port: int) -> str:
    """``host`` or ``host:port`` as sent in ``Host`` and used to resolve redirects."""
    name = bracketed(host)
    return name if port == 443 else f"{name}:{port}"


async def _fetch(
    address: str,
    port: int,
    host: str,
    path: str,
    max_body: int,
    max_redirects: int,
    progress: _Progress,
    stream: Stream | None = None,
) -> _Page:
    headers = [
        ("Host", _authority(host, port)),
        ("User-Agent", USER_AGENT),
        ("Accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"),
        # only what read_capped can decode within the cap (no brotli, no zstd)
        ("Accept-Encoding", "gzip, deflate"),
        ("Connection", "keep-alive"),
    ]
    current = path
    while True:
        exchange, stream = Exchange(progress.at, stream), None
        try:
            if not exchange.is_open:
                await exchange.open(address, port, host)
            status, raw = await exchange.send(current, headers)
            progress.status = status
            progress.headers = _headers(raw)
            progress.body_bytes = 0
            location = _first(progress.headers, "location")
            if status in REDIRECT_STATUSES and location is not None:
                progress.redirects.append((status, location))
                target = _on_site(location, host, port, current)
                if target is None:
                    return _Page(status, progress.headers, b"", False, True, False, "")
                if len(progress.redirects) > max_redirects:
                    raise _TooManyRedirects
                current = target
                continue
            encoding = (_first(progress.headers, "content-encoding") or "").strip().lower()
            declared = _first(progress.headers, "content-length") or ""
            body = await read_capped(
                exchange.body(),
                max_body,
                truncate=True,
                encoding=encoding,
                progress=progress.read,
                declared=declared,
            )
            content_type = _first(progress.headers, "content-type") or ""
            return _Page(
                status,
                progress.headers,
                body.data,
                body.truncated,
                False,
                content_type.split(";")[0].strip().lower() in _HTML_TYPES and decodable(encoding),
                charset_of(content_type) or "utf-8",
            )
        finally:
            exchange.close()


def _headers(raw: Iterable[tuple[bytes, bytes]]) -> tuple[tuple[str, str], ...]:
    """Names lower-cased, values exactly as received (UTF-8 when valid, else Latin-1)."""
    return tuple((name.decode("latin-1").lower(), _text(value)) for name, value in raw)


def _text(value: bytes) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("latin-1")


def _first(headers: Sequence[tuple[str, str]], name: str) -> str | None:
    return next((v for k, v in headers if k == name), None)


def _on_site(location: str, host: str, port: int, current: str) -> str | None:
    """The path to request next when ``location`` stays on the site, else None."""
    try:
        target = urlsplit(urljoin(f"https://{_authority(host, port)}{current}", location.strip()))
        target_port = target.port or 443
    except ValueError:  # an invalid port or IPv6 literal: not followed
        return None
    same_host = (target.hostname or "").rstrip(".") == host.lower().rstrip(".")
    if target.scheme != "https" or not same_host or target_port != port:
        return None
    next_path = target.path or "/"
    if not next_path.startswith("/") or any(ord(c) < 0x20 or ord(c) == 0x7F for c in next_path):
        return None
    return f"{next_path}?{target.query}" if target.query else next_path


def _decode(body: bytes, charset: str) -> str:
    try:
        return body.decode(charset, errors="replace")
    except LookupError:  # unknown charset, or a codec that is not a text encoding
        return body.decode("utf-8", errors="replace")


def _timed_out(progress: _Progress, limit: str) -> Failure:
    return timed_out(progress.phase, limit, status=progress.status, body=progress.body_bytes)
