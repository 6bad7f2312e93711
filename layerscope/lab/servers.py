"""Loopback servers for the lab: TLS layers that serve a chain exactly as configured, and
misbehaving peers (refusing, plain HTTP, TLS alert, garbage, tarpit, reset).

Everything runs on one asyncio loop owned by the lab's thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import random
import socket
import ssl
import struct
import time
from dataclasses import dataclass
from pathlib import Path

from layerscope.lab.pki import Issued, pem_bundle


class Behaviour(enum.StrEnum):
    """What a lab layer does with a connection."""

    TLS = "tls"  # a normal HTTPS server with the configured chain
    REFUSE = "refuse"  # nothing listens: connection refused
    PLAIN_HTTP = "plain_http"  # an HTTP server on the TLS port
    ALERT = "alert"  # answers every ClientHello with a fatal handshake_failure alert
    GARBAGE = "garbage"  # answers random bytes
    TARPIT = "tarpit"  # accepts TCP and never says anything
    RESET = "reset"  # accepts TCP, then resets the connection
    SLOW = "slow"  # a normal TLS server that waits ``delay`` seconds before answering


@dataclass(frozen=True)
class LayerSpec:
    """One lab layer.

    Attributes:
        behaviour: what the server does.
        chain: certificates served with SNI = the site, in the order sent (leaf first).
        default_chain: certificates served without SNI (or for another name); None means
            the same as ``chain``.
        page: HTML served on GET.
        delay: seconds a SLOW layer waits before its handshake.
        headers: extra response headers.
        hsts: send Strict-Transport-Security.
        staple: an OCSP response to staple (the lab then uses its stapling server).
        status: HTTP status of the page (with a ``Location`` in ``headers`` for redirects).
        endless: the page body never ends (for body-cap tests).
        switches: (seconds after the server started, chain) pairs: handshakes that start
            at or after that moment get that chain instead of ``chain`` (and also without
            SNI when ``default_chain`` is None). A renewal rolling out is one switch; a
            layer that flips back is two.
    """

    behaviour: Behaviour = Behaviour.TLS
    chain: tuple[Issued, ...] = ()
    default_chain: tuple[Issued, ...] | None = None
    page: str = "<!doctype html><title>layerscope lab</title><p>hello from the lab</p>"
    delay: float = 0.0
    headers: tuple[tuple[str, str], ...] = ()
    hsts: bool = True
    staple: bytes | None = None
    status: int = 200
    endless: bool = False
    switches: tuple[tuple[float, tuple[Issued, ...]], ...] = ()


def _context(chain: tuple[Issued, ...], directory: Path, tag: str) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    # the lab serves weak and broken certificates on purpose
    ctx.set_ciphers("ALL:@SECLEVEL=0")
    cert_file = directory / f"{tag}.chain.pem"
    key_file = directory / f"{tag}.key.pem"
    cert_file.write_bytes(pem_bundle(*chain))
    key_file.write_bytes(chain[0].key_pem)
    ctx.load_cert_chain(cert_file, key_file)
    return ctx


class LayerServer:
    """One listening socket on one loopback address, behaving as its spec says."""

    def __init__(self, spec: LayerSpec, host: str, site: str, directory: Path) -> None:
        self.spec = spec
        self.host = host
        self.site = site
        self._directory = directory
        self._server: asyncio.Server | None = None
        self._conns: set[asyncio.StreamWriter] = set()
        self._started = time.monotonic()

    def _tls_context(self) -> ssl.SSLContext | None:
        spec = self.spec
        if spec.behaviour not in (Behaviour.TLS, Behaviour.SLOW):
            return None
        site_ctx = _context(spec.chain, self._directory, f"{self.host}-sni")
        later = [
            (after, _context(chain, self._directory, f"{self.host}-sni-{index}"))
            for index, (after, chain) in enumerate(sorted(spec.switches, key=lambda s: s[0]))
        ]
        default_ctx = None
        if spec.default_chain is not None:
            default_ctx = _context(spec.default_chain, self._directory, f"{self.host}-default")
        if default_ctx is None and not later:
            return site_ctx
        site = self.site
        started = self._started

        def current() -> ssl.SSLContext:
            elapsed = time.monotonic() - started
            chosen = site_ctx
            for after, ctx in later:
                if elapsed >= after:
                    chosen = ctx
            return chosen

        def choose(obj: ssl.SSLObject, name: str | None, _ctx: ssl.SSLContext) -> None:
            # called for every ClientHello, with name None when the client sent no SNI
            if default_ctx is None or (name is not None and name.lower() == site):
                obj.context = current()

        base = default_ctx or site_ctx
        base.sni_callback = choose
        return base

    async def start(self, port: int) -> int:
        """Listen on ``host:port`` (0 picks a port); returns the port."""
        if self.spec.behaviour is Behaviour.REFUSE:
            return port
        self._started = time.monotonic()  # the clock of ``switches``
        ctx = self._tls_context()
        if self.spec.behaviour is Behaviour.SLOW:
            assert ctx is not None
            loop = asyncio.get_running_loop()
            self._server = await loop.create_server(lambda: _Delayed(self, ctx), self.host, port)
            return int(self._server.sockets[0].getsockname()[1])
        self._server = await asyncio.start_server(
            self._handle, self.host, port, ssl=ctx, ssl_handshake_timeout=10 if ctx else None
        )
        sock = self._server.sockets[0]
        return int(sock.getsockname()[1])

    async def stop(self) -> None:
        """Close the listener and every open connection."""
        for writer in list(self._conns):
            writer.transport.abort()
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 1)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._conns.add(writer)
        try:
            await self._serve(reader, writer)
        except (OSError, ssl.SSLError, asyncio.IncompleteReadError, TimeoutError):
            pass
        finally:
            self._conns.discard(writer)
            writer.transport.abort()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        behaviour = self.spec.behaviour
        if behaviour is Behaviour.TARPIT:
            await asyncio.sleep(3600)
        elif behaviour is Behaviour.RESET:
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            await reader.read(1)
        elif behaviour is Behaviour.GARBAGE:
            rng = random.Random(self.host)
            writer.write(bytes(rng.randrange(32, 256) for _ in range(512)))
            await writer.drain()
            await asyncio.sleep(30)
        elif behaviour is Behaviour.ALERT:
            # what a server with no usable cipher or certificate for the name answers:
            # a fatal handshake_failure alert record, then close
            await reader.read(4096)
            writer.write(bytes([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]))
            await writer.drain()
        elif behaviour is Behaviour.PLAIN_HTTP:
            await reader.read(4096)
            body = b"<html><body>400 The plain HTTP request was sent to HTTPS port</body></html>"
            writer.write(
                b"HTTP/1.1 400 Bad Request\r\nServer: lab\r\nContent-Type: text/html\r\n"
                + b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body)
                + body
            )
            await writer.drain()
        else:
            await self._http(reader, writer)

    async def _http(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async with asyncio.timeout(10):
            await reader.readuntil(b"\r\n\r\n")
        body = self.spec.page.encode()
        if self.spec.endless:
            # a page that never ends: chunks until the client gives up (or 256 MiB)
            writer.write(response_head(self.spec, None))
            chunk = b"<p>" + b"x" * 65530 + b"</p>"
            for _ in range(4096):
                if writer.transport.is_closing():
                    return
                writer.write(chunk)
                await writer.drain()
            return
        writer.write(response_head(self.spec, len(body)) + body)
        await writer.drain()


_REASONS = {200: "OK", 301: "Moved Permanently", 302: "Found", 404: "Not Found", 503: "Busy"}


def response_head(spec: LayerSpec, length: int | None) -> bytes:
    """Status line and headers of a lab page (no Content-Length when ``length`` is None)."""
    reason = _REASONS.get(spec.status, "Status")
    lines = [f"HTTP/1.1 {spec.status} {reason}", "Content-Type: text/html; charset=utf-8"]
    if not any(name.lower() == "server" for name, _ in spec.headers):
        lines.append("Server: layerscope-lab")
    if spec.hsts:
        lines.append("Strict-Transport-Security: max-age=31536000")
    lines += [f"{name}: {value}" for name, value in spec.headers]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


class _Delayed(asyncio.Protocol):
    """Holds a new connection unread for the spec's delay, then starts TLS on it.

    Reading is paused before any byte arrives, so the ClientHello waits in the kernel
    buffer and reaches the TLS layer intact.
    """

    def __init__(self, server: LayerServer, ctx: ssl.SSLContext) -> None:
        self._server = server
        self._ctx = ctx

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        transport.pause_reading()
        self._task = asyncio.get_running_loop().create_task(self._later(transport))

    async def _later(self, transport: asyncio.Transport) -> None:
        loop = asyncio.get_running_loop()
        await asyncio.sleep(self._server.spec.delay)
        reader = asyncio.StreamReader()
        protocol = asyncio.StreamReaderProtocol(reader)
        try:
            tls = await loop.start_tls(transport, protocol, self._ctx, server_side=True)
        except (OSError, ssl.SSLError, ConnectionError):
            transport.abort()
            return
        if tls is None:
            return
        protocol.connection_made(tls)
        writer = asyncio.StreamWriter(tls, protocol, reader, loop)
        await self._server._handle(reader, writer)
