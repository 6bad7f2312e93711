"""One TLS handshake to one layer, capturing the served chain exactly as sent.

The handshake runs pyOpenSSL over memory BIOs on asyncio streams: this gives the served
chain in the order sent and the stapled OCSP response on every Python version (the stdlib
only exposes the served chain publicly from 3.13 and has no OCSP staple API at all).
Verification is off and the security level is 0 on purpose: the probe observes expired,
self-signed and weak certificates; the analysis judges them.
"""

from __future__ import annotations

import asyncio
import errno
import functools
import hashlib
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from OpenSSL import SSL, crypto

from layerscope.model import CertFacts, ErrorKind, ProbeError, ProbeResult, UnparsedCert
from layerscope.x509.certs import CertificateError, facts

Connector = Callable[[str, int], Awaitable[tuple[asyncio.StreamReader, asyncio.StreamWriter]]]
"""Opens a TCP connection; replaceable for tests of odd transports."""

_READ_SIZE = 65536


async def _open_tcp(host: str, port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection(host, port, limit=_READ_SIZE)


class _PeerClosed(Exception):
    """The peer closed the connection during the handshake."""


@functools.lru_cache(maxsize=1)
def _context() -> SSL.Context:
    """One client context for every probe (building one per probe shows in profiles);
    each connection collects its staple in its own app data."""
    ctx = SSL.Context(SSL.TLS_METHOD)
    ctx.set_verify(SSL.VERIFY_NONE)
    # observe legacy servers too: SHA-1 handshakes, small keys, old protocol versions
    ctx.set_cipher_list(b"ALL:!aNULL:!eNULL:@SECLEVEL=0")
    ctx.set_min_proto_version(0)

    def on_ocsp(conn: Any, data: bytes, _arg: Any) -> bool:
        sink = conn.get_app_data()
        if data and isinstance(sink, list):
            sink.append(bytes(data))
        return True

    ctx.set_ocsp_client_callback(on_ocsp)
    return ctx


def _flush(conn: SSL.Connection, writer: asyncio.StreamWriter) -> None:
    while True:
        try:
            data = conn.bio_read(_READ_SIZE)
        except SSL.WantReadError:
            return
        if not data:
            return
        writer.write(data)


def _reasons(exc: SSL.Error) -> str:
    parts: list[str] = []
    for item in exc.args[0] if exc.args and isinstance(exc.args[0], list) else []:
        if isinstance(item, tuple) and item:
            parts.append(str(item[-1]))
    return "; ".join(p for p in parts if p) or (str(exc) or type(exc).__name__)


def _classify_tls(exc: SSL.Error, first: bytes) -> tuple[ErrorKind, str]:
    if first.startswith(b"HTTP/"):
        return ErrorKind.PLAIN_HTTP, "the port answered in plain HTTP, not TLS (an HTTP vhost?)"
    if first and first[0] not in (0x15, 0x16):
        # never echo the peer's bytes: say what it is, not what it sent
        return ErrorKind.NOT_TLS, "the port answered with bytes that are not TLS (protocol error)"
    reason = _reasons(exc)
    lowered = reason.lower()
    if "excessive message size" in lowered:
        return (
            ErrorKind.MESSAGE_TOO_LARGE,
            "certificate message too large: the server sent more than OpenSSL clients "
            "accept (about 100 KiB)",
        )
    if "alert" in lowered:
        return ErrorKind.TLS_ALERT, f"the server refused the handshake: {reason}"
    if "wrong version number" in lowered or "packet length too long" in lowered:
        return ErrorKind.NOT_TLS, f"the answer is not TLS ({reason})"
    return ErrorKind.TLS_ERROR, f"TLS handshake failed: {reason}"


def _served_chain(
    conn: SSL.Connection,
) -> tuple[tuple[CertFacts, ...], tuple[UnparsedCert, ...]]:
    """The served certificates that parse, and those that do not, each in the order sent.

    pyOpenSSL's own X509 objects give the DER without cryptography parsing it, so one
    certificate cryptography refuses is a value instead of an exception for the whole
    chain.
    """
    return split_served(
        [crypto.dump_certificate(crypto.FILETYPE_ASN1, x) for x in conn.get_peer_cert_chain() or []]
    )


def split_served(
    served: Sequence[bytes],
) -> tuple[tuple[CertFacts, ...], tuple[UnparsedCert, ...]]:
    """Parse a served chain (DER, in the order sent) certificate by certificate: the facts of
    those that parse, and an :class:`UnparsedCert` for each that does not. When the first
    one (the leaf) cannot be parsed, no parsed one is returned: an intermediate must never
    pass for the leaf."""
    parsed: list[CertFacts] = []
    unparsed: list[UnparsedCert] = []
    for position, der in enumerate(served, start=1):
        try:
            parsed.append(facts(der))
        except CertificateError as exc:
            sha256 = hashlib.sha256(der).hexdigest()
            unparsed.append(UnparsedCert(position, len(served), sha256, exc.reason, der))
    if unparsed and unparsed[0].position == 1:
        parsed = []
    return tuple(parsed), tuple(unparsed)


def _fail(
    address: str, port: int, sni: str | None, kind: ErrorKind, message: str, started: float
) -> ProbeResult:
    elapsed = (time.perf_counter() - started) * 1000
    return ProbeResult(address, port, sni, error=ProbeError(kind, message, round(elapsed, 1)))


async def probe(
    address: str,
    port: int,
    sni: str | None,
    *,
    timeout: float = 5.0,
    connector: Connector = _open_tcp,
) -> ProbeResult:
    """Complete one TLS handshake with ``address:port``, sending ``sni`` (None: no SNI).

    Never raises for network or TLS trouble: the result carries a named error instead.
    ``timeout`` bounds connect and handshake together, whatever the peer drips.
    """
    started = time.perf_counter()
    connected = 0.0
    first = bytearray()
    staple: list[bytes] = []
    writer: asyncio.StreamWriter | None = None
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await connector(address, port)
            connected = time.perf_counter()
            conn = SSL.Connection(_context(), None)
            conn.set_app_data(staple)
            conn.set_connect_state()
            if sni:
                conn.set_tlsext_host_name(sni.encode("ascii"))
            conn.request_ocsp()
            while True:
                try:
                    conn.do_handshake()
                    break
                except SSL.WantReadError:
                    _flush(conn, writer)
                    await writer.drain()
                    data = await reader.read(_READ_SIZE)
                    if not data:
                        raise _PeerClosed from None
                    if len(first) < 8:
                        first.extend(data[: 8 - len(first)])
                    conn.bio_write(data)
            _flush(conn, writer)
            done = time.perf_counter()
            chain, unparsed = _served_chain(conn)
            protocol = conn.get_protocol_version_name() or ""
            cipher = conn.get_cipher_name() or ""
    except TimeoutError:
        if not connected:
            return _fail(
                address,
                port,
                sni,
                ErrorKind.CONNECT_TIMEOUT,
                f"no TCP connection within {timeout:g}s (filtered or host down)",
                started,
            )
        return _fail(
            address,
            port,
            sni,
            ErrorKind.HANDSHAKE_TIMEOUT,
            f"TCP connected but the TLS handshake did not finish within {timeout:g}s",
            started,
        )
    except _PeerClosed:
        if first:
            kind, message = _classify_tls(SSL.Error([]), bytes(first))
            if kind in (ErrorKind.PLAIN_HTTP, ErrorKind.NOT_TLS):
                return _fail(address, port, sni, kind, message, started)
        return _fail(
            address,
            port,
            sni,
            ErrorKind.PEER_CLOSED,
            "the server closed the connection during the TLS handshake",
            started,
        )
    except SSL.Error as exc:
        kind, message = _classify_tls(exc, bytes(first))
        return _fail(address, port, sni, kind, message, started)
    except ConnectionRefusedError:
        return _fail(
            address,
            port,
            sni,
            ErrorKind.REFUSED,
            f"connection refused on port {port} (nothing listening)",
            started,
        )
    except ConnectionResetError:
        kind = ErrorKind.RESET
        phase = "during the TLS handshake" if connected else "while connecting"
        return _fail(address, port, sni, kind, f"connection reset {phase}", started)
    except OSError as exc:
        if exc.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
            return _fail(address, port, sni, ErrorKind.NO_ROUTE, f"no route to {address}", started)
        if exc.errno == errno.EINVAL or isinstance(exc, UnicodeError):
            return _fail(
                address,
                port,
                sni,
                ErrorKind.INVALID_INPUT,
                f"invalid address {address!r}",
                started,
            )
        return _fail(
            address,
            port,
            sni,
            ErrorKind.REFUSED,
            f"could not connect: {exc.strerror or type(exc).__name__}",
            started,
        )
    finally:
        if writer is not None:
            writer.close()
    return ProbeResult(
        address=address,
        port=port,
        sni=sni,
        chain=chain,
        protocol=protocol,
        cipher=cipher,
        handshake_ms=round((done - connected) * 1000, 1),
        connect_ms=round((connected - started) * 1000, 1),
        ocsp_staple=staple[0] if staple else None,
        unparsed=unparsed,
    )


__all__ = ["Connector", "probe", "split_served"]
