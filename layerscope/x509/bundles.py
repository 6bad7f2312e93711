"""PEM bundles: trust stores and ``--extra-ca`` files, read certificate by certificate."""

from __future__ import annotations

import warnings

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from layerscope.model import CertFacts
from layerscope.x509.certs import PARSE_ERRORS, CertificateError, facts, name_text, parse_reason


def _pem_certificates(data: bytes) -> list[x509.Certificate]:
    try:
        with warnings.catch_warnings():
            # real bundles hold old roots cryptography warns about (e.g. a zero serial)
            warnings.simplefilter("ignore")
            return x509.load_pem_x509_certificates(data)
    except PARSE_ERRORS as exc:
        raise CertificateError(f"no PEM certificates could be read: {parse_reason(exc)}") from exc


def pem_roots(data: bytes) -> list[tuple[bytes, str]]:
    """(DER, subject as in :attr:`CertFacts.subject`) of every certificate of a PEM bundle,
    without their facts (a trust store's roots: :class:`~layerscope.x509.stores.LazyRoots`
    computes each one's when it is used). Raises CertificateError when there is none."""
    certs = _pem_certificates(data)
    return [(c.public_bytes(serialization.Encoding.DER), name_text(c.subject)) for c in certs]


def load_pem_bundle(data: bytes) -> list[CertFacts]:
    """Every certificate of a PEM bundle (raises CertificateError when there is none)."""
    certs = _pem_certificates(data)
    return [facts(c.public_bytes(serialization.Encoding.DER)) for c in certs]


__all__ = ["load_pem_bundle", "pem_roots"]
