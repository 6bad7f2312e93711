"""Revocation: judge OCSP responses (stapled or fetched) and ask a leaf's OCSP responder.

One validation function serves both sources, so a staple and a responder's answer are held
to the same rules: the response must be successful, about this leaf (serial and issuer
hashes in the response's own CertID hash algorithm), fresh, and signed by the issuer or by
a delegated responder the issuer certified for OCSP signing. Nothing here raises for bad
input or network trouble: every outcome is an :class:`OcspResult`. httpx is imported
lazily, only when a responder is asked: the ``check`` path must stay quick to start.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID

from .certs import CertificateError, facts, issued_by, load, utc
from .model import CertFacts, OcspResult, OcspState

if TYPE_CHECKING:
    import httpx

    from .hosts import HostLookup

CLOCK_SKEW = dt.timedelta(minutes=5)
"""How far in the future a response's thisUpdate may be before it counts as not yet valid."""

STAPLE = "staple"
"""The ``source`` of a judged stapled response."""

_STATUS_NAMES = {
    ocsp.OCSPResponseStatus.MALFORMED_REQUEST: "malformedRequest",
    ocsp.OCSPResponseStatus.INTERNAL_ERROR: "internalError",
    ocsp.OCSPResponseStatus.TRY_LATER: "tryLater",
    ocsp.OCSPResponseStatus.SIG_REQUIRED: "sigRequired",
    ocsp.OCSPResponseStatus.UNAUTHORIZED: "unauthorized",
}


def _when(value: dt.datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC")


@dataclass(frozen=True)
class _Unusable:
    """A response that is no answer at all: unparsable, or not successful."""

    message: str
    unparsable: bool


class _Failed(Exception):
    """No answer from a responder; the message is for humans."""


def _mismatch(
    single: ocsp.OCSPSingleResponse,
    leaf: x509.Certificate,
    issuer: x509.Certificate | None,
) -> str:
    """Why ``single`` is not about ``leaf`` (issued by ``issuer``), or "" when it is."""
    if single.serial_number != leaf.serial_number:
        return f"serial {single.serial_number:X}, not the leaf's {leaf.serial_number:X}"
    try:
        algorithm = single.hash_algorithm
    except UnsupportedAlgorithm:
        return "its CertID uses a hash algorithm this tool cannot compute"
    if issuer is not None:
        try:
            request = ocsp.OCSPRequestBuilder().add_certificate(leaf, issuer, algorithm).build()
        except (ValueError, TypeError, UnsupportedAlgorithm):
            return f"its CertID uses {algorithm.name}, which this tool cannot compute"
        name_hash, key_hash = request.issuer_name_hash, request.issuer_key_hash
    else:
        try:
            digest = hashlib.new(algorithm.name, leaf.issuer.public_bytes())
        except ValueError:
            return f"its CertID uses {algorithm.name}, which this tool cannot compute"
        name_hash, key_hash = digest.digest(), single.issuer_key_hash
    if single.issuer_name_hash != name_hash:
        return "the serial matches but the issuer name hash is of another CA"
    if single.issuer_key_hash != key_hash:
        return "the serial and issuer name match but the issuer key hash is of another key"
    return ""


def _signed_with(response: ocsp.OCSPResponse, cert: x509.Certificate) -> bool:
    """``cert``'s key made the response's signature."""
    try:
        key = cert.public_key()
        algorithm = response.signature_hash_algorithm
        signature, data = response.signature, response.tbs_response_bytes
        if isinstance(key, rsa.RSAPublicKey) and algorithm is not None:
            key.verify(signature, data, padding.PKCS1v15(), algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey) and algorithm is not None:
            key.verify(signature, data, ec.ECDSA(algorithm))
        elif isinstance(key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
            key.verify(signature, data)
        else:
            return False
    except (InvalidSignature, UnsupportedAlgorithm, ValueError, TypeError):
        return False
    return True


def _delegation_problem(responder: x509.Certificate, issuer: CertFacts, at: dt.datetime) -> str:
    """Why ``responder`` may not sign for ``issuer``'s certificates, or "" when it may."""
    try:
        responder_facts = facts(responder.public_bytes(serialization.Encoding.DER))
    except CertificateError:
        return "an unreadable certificate"
    name = responder_facts.subject
    if not issued_by(responder_facts, issuer):
        return f"{name}, which the leaf's issuer did not sign"
    try:
        eku = responder.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except (x509.ExtensionNotFound, ValueError):
        eku = None
    if eku is None or ExtendedKeyUsageOID.OCSP_SIGNING not in eku:
        return f"{name}, which lacks the OCSPSigning extended key usage"
    if not responder_facts.not_before - CLOCK_SKEW <= at <= responder_facts.not_after:
        return f"{name}, a responder certificate not valid at {_when(at)}"
    return ""


def _signature_problem(
    response: ocsp.OCSPResponse, issuer: x509.Certificate, issuer_facts: CertFacts, at: dt.datetime
) -> str:
    """Why the response's signature is not acceptable, or "" when it is."""
    if _signed_with(response, issuer):
        return ""
    try:
        included = response.certificates
    except ValueError:
        included = []
    problems: list[str] = []
    for responder in included:
        if not _signed_with(response, responder):
            continue
        problem = _delegation_problem(responder, issuer_facts, at)
        if not problem:
            return ""
        problems.append(problem)
    if problems:
        return "is signed by " + "; ".join(problems)
    return (
        "has a signature that verifies neither with the issuer's key nor with a delegated "
        "responder certificate included in it"
    )


def _judge(
    data: bytes,
    leaf: CertFacts,
    issuer: CertFacts | None,
    at: dt.datetime,
    *,
    source: str,
    what: str,
) -> OcspResult | _Unusable:
    """The verdict on DER ``data`` about ``leaf``; :class:`_Unusable` when it is no answer."""
    at = utc(at)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # odd encodings warn: not for users
            response = ocsp.load_der_ocsp_response(data)
    except ValueError as exc:
        # cryptography's parse errors name ASN.1 internals: "malformed DER" says enough
        text = str(exc)
        reason = "malformed DER" if "ParseError" in text else (text[:120] or "unreadable")
        return _Unusable(f"{what} is unparsable ({reason})", unparsable=True)
    if response.response_status is not ocsp.OCSPResponseStatus.SUCCESSFUL:
        status = _STATUS_NAMES.get(response.response_status, response.response_status.name)
        return _Unusable(
            f"{what} is not successful: the responder answered {status}", unparsable=False
        )

    def invalid(message: str) -> OcspResult:
        return OcspResult(source, OcspState.INVALID, f"{what} {message}")

    try:
        leaf_cert = load(leaf.der)
        issuer_cert = load(issuer.der) if issuer is not None else None
        singles = list(response.responses)
    except (CertificateError, ValueError) as exc:
        return invalid(f"cannot be read ({exc})")
    mismatches = [_mismatch(single, leaf_cert, issuer_cert) for single in singles]
    single = next((s for s, why in zip(singles, mismatches, strict=True) if not why), None)
    if single is None:
        why = mismatches[0] if mismatches else "no certificate status in it"
        return invalid(f"is for another certificate ({why})")
    this_update = single.this_update_utc
    next_update = single.next_update_utc
    if next_update is not None and next_update < at:
        return OcspResult(
            source,
            OcspState.INVALID,
            f"{what} expired: its nextUpdate {_when(next_update)} is before {_when(at)}",
            this_update,
            next_update,
        )
    if this_update > at + CLOCK_SKEW:
        return OcspResult(
            source,
            OcspState.INVALID,
            f"{what} is not yet valid: its thisUpdate {_when(this_update)} is after "
            f"{_when(at)} (a clock is wrong)",
            this_update,
            next_update,
        )
    note = ""
    if issuer_cert is None or issuer is None:
        note = " (signature not checked: the issuer certificate is not known)"
    else:
        problem = _signature_problem(response, issuer_cert, issuer, at)
        if problem:
            return OcspResult(
                source, OcspState.INVALID, f"{what} {problem}", this_update, next_update
            )
    cert_status = single.certificate_status
    if cert_status is ocsp.OCSPCertStatus.GOOD:
        until = f" (fresh until {_when(next_update)})" if next_update else ""
        return OcspResult(
            source,
            OcspState.GOOD,
            f"{what} says the certificate is good{until}{note}",
            this_update,
            next_update,
        )
    if cert_status is ocsp.OCSPCertStatus.REVOKED:
        revoked_at = single.revocation_time_utc
        reason = single.revocation_reason.value if single.revocation_reason else ""
        when = f" on {_when(revoked_at)}" if revoked_at else ""
        because = f" ({reason})" if reason else ""
        return OcspResult(
            source,
            OcspState.REVOKED,
            f"{what} says the certificate was revoked{when}{because}{note}",
            this_update,
            next_update,
            revoked_at,
            reason,
        )
    return OcspResult(
        source,
        OcspState.UNKNOWN,
        f"{what} says the responder does not know this certificate{note}",
        this_update,
        next_update,
    )


def judge_staple(
    staple: bytes, leaf: CertFacts, issuer: CertFacts | None, at: dt.datetime
) -> OcspResult:
    """Judge a stapled OCSP response about ``leaf`` (issued by ``issuer``) at time ``at``.

    INVALID when unparsable, not successful, for another certificate, expired (or not yet
    valid beyond :data:`CLOCK_SKEW`), or not signed by the issuer or a delegated responder;
    otherwise GOOD, REVOKED or UNKNOWN as the response says. With ``issuer`` None (the
    layer did not send it) the signature cannot be checked, which the message says.
    Never raises.
    """
    try:
        verdict = _judge(staple, leaf, issuer, at, source=STAPLE, what="the stapled OCSP response")
    except Exception as exc:  # a hostile staple must not abort a report
        return OcspResult(
            STAPLE, OcspState.INVALID, f"the stapled OCSP response cannot be judged ({exc})"
        )
    if isinstance(verdict, _Unusable):
        return OcspResult(STAPLE, OcspState.INVALID, verdict.message)
    return verdict


def _error(url: str, message: str) -> OcspResult:
    return OcspResult(url, OcspState.ERROR, message)


async def _post(client: httpx.AsyncClient, url: str, body: bytes, max_bytes: int) -> bytes:
    # identity only: a compressed body could expand far beyond max_bytes in one chunk
    headers = {
        "Content-Type": "application/ocsp-request",
        "Accept": "application/ocsp-response",
        "Accept-Encoding": "identity",
    }
    too_large = f"the OCSP responder {url} sent more than the {max_bytes} bytes accepted"
    async with client.stream(
        "POST", url, content=body, headers=headers, follow_redirects=False
    ) as response:
        if response.status_code != 200:
            raise _Failed(f"the OCSP responder {url} answered HTTP {response.status_code}")
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise _Failed(too_large)
        data = bytearray()
        async for chunk in response.aiter_raw():
            data.extend(chunk)
            if len(data) > max_bytes:
                raise _Failed(too_large)
        return bytes(data)


async def _exchange(
    url: str,
    body: bytes,
    *,
    timeout: float,
    max_bytes: int,
    client: httpx.AsyncClient | None,
    lookup: HostLookup | None = None,
) -> bytes:
    """POST ``body`` to ``url`` within ``timeout``; raises :class:`_Failed` with the reason."""
    import httpx  # lazily: the ``check`` path must stay quick to start

    from .pinned import PinnedTransport, UnresolvedHost

    try:
        async with asyncio.timeout(timeout):
            if client is not None:
                return await _post(client, url, body, max_bytes)
            # with the site's resolvers, the responder's host is resolved by them only
            transport = PinnedTransport(lookup) if lookup is not None else None
            # httpx's per-operation timeouts a bit longer: the overall deadline decides
            async with httpx.AsyncClient(timeout=timeout + 1, transport=transport) as own:
                return await _post(own, url, body, max_bytes)
    except _Failed:
        raise
    except UnresolvedHost as exc:
        raise _Failed(f"the OCSP responder {url} could not be asked: no address ({exc})") from exc
    except (TimeoutError, httpx.TimeoutException) as exc:
        raise _Failed(f"the OCSP responder {url} did not answer within {timeout:g}s") from exc
    except httpx.ConnectError as exc:
        raise _Failed(f"could not connect to the OCSP responder {url}: {_reason(exc)}") from exc
    except Exception as exc:  # httpx, OSError, h11...: all mean "no answer from there"
        raise _Failed(f"the OCSP responder {url} could not be asked: {_reason(exc)}") from exc


async def query_responder(
    leaf: CertFacts,
    issuer: CertFacts,
    *,
    at: dt.datetime,
    timeout: float = 5.0,
    max_bytes: int = 64 * 1024,
    client: httpx.AsyncClient | None = None,
    lookup: HostLookup | None = None,
) -> OcspResult:
    """Ask the leaf's OCSP responder (its first AIA OCSP URL) about ``leaf``.

    POSTs a SHA-1 CertID request as ``application/ocsp-request``; ``timeout`` bounds the
    whole exchange (the responder's name lookup included) and ``max_bytes`` the answer.
    ``lookup`` resolves the responder's host name when no ``client`` is given (the site's
    resolvers; None: the system resolver); a name it cannot resolve is an ERROR result
    naming the host and the resolvers, never a fallback to another resolver. The answer
    is judged like a staple (source = the URL). Anything that gives no usable answer (no
    URL, not http(s), timeout, refused connection, HTTP error status, too large, not an
    OCSP response, an unsuccessful OCSP status such as tryLater) is an ERROR result naming
    the URL. Never raises.
    """
    if not leaf.ocsp_urls:
        return _error("", "the certificate names no OCSP responder (no AIA OCSP URL)")
    url = leaf.ocsp_urls[0]
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        scheme = ""
    if scheme not in ("http", "https"):
        return _error(url, f"the OCSP responder URL {url} is not asked: only http(s) is")
    try:
        request = (
            ocsp.OCSPRequestBuilder()
            .add_certificate(load(leaf.der), load(issuer.der), hashes.SHA1())
            .build()
            .public_bytes(serialization.Encoding.DER)
        )
        answer = await _exchange(
            url, request, timeout=timeout, max_bytes=max_bytes, client=client, lookup=lookup
        )
        verdict = _judge(answer, leaf, issuer, at, source=url, what=f"the OCSP response from {url}")
    except _Failed as exc:
        return _error(url, str(exc))
    except Exception as exc:  # a hostile certificate or response must not abort a report
        return _error(url, f"the OCSP responder {url} could not be asked: {_reason(exc)}")
    if isinstance(verdict, _Unusable):
        if verdict.unparsable:
            return _error(url, f"the OCSP responder {url} did not answer with an OCSP response")
        return _error(url, verdict.message)
    return verdict


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


class OcspChecker:
    """Asks OCSP responders once per run: layers serving the same leaf share one query.

    The cache is keyed by (leaf SHA-256, issuer SHA-256) and holds the query in flight, so
    concurrent checks of the same leaf wait for the same answer. Errors are cached too: a
    dead responder is asked once, not once per edge. One checker serves one run on one
    event loop. ``client`` and ``lookup`` are passed to :func:`query_responder`.
    """

    def __init__(
        self,
        *,
        timeout: float = 5.0,
        max_bytes: int = 64 * 1024,
        client: httpx.AsyncClient | None = None,
        lookup: HostLookup | None = None,
    ) -> None:
        self._timeout = timeout
        self._max_bytes = max_bytes
        self._client = client
        self._lookup = lookup
        self._cache: dict[tuple[str, str], asyncio.Future[OcspResult]] = {}

    async def check(self, leaf: CertFacts, issuer: CertFacts, *, at: dt.datetime) -> OcspResult:
        """The responder's answer about ``leaf``, asked at most once per (leaf, issuer)."""
        key = (leaf.sha256, issuer.sha256)
        pending = self._cache.get(key)
        if pending is None:
            pending = asyncio.ensure_future(
                query_responder(
                    leaf,
                    issuer,
                    at=at,
                    timeout=self._timeout,
                    max_bytes=self._max_bytes,
                    client=self._client,
                    lookup=self._lookup,
                )
            )
            self._cache[key] = pending
        # one caller giving up must not cancel the query the others wait for
        return await asyncio.shield(pending)


__all__ = ["CLOCK_SKEW", "STAPLE", "OcspChecker", "judge_staple", "query_responder"]
