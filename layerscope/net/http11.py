"""One HTTP/1.1 GET over TLS to one address, with asyncio's streams and h11.

The page fetch needs one request per connection on a pinned address: no pool, no proxy,
no HTTP/2, no verification (the TLS analysis judges the certificates). asyncio's TLS
and h11's parser do exactly that; httpx's stack (httpcore, anyio) cost a ``check`` ~0.1 s
of imports and CPU per run for nothing more (#14). This is the transport of
:func:`layerscope.net.page.fetch_page`, which keeps the deadline, the caps and the
meaning of every failure.

Errors are raised and named by :func:`layerscope.net.errors.http_failure`: OSError and
``ssl.SSLError`` as the stdlib raises them, ``h11.RemoteProtocolError`` for bytes that are
not HTTP/1.1, :class:`PeerClosed` for a connection closed before the answer.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Protocol

import h11

__all__ = ["Exchange", "PeerClosed", "Stream", "charset_of", "no_verify"]

_READ = 64 * 1024  # what httpcore reads at a time
_MAX_HEAD = 100 * 1024  # the largest response head accepted (httpcore's limit too)


class PeerClosed(Exception):
    """The server closed the connection before its answer was complete."""


class Stream(Protocol):
    """A connection already through its TLS handshake (the probe's own, see
    :class:`layerscope.net.probe.TlsStream`): plaintext in and out."""

    async def read(self, size: int) -> bytes:
        """Up to ``size`` bytes; b"" once the server has closed."""

    def write(self, data: bytes) -> None:
        """Queue ``data`` to send."""

    async def drain(self) -> None:
        """Wait until what was written is on its way."""


class _Streams:
    """asyncio's reader and writer as one :class:`Stream`."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def read(self, size: int) -> bytes:
        return await self.reader.read(size)

    def write(self, data: bytes) -> None:
        self.writer.write(data)

    async def drain(self) -> None:
        await self.writer.drain()


@functools.cache
def no_verify() -> ssl.SSLContext:
    """One client context without verification for every page fetch of the process (the
    TLS analysis judges the certificates): making one per fetch loads the default CA
    certificates each time, ~8 ms of CPU per layer."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def charset_of(content_type: str) -> str | None:
    """The ``charset`` parameter of a Content-Type, as httpx read it (email's parser)."""
    if "charset" not in content_type.lower():
        return None
    from email.message import Message  # loaded already: cryptography imports email.utils

    message = Message()
    message["content-type"] = content_type
    charset = message.get_content_charset(failobj=None)
    return str(charset) if charset else None


class Exchange:
    """One connection, one request: :meth:`open` (or a ``stream`` already open), then
    :meth:`send`, :meth:`body`, :meth:`close` (always; a deadline may cut any step).

    ``phase`` is told where the exchange is ("connect", "tls", "http"), so a failure or a
    deadline names the step it cut. A ``stream`` given is borrowed: closing it is its
    owner's business.
    """

    def __init__(self, phase: Callable[[str], None], stream: Stream | None = None) -> None:
        self._phase = phase
        self._writer: asyncio.StreamWriter | None = None
        self._stream = stream
        self._h11 = h11.Connection(h11.CLIENT, max_incomplete_event_size=_MAX_HEAD)
        if stream is not None:
            phase("http")

    @property
    def is_open(self) -> bool:
        """Whether there is a connection to send on."""
        return self._stream is not None

    async def open(self, address: str, port: int, sni: str) -> None:
        """TCP to ``address:port``, then TLS with ``sni`` (none for an IP literal)."""
        self._phase("connect")
        reader, self._writer = await asyncio.open_connection(address, port)
        self._phase("tls")
        await self._writer.start_tls(no_verify(), server_hostname=sni)
        self._stream = _Streams(reader, self._writer)
        self._phase("http")

    async def send(
        self, target: str, headers: Sequence[tuple[str, str]]
    ) -> tuple[int, list[tuple[bytes, bytes]]]:
        """GET ``target``; the status and the raw headers (names lower case) of the answer."""
        assert self._stream is not None
        request = h11.Request(method="GET", target=target, headers=list(headers))
        self._stream.write(self._h11.send(request) + (self._h11.send(h11.EndOfMessage()) or b""))
        await self._stream.drain()
        while True:
            event = await self._next()
            if isinstance(event, h11.Response):
                return event.status_code, list(event.headers.raw_items())
            # an InformationalResponse (1xx) is followed by the real one

    async def body(self) -> AsyncIterator[bytes]:
        """The answer's body as it arrives, undecoded."""
        while True:
            event = await self._next()
            if isinstance(event, h11.Data):
                yield bytes(event.data)
            elif isinstance(event, h11.EndOfMessage):
                return

    async def _next(self) -> object:
        assert self._stream is not None
        while True:
            event = self._h11.next_event()
            if event is h11.NEED_DATA:
                self._h11.receive_data(await self._stream.read(_READ))
                continue
            if isinstance(event, h11.ConnectionClosed):
                raise PeerClosed
            return event

    def close(self) -> None:
        """Close the connection at once, whatever state it is in (never waits: after a
        handshake cut short, the stream's protocol may never hear that it closed); a
        borrowed stream is left to its owner."""
        self._stream = None
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.transport.abort()
