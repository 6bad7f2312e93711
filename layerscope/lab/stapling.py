"""A lab TLS layer that staples an OCSP response (the stdlib ``ssl`` server cannot).

pyOpenSSL in server mode over memory BIOs on asyncio streams, the mirror image of the
client in :mod:`layerscope.net.probe`: it runs on the lab's loop beside the other
:class:`~layerscope.lab.servers.LayerServer` instances and shares their interface.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from OpenSSL import SSL

from layerscope.lab.pki import Issued, pem_bundle

_READ_SIZE = 65536
_MAX_REQUEST = 16384
_TIMEOUT = 10.0
DEFAULT_PAGE = "<!doctype html><title>layerscope lab</title><p>hello from a stapling layer</p>"
"""The HTML served on GET."""


class _Closed(Exception):
    """The client went away."""


class StaplingServer:
    """A TLS server on ``host`` that serves ``chain`` (in order) and staples ``staple``.

    ``staple`` None staples nothing; any bytes (even garbage) are stapled as given, since
    the lab shows what broken servers send. After the handshake it answers one HTTP GET
    with 200, a small page and a ``Strict-Transport-Security`` header. The certificate and
    key files are written to ``directory``.
    """

    def __init__(
        self,
        host: str,
        chain: Sequence[Issued],
        staple: bytes | None,
        directory: Path,
        *,
        page: str = DEFAULT_PAGE,
    ) -> None:
        if not chain:
            raise ValueError("a stapling server needs at least a leaf certificate")
        self.host = host
        self.chain = tuple(chain)
        self.staple = staple
        self.page = page
        self._directory = directory
        self._server: asyncio.Server | None = None
        self._conns: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[Any]] = set()

    def _context(self) -> SSL.Context:
        cert_file = self._directory / f"{self.host}-stapling.chain.pem"
        key_file = self._directory / f"{self.host}-stapling.key.pem"
        cert_file.write_bytes(pem_bundle(*self.chain))
        key_file.write_bytes(self.chain[0].key_pem)
        ctx = SSL.Context(SSL.TLS_SERVER_METHOD)
        # the lab serves weak and broken certificates on purpose
        ctx.set_cipher_list(b"ALL:@SECLEVEL=0")
        ctx.use_certificate_chain_file(str(cert_file))
        ctx.use_privatekey_file(str(key_file))
        ctx.check_privatekey()
        staple = self.staple
        if staple is not None:

            def on_status_request(_conn: Any, _data: Any) -> bytes:
                return staple

            ctx.set_ocsp_server_callback(on_status_request)
        return ctx

    async def start(self, port: int) -> int:
        """Listen on ``host:port`` (0 picks a port); returns the port."""
        ctx = self._context()

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await self._handle(ctx, reader, writer)

        self._server = await asyncio.start_server(handle, self.host, port, limit=_READ_SIZE)
        return int(self._server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        """Close the listener and every open connection, and wait for their handlers."""
        if self._server is not None:
            self._server.close()
        for writer in list(self._conns):
            writer.transport.abort()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=1)
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 1)
            self._server = None

    async def _handle(
        self, ctx: SSL.Context, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self._conns.add(writer)
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            async with asyncio.timeout(_TIMEOUT):
                await self._serve(SSL.Connection(ctx, None), reader, writer)
            writer.close()
            await writer.wait_closed()
        except (OSError, SSL.Error, TimeoutError, _Closed):
            pass
        finally:
            self._conns.discard(writer)
            self._tasks.discard(task)
            if not writer.is_closing():
                writer.transport.abort()

    async def _serve(
        self, conn: SSL.Connection, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        conn.set_accept_state()
        while True:
            try:
                conn.do_handshake()
                break
            except SSL.WantReadError:
                await _exchange(conn, reader, writer)
        await _send(conn, writer)
        request = bytearray()
        while b"\r\n\r\n" not in request and len(request) < _MAX_REQUEST:
            try:
                request.extend(conn.recv(_READ_SIZE))
            except SSL.WantReadError:
                await _exchange(conn, reader, writer)
            except SSL.ZeroReturnError:
                return
        body = self.page.encode()
        conn.sendall(
            b"HTTP/1.1 200 OK\r\nServer: layerscope-lab-stapling\r\n"
            b"Content-Type: text/html; charset=utf-8\r\n"
            b"Strict-Transport-Security: max-age=31536000\r\n"
            + b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body)
            + body
        )
        conn.shutdown()
        await _send(conn, writer)


async def _send(conn: SSL.Connection, writer: asyncio.StreamWriter) -> None:
    """Write what OpenSSL has queued for the client."""
    while True:
        try:
            data = conn.bio_read(_READ_SIZE)
        except SSL.WantReadError:
            break
        if not data:
            break
        writer.write(data)
    await writer.drain()


async def _exchange(
    conn: SSL.Connection, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    """Send what is queued, then feed OpenSSL the client's next bytes."""
    await _send(conn, writer)
    data = await reader.read(_READ_SIZE)
    if not data:
        raise _Closed
    conn.bio_write(data)


__all__ = ["DEFAULT_PAGE", "StaplingServer"]
