"""Private key files as servers read them (nginx ``ssl_certificate_key``, Apache
``SSLCertificateKeyFile``): the key's type and public half, to compare with the leaf's;
bytes in, values out, nothing raises for any input.

A key in PKCS#8, PKCS#1 (``RSA PRIVATE KEY``) or SEC1 (``EC PRIVATE KEY``) PEM is what
servers load; an encrypted key makes them ask for a passphrase; DER and OpenSSH keys are
read here (to compare them) but servers refuse them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from layerscope.model.files import FileRead
from layerscope.x509.files import read_certificate_file
from layerscope.x509.pem import (
    CERT_LABELS,
    KEY_LABELS,
    MAX_BYTES,
    Problem,
    notes,
    read_pem,
    too_large,
)
from layerscope.x509.pem import Block as PemBlock


@dataclass(frozen=True)
class KeyFile:
    """What a private key file holds.

    Attributes:
        size: bytes read.
        format: ``PEM``, ``DER`` or ``""``.
        key_type: "EC 256", "RSA 2048", "Ed25519"... or "" when no key could be read.
        spki_sha256: SHA-256 of the key's public half (its SubjectPublicKeyInfo, as
            ``CertFacts.spki_sha256``), "" when it could not be read (encrypted).
        encrypted: the key needs a passphrase.
        problems: what is wrong.
        blocks: PEM block labels in file order.
        notes: harmless facts.
    """

    size: int
    format: str
    key_type: str = ""
    spki_sha256: str = ""
    encrypted: bool = False
    problems: tuple[Problem, ...] = ()
    blocks: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def summary(self, path: str) -> FileRead:
        """The file as the report shows it."""
        return FileRead(
            path,
            self.size,
            self.format,
            certificates=sum(1 for b in self.blocks if b in CERT_LABELS),
            keys=sum(1 for b in self.blocks if b in KEY_LABELS) or int(bool(self.key_type)),
            blocks=self.blocks,
            notes=self.notes,
            key_type=self.key_type,
            encrypted=self.encrypted,
        )


def _describe(key: PrivateKeyTypes) -> str:
    if isinstance(key, rsa.RSAPrivateKey):
        return f"RSA {key.key_size}"
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return f"EC {key.curve.key_size}"
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return "Ed25519"
    if isinstance(key, ed448.Ed448PrivateKey):
        return "Ed448"
    return type(key).__name__.removesuffix("PrivateKey").lstrip("_") or "unknown"


def _loaded(
    size: int,
    fmt: str,
    key: PrivateKeyTypes,
    problems: tuple[Problem, ...] = (),
    blocks: tuple[str, ...] = (),
    found: tuple[str, ...] = (),
) -> KeyFile:
    """A key file whose key could be read: its type and the hash of its public half."""
    spki = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    digest = hashlib.sha256(spki).hexdigest()
    return KeyFile(size, fmt, _describe(key), digest, False, problems, blocks, found)


def _one(kind: str, message: str, line: int = 0) -> tuple[Problem, ...]:
    return (Problem(kind, message, True, line),)


def _der(data: bytes) -> KeyFile:
    size = len(data)
    try:
        key = serialization.load_der_private_key(data, None)
    except TypeError:
        message = "the key file is an encrypted DER key: servers read PEM keys"
        return KeyFile(size, "DER", encrypted=True, problems=_one("der", message))
    except (ValueError, UnsupportedAlgorithm):
        if read_certificate_file(data).certificates:
            return KeyFile(size, "DER", problems=_one("certificate", _HOLDS_CERT))
        return KeyFile(size, "", problems=_one("no_key", "the key file holds no private key"))
    return _loaded(
        size, "DER", key, _one("der", "the key is DER (binary), not PEM: servers refuse it")
    )


_HOLDS_CERT = "the key file holds a certificate, not a private key"


def _pem_key(block: PemBlock) -> PrivateKeyTypes:
    """The key of a block (raises TypeError, ValueError or UnsupportedAlgorithm)."""
    if block.label == "OPENSSH PRIVATE KEY":
        return serialization.load_ssh_private_key(block.pem, None)
    return serialization.load_pem_private_key(block.pem, None)


def read_key_file(data: bytes) -> KeyFile:
    """What servers would read from ``data`` as their private key file: the key's type and
    public half (to compare with the leaf's), or why there is no usable key."""
    size = len(data)
    if size > MAX_BYTES:
        return KeyFile(size, "", problems=(too_large(),))
    if not data.strip():
        return KeyFile(size, "", problems=_one("empty", "the key file is empty"))
    if b"-----BEGIN" not in data:
        return _der(data)
    pem = read_pem(data)
    labels, found = pem.labels, notes(data)
    block = next((b for b in pem.blocks if b.label in KEY_LABELS), None)
    if block is None:
        broken = tuple(p for p in pem.problems if p.fatal)
        if broken:
            return KeyFile(size, "PEM", problems=broken, blocks=labels, notes=found)
        if any(label in CERT_LABELS for label in labels):
            problems = _one("certificate", _HOLDS_CERT)
        else:
            shown = ", ".join(dict.fromkeys(labels)) or "none"
            problems = _one("no_key", f"the key file holds no private key (blocks: {shown})")
        return KeyFile(size, "PEM", problems=problems, blocks=labels, notes=found)
    broken = tuple(p for p in pem.problems if p.fatal and p.line == block.line)
    if broken:  # its base64 is broken: say that, not "cannot be read"
        return KeyFile(size, "PEM", problems=broken, blocks=labels, notes=found)
    if block.label == "ENCRYPTED PRIVATE KEY" or block.encrypted:
        message = (
            "the key is protected by a passphrase: the server asks for it at every start "
            "(nginx needs ssl_password_file), and it cannot be compared with the certificate"
        )
        problem = Problem("encrypted", message, False, block.line)
        return KeyFile(size, "PEM", "", "", True, (problem,), labels, found)
    try:
        key = _pem_key(block)
    except (TypeError, ValueError, UnsupportedAlgorithm):
        message = f"the {block.label} block at line {block.line} cannot be read as a private key"
        return KeyFile(size, "PEM", problems=_one("bad_key", message, block.line), blocks=labels)
    problems = ()
    if block.label == "OPENSSH PRIVATE KEY":
        message = (
            "the key is in OpenSSH's format (ssh-keygen): TLS servers read PEM keys "
            "(openssl pkey converts it)"
        )
        problems = _one("openssh", message, block.line)
    return _loaded(size, "PEM", key, problems, labels, found)


__all__ = ["KeyFile", "read_key_file"]
