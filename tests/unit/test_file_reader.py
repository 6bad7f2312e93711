"""Reading certificate and key files as servers do (layerscope/x509/files.py, keyfile.py,
pem.py): bytes in, values out, every mistake named, nothing raised for any input."""

from __future__ import annotations

import base64

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID
from hypothesis import given, settings
from hypothesis import strategies as st

from layerscope.lab import pki
from layerscope.x509.files import MAX_BYTES, pick_leaf, read_certificate_file
from layerscope.x509.keyfile import read_key_file
from layerscope.x509.pem import read_pem

from .helpers import Pki, cf


def kinds(data: bytes) -> list[tuple[str, bool]]:
    """(kind, fatal) of each problem of a certificate file."""
    return [(p.kind, p.fatal) for p in read_certificate_file(data).problems]


def key_kinds(data: bytes) -> list[tuple[str, bool]]:
    """(kind, fatal) of each problem of a key file."""
    return [(p.kind, p.fatal) for p in read_key_file(data).problems]


@pytest.fixture(scope="module")
def chain(ca: Pki) -> tuple[pki.Issued, bytes]:
    """A leaf and its PEM full chain (leaf, intermediate)."""
    leaf = ca.leaf()
    return leaf, leaf.pem + ca.inter.pem


def test_a_good_chain_reads_in_file_order_without_problems(
    ca: Pki, chain: tuple[pki.Issued, bytes]
) -> None:
    """Two certificates, leaf first, no problem, no note."""
    leaf, data = chain
    read = read_certificate_file(data)
    assert [c.sha256 for c in read.certificates] == [cf(leaf).sha256, cf(ca.inter).sha256]
    assert (read.format, read.problems, read.notes, read.blocks) == (
        "PEM",
        (),
        (),
        ("CERTIFICATE", "CERTIFICATE"),
    )


def test_crlf_line_endings_are_a_note_not_a_problem(chain: tuple[pki.Issued, bytes]) -> None:
    """OpenSSL reads CRLF PEM: the same certificates, a note for the header."""
    _leaf, data = chain
    read = read_certificate_file(data.replace(b"\n", b"\r\n"))
    assert len(read.certificates) == 2 and read.problems == ()
    assert read.notes == ("CRLF line endings",)


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda leaf, chain: b"", [("empty", True)]),
        (lambda leaf, chain: b" \n\t\n", [("empty", True)]),
        (lambda leaf, chain: b"x" * (MAX_BYTES + 1), [("too_large", True)]),
        (lambda leaf, chain: b"hello, this is not a certificate\n", [("no_certificate", True)]),
        (lambda leaf, chain: bytes(range(256)) * 4, [("no_certificate", True)]),
        (lambda leaf, chain: leaf.key_pem, [("private_key", True)]),
        (lambda leaf, chain: leaf.der, [("der", True)]),
        (lambda leaf, chain: chain[:-100], [("truncated", True)]),
        (
            lambda leaf, chain: chain.replace(b"-----END CERTIFICATE-----", b"", 1),
            [("truncated", True)],
        ),
        (
            lambda leaf, chain: chain.replace(b"END CERTIFICATE", b"END PRIVATE KEY", 1),
            [("truncated", True)],
        ),
        (lambda leaf, chain: chain.replace(b"MII", b"M!I", 1), [("bad_block", True)]),
        (lambda leaf, chain: chain + b"$ \n", [("text_outside_blocks", False)]),
        (lambda leaf, chain: b"Subject: x\n" + chain, [("text_outside_blocks", False)]),
        (lambda leaf, chain: leaf.key_pem + chain, [("key_beside", False)]),
        (lambda leaf, chain: chain + _block("X509 CRL"), [("other_block", False)]),
        (lambda leaf, chain: chain + _block("DH PARAMETERS"), []),
        (lambda leaf, chain: b"\xef\xbb\xbf" + chain, [("byte_order_mark", False)]),
        (lambda leaf, chain: _block("PUBLIC KEY"), [("public_key", True)]),
        (lambda leaf, chain: _block("SOMETHING ELSE"), [("no_certificate", True)]),
    ],
)
def test_each_mistake_is_named(
    chain: tuple[pki.Issued, bytes], make: object, expected: list[tuple[str, bool]]
) -> None:
    """Each way a certificate file goes wrong, with whether servers still load it."""
    leaf, data = chain
    assert callable(make)
    assert kinds(make(leaf, data)) == expected


def _block(label: str) -> bytes:
    body = base64.encodebytes(b"\x30\x03\x02\x01\x01").decode("ascii")
    return f"-----BEGIN {label}-----\n{body}-----END {label}-----\n".encode()


def test_problems_say_the_line(chain: tuple[pki.Issued, bytes]) -> None:
    """Text after the last block is reported at its line, with how many lines there are."""
    _leaf, data = chain
    lines = data.count(b"\n")
    (problem,) = read_certificate_file(data + b"junk\nmore junk\n").problems
    assert problem.line == lines + 1
    assert f"line {lines + 1} (2 lines in all)" in problem.message


def test_der_and_pkcs7_are_read_for_the_analysis(ca: Pki, chain: tuple[pki.Issued, bytes]) -> None:
    """DER and PKCS#7 (PEM or DER): said to be unusable, their certificates still read."""
    leaf, _data = chain
    assert [c.sha256 for c in read_certificate_file(leaf.der).certificates] == [cf(leaf).sha256]
    for encoding in (serialization.Encoding.PEM, serialization.Encoding.DER):
        bundle = pkcs7.serialize_certificates([leaf.cert, ca.inter.cert], encoding)
        read = read_certificate_file(bundle)
        assert read.format == "PKCS#7"
        assert {c.sha256 for c in read.certificates} == {cf(leaf).sha256, cf(ca.inter).sha256}
        assert [(p.kind, p.fatal) for p in read.problems] == [("pkcs7", True)]


def test_a_certificate_request_is_not_the_certificate(chain: tuple[pki.Issued, bytes]) -> None:
    """A CSR where the certificate should be: fatal, named."""
    leaf, _data = chain
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "example.com")])
    assert isinstance(leaf.key, ec.EllipticCurvePrivateKey)
    csr = x509.CertificateSigningRequestBuilder().subject_name(name).sign(leaf.key, hashes.SHA256())
    assert kinds(csr.public_bytes(serialization.Encoding.PEM)) == [("csr", True)]


def test_a_block_cryptography_refuses_is_an_unparsed_certificate(
    chain: tuple[pki.Issued, bytes],
) -> None:
    """Valid base64 that is no certificate: kept as unparsed (unparseable_certificate)."""
    _leaf, data = chain
    read = read_certificate_file(data + _block("CERTIFICATE"))
    assert len(read.certificates) == 2
    (unparsed,) = read.unparsed
    assert (unparsed.position, unparsed.total) == (3, 3)


def test_pick_leaf_is_the_first_certificate_that_is_not_a_ca(
    ca: Pki, chain: tuple[pki.Issued, bytes]
) -> None:
    """Reversed files have their leaf second; a file of CAs only has none (0)."""
    leaf, _data = chain
    assert pick_leaf([cf(ca.inter), cf(leaf)]) == 1
    assert pick_leaf([cf(leaf), cf(ca.inter)]) == 0
    assert pick_leaf([cf(ca.root), cf(ca.inter)]) == 0
    assert pick_leaf([]) == 0


def _private(key: pki.PrivateKey, fmt: serialization.PrivateFormat, *, pem: bool = True) -> bytes:
    encoding = serialization.Encoding.PEM if pem else serialization.Encoding.DER
    return key.private_bytes(encoding, fmt, serialization.NoEncryption())


@pytest.mark.parametrize(
    ("make", "described"),
    [
        (lambda: ec.generate_private_key(ec.SECP256R1()), "EC 256"),
        (lambda: ec.generate_private_key(ec.SECP384R1()), "EC 384"),
        (lambda: rsa.generate_private_key(65537, 2048), "RSA 2048"),
        (lambda: ed25519.Ed25519PrivateKey.generate(), "Ed25519"),
    ],
)
def test_keys_of_every_type_and_format_match_their_certificate(
    ca: Pki, make: object, described: str
) -> None:
    """PKCS#8 and the traditional formats (PKCS#1, SEC1): the key's public half hashes like
    the certificate's SubjectPublicKeyInfo, so a key is compared with its leaf exactly."""
    assert callable(make)
    key = make()
    leaf = ca.leaf(key=key)
    spki = cf(leaf).spki_sha256
    formats = [serialization.PrivateFormat.PKCS8]
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        formats.append(serialization.PrivateFormat.TraditionalOpenSSL)
    for fmt in formats:
        read = read_key_file(_private(key, fmt))
        assert (read.key_type, read.spki_sha256, read.problems) == (described, spki, ())
    der = read_key_file(_private(key, serialization.PrivateFormat.PKCS8, pem=False))
    assert der.spki_sha256 == spki and [(p.kind, p.fatal) for p in der.problems] == [("der", True)]


def test_ec_parameters_before_the_key_are_fine() -> None:
    """`openssl ecparam -genkey` writes EC PARAMETERS, then the key: the key is read."""
    key = ec.generate_private_key(ec.SECP256R1())
    data = _block("EC PARAMETERS") + _private(key, serialization.PrivateFormat.TraditionalOpenSSL)
    assert read_key_file(data).key_type == "EC 256"
    assert key_kinds(data) == []


def test_encrypted_keys_are_a_warning_and_cannot_be_compared() -> None:
    """PKCS#8 encrypted and the old Proc-Type: 4,ENCRYPTED form: a passphrase warning."""
    key = ec.generate_private_key(ec.SECP256R1())
    secret = serialization.BestAvailableEncryption(b"s3cret")
    for fmt in (serialization.PrivateFormat.PKCS8, serialization.PrivateFormat.TraditionalOpenSSL):
        data = key.private_bytes(serialization.Encoding.PEM, fmt, secret)
        read = read_key_file(data)
        assert (read.encrypted, read.spki_sha256) == (True, "")
        assert key_kinds(data) == [("encrypted", False)]


def test_openssh_keys_are_read_but_refused_by_servers() -> None:
    """ssh-keygen's format: compared (its public half is known), but fatal for servers."""
    key = ed25519.Ed25519PrivateKey.generate()
    data = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    )
    read = read_key_file(data)
    assert read.key_type == "Ed25519" and read.spki_sha256
    assert key_kinds(data) == [("openssh", True)]


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda leaf: b"", [("empty", True)]),
        (lambda leaf: leaf.pem, [("certificate", True)]),
        (lambda leaf: leaf.der, [("certificate", True)]),
        (lambda leaf: b"not a key\n", [("no_key", True)]),
        (lambda leaf: _block("PUBLIC KEY"), [("no_key", True)]),
        (lambda leaf: leaf.key_pem.replace(b"M", b"!", 1), [("bad_block", True)]),
        (lambda leaf: _block("PRIVATE KEY"), [("bad_key", True)]),
        (lambda leaf: leaf.key_pem[:-40], [("truncated", True)]),
    ],
)
def test_key_files_without_a_usable_key_are_named(
    chain: tuple[pki.Issued, bytes], make: object, expected: list[tuple[str, bool]]
) -> None:
    """A certificate, nothing, a broken key: fatal, and what it is."""
    leaf, _data = chain
    assert callable(make)
    assert key_kinds(make(leaf)) == expected


def test_a_key_beside_certificates_in_the_key_file_is_found(
    chain: tuple[pki.Issued, bytes],
) -> None:
    """A combined file (certificates and key) is a valid key file."""
    leaf, data = chain
    read = read_key_file(data + leaf.key_pem)
    assert read.spki_sha256 == cf(leaf).spki_sha256 and read.problems == ()


PEM_PIECES = st.sampled_from(
    [
        b"-----BEGIN CERTIFICATE-----\n",
        b"-----END CERTIFICATE-----\n",
        b"-----BEGIN PRIVATE KEY-----\n",
        b"-----END PRIVATE KEY-----\n",
        b"-----BEGIN PKCS7-----\n",
        b"Proc-Type: 4,ENCRYPTED\n",
        b"MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n",
        b"====\n",
        b"\r\n",
        b"\xef\xbb\xbf",
        b"\x30\x82\x01\x00",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(PEM_PIECES, st.binary(max_size=40)), max_size=20))
def test_no_input_makes_the_readers_raise(pieces: list[bytes]) -> None:
    """Any bytes, PEM-looking or not: values, never an exception."""
    data = b"".join(pieces)
    read = read_certificate_file(data)
    assert read.certificates or read.unparsed or any(p.fatal for p in read.problems)
    read_key_file(data)
    read_pem(data)
