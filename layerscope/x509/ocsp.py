"""Judging OCSP responses (stapled or fetched) about a leaf: pure, no I/O.

One validation function serves both sources, so a staple and a responder's answer are held
to the same rules: the response must be successful, about this leaf (serial and issuer
hashes in the response's own CertID hash algorithm), fresh, and signed by the issuer or by
a delegated responder the issuer certified for OCSP signing. Nothing here raises for bad
input: every outcome is an :class:`OcspResult` (or :class:`Unusable` for no answer at all).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import warnings
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID

from layerscope.model import CertFacts, OcspResult, OcspState
from layerscope.x509.certs import CertificateError, facts, issued_by, load, utc
from layerscope.x509.signatures import signature_ok

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
class Unusable:
    """A response that is no answer at all: unparsable, or not successful."""

    message: str
    unparsable: bool


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
    except (UnsupportedAlgorithm, ValueError):
        return False
    return signature_ok(key, response.signature, response.tbs_response_bytes, algorithm)


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


def judge_response(
    data: bytes,
    leaf: CertFacts,
    issuer: CertFacts | None,
    at: dt.datetime,
    *,
    source: str,
    what: str,
) -> OcspResult | Unusable:
    """The verdict on DER ``data`` about ``leaf``; :class:`Unusable` when it is no answer."""
    at = utc(at)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # odd encodings warn: not for users
            response = ocsp.load_der_ocsp_response(data)
    except ValueError as exc:
        # cryptography's parse errors name ASN.1 internals: "malformed DER" says enough
        text = str(exc)
        reason = "malformed DER" if "ParseError" in text else (text[:120] or "unreadable")
        return Unusable(f"{what} is unparsable ({reason})", unparsable=True)
    if response.response_status is not ocsp.OCSPResponseStatus.SUCCESSFUL:
        status = _STATUS_NAMES.get(response.response_status, response.response_status.name)
        return Unusable(
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
        verdict = judge_response(
            staple, leaf, issuer, at, source=STAPLE, what="the stapled OCSP response"
        )
    except Exception as exc:  # a hostile staple must not abort a report
        return OcspResult(
            STAPLE, OcspState.INVALID, f"the stapled OCSP response cannot be judged ({exc})"
        )
    if isinstance(verdict, Unusable):
        return OcspResult(STAPLE, OcspState.INVALID, verdict.message)
    return verdict


__all__ = ["CLOCK_SKEW", "STAPLE", "Unusable", "judge_response", "judge_staple"]
