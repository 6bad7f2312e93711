"""Certificate and key files for ``preflight``: one pair per way they go wrong at deploy
time, issued by the lab's CAs (:mod:`layerscope.lab.pki`), dates relative to the lab's
clock.

``write_cases(directory, ca, now)`` writes every case and the public roots to judge them
with (``--ca-bundle``); no server is needed. With ``aia_url`` (the lab repository's copy of
``i3``), the ``leaf-only-aia`` case has a leaf whose missing intermediate AIA can fetch.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID

from layerscope.lab import pki
from layerscope.lab.hierarchy import LabPki
from layerscope.lab.pki import Issued, PrivateKey, pem_bundle

HOST = "www.preflight.test"
"""The name every case's certificate is for (``wrong-name``'s excepted)."""

ALSO = "preflight.test"
"""A second name the good certificates cover (for several ``--host``)."""


@dataclass(frozen=True)
class CaseFiles:
    """The files of one case.

    Attributes:
        name: the case.
        certificate: the certificate file (``ssl_certificate``).
        key: the private key file (``ssl_certificate_key``).
        host: the name the files must serve.
        description: what is wrong, in one sentence.
    """

    name: str
    certificate: Path
    key: Path
    host: str
    description: str


@dataclass(frozen=True)
class FileCases:
    """Every case written, and the roots to judge them with.

    Attributes:
        directory: where the files are.
        roots: PEM bundle of the lab's public roots (``--ca-bundle``).
        cases: the cases by name.
    """

    directory: Path
    roots: Path
    cases: Mapping[str, CaseFiles]

    def case(self, name: str) -> CaseFiles:
        """The files of case ``name``."""
        return self.cases[name]


@dataclass(frozen=True)
class _Case:
    description: str
    cert: bytes
    key: bytes


def _encrypted(issued: Issued) -> bytes:
    return issued.key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"lab passphrase"),
    )


def _csr(issued: Issued) -> bytes:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    builder = x509.CertificateSigningRequestBuilder().subject_name(name)
    signed = builder.sign(issued.key, None if _is_ed(issued) else hashes.SHA256())
    return signed.public_bytes(serialization.Encoding.PEM)


def _is_ed(issued: Issued) -> bool:
    return isinstance(issued.key, ed25519.Ed25519PrivateKey)


def _cases(ca: LabPki, now: dt.datetime, aia_url: str) -> dict[str, _Case]:
    """Every case, as the bytes of its two files."""

    def leaf(
        sans: tuple[str, ...] = (HOST, ALSO),
        *,
        parent: Issued | None = ca.i1,
        days_before: float = 10,
        days_after: float = 80,
        key: PrivateKey | None = None,
    ) -> Issued:
        return pki.leaf(
            list(sans),
            now=now,
            parent=parent,
            key=key,
            days_before=days_before,
            days_after=days_after,
        )

    good = leaf()
    chain = good.pem + ca.i1.pem
    other = pki.new_key()
    cases: dict[str, Callable[[], _Case]] = {
        "good": lambda: _Case("leaf and intermediate, in order, with its key", chain, good.key_pem),
        "leaf-only": lambda: _Case(
            "the leaf alone: the intermediate was forgotten", good.pem, good.key_pem
        ),
        "reversed": lambda: _Case(
            "the intermediate first, then the leaf", ca.i1.pem + good.pem, good.key_pem
        ),
        "key-in-cert": lambda: _Case(
            "the private key pasted where the certificate belongs", good.key_pem, good.key_pem
        ),
        "key-beside": lambda: _Case(
            "the private key in the certificate file, before the certificates",
            good.key_pem + chain,
            good.key_pem,
        ),
        "mismatched-key": lambda: _Case(
            "a private key that belongs to another certificate",
            chain,
            Issued(good.cert, other).key_pem,
        ),
        "der": lambda: _Case("the leaf in DER where PEM is expected", good.der, good.key_pem),
        "crlf": lambda: _Case(
            "a good file with CRLF line endings", chain.replace(b"\n", b"\r\n"), good.key_pem
        ),
        "trailing-garbage": lambda: _Case(
            "a good file with a shell prompt pasted after it",
            chain + b"user@host:~$ \n",
            good.key_pem,
        ),
        "garbage-between": lambda: _Case(
            "text between the certificates",
            good.pem + b"Intermediate certificate:\n" + ca.i1.pem,
            good.key_pem,
        ),
        "empty": lambda: _Case("an empty certificate file", b"", good.key_pem),
        "truncated": lambda: _Case(
            "the file cut short in the intermediate", chain[: len(chain) - 120], good.key_pem
        ),
        "bom": lambda: _Case(
            "a byte order mark before the first certificate", b"\xef\xbb\xbf" + chain, good.key_pem
        ),
        "root-in-chain": lambda: _Case(
            "leaf, intermediate and the root", chain + ca.r1.pem, good.key_pem
        ),
        "duplicate": lambda: _Case("the intermediate twice", chain + ca.i1.pem, good.key_pem),
        "unrelated": lambda: _Case(
            "a leftover intermediate of an old CA", chain + ca.iold.pem, good.key_pem
        ),
        "encrypted-key": lambda: _Case("a key protected by a passphrase", chain, _encrypted(good)),
        "key-is-cert": lambda: _Case("the certificate given as the key file", chain, good.pem),
        "csr": lambda: _Case(
            "the certificate request instead of the certificate", _csr(good), good.key_pem
        ),
        "pkcs7": lambda: _Case(
            "a PKCS#7 bundle (.p7b) instead of PEM certificates",
            pkcs7.serialize_certificates([good.cert, ca.i1.cert], serialization.Encoding.PEM),
            good.key_pem,
        ),
    }
    out = {name: make() for name, make in cases.items()}
    expired = leaf(days_before=100, days_after=-3)
    soon = leaf(days_after=3)
    future = leaf(days_before=-5, days_after=90)
    wrong = leaf(("shop.preflight.test",))
    rsa = leaf(key=pki.new_key("rsa2048"))
    weak = pki.leaf([HOST], now=now, parent=ca.irsa, key=pki.new_key("rsa1024"), sha1=True)
    ed = Issued(good.cert, ed25519.Ed25519PrivateKey.generate())
    selfsigned = leaf(parent=None)
    for name, description, issued, intermediate in (
        ("expired", "a certificate that expired three days ago", expired, ca.i1),
        ("expiring", "a certificate that expires in three days", soon, ca.i1),
        ("not-yet-valid", "a certificate valid only from in five days", future, ca.i1),
        ("wrong-name", f"a certificate for another name than {HOST}", wrong, ca.i1),
        ("rsa", "an RSA 2048 leaf and its key, in order", rsa, ca.i1),
        ("weak", "an RSA 1024 leaf signed with SHA-1", weak, ca.irsa),
        ("self-signed", "a self-signed certificate", selfsigned, None),
    ):
        body = issued.pem + (intermediate.pem if intermediate is not None else b"")
        out[name] = _Case(description, body, issued.key_pem)
    out["ed25519-key"] = _Case("an Ed25519 key for an EC certificate", chain, ed.key_pem)
    if aia_url:
        aia = pki.leaf([HOST, ALSO], now=now, parent=ca.i3, aia_issuers=[aia_url])
        out["leaf-only-aia"] = _Case(
            "the leaf alone, its intermediate published at its AIA URL", aia.pem, aia.key_pem
        )
    return out


def write_cases(directory: Path, ca: LabPki, now: dt.datetime, *, aia_url: str = "") -> FileCases:
    """Write every case's certificate and key file (``NAME.pem``, ``NAME.key``) and the
    public roots (``roots.pem``) to ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    roots = directory / "roots.pem"
    roots.write_bytes(pem_bundle(ca.r1, ca.r2, ca.x3))
    written: dict[str, CaseFiles] = {}
    for name, case in _cases(ca, now, aia_url).items():
        cert, key = directory / f"{name}.pem", directory / f"{name}.key"
        cert.write_bytes(case.cert)
        key.write_bytes(case.key)
        written[name] = CaseFiles(name, cert, key, HOST, case.description)
    return FileCases(directory, roots, written)


__all__ = ["ALSO", "HOST", "CaseFiles", "FileCases", "write_cases"]
