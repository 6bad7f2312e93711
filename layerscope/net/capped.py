"""One capped read of an HTTP body: never more than a cap in memory, whatever the peer sends.

Every body layerscope downloads comes from an untrusted peer: the page of a layer, an AIA
``caIssuers`` file, an OCSP answer. :func:`read_capped` reads a body as it arrives (the
page's h11 chunks, an httpx streaming response's ``aiter_raw()``) up to a cap, either
truncating there (the page: its first bytes are still worth scanning) or refusing the
whole body (a certificate or an OCSP answer cut short is useless). A compressed body is
decoded within the same cap, so a small gzip bomb cannot expand in one chunk.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterable, Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

__all__ = ["IDENTITY", "BodyTooLarge", "CappedBody", "decodable", "read_capped"]

IDENTITY: Final[Mapping[str, str]] = MappingProxyType({"Accept-Encoding": "identity"})
"""Request headers asking for the body uncompressed, for callers that read it as sent (AIA,
OCSP): the cap then bounds the certificate or answer itself, where a compressed body could
expand far beyond the cap once decoded."""

_DECODABLE = frozenset({"", "identity", "gzip", "x-gzip", "deflate"})


class BodyTooLarge(Exception):
    """The body is longer than the cap (declared in Content-Length, or as read)."""


@dataclass(frozen=True)
class CappedBody:
    """A body read within a cap.

    Attributes:
        data: the body (decoded when an encoding was given), at most the cap.
        truncated: the body went on past the cap and was cut there.
    """

    data: bytes
    truncated: bool


def decodable(encoding: str) -> bool:
    """Whether :func:`read_capped` can undo the Content-Encoding ``encoding`` (lower case)."""
    return encoding in _DECODABLE


async def read_capped(
    chunks: AsyncIterable[bytes],
    cap: int,
    *,
    truncate: bool,
    encoding: str = "",
    progress: Callable[[int], None] | None = None,
    declared: str = "",
) -> CappedBody:
    """Read a body from its ``chunks`` as sent, at most ``cap`` bytes of it.

    ``truncate`` True: a longer body is cut at ``cap`` and marked truncated (the
    ``declared`` Content-Length is not looked at: the first ``cap`` bytes are still read).
    False: a body longer than ``cap``, or declaring so, raises :class:`BodyTooLarge`
    before more than ``cap`` bytes are kept.

    ``encoding`` is the response's Content-Encoding to undo (gzip, x-gzip or deflate, with
    or without the zlib wrapper); the cap then counts decoded bytes. "" or anything else
    not :func:`decodable` keeps the bytes as sent. A corrupt compressed stream ends the
    body where it stops decoding cleanly. ``progress`` is told the size kept so far after
    each network chunk.
    """
    if not truncate and declared.strip().isdigit() and int(declared) > cap:
        raise BodyTooLarge
    body = _Body(encoding if decodable(encoding) else "", cap)
    async for chunk in chunks:
        more = body.add(chunk)
        if progress is not None:
            progress(body.size)
        if not more:
            break
    if body.truncated and not truncate:
        raise BodyTooLarge
    return CappedBody(b"".join(body.parts), body.truncated)


class _Body:
    """Decodes a body (identity, gzip or deflate) without ever producing more than a cap."""

    def __init__(self, encoding: str, cap: int) -> None:
        self._cap = cap
        self._encoding = encoding
        self._decoder: Any = None
        if encoding in ("gzip", "x-gzip"):
            self._decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._decoder = zlib.decompressobj()
        self._first = True
        self.parts: list[bytes] = []
        self.size = 0
        self.truncated = False

    def add(self, chunk: bytes) -> bool:
        """Take one network chunk; False once the cap is passed or the data is corrupt."""
        room = self._cap - self.size
        if self._decoder is None:
            data = chunk
        else:
            try:
                # one byte more than there is room for tells "longer than the cap"
                data = self._decoder.decompress(chunk, room + 1)
            except zlib.error:
                if not (self._first and self._encoding == "deflate"):
                    return False  # corrupt from here on: keep what decoded cleanly
                # some servers send raw deflate without the zlib wrapper
                self._decoder = zlib.decompressobj(-zlib.MAX_WBITS)
                self._first = False
                return self.add(chunk)
        self._first = False
        if len(data) > room:
            data = data[:room]
            self.truncated = True
        self.parts.append(data)
        self.size += len(data)
        return not self.truncated
