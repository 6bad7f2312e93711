"""One hand-written signature check, for what cryptography's own checks refuse to verify.

``verify_directly_issued_by`` refuses SHA-1 and MD5 certificate signatures (the analysis
must still see such chains to call them weak), and an OCSP response has no such helper.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes


def signature_ok(
    key: CertificatePublicKeyTypes,
    signature: bytes,
    data: bytes,
    algorithm: hashes.HashAlgorithm | None,
) -> bool:
    """``key`` made ``signature`` over ``data`` (RSA PKCS#1 v1.5, ECDSA, Ed25519, Ed448).

    False for any other key type, a missing hash algorithm where the key needs one, or a
    signature that does not verify; never raises.
    """
    try:
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


__all__ = ["signature_ok"]
