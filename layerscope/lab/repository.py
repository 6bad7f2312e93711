"""A tiny HTTP/1.1 server for the lab's CA repository: AIA ``caIssuers`` files, OCSP
handlers, and misbehaving paths for tests (hang, drip, garbage).

One request per connection (``Connection: close``). It runs on whatever asyncio loop
awaits :meth:`Repository.start` (the lab's :class:`~layerscope.lab.loop.LoopThread`).
Peers may send anything: a bad request gets a 4xx answer or a closed socket, never an
exception that stops the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import urlsplit

from layerscope.model.names import bracketed

Answer = tuple[int, str, bytes]
"""(status, content type, body) of a handler's response."""

Handler = Callable[[str, bytes], Awaitable[Answer] | Answer]
"""Called with the request method and body; returns (status, content type, body)."""

MAX_BODY = 64 * 1024
MAX_HEAD = 16 * 1024
READ_TIMEOUT = 10.0


@dataclass(frozen=True)
class _Drip:
    interval: float
    size: int


class Repository:
    """An HTTP/1.1 server for a CA repository on one loopback address.

    Attributes:
        requests: (method, path) of every request read, in arrival order (for tests that
            count fetches).
    """

    def __init__(self) -> None:
        self._files: dict[str, Answer] = {}
        self._handlers: dict[str, Handler] = {}
        self._hang: set[str] = set()
        self._garbage: set[str] = set()
        self._drip: dict[str, _Drip] = {}
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self.host = ""
        self.port = 0
        self.requests: list[tuple[str, str]] = []

    # -- content -------------------------------------------------------------------------

    def add_file(self, path: str, body: bytes, content_type: str) -> None:
        """Serve ``body`` on GET (and HEAD) of ``path``."""
        self._files[_norm(path)] = (200, content_type, body)

    def add_handler(self, path: str, handler: Handler) -> None:
        """Answer every request to ``path`` with ``handler(method, body)`` (sync or async)."""
        self._handlers[_norm(path)] = handler

    def add_hang(self, path: str) -> None:
        """Accept requests to ``path`` and never answer."""
        self._hang.add(_norm(path))

    def add_garbage(self, path: str) -> None:
        """Answer ``path`` with 200 and random bytes (neither DER, PEM nor PKCS#7)."""
        self._garbage.add(_norm(path))

    def add_drip(self, path: str, *, interval: float = 0.2, size: int = 4096) -> None:
        """Answer ``path`` with 200 and a ``size``-byte body sent one byte every
        ``interval`` seconds: no single read is slow, the whole download is."""
        self._drip[_norm(path)] = _Drip(interval, size)

    def url(self, path: str) -> str:
        """``http://host:port/path`` of ``path`` on this server (after :meth:`start`)."""
        host = bracketed(self.host)
        return f"http://{host}:{self.port}{_norm(path)}"

    def hits(self, path: str) -> int:
        """How many requests for ``path`` were read."""
        wanted = _norm(path)
        return sum(1 for _, p in self.requests if p == wanted)

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self, host: str, port: int = 0) -> int:
        """Listen on ``host:port`` (0 picks a free port); returns the port."""
        self._server = await asyncio.start_server(self._accept, host, port, limit=MAX_HEAD)
        self.host = host
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self.port

    async def stop(self) -> None:
        """Close the listener and every open connection (hanging ones included)."""
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 1)
            self._server = None

    # -- serving -------------------------------------------------------------------------

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        self._writers.add(writer)
        try:
            await self._serve(reader, writer)
        except Exception:
            pass  # the peer went away, stalled or sent nonsense: nothing more to answer
        finally:
            self._writers.discard(writer)
            if task is not None:
                self._tasks.discard(task)
            writer.transport.abort()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async with asyncio.timeout(READ_TIMEOUT):
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.LimitOverrunError:
                await _respond(writer, 431, "text/plain", b"request header too large\n")
                return
            parsed = _parse_head(head)
            if isinstance(parsed, int):
                await _respond(writer, parsed, "text/plain", b"bad request\n")
                return
            method, path, length = parsed
            body = await reader.readexactly(length) if length else b""
        self.requests.append((method, path))
        if path in self._hang:
            await asyncio.sleep(3600)
            return
        if path in self._garbage:
            # 0xff first: can never be read as DER (0x30) or PEM ("-----")
            await _respond(writer, 200, "application/pkix-cert", b"\xff" + os.urandom(2047))
            return
        if path in self._drip:
            await _drip(writer, self._drip[path])
            return
        if path in self._handlers:
            try:
                answer = self._handlers[path](method, body)
                if inspect.isawaitable(answer):
                    answer = await answer
                status, ctype, payload = answer
            except Exception:  # a broken handler is the lab's bug, not the client's
                status, ctype, payload = 500, "text/plain", b"handler failed\n"
            await _respond(writer, status, ctype, payload, head_only=method == "HEAD")
            return
        if path in self._files:
            if method not in ("GET", "HEAD"):
                await _respond(writer, 405, "text/plain", b"method not allowed\n")
                return
            status, ctype, payload = self._files[path]
            await _respond(writer, status, ctype, payload, head_only=method == "HEAD")
            return
        await _respond(writer, 404, "text/plain", b"not found\n")


def _norm(path: str) -> str:
    return path if path.startswith("/") else "/" + path


def _parse_head(head: bytes) -> tuple[str, str, int] | int:
    """(method, path, body length) of a request head, or the status to refuse it with."""
    try:
        text = head.decode("latin-1")
    except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes every byte
        return 400
    lines = text.split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1.") or not parts[0].isalpha():
        return 400
    method, target, _version = parts
    path = urlsplit(target).path if not target.startswith("/") else target.split("?", 1)[0]
    if not path.startswith("/"):
        return 400
    length = 0
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep:
            return 400
        name = name.strip().lower()
        if name == "transfer-encoding":
            return 411  # chunked bodies are not supported: send Content-Length
        if name == "content-length":
            value = value.strip()
            if not value.isdigit():
                return 400
            length = int(value)
            if length > MAX_BODY:
                return 413
    return method.upper(), path, length


async def _respond(
    writer: asyncio.StreamWriter,
    status: int,
    content_type: str,
    body: bytes,
    *,
    head_only: bool = False,
) -> None:
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Status"
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        f"Content-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Server: layerscope-lab-repository\r\n"
        "Connection: close\r\n\r\n"
    ).encode("latin-1")
    writer.write(head if head_only else head + body)
    await writer.drain()


async def _drip(writer: asyncio.StreamWriter, drip: _Drip) -> None:
    writer.write(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/pkix-cert\r\n"
        + b"Content-Length: %d\r\nConnection: close\r\n\r\n" % drip.size
    )
    await writer.drain()
    for _ in range(drip.size):
        await asyncio.sleep(drip.interval)
        writer.write(b"\x00")
        await writer.drain()


__all__ = ["Answer", "Handler", "Repository"]
