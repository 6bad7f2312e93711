"""``watch --expect FILE``: the fingerprint of the leaf a certificate file would deploy.

The file is read as nginx reads ``ssl_certificate``: its first certificate is the leaf (a
lone certificate or a full chain, PEM or DER). Given together with ``--expect-sha256``, the
two must name the same leaf.
"""

from __future__ import annotations

import hashlib

from layerscope.diagnose.watch import normalize_fingerprint
from layerscope.x509.certfile import CertificateFileError, first_certificate

__all__ = ["MAX_FILE_BYTES", "ExpectError", "expected_leaves", "expected_sha256"]

#: Largest certificate file read (a chain is a few KiB; more is not a certificate file).
MAX_FILE_BYTES = 16 * 1024 * 1024


class ExpectError(ValueError):
    """``--expect`` (or its combination with ``--expect-sha256``) is unusable; the message
    is one line for stderr."""


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ExpectError(f"--expect {path}: cannot read it: {exc.strerror or exc}") from exc
    if len(data) > MAX_FILE_BYTES:
        raise ExpectError(f"--expect {path}: over {MAX_FILE_BYTES // 2**20} MiB, not a certificate")
    return data


def expected_sha256(path: str | None, sha256: str | None) -> str | None:
    """What ``watch`` waits for, as ``--expect-sha256`` takes it.

    Without ``--expect`` (``path`` None): ``sha256`` as given (checked later by
    :func:`layerscope.diagnose.watch.start`). With it: the full SHA-256 of the file's leaf,
    provided ``sha256`` (when given) is that fingerprint or a prefix of it. Raises
    ExpectError when the file cannot be read, holds no certificate, or disagrees.
    """
    if path is None:
        return sha256
    try:
        leaf = first_certificate(_read(path))
    except CertificateFileError as exc:
        raise ExpectError(f"--expect {path} holds no certificate: {exc}") from exc
    digest = hashlib.sha256(leaf).hexdigest()
    if sha256 is None:
        return digest
    try:
        given = normalize_fingerprint(sha256)
    except ValueError as exc:
        raise ExpectError(f"--expect-sha256: {exc}") from exc
    if not digest.startswith(given):
        raise ExpectError(
            f"--expect {path} (leaf sha256 {digest[:16]}…) and --expect-sha256 "
            f"{given[:16]}… name different certificates: give one of them"
        )
    return digest


def _type_of(der: bytes) -> str:
    """ "ecdsa" or "rsa" for the leaf's key, "" when unknown (or unparseable)."""
    from layerscope.model import cert_type_of
    from layerscope.x509.certs import CertificateError, facts

    try:
        kind = cert_type_of(facts(der))
    except CertificateError:
        return ""
    return kind.value if kind is not None else ""


def expected_leaves(paths: list[str], sha256: str | None) -> list[tuple[str, str]]:
    """What ``watch`` waits for: (fingerprint, certificate type or "") per ``--expect``
    file (one per type: a server holding an ECDSA and an RSA certificate renews both),
    or ``sha256`` alone. With files, ``sha256`` must name one of their leaves. Raises
    ExpectError when a file cannot be read, holds no certificate, or they disagree."""
    if not paths:
        return [(sha256, "")] if sha256 is not None else []
    out: list[tuple[str, str]] = []
    for path in paths:
        try:
            leaf = first_certificate(_read(path))
        except CertificateFileError as exc:
            raise ExpectError(f"--expect {path} holds no certificate: {exc}") from exc
        out.append((hashlib.sha256(leaf).hexdigest(), _type_of(leaf)))
    if len(paths) == 1:
        return [(expected_sha256(paths[0], sha256) or out[0][0], out[0][1])]
    kinds = [kind for _sha, kind in out]
    if len(set(kinds)) != len(kinds) or "" in kinds:
        raise ExpectError(
            "--expect given twice: give one ECDSA and one RSA certificate file (the two "
            "certificates of a server holding both), not two of one type"
        )
    if sha256 is not None:
        try:
            given = normalize_fingerprint(sha256)
        except ValueError as exc:
            raise ExpectError(f"--expect-sha256: {exc}") from exc
        if not any(sha.startswith(given) for sha, _k in out):
            raise ExpectError(
                f"--expect-sha256 {given[:16]}… names none of the --expect files' leaves: "
                "give one of them"
            )
    return out
