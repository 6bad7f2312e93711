"""The lab's OCSP responder: signed answers about the certificates one CA issued.

Pure logic, no sockets: :meth:`OcspResponder.respond` turns request bytes into response
bytes (any HTTP server can carry them) and :meth:`OcspResponder.staple_for` makes the
responses lab servers staple, good, expired or about another certificate on purpose.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from layerscope.lab.pki import Issued, new_key

Status = Literal["good", "revoked"]
"""What the responder knows about a serial number."""

_STATUS = {"good": ocsp.OCSPCertStatus.GOOD, "revoked": ocsp.OCSPCertStatus.REVOKED}


def _der(response: ocsp.OCSPResponse) -> bytes:
    return response.public_bytes(serialization.Encoding.DER)


def _unsuccessful(status: ocsp.OCSPResponseStatus) -> bytes:
    return _der(ocsp.OCSPResponseBuilder.build_unsuccessful(status))


class OcspResponder:
    """Answers for the certificates ``issuer`` signed, as a CA's OCSP responder does.

    Attributes:
        issuer: the CA whose certificates are answered for (and who signs, unless
            ``signer`` is given).
        statuses: serial number -> ("good" | "revoked", revocation time); serials not in
            the map are "unknown" to :meth:`respond`.
        reasons: serial number -> revocation reason, for revoked serials that have one.
        signer: a delegated responder certificate (issued by ``issuer``, with the
            OCSPSigning EKU) that signs instead of the CA and is included in responses;
            None: the CA signs itself.
    """

    def __init__(
        self,
        issuer: Issued,
        statuses: Mapping[int, tuple[Status, dt.datetime | None]] | None = None,
        *,
        signer: Issued | None = None,
    ) -> None:
        self.issuer = issuer
        self.statuses: dict[int, tuple[Status, dt.datetime | None]] = dict(statuses or {})
        self.reasons: dict[int, x509.ReasonFlags] = {}
        self.signer = signer

    def good(self, cert: Issued | x509.Certificate) -> None:
        """Record ``cert`` as good."""
        self.statuses[_serial(cert)] = ("good", None)
        self.reasons.pop(_serial(cert), None)

    def revoke(
        self,
        cert: Issued | x509.Certificate,
        at: dt.datetime,
        reason: x509.ReasonFlags | None = None,
    ) -> None:
        """Record ``cert`` as revoked at ``at``, with an optional reason."""
        serial = _serial(cert)
        self.statuses[serial] = ("revoked", at)
        if reason is None:
            self.reasons.pop(serial, None)
        else:
            self.reasons[serial] = reason

    def respond(self, request_der: bytes, now: dt.datetime) -> bytes:
        """The DER response to one DER OCSP request, as of ``now``.

        Malformed requests get ``malformedRequest``; requests about another CA's
        certificates get ``unauthorized`` (what real responders answer); serials this CA
        never recorded are "unknown". Valid from ``now`` - 1 h to ``now`` + 1 day.
        """
        try:
            request = ocsp.load_der_ocsp_request(request_der)
            algorithm = request.hash_algorithm
            name_hash, key_hash = _issuer_hashes(self.issuer.cert, algorithm)
        except Exception:  # whatever a client sends, the answer is a response
            return _unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
        if (request.issuer_name_hash, request.issuer_key_hash) != (name_hash, key_hash):
            return _unsuccessful(ocsp.OCSPResponseStatus.UNAUTHORIZED)
        serial = request.serial_number
        status, revoked_at = self.statuses.get(serial, (None, None))
        builder = ocsp.OCSPResponseBuilder().add_response_by_hash(
            issuer_name_hash=name_hash,
            issuer_key_hash=key_hash,
            serial_number=serial,
            algorithm=algorithm,
            cert_status=_STATUS[status] if status else ocsp.OCSPCertStatus.UNKNOWN,
            this_update=now - dt.timedelta(hours=1),
            next_update=now + dt.timedelta(days=1),
            revocation_time=revoked_at if status == "revoked" else None,
            revocation_reason=self.reasons.get(serial) if status == "revoked" else None,
        )
        return self._sign(builder)

    def staple_for(
        self,
        cert: Issued,
        now: dt.datetime,
        *,
        expired: bool = False,
        wrong_cert: Issued | None = None,
    ) -> bytes:
        """A response for a server to staple with ``cert``, as of ``now``.

        The status comes from :attr:`statuses`; a certificate not recorded there is
        stapled as good (a server only staples for the certificate it serves).
        ``expired``: thisUpdate 8 days and nextUpdate 1 day before ``now`` (the server kept
        stapling an old response). ``wrong_cert``: the response is about that certificate
        instead, its CertID made as ``wrong_cert``'s own CA would (issuer name hash of its
        issuer, key hash from its authority key identifier), still signed by this responder.

        OpenSSL 3.6+ servers (pyOpenSSL's bundled OpenSSL 4 included) parse what they are
        given to staple and drop a successful response whose serial or issuer name hash is
        not the served leaf's (the issuer key hash is not compared): to get a "for another
        certificate" staple through the lab's
        :class:`~layerscope.lab.stapling.StaplingServer`, ``wrong_cert`` must be a twin with
        the leaf's serial from a CA with the same name and another key (same seed in
        :func:`pki.deterministic`, a re-keyed CA).
        """
        subject = wrong_cert or cert
        serial = subject.cert.serial_number
        status, revoked_at = self.statuses.get(serial, ("good", None))
        if expired:
            this_update, next_update = now - dt.timedelta(days=8), now - dt.timedelta(days=1)
        else:
            this_update, next_update = now - dt.timedelta(hours=1), now + dt.timedelta(days=1)
        algorithm = hashes.SHA1()
        name_hash, key_hash = _issuer_hashes(self.issuer.cert, algorithm)
        if wrong_cert is not None:
            name_hash, key_hash = _claimed_issuer_hashes(wrong_cert.cert, key_hash)
        builder = ocsp.OCSPResponseBuilder().add_response_by_hash(
            issuer_name_hash=name_hash,
            issuer_key_hash=key_hash,
            serial_number=serial,
            algorithm=algorithm,
            cert_status=_STATUS[status],
            this_update=this_update,
            next_update=next_update,
            revocation_time=revoked_at if status == "revoked" else None,
            revocation_reason=self.reasons.get(serial) if status == "revoked" else None,
        )
        return self._sign(builder)

    def _sign(self, builder: ocsp.OCSPResponseBuilder) -> bytes:
        signer = self.signer or self.issuer
        builder = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, signer.cert)
        if self.signer is not None:
            builder = builder.certificates([self.signer.cert])
        return _der(builder.sign(signer.key, hashes.SHA256()))


def _serial(cert: Issued | x509.Certificate) -> int:
    return (cert.cert if isinstance(cert, Issued) else cert).serial_number


def _issuer_hashes(
    issuer: x509.Certificate, algorithm: hashes.HashAlgorithm
) -> tuple[bytes, bytes]:
    """The CertID issuer name and key hashes of ``issuer`` under ``algorithm``.

    The key hash is taken from a request cryptography builds with ``issuer`` as the
    issuer (it hashes the key's BIT STRING); the name hash of that request would be of
    ``issuer``'s own issuer, so it is computed from ``issuer``'s subject here.
    """
    request = ocsp.OCSPRequestBuilder().add_certificate(issuer, issuer, algorithm).build()
    name_hash = hashlib.new(algorithm.name, issuer.subject.public_bytes()).digest()
    return name_hash, request.issuer_key_hash


def _claimed_issuer_hashes(cert: x509.Certificate, fallback_key_hash: bytes) -> tuple[bytes, bytes]:
    """SHA-1 CertID issuer hashes of ``cert``'s issuer, known from ``cert`` alone.

    The key hash is the authority key identifier, which is the SHA-1 of the issuer's key
    for lab certificates; without one, ``fallback_key_hash``.
    """
    name_hash = hashlib.sha1(cert.issuer.public_bytes()).digest()
    try:
        aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    except x509.ExtensionNotFound:
        return name_hash, fallback_key_hash
    return name_hash, aki.key_identifier or fallback_key_hash


def responder_certificate(issuer: Issued, *, now: dt.datetime, ocsp_signing: bool = True) -> Issued:
    """A delegated OCSP responder certificate issued by ``issuer``, valid for ``now`` ± 30 days.

    ``ocsp_signing`` False leaves out the OCSPSigning EKU (serverAuth instead): clients
    must then refuse the responses it signs.
    """
    key = new_key()
    usage = ExtendedKeyUsageOID.OCSP_SIGNING if ocsp_signing else ExtendedKeyUsageOID.SERVER_AUTH
    builder = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "layerscope lab"),
                    x509.NameAttribute(NameOID.COMMON_NAME, "lab OCSP responder"),
                ]
            )
        )
        .issuer_name(issuer.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=30))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    )
    return Issued(builder.sign(issuer.key, hashes.SHA256()), key)


__all__ = ["OcspResponder", "Status", "responder_certificate"]
