"""Loopback servers for the lab: TLS layers that serve a chain exactly as configured (or
two, an ECDSA and an RSA one, as nginx with two ``ssl_certificate`` lines), and
misbehaving peers (refusing, plain HTTP, TLS alert, garbage, tarpit, reset).

Everything runs on one asyncio loop owned by the lab's thread. The TLS layers drive the
stdlib ``ssl`` over memory BIOs rather than through asyncio's TLS transport, which closes
a failed handshake without sending its alert: a client that offers only signature
algorithms the layer has no certificate for gets the handshake_failure alert real servers
send.
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
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from layerscope.lab.pki import Issued, pem_bundle

_READ_SIZE = 65536
_HANDSHAKE_TIMEOUT = 10.0
_MAX_HEAD = 65536

Chain = tuple[Issued, ...]
"""Certificates in the order sent, leaf first."""


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
        second_chain: a second certificate for the same names, whose leaf key has another
            type than ``chain``'s (an RSA one beside an ECDSA one): OpenSSL picks one per
            handshake from the client's signature algorithms (ECDSA when it offers both).
            Empty: one certificate. Served wherever ``chain`` is; stapling layers hold one.
        second_switches: the same as ``switches``, for ``second_chain`` (the two types of
            a renewal may roll out at different moments).
        max_version: the newest TLS version the layer speaks (an older server: TLS 1.2).
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
    second_chain: tuple[Issued, ...] = ()
    second_switches: tuple[tuple[float, tuple[Issued, ...]], ...] = ()
    max_version: ssl.TLSVersion = ssl.TLSVersion.MAXIMUM_SUPPORTED


def _context(
    chains: Sequence[Chain],
    directory: Path,
    tag: str,
    max_version: ssl.TLSVersion = ssl.TLSVersion.MAXIMUM_SUPPORTED,
) -> ssl.SSLContext:
    """A server context holding each of ``chains`` (one per key type, as OpenSSL keeps
    them: a second chain of the same type would silently replace the first)."""
    types = [type(chain[0].key) for chain in chains]
    if len(set(types)) != len(types):
        raise ValueError(f"{tag}: two certificates of one key type ({types})")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    # the lab serves weak and broken certificates on purpose
    ctx.set_ciphers("ALL:@SECLEVEL=0")
    ctx.maximum_version = max_version
    for number, chain in enumerate(chains, start=1):
        name = tag if number == 1 else f"{tag}-{number}"
        cert_file = directory / f"{name}.chain.pem"
        key_file = directory / f"{name}.key.pem"
        cert_file.write_bytes(pem_bundle(*chain))
        key_file.write_bytes(chain[0].key_pem)
        ctx.load_cert_chain(cert_file, key_file)
    return ctx


def _chain_at(moment: float, first: Chain, switches: Sequence[tuple[float, Chain]]) -> Chain:
    """The chain a handshake starting ``moment`` seconds after the start gets."""
    chosen = first
    for after, chain in sorted(switches, key=lambda switch: switch[0]):
        if moment >= after:
            chosen = chain
    return chosen


def epochs(spec: LayerSpec) -> list[tuple[float, tuple[Chain, ...]]]:
    """(from that many seconds on, the chains served with SNI) in time order: the first
    from the start, one more at each moment ``switches`` or ``second_switches`` names."""
    moments = sorted({0.0, *(a for a, _ in spec.switches), *(a for a, _ in spec.second_switches)})
    out: list[tuple[float, tuple[Chain, ...]]] = []
    for moment in moments:
        first = _chain_at(moment, spec.chain, spec.switches)
        second = _chain_at(moment, spec.second_chain, spec.second_switches)
        out.append((moment, (first, second) if second else (first,)))
    return out


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
        self._ctx: ssl.SSLContext | None = None

    def _tls_context(self) -> ssl.SSLContext | None:
        spec = self.spec
        if spec.behaviour not in (Behaviour.TLS, Behaviour.SLOW):
            return None
        newest = spec.max_version
        timeline = [
            (moment, _context(chains, self._directory, f"{self.host}-sni-{index}", newest))
            for index, (moment, chains) in enumerate(epochs(spec))
        ]
        site_ctx = timeline[0][1]
        default_ctx = None
        if spec.default_chain is not None:
            tag = f"{self.host}-default"
            default_ctx = _context((spec.default_chain,), self._directory, tag, newest)
        if default_ctx is None and len(timeline) == 1:
            return site_ctx
        site = self.site
        started = self._started

        def current() -> ssl.SSLContext:
            elapsed = time.monotonic() - started
            chosen = site_ctx
            for moment, ctx in timeline:
                if elapsed >= moment:
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
        self._ctx = self._tls_context()
        self._server = await asyncio.start_server(self._handle, self.host, port)
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
        except (OSError, ssl.SSLError, asyncio.IncompleteReadError, TimeoutError, _Closed):
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
        elif self._ctx is not None:  # TLS, or SLOW: the same once its delay is over
            if behaviour is Behaviour.SLOW:
                # the ClientHello waits unanswered, as behind an overloaded server
                await asyncio.sleep(self.spec.delay)
            stream = _TlsStream(self._ctx, reader, writer)
            async with asyncio.timeout(_HANDSHAKE_TIMEOUT):
                await stream.handshake()
            await self._http(stream)

    async def _http(self, stream: _TlsStream) -> None:
        async with asyncio.timeout(10):
            await stream.read_head()
        body = self.spec.page.encode()
        if self.spec.endless:
            # a page that never ends: chunks until the client gives up (or 256 MiB)
            await stream.send(response_head(self.spec, None))
            chunk = b"<p>" + b"x" * 65530 + b"</p>"
            for _ in range(4096):
                if stream.closing:
                    return
                await stream.send(chunk)
            return
        await stream.send(response_head(self.spec, len(body)) + body)


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


class _Closed(Exception):
    """The client went away."""


class _TlsStream:
    """The server side of one TLS connection over memory BIOs on the connection's streams.

    A failed handshake still sends what OpenSSL queued for the client (its alert) before
    the error is raised, which asyncio's TLS transport would drop.
    """

    def __init__(
        self, ctx: ssl.SSLContext, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self._incoming = ssl.MemoryBIO()
        self._outgoing = ssl.MemoryBIO()
        self._tls = ctx.wrap_bio(self._incoming, self._outgoing, server_side=True)
        self._reader = reader
        self._writer = writer

    @property
    def closing(self) -> bool:
        """The connection is closing (the client went away)."""
        return self._writer.transport.is_closing()

    async def _flush(self) -> None:
        data = self._outgoing.read()
        if data:
            self._writer.write(data)
            await self._writer.drain()

    async def _fill(self) -> None:
        await self._flush()
        data = await self._reader.read(_READ_SIZE)
        if not data:
            raise _Closed
        self._incoming.write(data)

    async def handshake(self) -> None:
        """Complete the server handshake; on failure, send the alert, then raise."""
        while True:
            try:
                self._tls.do_handshake()
            except ssl.SSLWantReadError:
                await self._fill()
            except ssl.SSLError:
                await self._flush()  # the alert, as a real server sends it
                raise
            else:
                await self._flush()
                return

    async def read_head(self) -> bytes:
        """Read until the end of the request's headers."""
        data = bytearray()
        while b"\r\n\r\n" not in data:
            if len(data) > _MAX_HEAD:
                raise _Closed
            try:
                chunk = self._tls.read(_READ_SIZE)
            except ssl.SSLWantReadError:
                await self._fill()
                continue
            if not chunk:
                raise _Closed
            data.extend(chunk)
        return bytes(data)

    async def send(self, data: bytes) -> None:
        """Encrypt ``data`` and write it out."""
        view = memoryview(data)
        while view:
            view = view[self._tls.write(view) :]
        await self._flush()
