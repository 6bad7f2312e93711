"""One TLS handshake to one layer, capturing the served chain exactly as sent.

The handshake runs pyOpenSSL over memory BIOs on asyncio streams: this gives the served
chain in the order sent and the stapled OCSP response on every Python version (the stdlib
only exposes the served chain publicly from 3.13 and has no OCSP staple API at all).
Verification is off and the security level is 0 on purpose: the probe observes expired,
self-signed and weak certificates; the analysis judges them.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from OpenSSL import SSL, crypto

from layerscope.model import CertFacts, ProbeError, ProbeResult, UnparsedCert
from layerscope.net.errors import (
    Failure,
    Phase,
    connect_failure,
    first_bytes_failure,
    openssl_failure,
    peer_closed,
    timed_out,
)
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
    address: str, port: int, sni: str | None, failure: Failure, started: float
) -> ProbeResult:
    kind, message = failure
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
        failure = timed_out("tls" if connected else "connect", f"{timeout:g}s")
        return _fail(address, port, sni, failure, started)
    except _PeerClosed:
        # what the peer sent before closing may say why (plain HTTP, another protocol)
        failure = first_bytes_failure(bytes(first)) or peer_closed("tls")
        return _fail(address, port, sni, failure, started)
    except SSL.Error as exc:
        return _fail(address, port, sni, openssl_failure(exc, bytes(first)), started)
    except OSError as exc:
        phase: Phase = "tls" if connected else "connect"
        failure = connect_failure(exc, address=address, port=port, phase=phase)
        return _fail(address, port, sni, failure, started)
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
