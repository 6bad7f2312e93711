"""Evidence shapes of the ``preflight`` file findings (see :mod:`layerscope.model.codes_files`).

See :mod:`layerscope.model.evidence_common` for why there is no ``__future__`` import here.
"""

from typing import NotRequired, TypedDict


class NotACertificateEvidence(TypedDict):
    """``not_a_certificate``: which file, what is wrong with it, and where."""

    file: str  # the certificate file's path, as given
    # what is wrong, machine-readable: empty, too_large, no_certificate, private_key, csr,
    # public_key, der, pkcs7, truncated, bad_block, text_outside_blocks, key_beside,
    # byte_order_mark
    problem: str
    message: str  # one sentence
    line: NotRequired[int]  # 1-based line of the file it is about


class KeyMismatchEvidence(TypedDict):
    """``key_mismatch``: the key file, the certificate file, and what does not fit."""

    file: str  # the key file's path, as given
    certificate_file: str
    # mismatch, encrypted, certificate (the key file holds one, no key), no_key, empty,
    # too_large, der, openssh, bad_key
    problem: str
    message: str  # one sentence
    leaf_spki_sha256: NotRequired[str]  # SHA-256 of the leaf's SubjectPublicKeyInfo
    key_spki_sha256: NotRequired[str]  # ... of the key's public half, when it could be read
    key_type: NotRequired[str]  # "EC 256", "RSA 2048", "Ed25519"
    matches_position: NotRequired[int]  # 1-based: the certificate of the file it belongs to


__all__ = ["KeyMismatchEvidence", "NotACertificateEvidence"]
