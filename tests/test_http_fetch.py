"""fetch_page against real HTTPS servers on loopback (127.253.0.x), one behaviour per path.

The servers run on a background loop thread with a throwaway CA; every request records
the SNI and Host it arrived with, so the tests can check the pinning.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import gc
import gzip
import socket
import ssl
import struct
import time
import warnings
import zlib
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from layerscope.diagnose.cdn import cdn_from_headers
from layerscope.lab import pki
from layerscope.lab.loop import LoopThread
from layerscope.model import ErrorKind, HttpResult, MixedRef
from layerscope.net import page as http_module
from layerscope.net.page import fetch_page

SITE = "shop.http.test"
MAIN = "127.253.0.1"  # the HTTPS site with one behaviour per path
PLAIN = "127.253.0.2"  # plain HTTP on the HTTPS port
NOTHING = "127.253.0.3"  # nothing listens: refused
TARPIT = "127.253.0.4"  # accepts TCP, never speaks
RESET = "127.253.0.5"  # accepts TCP, then resets
ALERT = "127.253.0.6"  # answers every ClientHello with a fatal handshake_failure alert
FULL = "127.253.0.7"  # listen backlog full: SYNs are dropped (connect timeout)

MIXED_PAGE = (
    "<!doctype html><html><head><title>Mixed page</title>"
    '<script src="http://cdn.example/app.js"></script></head>'
    '<body><img src="http://img.example/logo.png"><img src="https://ok.example/x.png">'
    "</body></html>"
)
ESC_VALUE = "before\x1b[31mred\x07after"

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter, int], Awaitable[None]]


@dataclass(frozen=True)
class Seen:
    """One request as the server saw it."""

    path: str
    host: str | None
    sni: str | None


def head(status: str, headers: list[tuple[str, str]], length: int | None) -> bytes:
    """A status line and headers (``Connection: close``), as bytes."""
    lines = [f"HTTP/1.1 {status}", *(f"{k}: {v}" for k, v in headers)]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def send(
    writer: asyncio.StreamWriter, status: str, headers: list[tuple[str, str]], body: bytes
) -> None:
    """Write a whole response."""
    writer.write(head(status, headers, len(body)) + body)
    await writer.drain()


def html(
    body: str,
    *extra: tuple[str, str],
    content_type: str | None = "text/html",
    charset: str = "utf-8",
) -> Handler:
    """A 200 page (text/html unless told), encoded with ``charset``."""
    typed = [("Content-Type", content_type)] if content_type else []

    async def answer(_r: asyncio.StreamReader, w: asyncio.StreamWriter, _port: int) -> None:
        await send(w, "200 OK", [*typed, *extra], body.encode(charset))

    return answer


def redirect(status: str, location: str) -> Handler:
    """A redirect; ``{port}`` in ``location`` becomes the server's port."""

    async def answer(_r: asyncio.StreamReader, w: asyncio.StreamWriter, port: int) -> None:
        await send(w, status, [("Location", location.format(port=port))], b"moved")

    return answer


async def huge(_r: asyncio.StreamReader, w: asyncio.StreamWriter, _port: int) -> None:
    """3 MiB of HTML, with mixed content only after the first MiB."""
    chunk = b"<p>" + b"x" * 65530 + b"</p>"
    total = 48 * len(chunk) + 100
    w.write(head("200 OK", [("Content-Type", "text/html")], total))
    for _ in range(48):
        w.write(chunk)
        await w.drain()
    w.write(b'<script src="http://late.example/x.js"></script>'.ljust(100))
    await w.drain()


def gzipped(body: bytes) -> Handler:
    """``body`` sent with Content-Encoding: gzip."""
    return encoded(gzip.compress(body, compresslevel=9), "gzip")


def encoded(packed: bytes, encoding: str) -> Handler:
    """An HTML body already encoded with ``encoding``."""

    async def answer(_r: asyncio.StreamReader, w: asyncio.StreamWriter, _port: int) -> None:
        headers = [("Content-Type", "text/html"), ("Content-Encoding", encoding)]
        await send(w, "200 OK", headers, packed)

    return answer


def raw_deflate(body: bytes) -> bytes:
    """``body`` as deflate without the zlib wrapper (what some servers send)."""
    packer = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return packer.compress(body) + packer.flush()


async def drip(_r: asyncio.StreamReader, w: asyncio.StreamWriter, _port: int) -> None:
    """Headers at once, then one body byte every two seconds."""
    w.write(head("200 OK", [("Content-Type", "text/html")], 1000))
    await w.drain()
    for _ in range(1000):
        w.write(b"x")
        await w.drain()
        await asyncio.sleep(2)


async def silent(r: asyncio.StreamReader, _w: asyncio.StreamWriter, _port: int) -> None:
    """Reads the request and never answers."""
    await r.read()


async def short_body(_r: asyncio.StreamReader, w: asyncio.StreamWriter, _port: int) -> None:
    """Promises 1000 bytes, sends 10, closes."""
    w.write(head("200 OK", [("Content-Type", "text/html")], 1000) + b"<p>partial")
    await w.drain()


async def garbage(_r: asyncio.StreamReader, w: asyncio.StreamWriter, _port: int) -> None:
    """Answers bytes that are not HTTP."""
    w.write(b"\x00\x01SECRET-GARBAGE\x1b\r\n\r\n")
    await w.drain()


async def evil_headers(_r: asyncio.StreamReader, w: asyncio.StreamWriter, _port: int) -> None:
    """Control characters in a header value, repeated headers, a lab CDN server header."""
    headers = [
        ("Content-Type", "text/html"),
        ("X-Evil", ESC_VALUE),
        ("Set-Cookie", "a=1"),
        ("Server", "fastedge-lab"),
        ("Set-Cookie", "b=2"),
    ]
    await send(w, "200 OK", headers, b"<title>evil</title>")


ROUTES: dict[str, Handler] = {
    "/mixed": html(MIXED_PAGE, ("Strict-Transport-Security", "max-age=300")),
    "/csp": html(
        MIXED_PAGE, ("Content-Security-Policy", "default-src https:; upgrade-insecure-requests")
    ),
    "/csp-report-only": html(
        MIXED_PAGE, ("Content-Security-Policy-Report-Only", "upgrade-insecure-requests")
    ),
    "/meta": html(
        '<head><meta http-equiv="Content-Security-Policy" content="upgrade-insecure-requests">'
        '</head><body><img src="http://img.example/a.png">'
    ),
    "/r1": redirect("301 Moved Permanently", "/r2"),
    "/r2": redirect("302 Found", "https://SHOP.http.test:{port}/mixed?from=r2"),
    "/away": redirect("302 Found", "https://elsewhere.test/landing"),
    "/downgrade": redirect("301 Moved Permanently", "http://shop.http.test:{port}/mixed"),
    "/other-port": redirect("308 Permanent Redirect", "https://shop.http.test:1/mixed"),
    "/loop": redirect("302 Found", "/loop"),
    "/huge": huge,
    "/gzip": gzipped(MIXED_PAGE.encode()),
    "/gzip-bomb": gzipped(b"\0" * (64 << 20)),
    "/deflate": encoded(zlib.compress(MIXED_PAGE.encode()), "deflate"),
    "/deflate-raw": encoded(raw_deflate(MIXED_PAGE.encode()), "deflate"),
    "/brotli": encoded(b"\x8b\x02\x80<img src=http://x.example/a.png>", "br"),
    "/drip": drip,
    "/silent": silent,
    "/short": short_body,
    "/garbage": garbage,
    "/evil-headers": evil_headers,
    "/latin1": html(
        "<title>caf\xe9</title>",
        content_type="text/html; charset=iso-8859-1",
        charset="latin-1",
    ),
    "/json": html('{"see": "<img src=http://x.example/a.png>"}', content_type="application/json"),
    "/no-type": html(MIXED_PAGE, content_type=None),
}


@dataclass
class Servers:
    """The running servers: the shared port and what the site saw."""

    port: int
    seen: list[Seen] = field(default_factory=list)
    connections: int = 0  # accepted by any of the servers


class _Site:
    """Listeners on the background loop; every connection is tracked so it can be closed."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.servers: list[asyncio.Server] = []
        self.tasks: set[asyncio.Task[None]] = set()
        self.writers: set[asyncio.StreamWriter] = set()
        self.sni: dict[int, str | None] = {}
        self.state = Servers(0)

    def context(self) -> ssl.SSLContext:
        now = dt.datetime.now(dt.UTC)
        root = pki.ca("HTTP test CA", now=now)
        leaf = pki.leaf([SITE], now=now, parent=root)
        chain = self.directory / "chain.pem"
        key = self.directory / "key.pem"
        chain.write_bytes(leaf.pem + root.pem)
        key.write_bytes(leaf.key_pem)
        site = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        site.load_cert_chain(chain, key)

        def remember(obj: ssl.SSLObject, name: str | None, _ctx: ssl.SSLContext) -> None:
            self.sni[id(obj)] = name

        site.sni_callback = remember
        return site

    def tracked(self, serve: Handler) -> Callable[..., Awaitable[None]]:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.current_task()
            assert task is not None
            self.tasks.add(task)
            self.writers.add(writer)
            self.state.connections += 1
            try:
                await serve(reader, writer, self.state.port)
            except (OSError, ssl.SSLError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                pass
            finally:
                self.writers.discard(writer)
                writer.transport.abort()
                self.tasks.discard(task)

        return handle

    async def site(self, reader: asyncio.StreamReader, w: asyncio.StreamWriter, port: int) -> None:
        request = await reader.readuntil(b"\r\n\r\n")
        lines = request.decode("latin-1").split("\r\n")
        target = lines[0].split(" ")[1]
        headers = {
            name.strip().lower(): value.strip()
            for name, _, value in (line.partition(":") for line in lines[1:] if ":" in line)
        }
        obj = w.get_extra_info("ssl_object")
        self.state.seen.append(Seen(target, headers.get("host"), self.sni.get(id(obj))))
        route = ROUTES.get(target.split("?")[0])
        if route is None:
            await send(w, "404 Not Found", [("Content-Type", "text/plain")], b"no such page")
        else:
            await route(reader, w, port)

    @staticmethod
    async def plain(reader: asyncio.StreamReader, w: asyncio.StreamWriter, _port: int) -> None:
        await reader.read(4096)
        await send(w, "400 Bad Request", [("Content-Type", "text/html")], b"plain HTTP here")

    @staticmethod
    async def tarpit(reader: asyncio.StreamReader, _w: asyncio.StreamWriter, _port: int) -> None:
        await reader.read()

    @staticmethod
    async def reset(reader: asyncio.StreamReader, w: asyncio.StreamWriter, _port: int) -> None:
        sock = w.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        await reader.read(1)

    @staticmethod
    async def alert(reader: asyncio.StreamReader, w: asyncio.StreamWriter, _port: int) -> None:
        # Python's TLS server closes without sending its alert: write the record by hand
        await reader.read(4096)
        w.write(bytes([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]))
        await w.drain()

    async def start(self) -> None:
        site_ctx = self.context()
        first = await asyncio.start_server(self.tracked(self.site), MAIN, 0, ssl=site_ctx)
        self.servers.append(first)
        self.state.port = port = int(first.sockets[0].getsockname()[1])
        for address, handler in (
            (PLAIN, self.plain),
            (TARPIT, self.tarpit),
            (RESET, self.reset),
            (ALERT, self.alert),
        ):
            server = await asyncio.start_server(self.tracked(handler), address, port)
            self.servers.append(server)

    async def stop(self) -> None:
        for server in self.servers:
            server.close()
        for writer in list(self.writers):
            writer.transport.abort()
        for task in list(self.tasks):
            task.cancel()
        await asyncio.sleep(0.05)
        for server in self.servers:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(server.wait_closed(), 1)


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    """Every test server, on one port shared by the loopback addresses."""
    site = _Site(tmp_path_factory.mktemp("http-pki"))
    thread = LoopThread("http-tests")
    thread.start()
    try:
        thread.run(site.start())
        yield site.state
    finally:
        if thread.running:
            thread.run(site.stop())
        thread.stop()


@pytest.fixture
def full_backlog() -> Iterator[int]:
    """A listener on FULL whose accept queue is full: new SYNs are dropped (Linux)."""
    listener = socket.socket()
    filler = socket.socket()
    try:
        listener.bind((FULL, 0))
        listener.listen(0)
        port = int(listener.getsockname()[1])
        filler.connect((FULL, port))
        yield port
    finally:
        filler.close()
        listener.close()


async def fetch(servers: Servers, path: str, **kwargs: float) -> HttpResult:
    """fetch_page from the main site server."""
    return await fetch_page(MAIN, servers.port, SITE, path=path, **kwargs)  # type: ignore[arg-type]


# -- pinning -----------------------------------------------------------------------------


async def test_request_is_pinned_with_sni_and_host_of_the_site(servers: Servers) -> None:
    """The request reaches the given IP with SNI = the site and Host = site:port."""
    result = await fetch(servers, "/mixed")
    assert result.error is None
    assert result.status == 200
    assert (result.address, result.port, result.path) == (MAIN, servers.port, "/mixed")
    seen = [s for s in servers.seen if s.path == "/mixed"][-1]
    assert seen.sni == SITE
    assert seen.host == f"{SITE}:{servers.port}"


def test_host_header_omits_the_default_port_and_brackets_ipv6() -> None:
    """Host is ``site`` on 443 and ``site:port`` elsewhere; an IPv6 site is bracketed."""
    assert http_module._authority("example.com", 443) == "example.com"
    assert http_module._authority("example.com", 8443) == "example.com:8443"
    assert http_module._authority("2001:db8::1", 8443) == "[2001:db8::1]:8443"


# -- page content ------------------------------------------------------------------------


async def test_mixed_content_and_title_are_found(servers: Servers) -> None:
    """An HTTPS page with http:// script and image yields both refs, active and passive."""
    result = await fetch(servers, "/mixed")
    assert result.mixed == (
        MixedRef("script", "src", "http://cdn.example/app.js", True),
        MixedRef("img", "src", "http://img.example/logo.png", False),
    )
    assert result.title == "Mixed page"
    assert result.upgrade_insecure == ""
    assert result.header("strict-transport-security") == "max-age=300"
    assert result.body_bytes == len(MIXED_PAGE)
    assert not result.truncated


async def test_csp_header_upgrade_is_reported_as_header(servers: Servers) -> None:
    """upgrade-insecure-requests in the Content-Security-Policy header: "header"."""
    result = await fetch(servers, "/csp")
    assert result.upgrade_insecure == "header"
    assert len(result.mixed) == 2  # still listed; the finding decides what it means


async def test_report_only_csp_does_not_upgrade(servers: Servers) -> None:
    """Content-Security-Policy-Report-Only enforces nothing: no upgrade."""
    result = await fetch(servers, "/csp-report-only")
    assert result.upgrade_insecure == ""


async def test_meta_upgrade_is_reported_as_meta(servers: Servers) -> None:
    """Only the meta tag has the directive: "meta"."""
    result = await fetch(servers, "/meta")
    assert result.upgrade_insecure == "meta"
    assert result.mixed == (MixedRef("img", "src", "http://img.example/a.png", False),)


async def test_gzip_page_is_decoded_and_scanned(servers: Servers) -> None:
    """A gzip-encoded page is decompressed before scanning."""
    result = await fetch(servers, "/gzip")
    assert result.header("content-encoding") == "gzip"
    assert result.body_bytes == len(MIXED_PAGE)
    assert len(result.mixed) == 2


@pytest.mark.parametrize("path", ["/deflate", "/deflate-raw"])
async def test_deflate_with_or_without_zlib_wrapper_is_decoded(servers: Servers, path: str) -> None:
    """Content-Encoding: deflate is decoded whether or not the zlib header is there."""
    result = await fetch(servers, path)
    assert result.body_bytes == len(MIXED_PAGE)
    assert result.title == "Mixed page"


async def test_unknown_content_encoding_is_not_scanned(servers: Servers) -> None:
    """A body in an encoding we did not ask for (br) is counted, not scanned."""
    result = await fetch(servers, "/brotli")
    assert result.error is None
    assert result.mixed == ()


async def test_gzip_bomb_stops_at_the_cap(servers: Servers) -> None:
    """64 MiB compressed into a few KiB is cut at max_body after decompression."""
    result = await fetch(servers, "/gzip-bomb", max_body=1 << 20)
    assert result.error is None
    assert result.truncated
    assert result.body_bytes == 1 << 20


async def test_charset_of_content_type_decodes_the_page(servers: Servers) -> None:
    """charset=iso-8859-1 in Content-Type decodes byte 0xE9 as é."""
    result = await fetch(servers, "/latin1")
    assert result.title == "café"


async def test_non_html_is_not_scanned(servers: Servers) -> None:
    """A JSON answer mentioning http:// URLs yields no mixed content."""
    result = await fetch(servers, "/json")
    assert result.status == 200
    assert result.mixed == ()


async def test_missing_content_type_is_scanned_as_html(servers: Servers) -> None:
    """No Content-Type: the body is scanned as HTML."""
    result = await fetch(servers, "/no-type")
    assert result.header("content-type") is None
    assert len(result.mixed) == 2


async def test_header_values_come_back_exactly_with_esc_and_bel(servers: Servers) -> None:
    """ESC and BEL in a header value are kept as received; order and repeats are kept."""
    result = await fetch(servers, "/evil-headers")
    assert result.header("x-evil") == ESC_VALUE
    names = [name for name, _ in result.headers]
    assert names[:5] == ["content-type", "x-evil", "set-cookie", "server", "set-cookie"]
    assert [v for k, v in result.headers if k == "set-cookie"] == ["a=1", "b=2"]


async def test_not_found_is_a_status_not_an_error(servers: Servers) -> None:
    """A 404 is an answer: status 404, no error."""
    result = await fetch(servers, "/nowhere")
    assert (result.status, result.error) == (404, None)


# -- redirects ---------------------------------------------------------------------------


async def test_redirects_within_the_site_are_followed_and_recorded(servers: Servers) -> None:
    """Relative and absolute same-site redirects are followed on the pinned address."""
    result = await fetch(servers, "/r1")
    assert result.error is None
    assert result.redirects == (
        (301, "/r2"),
        (302, f"https://SHOP.http.test:{servers.port}/mixed?from=r2"),
    )
    assert not result.redirect_refused
    assert result.status == 200
    assert result.title == "Mixed page"
    assert result.path == "/r1"
    final = [s for s in servers.seen if s.path == "/mixed?from=r2"][-1]
    assert (final.sni, final.host) == (SITE, f"{SITE}:{servers.port}")


@pytest.mark.parametrize("path", ["/away", "/downgrade", "/other-port"])
async def test_redirect_off_the_site_is_recorded_not_followed(servers: Servers, path: str) -> None:
    """Another host, plain http or another port: recorded, refused, no error."""
    before = len(servers.seen)
    result = await fetch(servers, path)
    assert result.error is None
    assert result.redirect_refused
    assert len(result.redirects) == 1
    assert result.status == result.redirects[0][0]
    assert result.mixed == ()
    assert len(servers.seen) == before + 1


async def test_redirect_loop_ends_with_too_many_redirects(servers: Servers) -> None:
    """A page redirecting to itself gives an error after max_redirects (20)."""
    result = await fetch(servers, "/loop")
    assert result.error is not None
    assert "too many redirects" in result.error.message
    assert len(result.redirects) == 21
    assert result.redirects[0] == (302, "/loop")


async def test_max_redirects_is_respected(servers: Servers) -> None:
    """Two hops pass with max_redirects=2 and fail with max_redirects=1."""
    assert (await fetch(servers, "/r1", max_redirects=2)).error is None
    limited = await fetch(servers, "/r1", max_redirects=1)
    assert limited.error is not None
    assert "too many redirects" in limited.error.message


# -- body cap and deadlines --------------------------------------------------------------


async def test_huge_body_is_cut_at_one_mebibyte(servers: Servers) -> None:
    """A 3 MiB page is read up to max_body (1 MiB) and marked truncated."""
    result = await fetch(servers, "/huge")
    assert result.error is None
    assert result.status == 200
    assert result.truncated
    assert result.body_bytes == 1 << 20
    assert result.mixed == ()  # the script after the cap was never read


async def test_drip_feed_cannot_outlast_the_deadline(servers: Servers) -> None:
    """Headers then one byte every 2 s: the fetch still ends at its timeout."""
    started = time.perf_counter()
    result = await fetch(servers, "/drip", timeout=3)
    elapsed = time.perf_counter() - started
    assert elapsed < 3 + 2
    assert result.error is not None
    assert result.error.message.startswith("HTTP fetch timed out after 3s")
    assert result.error.kind is ErrorKind.HTTP_TIMEOUT
    assert result.status == 200  # what was seen before the deadline is kept
    assert 1 <= result.body_bytes <= 3


async def test_silent_server_times_out_after_tls(servers: Servers) -> None:
    """TLS up but no answer: an HTTP timeout that says no headers came."""
    result = await fetch(servers, "/silent", timeout=1)
    assert result.error is not None
    assert result.error.message == "HTTP fetch timed out after 1s (no HTTP response headers)"
    assert result.status is None


async def test_tarpit_is_a_handshake_timeout(servers: Servers) -> None:
    """TCP accepted, no TLS answer: HANDSHAKE_TIMEOUT within about the timeout."""
    started = time.perf_counter()
    result = await fetch_page(TARPIT, servers.port, SITE, timeout=1)
    assert time.perf_counter() - started < 1 + 2
    assert result.error is not None
    assert result.error.kind is ErrorKind.HANDSHAKE_TIMEOUT


async def test_handshake_cut_by_the_deadline_leaves_no_socket_open(servers: Servers) -> None:
    """httpcore leaks the TCP socket when a deadline cancels the TLS handshake: closed here."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        await fetch_page(TARPIT, servers.port, SITE, timeout=0.3)
        gc.collect()
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]


async def test_dropped_syn_is_a_connect_timeout(full_backlog: int) -> None:
    """SYNs dropped by a full accept queue: CONNECT_TIMEOUT."""
    result = await fetch_page(FULL, full_backlog, SITE, timeout=1)
    assert result.error is not None
    assert result.error.kind is ErrorKind.CONNECT_TIMEOUT
    assert 900 <= result.elapsed_ms < 3000


# -- failures as values ------------------------------------------------------------------


async def test_refused_port_is_refused(servers: Servers) -> None:
    """Nothing listening: REFUSED, quickly."""
    result = await fetch_page(NOTHING, servers.port, SITE, timeout=3)
    assert result.error is not None
    assert result.error.kind is ErrorKind.REFUSED
    assert result.status is None


async def test_plain_http_on_the_https_port_is_not_tls(servers: Servers) -> None:
    """A plain HTTP server answering the ClientHello: NOT_TLS."""
    result = await fetch_page(PLAIN, servers.port, SITE, timeout=3)
    assert result.error is not None
    assert result.error.kind is ErrorKind.NOT_TLS
    assert "plain HTTP here" not in result.error.message


async def test_reset_is_reset(servers: Servers) -> None:
    """A peer that resets the connection: RESET or PEER_CLOSED, never an exception."""
    result = await fetch_page(RESET, servers.port, SITE, timeout=3)
    assert result.error is not None
    assert result.error.kind in (ErrorKind.RESET, ErrorKind.PEER_CLOSED)


async def test_tls_alert_is_named(servers: Servers) -> None:
    """A server refusing the handshake with an alert: TLS_ALERT naming the alert."""
    result = await fetch_page(ALERT, servers.port, SITE, timeout=3)
    assert result.error is not None
    assert result.error.kind is ErrorKind.TLS_ALERT
    assert "handshake failure" in result.error.message


async def test_body_cut_short_is_peer_closed(servers: Servers) -> None:
    """Content-Length promised, connection closed early: PEER_CLOSED, status kept."""
    result = await fetch(servers, "/short")
    assert result.error is not None
    assert result.error.kind is ErrorKind.PEER_CLOSED
    assert result.status == 200


async def test_garbage_answer_is_invalid_http_without_echo(servers: Servers) -> None:
    """Bytes that are not HTTP: an error whose message does not quote them."""
    result = await fetch(servers, "/garbage")
    assert result.error is not None
    assert "SECRET" not in result.error.message
    assert "\x1b" not in result.error.message


@pytest.mark.parametrize(
    ("address", "port", "host", "path"),
    [
        ("not-an-ip", 443, SITE, "/"),
        (MAIN, 0, SITE, "/"),
        (MAIN, 443, "bad host\r\nX: y", "/"),
        (MAIN, 443, SITE, "no-slash"),
        (MAIN, 443, SITE, "/a\r\nInjected: 1"),
    ],
)
async def test_bad_input_is_an_invalid_input_value(
    address: str, port: int, host: str, path: str
) -> None:
    """Impossible addresses, ports, hosts and paths give INVALID_INPUT without I/O."""
    result = await fetch_page(address, port, host, path=path, timeout=1)
    assert result.error is not None
    assert result.error.kind is ErrorKind.INVALID_INPUT


# -- CDN from headers --------------------------------------------------------------------


async def test_lab_server_header_names_the_lab_cdn(servers: Servers) -> None:
    """The headers of a real fetch feed cdn_from_headers: Server: fastedge-lab."""
    result = await fetch(servers, "/evil-headers")
    assert cdn_from_headers(result.headers) == "FastEdge (lab)"
    assert cdn_from_headers((await fetch(servers, "/mixed")).headers) is None


@pytest.mark.parametrize(
    ("headers", "provider"),
    [
        ([("Server", "cloudflare")], "Cloudflare"),
        ([("CF-RAY", "8a1b2c3d4e5f-FRA")], "Cloudflare"),
        ([("X-Amz-Cf-Id", "abc==")], "CloudFront"),
        ([("Via", "1.1 0123abcd.cloudfront.net (CloudFront)")], "CloudFront"),
        ([("X-Served-By", "cache-fra-eddf8230045-FRA, cache-ams21052-AMS")], "Fastly"),
        ([("X-Fastly-Request-ID", "f00")], "Fastly"),
        ([("Fastly-Debug-Digest", "abc")], "Fastly"),
        ([("Server", "AkamaiGHost")], "Akamai"),
        ([("X-Akamai-Transformed", "9 - 0 pmb=mRUM,1")], "Akamai"),
        ([("Akamai-GRN", "0.1234")], "Akamai"),
        ([("X-Azure-Ref", "0abc")], "Azure Front Door"),
        ([("Via", "1.1 google")], "Google Cloud CDN"),
        ([("Server", "BunnyCDN-DE1-1053")], "Bunny"),
        ([("CDN-PullZone", "12345")], "Bunny"),
        ([("X-Vercel-Id", "fra1::abc")], "Vercel"),
        ([("X-NF-Request-ID", "01H")], "Netlify"),
        ([("server", "FastEdge-Lab/1.0")], "FastEdge (lab)"),
    ],
)
def test_cdn_is_recognised_from_its_signature_header(
    headers: list[tuple[str, str]], provider: str
) -> None:
    """Each provider's signature header (any case) names it."""
    assert cdn_from_headers(headers) == provider


@pytest.mark.parametrize(
    "headers",
    [
        [],
        [("Server", "nginx"), ("Via", "1.1 varnish")],
        [("X-Served-By", "web-01")],
        [("Via", "1.1 googleusercontent-proxy")],
        [("Server", "not-cloudflare")],
    ],
)
def test_origin_headers_name_no_cdn(headers: list[tuple[str, str]]) -> None:
    """Plain servers and look-alike values are not taken for a CDN."""
    assert cdn_from_headers(headers) is None
