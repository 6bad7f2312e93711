"""The algorithm rules of the Web PKI: key types and sizes, curves, signature algorithms.

Part of :mod:`layerscope.x509.pathcheck`: each rule yields a :class:`Violation`.
"""

from __future__ import annotations

from collections.abc import Iterator

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, padding, rsa
from cryptography.x509.oid import SignatureAlgorithmOID

from layerscope.model import CertFacts
from layerscope.model.evidence import (
    UnsupportedAlgorithmEvidence,
    WeakKeyEvidence,
    WeakSignatureEvidence,
)
from layerscope.x509.pathcheck_types import Violation

WEBPKI_CURVES = frozenset({"secp256r1", "secp384r1", "secp521r1"})
_PLAIN_SIGNATURES = frozenset(
    {
        SignatureAlgorithmOID.RSA_WITH_SHA256,
        SignatureAlgorithmOID.RSA_WITH_SHA384,
        SignatureAlgorithmOID.RSA_WITH_SHA512,
        SignatureAlgorithmOID.ECDSA_WITH_SHA256,
        SignatureAlgorithmOID.ECDSA_WITH_SHA384,
        SignatureAlgorithmOID.ECDSA_WITH_SHA512,
    }
)
_PSS_SALTS = {"sha256": 32, "sha384": 48, "sha512": 64}
_BROKEN_HASHES = frozenset({"sha1", "md5", "md2", "md4"})


def key_rules(facts: CertFacts, cert: x509.Certificate, *, enforced: bool) -> Iterator[Violation]:
    try:
        key = cert.public_key()
    except (ValueError, UnsupportedAlgorithm):
        yield Violation(
            "unsupported_algorithm",
            f"the public key of '{facts.subject}' is of a kind clients cannot use",
            UnsupportedAlgorithmEvidence(
                subject=facts.subject, sha256=facts.sha256, algorithm="unknown key type", what="key"
            ),
            enforced=enforced,
        )
        return
    weak = WeakKeyEvidence(
        subject=facts.subject, sha256=facts.sha256, key_type=facts.key_type, key_bits=facts.key_bits
    )
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < 2048:
            yield Violation(
                "weak_key",
                f"'{facts.subject}' (RSA {key.key_size} bits)",
                weak,
                enforced=enforced,
            )
        return
    if isinstance(key, ec.EllipticCurvePublicKey):
        if key.curve.name in WEBPKI_CURVES:
            return
        if key.curve.key_size < 256:
            yield Violation(
                "weak_key", f"'{facts.subject}' (EC {key.curve.name})", weak, enforced=enforced
            )
            return
        algorithm = f"EC {key.curve.name}"
    elif isinstance(key, ed25519.Ed25519PublicKey):
        algorithm = "Ed25519"
    elif isinstance(key, ed448.Ed448PublicKey):
        algorithm = "Ed448"
    elif isinstance(key, dsa.DSAPublicKey):
        algorithm = f"DSA {key.key_size} bits"
    else:
        algorithm = type(key).__name__
    yield Violation(
        "unsupported_algorithm",
        f"'{facts.subject}' has an {algorithm} key, which the Web PKI does not allow "
        "(RSA of 2048 bits or more, EC P-256/P-384/P-521)",
        UnsupportedAlgorithmEvidence(
            subject=facts.subject, sha256=facts.sha256, algorithm=algorithm, what="key"
        ),
        enforced=enforced,
    )


def signature_rules(facts: CertFacts, cert: x509.Certificate) -> Iterator[Violation]:
    oid = cert.signature_algorithm_oid
    if facts.signature_hash in _BROKEN_HASHES:
        yield Violation(
            "weak_signature",
            f"'{facts.subject}' ({facts.signature_algorithm})",
            WeakSignatureEvidence(
                subject=facts.subject,
                sha256=facts.sha256,
                signature_algorithm=facts.signature_algorithm,
            ),
        )
        return
    if oid in _PLAIN_SIGNATURES or (oid == SignatureAlgorithmOID.RSASSA_PSS and _pss_ok(cert)):
        return
    yield Violation(
        "unsupported_algorithm",
        f"'{facts.subject}' is signed with {facts.signature_algorithm}, which the Web PKI "
        "does not allow (RSA PKCS#1 or PSS, or ECDSA, with SHA-256/384/512)",
        UnsupportedAlgorithmEvidence(
            subject=facts.subject,
            sha256=facts.sha256,
            algorithm=facts.signature_algorithm,
            what="signature",
        ),
    )


def _pss_ok(cert: x509.Certificate) -> bool:
    try:
        params = cert.signature_algorithm_parameters
        algo = cert.signature_hash_algorithm
    except (ValueError, UnsupportedAlgorithm):
        return False
    if not isinstance(params, padding.PSS) or algo is None:
        return False
    mgf = getattr(params, "_mgf", None)
    mgf_hash = getattr(mgf, "_algorithm", None)
    salt = getattr(params, "_salt_length", None)
    return (
        _PSS_SALTS.get(algo.name) == salt
        and isinstance(mgf_hash, hashes.HashAlgorithm)
        and mgf_hash.name == algo.name
    )


__all__ = ["WEBPKI_CURVES", "key_rules", "signature_rules"]
