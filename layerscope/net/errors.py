"""One place that turns low-level failures into an :class:`ErrorKind` and one sentence.

The TLS probe (pyOpenSSL), the page fetch (h11 over asyncio's ``ssl``), DNS discovery
(dnspython) and the downloads a certificate points at (AIA caIssuers, OCSP) meet the same
situations: a refused port, a reset, a peer that closes, a deadline, an alert, something
that is not TLS. Each is named here once, so a layer says the same thing whichever client
met it. Messages never quote the peer's bytes (a peer chooses them); OpenSSL's and the
kernel's wording may appear.

httpx (the downloads), h11 (the page) and dnspython are imported inside the functions that
need them, which only run after an exchange with that client: the probe and discovery (the
``check`` path) import this module and must not load httpx, nor dnspython unless a lookup
needed it (#14).
"""

from __future__ import annotations

import errno
import ssl
from typing import TYPE_CHECKING, Literal

from layerscope.model import ErrorKind

if TYPE_CHECKING:
    import dns.resolver
    import httpx

__all__ = [
    "Failure",
    "Phase",
    "UnresolvedHost",
    "cert_type_refused",
    "client_limit",
    "connect_failure",
    "dns_failure",
    "download_failure",
    "first_bytes_failure",
    "http_failure",
    "openssl_failure",
    "peer_closed",
    "reason",
    "resolver_setup_failure",
    "timed_out",
]

Failure = tuple[ErrorKind, str]
"""A named error: its kind and the sentence shown for it."""

Phase = Literal["connect", "tls", "http"]
"""How far a connection got: TCP connecting, the TLS handshake, the HTTP exchange."""

# a write to a connection the peer reset is a broken pipe: the same situation
_RESET = (ConnectionResetError, BrokenPipeError)
# OpenSSL reasons that mean the peer does not speak TLS at all (an HTTP server, say)
_NOT_TLS = ("wrong version number", "packet length too long", "http request")


class UnresolvedHost(Exception):
    """The host of a request has no address from the resolvers; the message says why."""


def reason(exc: BaseException) -> str:
    """A short, single-line description of an exception (its type when it says nothing)."""
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def _causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and what it was raised from or during, nearest first (at most ten)."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen and len(seen) < 10:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _where(phase: Phase) -> str:
    """The phase as the end of a sentence: "while connecting", "during the TLS handshake"."""
    if phase == "connect":
        return "while connecting"
    if phase == "tls":
        return "during the TLS handshake"
    return "during the HTTP exchange"


# -- connections and deadlines -----------------------------------------------------------


def timed_out(phase: Phase, limit: str, *, status: int | None = None, body: int = 0) -> Failure:
    """The deadline ``limit`` ("5s") passed in ``phase``.

    In the HTTP phase, ``status`` (None: no headers yet) and the ``body`` bytes read so far
    say how far the answer got.
    """
    if phase == "connect":
        return (
            ErrorKind.CONNECT_TIMEOUT,
            f"no TCP connection within {limit} (filtered or host down)",
        )
    if phase == "tls":
        return (
            ErrorKind.HANDSHAKE_TIMEOUT,
            f"TCP connected but the TLS handshake did not finish within {limit}",
        )
    if status is None:
        what = "no HTTP response headers"
    else:
        what = f"status {status}, body still arriving after {body} bytes"
    return ErrorKind.HTTP_TIMEOUT, f"HTTP fetch timed out after {limit} ({what})"


def peer_closed(phase: Phase) -> Failure:
    """The peer closed the connection in ``phase``."""
    return ErrorKind.PEER_CLOSED, f"the server closed the connection {_where(phase)}"


def _os_failure(exc: OSError, *, address: str, port: int, phase: Phase) -> Failure | None:
    """A refused, reset or unroutable connection to ``address:port``; None for other errors."""
    # by class too: an OSError built without an errno (a library's, a test's) has none
    if isinstance(exc, ConnectionRefusedError) or exc.errno == errno.ECONNREFUSED:
        return ErrorKind.REFUSED, f"connection refused on port {port} (nothing listening)"
    if isinstance(exc, _RESET) or exc.errno in (errno.ECONNRESET, errno.EPIPE):
        return ErrorKind.RESET, f"the connection was reset {_where(phase)}"
    if exc.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
        return ErrorKind.NO_ROUTE, f"no route to {address}"
    return None


def connect_failure(exc: OSError, *, address: str, port: int, phase: Phase) -> Failure:
    """Any OSError of a raw connection to ``address:port``: refused, reset or unroutable as
    for every client, else an invalid address or a connection that could not be made."""
    known = _os_failure(exc, address=address, port=port, phase=phase)
    if known is not None:
        return known
    if exc.errno == errno.EINVAL or isinstance(exc, UnicodeError):
        return ErrorKind.INVALID_INPUT, f"invalid address {address!r}"
    return ErrorKind.REFUSED, f"could not connect: {exc.strerror or type(exc).__name__}"


# -- TLS ---------------------------------------------------------------------------------


def first_bytes_failure(first: bytes) -> Failure | None:
    """What the peer's first bytes say when they cannot start a TLS answer; None when they
    can (a handshake or alert record) or nothing came. The bytes are never quoted."""
    if first.startswith(b"HTTP/"):
        return ErrorKind.PLAIN_HTTP, "the port answered in plain HTTP, not TLS (an HTTP vhost?)"
    if first and first[0] not in (0x15, 0x16):
        return ErrorKind.NOT_TLS, "the port answered with bytes that are not TLS (protocol error)"
    return None


def _tls_failure(reasons: str, phase: Phase = "tls") -> Failure:
    """A TLS failure from OpenSSL's readable reasons (``"sslv3 alert handshake failure"``)."""
    lowered = reasons.lower()
    if "excessive message size" in lowered:
        return (
            ErrorKind.MESSAGE_TOO_LARGE,
            "certificate message too large: the server sent more than OpenSSL clients "
            "accept (about 100 KiB)",
        )
    if "alert" in lowered:
        return ErrorKind.TLS_ALERT, f"the server refused the handshake: {reasons}"
    if any(marker in lowered for marker in _NOT_TLS):
        return ErrorKind.NOT_TLS, f"the port answered with something that is not TLS ({reasons})"
    if phase == "tls":
        return ErrorKind.TLS_ERROR, f"TLS handshake failed: {reasons}"
    return ErrorKind.TLS_ERROR, f"TLS failed {_where(phase)}: {reasons}"


def _openssl_reasons(exc: Exception) -> str:
    """The readable reasons of a pyOpenSSL error, joined ("tls alert handshake failure")."""
    # pyOpenSSL's args: [[(library, function, reason), ...]], OpenSSL's error queue
    parts: list[str] = []
    for item in exc.args[0] if exc.args and isinstance(exc.args[0], list) else []:
        if isinstance(item, tuple) and item:
            parts.append(str(item[-1]))
    return "; ".join(p for p in parts if p) or (str(exc) or type(exc).__name__)


def openssl_failure(exc: Exception, first: bytes) -> Failure:
    """A failed pyOpenSSL handshake (``OpenSSL.SSL.Error``), after the peer's ``first``
    bytes (which tell plain HTTP and other protocols apart)."""
    seen = first_bytes_failure(first)
    if seen is not None:
        return seen
    return _tls_failure(_openssl_reasons(exc))


# How a handshake that offers only one certificate type's signature algorithms fails when
# the server holds no certificate of that type. An OpenSSL server (nginx, the lab) refuses
# with a handshake_failure alert ("no suitable signature algorithm" on its side on TLS 1.3,
# "no shared cipher" on TLS 1.2), which the client reports as "... alert handshake
# failure"; a server that ignored the offer and signed with another type's key would be
# refused by the client itself ("wrong signature type"); the others are OpenSSL's reasons
# should the client side notice first.
_NO_CERT_OF_TYPE = (
    "alert handshake failure",
    "no suitable signature algorithm",
    "no shared signature algorithms",
    "wrong signature type",
    "no shared cipher",
)


def cert_type_refused(exc: Exception, first: bytes) -> bool:
    """A pyOpenSSL handshake restricted to one certificate type failed as it does against
    a server without a certificate of that type (the type is not offered), rather than for
    another reason; the peer's ``first`` bytes rule out peers that do not speak TLS."""
    if first_bytes_failure(first) is not None:
        return False
    reasons = _openssl_reasons(exc).lower()
    return any(marker in reasons for marker in _NO_CERT_OF_TYPE)


def _ssl_failure(exc: ssl.SSLError, phase: Phase) -> Failure:
    """A failure of the stdlib ``ssl`` module, whose reason is OpenSSL's code
    (``WRONG_VERSION_NUMBER``)."""
    if isinstance(exc, ssl.SSLEOFError | ssl.SSLZeroReturnError):
        return peer_closed(phase)
    code = str(getattr(exc, "reason", None) or "")
    return _tls_failure(code.replace("_", " ").lower() or type(exc).__name__, phase)


# -- HTTP --------------------------------------------------------------------------------


def http_failure(exc: BaseException, phase: Phase, *, address: str, port: int) -> Failure:
    """A failed page exchange with ``address:port`` (asyncio's TLS and h11,
    :mod:`layerscope.net.http11`), which had got as far as ``phase``."""
    import h11  # only ever called after a page exchange: already loaded

    from layerscope.net.http11 import PeerClosed

    for cause in _causes(exc):
        if isinstance(cause, ssl.SSLError):
            return _ssl_failure(cause, phase)
        if isinstance(cause, OSError):
            known = _os_failure(cause, address=address, port=port, phase=phase)
            if known is not None:
                return known
    if isinstance(exc, h11.LocalProtocolError | ValueError):
        return ErrorKind.INVALID_INPUT, "the request could not be built from the given site"
    if isinstance(exc, PeerClosed):
        return ErrorKind.PEER_CLOSED, "the server closed the connection before the answer ended"
    if isinstance(exc, h11.RemoteProtocolError):
        # h11's own wording tells a premature close from bad bytes (which it quotes: the
        # message is looked at, never shown)
        if "closed connection" in str(exc).lower():
            return ErrorKind.PEER_CLOSED, "the server closed the connection before the answer ended"
        return ErrorKind.HTTP_PROTOCOL, "the server's answer is not valid HTTP/1.1"
    if phase == "tls" or isinstance(exc, ConnectionError | EOFError):
        # EOF in the handshake or mid-answer (asyncio may report it without an errno)
        return peer_closed(phase)
    return ErrorKind.HTTP_PROTOCOL, f"HTTP fetch failed {_where(phase)} ({type(exc).__name__})"


def client_limit(exc: httpx.TimeoutException) -> str:
    """Which of the client's own timeouts fired, as "0.5s" (before any overall deadline)."""
    import httpx

    if isinstance(exc, httpx.PoolTimeout):
        return "the client's pool timeout"
    try:
        # what the request ran with: the client's timeouts, or the request's own
        limits = exc.request.extensions.get("timeout") or {}
    except RuntimeError:  # an exception raised outside a request has none
        limits = {}
    key = ""
    if isinstance(exc, httpx.ConnectTimeout):
        key = "connect"
    elif isinstance(exc, httpx.ReadTimeout):
        key = "read"
    elif isinstance(exc, httpx.WriteTimeout):
        key = "write"
    seconds = limits.get(key)
    return f"{seconds:g}s" if isinstance(seconds, int | float) else "the client's timeout"


def download_failure(exc: BaseException, *, subject: str, action: str, limit: float) -> str:
    """Why a request to a URL a certificate names gave no answer: one sentence about
    ``subject`` ("AIA <url>"), which could not be ``action`` ("fetched"), within ``limit``
    seconds overall."""
    import httpx  # only ever called after an httpx exchange: already loaded

    if isinstance(exc, UnresolvedHost):
        return f"{subject} could not be {action}: no address ({exc})"
    if isinstance(exc, TimeoutError):
        return f"{subject} timed out after {limit:g}s"
    if isinstance(exc, httpx.InvalidURL):
        return f"{subject} is not a valid URL"
    if isinstance(exc, httpx.TooManyRedirects):
        return f"{subject} redirects too often"
    if isinstance(exc, httpx.TimeoutException):
        return f"{subject} timed out after {client_limit(exc)}"
    if isinstance(exc, httpx.ConnectError):
        return f"{subject} could not be {action}: {_no_connection(exc)}"
    return f"{subject} could not be {action}: {reason(exc)}"


def _no_connection(exc: httpx.ConnectError) -> str:
    """Why a download could not connect: refused, reset or unroutable in the same words as
    for a layer, else what the client said."""
    try:
        url = exc.request.url
    except RuntimeError:  # an exception raised outside a request has none
        return f"no connection ({reason(exc)})"
    port = url.port or (443 if url.scheme == "https" else 80)
    for cause in _causes(exc):
        if isinstance(cause, OSError):
            known = _os_failure(cause, address=url.host, port=port, phase="connect")
            if known is not None:
                return known[1]
    return f"no connection ({reason(exc)})"


# -- DNS ---------------------------------------------------------------------------------


def resolver_setup_failure(exc: Exception) -> Failure:
    """Why a resolver could not even be set up (dnspython or the system configuration)."""
    import dns.resolver

    if isinstance(exc, dns.resolver.NoResolverConfiguration):
        return ErrorKind.DNS_ERROR, "no nameserver is configured in /etc/resolv.conf"
    if isinstance(exc, ValueError):  # dnspython's answer to a nameserver that is no IP
        return ErrorKind.INVALID_INPUT, "a resolver must be given as an IP address"
    return ErrorKind.DNS_ERROR, reason(exc)


def dns_failure(exc: Exception) -> Failure:
    """A failed DNS query; the detail is "" where the kind says it all."""
    import dns.exception  # only after a dnspython lookup (see dnspy): loaded by then
    import dns.resolver

    if isinstance(exc, dns.resolver.NXDOMAIN):
        return ErrorKind.NXDOMAIN, ""
    if isinstance(exc, dns.resolver.NoAnswer):
        return ErrorKind.NO_ANSWER, ""
    if isinstance(exc, dns.exception.Timeout | TimeoutError):
        return ErrorKind.DNS_TIMEOUT, ""
    if isinstance(exc, dns.resolver.NoNameservers):
        return _nameserver_failure(exc)
    if isinstance(exc, dns.resolver.YXDOMAIN):
        return ErrorKind.DNS_ERROR, "the name is too long once expanded (YXDOMAIN)"
    # whatever a broken or hostile server makes dnspython raise, the report goes on
    return ErrorKind.DNS_ERROR, f"unexpected failure ({reason(exc)})"


def _nameserver_failure(exc: dns.resolver.NoNameservers) -> Failure:
    """Why every nameserver failed, from the errors dnspython collected."""
    import dns.exception
    import dns.message

    found = [error[3] for error in exc.kwargs.get("errors", [])]
    if "SERVFAIL" in found:
        return ErrorKind.SERVFAIL, ""
    for cause in reversed(found):
        if isinstance(cause, str):
            return ErrorKind.DNS_ERROR, f"the resolver answered {cause}"
        if isinstance(cause, dns.message.ChainTooLong):
            return ErrorKind.DNS_ERROR, "CNAME chain too long or looping"
        if isinstance(cause, dns.message.AnswerForNXDOMAIN):
            return ErrorKind.DNS_ERROR, "inconsistent answer (NXDOMAIN with records)"
        if isinstance(cause, dns.message.Truncated):
            return ErrorKind.DNS_ERROR, "answer truncated even over TCP"
        if isinstance(cause, EOFError):
            return ErrorKind.DNS_ERROR, "connection closed before the answer"
        if isinstance(cause, OSError):
            return ErrorKind.DNS_ERROR, f"network error ({reason(cause)})"
        if isinstance(cause, dns.exception.Timeout):
            continue
        if isinstance(cause, Exception):
            return ErrorKind.DNS_ERROR, f"malformed answer ({reason(cause)})"
    if found:
        return ErrorKind.DNS_TIMEOUT, ""
    return ErrorKind.DNS_ERROR, "no usable nameserver"
