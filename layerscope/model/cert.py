"""What one certificate says, and what the analysis of one served chain found."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from layerscope.model.kinds import PathStatus  # its home: enums load without the dataclasses


@dataclass(frozen=True)
class CertFacts:
    """What one X.509 certificate says, as plain values.

    Attributes:
        der: the certificate as sent (DER), kept to re-parse for signature checks.
        subject: RFC 4514 subject string.
        issuer: RFC 4514 issuer string.
        common_name: first CN of the subject, or "".
        sans: DNS names and IP addresses of the subjectAltName extension, as sent.
        serial: serial number in upper-case hex.
        not_before: start of validity (UTC).
        not_after: end of validity (UTC).
        sha256: SHA-256 fingerprint of the DER, lower-case hex.
        spki_sha256: SHA-256 of the SubjectPublicKeyInfo, lower-case hex.
        key_type: "RSA", "EC", "Ed25519", ...
        key_bits: key size in bits (curve size for EC).
        signature_algorithm: e.g. "sha256WithRSAEncryption", "ecdsa-with-SHA256".
        signature_hash: "sha256", "sha1", "md5", ... or "" when intrinsic (Ed25519).
        is_ca: basicConstraints CA flag.
        self_issued: subject equals issuer.
        aia_issuers: caIssuers URLs from the AIA extension.
        ocsp_urls: OCSP responder URLs from the AIA extension.
        malformed_extensions: (name or dotted OID, dotted OID, error) of each extension
            that cannot be parsed or appears more than once; the other fields were read
            without them (``der`` and ``sha256`` are still those of the certificate as sent).
    """

    der: bytes = field(repr=False)
    subject: str
    issuer: str
    common_name: str
    sans: tuple[str, ...]
    serial: str
    not_before: dt.datetime
    not_after: dt.datetime
    sha256: str
    spki_sha256: str
    key_type: str
    key_bits: int
    signature_algorithm: str
    signature_hash: str
    is_ca: bool
    self_issued: bool
    aia_issuers: tuple[str, ...] = ()
    ocsp_urls: tuple[str, ...] = ()
    malformed_extensions: tuple[tuple[str, str, str], ...] = ()

    @property
    def short_id(self) -> str:
        """First 12 hex digits of the SHA-256 fingerprint: enough to tell leaves apart."""
        return self.sha256[:12]

    def days_left(self, at: dt.datetime) -> float:
        """Days from ``at`` until ``not_after`` (negative once expired)."""
        return (self.not_after - at).total_seconds() / 86400


@dataclass(frozen=True)
class UnparsedCert:
    """A served certificate that cannot be parsed (OpenSSL took it, cryptography refuses it).

    Attributes:
        position: 1-based position in the served chain, as sent.
        total: how many certificates the layer sent.
        sha256: SHA-256 fingerprint of the DER, lower-case hex.
        error: why it cannot be parsed, one short sentence (never the raw bytes; still
            untrusted text: it may describe what the peer sent).
        der: the certificate exactly as sent.
    """

    position: int
    total: int
    sha256: str
    error: str
    der: bytes = field(repr=False)


@dataclass(frozen=True)
class ChainAnalysis:
    """What path building and the verifier found for one served chain.

    Attributes:
        status: the layer's trust verdict: ``trusted``/``private`` only when the verifier
            accepted the served chain as sent; ``incomplete`` when the path needs
            certificates the layer did not send; ``refused`` when the path reaches a trusted
            root but the verifier refused it; else where the path ends (``path_status``).
        path: certificates from the leaf to the last one found (root included when known).
        missing: certificates on the path that the layer did not send, with where they were
            found ("layer 127.0.0.1", "trust store", "AIA http://...").
        missing_issuer: issuer name that could not be found at all (status INCOMPLETE).
        in_order: the served certificates on the path come leaf -> issuer -> ... .
        root_served: the served chain includes the path's self-signed root.
        unrelated: served certificates that are not on the path.
        verifier_ok: cryptography's verifier accepted the served chain for the site
            at the evaluation time against the trust store (plus extra CAs).
        verifier_error: the verifier's message when it refused.
        alt_status: path status against the alternative trust store, when one was checked.
        alt_store: name of the alternative trust store.
        path_too_long: path building stopped at its length limit (a hostile or broken chain
            of dozens of certificates); ``missing_issuer`` is where it stopped.
        path_status: where our own path builder ended (linking by name and signature only).
        completed_ok: the verifier accepts the chain once the missing certificates are added
            (equals ``verifier_ok`` when nothing is missing): the leaf itself is good.
        anchor: the trust store's copy of the root the path ends at, when it reached one.
    """

    status: PathStatus
    path: tuple[CertFacts, ...]
    missing: tuple[tuple[CertFacts, str], ...] = ()
    missing_issuer: str = ""
    in_order: bool = True
    root_served: bool = False
    unrelated: tuple[CertFacts, ...] = ()
    verifier_ok: bool = False
    verifier_error: str = ""
    alt_status: PathStatus | None = None
    alt_store: str = ""
    path_too_long: bool = False
    path_status: PathStatus | None = None
    completed_ok: bool = False
    anchor: CertFacts | None = None

    @property
    def intermediates(self) -> tuple[CertFacts, ...]:
        """Path certificates between the leaf and the root (or last found)."""
        inner = self.path[1:]
        if inner and inner[-1].self_issued:
            inner = inner[:-1]
        return inner

    @property
    def built(self) -> PathStatus:
        """Where the path builder ended (``path_status``, or ``status`` for old values)."""
        return self.path_status if self.path_status is not None else self.status

    @property
    def anchored(self) -> bool:
        """The path builder reached a root we trust (store or extra CA) by name and
        signature; says nothing about the other rules (see ``trusted``)."""
        return self.built in (PathStatus.TRUSTED, PathStatus.PRIVATE)

    @property
    def trusted(self) -> bool:
        """The verdict: the verifier accepted the served chain as sent."""
        return self.status in (PathStatus.TRUSTED, PathStatus.PRIVATE)
