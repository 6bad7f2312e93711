"""Evidence shapes of the ``preflight`` file findings (see :mod:`layerscope.model.codes_files`).

See :mod:`layerscope.model.evidence_common` for why there is no ``__future__`` import here.
"""

from typing import NotRequired, TypedDict


class NotACertificateEvidence(TypedDict):
    """``not_a_certificate``: which file, what is wrong with it, and where."""

    file: str  # the certificate file's path, as given
    # what is wrong, machine-readable: empty, too_large, no_certificate, private_key, csr,
    # public_key, der, pkcs7, truncated, bad_block, text_outside_blocks, key_beside,
    # byte_order_mark; with --nginx also missing, unreadable
    problem: str
    message: str  # one sentence
    line: NotRequired[int]  # 1-based line of the file it is about


class KeyMismatchEvidence(TypedDict):
    """``key_mismatch``: the key file, the certificate file, and what does not fit."""

    file: str  # the key file's path, as given
    certificate_file: str
    # mismatch, encrypted, certificate (the key file holds one, no key), no_key, empty,
    # too_large, der, openssh, bad_key; with --nginx also missing, unreadable, and
    # no_key_directive (no ssl_certificate_key for the certificate: ``file`` is "")
    problem: str
    message: str  # one sentence
    leaf_spki_sha256: NotRequired[str]  # SHA-256 of the leaf's SubjectPublicKeyInfo
    key_spki_sha256: NotRequired[str]  # ... of the key's public half, when it could be read
    key_type: NotRequired[str]  # "EC 256", "RSA 2048", "Ed25519"
    matches_position: NotRequired[int]  # 1-based: the certificate of the file it belongs to


class ReloadNeededEvidence(TypedDict):
    """``reload_needed``: the file a server block names, and the other leaf it serves."""

    file: str  # the ssl_certificate file
    file_sha256: str  # SHA-256 of its leaf
    served_sha256: str  # SHA-256 of the leaf the block serves
    file_modified: str  # the file's modification time (ISO 8601, UTC)
    address: str  # where the handshake went (loopback for a listen on all addresses)
    port: int
    sni: str  # the server name sent ("" when none)
    served_not_after: str  # when the served leaf expires (ISO 8601, UTC)
    config: str  # the main configuration file
    block: str  # file:line of the server block


__all__ = ["KeyMismatchEvidence", "NotACertificateEvidence", "ReloadNeededEvidence"]
