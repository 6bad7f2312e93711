"""One HTTPS GET pinned to one layer: SNI and Host are the site, the TCP peer is one IP.

The request goes to ``https://<ip>:<port><path>`` with ``Host: <site>`` and the
``sni_hostname`` extension, so no DNS is involved and each CDN edge is observed on its
own. Certificates are not verified here (the TLS analysis judges them); this module
observes the page: status, headers, redirects, and mixed content.

Everything about the peer is untrusted: the whole fetch has one deadline whatever the
server drips, the body is capped (compressed bodies too), header values are kept as
received for renderers to escape, and error messages never quote the peer's bytes.
Failures are values (:class:`~layerscope.model.ProbeError`), never exceptions.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import ipaddress
import ssl
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from layerscope.model import ErrorKind, HttpResult, ProbeError
from layerscope.model.names import bracketed
from layerscope.net.capped import decodable, read_capped
from layerscope.net.errors import Failure, Phase, client_limit, http_failure, timed_out
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
    # the TCP stream between connect and the end of the TLS handshake: httpcore closes it
    # when the handshake fails, but not when a deadline cancels it (it would leak)
    handshaking: Any = None

    async def trace(self, event: str, info: dict[str, Any]) -> None:
        """httpcore's ``trace`` extension: note when TCP and TLS are up."""
        if event == "connection.connect_tcp.started":
            self.phase = "connect"  # again after a redirect on a new connection
        elif event == "connection.connect_tcp.complete":
            self.phase = "tls"
            self.handshaking = info.get("return_value")
        elif event == "connection.start_tls.complete":
            self.phase = "http"
            self.handshaking = None

    def read(self, size: int) -> None:
        """Note the body bytes kept so far (a deadline reports how far the body got)."""
        self.body_bytes = size

    async def release(self) -> None:
        """Close a TCP stream left behind by a handshake cut short."""
        stream, self.handshaking = self.handshaking, None
        if stream is not None:
            with contextlib.suppress(Exception):
                await stream.aclose()


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
    client: httpx.AsyncClient | None = None,
) -> HttpResult:
    """GET ``path`` from the layer at ``address:port`` as the site ``host`` (SNI and Host).

    Redirects are followed by hand while they stay on the site (https, same host name and
    port, hence the same pinned address); a redirect elsewhere is recorded and not
    followed (``redirect_refused``), and more than ``max_redirects`` is an error value.
    At most ``max_body`` bytes of (decoded) body are read. ``timeout`` bounds the whole
    fetch: connect, TLS, headers, body and redirects together.

    ``client`` lets a caller share connections; make it with ``verify=False`` and
    ``trust_env=False`` (no proxy), and share it within one site only: httpx pools
    connections by IP and port, not by SNI, so another site on the same IP could be served
    over this site's connection. When None, a client is made for this call and closed.

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
    own = client is None
    session = client if client is not None else _new_client(timeout)
    try:
        async with asyncio.timeout(timeout):
            page = await _fetch(
                session, address, port, host, path, max_body, max_redirects, progress
            )
    except TimeoutError:
        return failed(*_timed_out(progress, f"{timeout:g}s"))
    except _TooManyRedirects:
        return failed(
            ErrorKind.TOO_MANY_REDIRECTS, f"too many redirects (more than {max_redirects})"
        )
    except httpx.TimeoutException as exc:
        return failed(*_timed_out(progress, client_limit(exc)))
    except (httpx.HTTPError, httpx.InvalidURL, OSError, ValueError) as exc:
        return failed(*http_failure(exc, progress.phase, address=address, port=port))
    finally:
        await progress.release()
        if own:
            await session.aclose()
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


@functools.cache
def _no_verify() -> ssl.SSLContext:
    """One client context without verification for every page fetch of the process (the
    TLS analysis judges the certificates): making one per client loads the default CA
    certificates each time, ~8 ms of CPU per layer."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _new_client(timeout: float) -> httpx.AsyncClient:
    # per-operation timeouts only back up the overall deadline, which should fire first;
    # trust_env=False: a proxy from the environment would defeat the pinning
    return httpx.AsyncClient(
        verify=_no_verify(),
        follow_redirects=False,
        trust_env=False,
        timeout=httpx.Timeout(timeout + 1.0),
        limits=httpx.Limits(max_connections=2, max_keepalive_connections=1),
    )


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


def _pinned_url(address: str, port: int, path: str) -> str:
    """The request URL: the layer's IP (IPv6 in brackets) with the site's path."""
    ip = bracketed(address)
    return f"https://{ip}:{port}{path}"


async def _fetch(
    client: httpx.AsyncClient,
    address: str,
    port: int,
    host: str,
    path: str,
    max_body: int,
    max_redirects: int,
    progress: _Progress,
) -> _Page:
    headers = {
        "Host": _authority(host, port),
        "User-Agent": USER_AGENT,
        "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8",
        # only what read_capped can decode within the cap (no brotli, no zstd)
        "Accept-Encoding": "gzip, deflate",
    }
    extensions = {"sni_hostname": host, "trace": progress.trace}
    current = path
    while True:
        request = client.build_request(
            "GET", _pinned_url(address, port, current), headers=headers, extensions=extensions
        )
        # explicit: a caller's client may follow redirects itself, off the pinned address
        response = await client.send(request, stream=True, follow_redirects=False)
        try:
            progress.status = response.status_code
            progress.headers = _headers(response.headers.raw)
            progress.body_bytes = 0
            location = _first(progress.headers, "location")
            if response.status_code in REDIRECT_STATUSES and location is not None:
                progress.redirects.append((response.status_code, location))
                target = _on_site(location, host, port, current)
                if target is None:
                    return _Page(progress.status, progress.headers, b"", False, True, False, "")
                if len(progress.redirects) > max_redirects:
                    raise _TooManyRedirects
                current = target
                continue
            encoding = (_first(progress.headers, "content-encoding") or "").strip().lower()
            body = await read_capped(
                response, max_body, truncate=True, encoding=encoding, progress=progress.read
            )
            content_type = (_first(progress.headers, "content-type") or "").split(";")[0]
            return _Page(
                progress.status,
                progress.headers,
                body.data,
                body.truncated,
                False,
                content_type.strip().lower() in _HTML_TYPES and decodable(encoding),
                response.charset_encoding or "utf-8",
            )
        finally:
            await response.aclose()


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
