"""One TLS handshake to one layer, capturing the served chain exactly as sent.

The handshake runs pyOpenSSL over memory BIOs on asyncio streams: this gives the served
chain in the order sent and the stapled OCSP response on every Python version (the stdlib
only exposes the served chain publicly from 3.13 and has no OCSP staple API at all).
Verification is off and the security level is 0 on purpose: the probe observes expired,
self-signed and weak certificates; the analysis judges them.

A server may hold two certificates for one name, an ECDSA and an RSA one (nginx's two
``ssl_certificate`` lines, most CDNs), and picks one per handshake from the signature
algorithms the client offers. An untyped probe offers all of them and gets the server's
pick (the ECDSA one, as modern clients do); a probe with a ``cert_type`` offers only that
type's, so the server must send that certificate or refuse, which is "not offered"
(:attr:`ProbeResult.not_offered`). Cipher suites alone cannot select the certificate on
TLS 1.3; signature algorithms do on 1.3 and 1.2.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from OpenSSL import SSL, crypto
from OpenSSL._util import lib as _openssl

from layerscope.model import CertFacts, CertType, ProbeError, ProbeResult, UnparsedCert
from layerscope.net.errors import (
    Failure,
    Phase,
    cert_type_refused,
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

# observe legacy servers too: SHA-1 handshakes, small keys, old protocol versions
_CIPHERS = b"ALL:!aNULL:!eNULL:@SECLEVEL=0"

#: What a probe of one certificate type offers: only that type's signature algorithms
#: (TLS 1.3 and 1.2) and, for TLS 1.2, only the cipher suites authenticated by it (so no
#: static-RSA suite lets an RSA certificate answer an ECDSA probe). SHA-224 and SHA-1 come
#: last, for legacy TLS 1.2 servers (TLS 1.3 never offers them). Ed25519 is not ECDSA (and
#: no browser takes it): it stays out. rsa_pss_pss_* are RSA-PSS keys, RSA too.
TYPED_OFFERS: Mapping[CertType, tuple[bytes, bytes]] = {
    CertType.ECDSA: (
        b"ECDSA+SHA256:ECDSA+SHA384:ECDSA+SHA512:ECDSA+SHA224:ECDSA+SHA1",
        b"aECDSA:!eNULL:@SECLEVEL=0",
    ),
    CertType.RSA: (
        b"RSA-PSS+SHA256:RSA-PSS+SHA384:RSA-PSS+SHA512:"
        b"rsa_pss_pss_sha256:rsa_pss_pss_sha384:rsa_pss_pss_sha512:"
        b"RSA+SHA256:RSA+SHA384:RSA+SHA512:RSA+SHA224:RSA+SHA1",
        b"aRSA:!eNULL:@SECLEVEL=0",
    ),
}


async def _open_tcp(host: str, port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection(host, port, limit=_READ_SIZE)


class _PeerClosed(Exception):
    """The peer closed the connection during the handshake."""


class TlsStream:
    """A probe's connection after its handshake, plaintext in and out (an
    :class:`~layerscope.net.http11.Stream`): the page is fetched over it, so a layer is
    not handshaken once more for its page (#14). A TLS error or a close without
    ``close_notify`` reads as the end of the stream; what it cut short is the reader's to
    say."""

    def __init__(
        self, conn: SSL.Connection, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self._conn, self._reader, self._writer = conn, reader, writer

    async def read(self, size: int) -> bytes:
        """Up to ``size`` bytes of plaintext; b"" once the server has closed."""
        while True:
            try:
                return bytes(self._conn.recv(size))
            except SSL.WantReadError:
                _flush(self._conn, self._writer)  # e.g. a key update's answer
                data = await self._reader.read(_READ_SIZE)
                if not data:
                    return b""
                self._conn.bio_write(data)
            except SSL.Error:  # close_notify (ZeroReturnError), an alert, a broken record
                return b""

    def write(self, data: bytes) -> None:
        """Encrypt ``data`` and queue it."""
        self._conn.sendall(data)
        _flush(self._conn, self._writer)

    async def drain(self) -> None:
        """Wait until what was written is on its way."""
        await self._writer.drain()


@functools.cache
def _context(cert_type: CertType | None = None) -> SSL.Context:
    """One client context per certificate type (None: untyped) for every probe (building
    one per probe shows in profiles); each connection collects its staple in its own app
    data."""
    ctx = SSL.Context(SSL.TLS_METHOD)
    ctx.set_verify(SSL.VERIFY_NONE)
    ctx.set_min_proto_version(0)
    if cert_type is None:
        ctx.set_cipher_list(_CIPHERS)
    else:
        sigalgs, ciphers = TYPED_OFFERS[cert_type]
        ctx.set_cipher_list(ciphers)
        # a macro of SSL_CTX_ctrl that pyOpenSSL does not wrap; 1 on success
        if _openssl.SSL_CTX_set1_sigalgs_list(ctx._context, sigalgs) != 1:
            raise RuntimeError(f"OpenSSL refuses the {cert_type} signature algorithms")

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
    address: str,
    port: int,
    sni: str | None,
    failure: Failure,
    started: float,
    cert_type: CertType | None,
) -> ProbeResult:
    kind, message = failure
    elapsed = (time.perf_counter() - started) * 1000
    error = ProbeError(kind, message, round(elapsed, 1))
    return ProbeResult(address, port, sni, error=error, cert_type=cert_type)


def _not_offered(
    address: str, port: int, sni: str | None, cert_type: CertType, started: float, connected: float
) -> ProbeResult:
    now = time.perf_counter()
    return ProbeResult(
        address,
        port,
        sni,
        handshake_ms=round((now - connected) * 1000, 1),
        connect_ms=round((connected - started) * 1000, 1),
        cert_type=cert_type,
        not_offered=True,
    )


async def probe(
    address: str,
    port: int,
    sni: str | None,
    *,
    timeout: float = 5.0,
    connector: Connector = _open_tcp,
    cert_type: CertType | None = None,
    then: Callable[[TlsStream], Awaitable[None]] | None = None,
) -> ProbeResult:
    """Complete one TLS handshake with ``address:port``, sending ``sni`` (None: no SNI).

    Never raises for network or TLS trouble: the result carries a named error instead.
    ``timeout`` bounds connect and handshake together, whatever the peer drips.
    ``cert_type`` offers only that certificate type's signature algorithms (see
    :data:`TYPED_OFFERS`): the result holds that type's certificate, or says
    ``not_offered`` when the server refused as servers without one do.

    ``then`` runs on the open connection after a handshake that got a certificate, before
    the connection closes (the page fetch, with its own deadline); it must not raise.
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
            conn = SSL.Connection(_context(cert_type), None)
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
        if then is not None and (chain or unparsed):
            await then(TlsStream(conn, reader, writer))
    except TimeoutError:
        failure = timed_out("tls" if connected else "connect", f"{timeout:g}s")
        return _fail(address, port, sni, failure, started, cert_type)
    except _PeerClosed:
        # what the peer sent before closing may say why (plain HTTP, another protocol)
        failure = first_bytes_failure(bytes(first)) or peer_closed("tls")
        return _fail(address, port, sni, failure, started, cert_type)
    except SSL.Error as exc:
        if cert_type is not None and cert_type_refused(exc, bytes(first)):
            return _not_offered(address, port, sni, cert_type, started, connected)
        failure = openssl_failure(exc, bytes(first))
        return _fail(address, port, sni, failure, started, cert_type)
    except OSError as exc:
        phase: Phase = "tls" if connected else "connect"
        failure = connect_failure(exc, address=address, port=port, phase=phase)
        return _fail(address, port, sni, failure, started, cert_type)
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
        cert_type=cert_type,
    )


__all__ = ["TYPED_OFFERS", "Connector", "TlsStream", "probe", "split_served"]
