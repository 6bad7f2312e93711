"""``layerscope watch HOST --expect FILE``: converge on the leaf of a certificate file (PEM
certificate, full chain or DER), end to end against the lab; bad files exit 3 with one line."""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from layerscope.commands.arguments import add_check_options
from layerscope.commands.expect import ExpectError, expected_sha256
from layerscope.commands.main import _Parser
from layerscope.commands.watch import add_watch_parser, cmd_watch
from layerscope.lab import pki
from layerscope.lab.lab import Lab
from layerscope.lab.scenarios import ROLLING_ENV
from layerscope.x509.certfile import CertificateFileError, first_certificate

WATCH = ["--interval", "0.3s"]


def parse(argv: Sequence[str]) -> argparse.Namespace:
    """Parse ``layerscope watch ARGV`` as commands/main.py wires it."""
    parser = _Parser(prog="layerscope")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    add_watch_parser(sub, add_check_options)
    return parser.parse_args(["watch", *argv])


def watch(argv: Sequence[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run ``layerscope watch`` in-process; returns exit code, stdout and stderr."""
    code = cmd_watch(parse(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def self_signed() -> pki.Issued:
    """A fresh self-signed certificate for ``x.lab.test``."""
    return pki.leaf(["x.lab.test"], now=dt.datetime.now(dt.UTC), parent=None)


def sha(issued: pki.Issued) -> str:
    """Lower-case hex SHA-256 of a certificate."""
    return hashlib.sha256(issued.der).hexdigest()


@pytest.fixture
def rolling_lab(monkeypatch: pytest.MonkeyPatch) -> Iterator[Lab]:
    """A lab of its own whose `rolling` edges switch 1, 1.5 and 2 seconds after it starts."""
    monkeypatch.setenv(ROLLING_ENV, "1,1.5,2")
    with Lab() as running:
        yield running


# --- end to end --------------------------------------------------------------------------


def test_watch_converges_on_the_leaf_of_a_full_chain_file(
    rolling_lab: Lab, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The renewed full chain, as it would be deployed, is the target: the watch says it
    waits for the leaf of that file, follows the edges switching to it and exits 0."""
    site = rolling_lab.site("rolling")
    chain = site.spec.origin.chain
    fullchain = tmp_path / "fullchain.pem"
    fullchain.write_bytes(b"".join(c.pem for c in chain))
    new, old = sha(chain[0]), sha(site.spec.edges[0].chain[0])
    args = [*rolling_lab.check_args("rolling"), *WATCH, "--timeout", "20s"]
    code, out, err = watch([*args, "--expect", str(fullchain)], capsys)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].endswith(
        f"until every layer serves the leaf of {fullchain} (sha256 {new}) (times UTC)"
    )
    switches = [line for line in lines if "->" in line]
    assert len(switches) == len(site.edges)
    assert all(line.endswith(f"{old[:8]}…  ->  A {new[:8]}…") for line in switches)
    assert lines[-1].startswith("converged after ")


def test_json_start_names_the_expected_file(
    lab: Lab, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A DER certificate file works too; --json's start object carries the file and the
    fingerprint of its leaf, and the healthy site converges on the first round."""
    leaf = lab.site("healthy").spec.origin.chain[0]
    der = tmp_path / "leaf.der"
    der.write_bytes(leaf.der)
    args = [*lab.check_args("healthy"), *WATCH, "--timeout", "20s", "--json"]
    code, out, _err = watch([*args, "--expect", str(der)], capsys)
    assert code == 0
    start, *_rest, final = (json.loads(line) for line in out.splitlines())
    assert (start["expected"], start["expected_file"]) == (sha(leaf), str(der))
    assert (final["result"], final["target"]["sha256"]) == ("converged", sha(leaf))


def test_the_old_certificate_file_never_converges(
    lab: Lab, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Expecting the file of the certificate the stale edge still serves: the other layers
    never serve it, so the watch times out (exit 1)."""
    stale = lab.site("stale")
    old = tmp_path / "old.pem"
    old.write_bytes(b"".join(c.pem for c in stale.spec.edges[2].chain))
    args = [*lab.check_args("stale"), *WATCH, "--timeout", "1s", "--expect", str(old)]
    code, out, _err = watch(args, capsys)
    assert code == 1
    assert "timed out after" in out


@pytest.mark.parametrize("form", ["full", "prefix"])
def test_agreeing_expect_sha256_is_accepted(
    lab: Lab, tmp_path: Path, capsys: pytest.CaptureFixture[str], form: str
) -> None:
    """--expect-sha256 beside --expect is fine when it is the file's leaf (or a prefix)."""
    leaf = lab.site("healthy").spec.origin.chain[0]
    pem = tmp_path / "cert.pem"
    pem.write_bytes(leaf.pem)
    given = sha(leaf) if form == "full" else sha(leaf)[:12].upper()
    args = [*lab.check_args("healthy"), *WATCH, "--timeout", "20s"]
    code, out, err = watch([*args, "--expect", str(pem), "--expect-sha256", given], capsys)
    assert (code, err) == (0, "")
    assert out.splitlines()[-1].endswith(f"every layer serves A {sha(leaf)[:8]}…")


def _key_only(directory: Path) -> Path:
    path = directory / "key.pem"
    path.write_bytes(self_signed().key_pem)
    return path


def _empty(directory: Path) -> Path:
    path = directory / "empty.pem"
    path.write_bytes(b"")
    return path


def _missing(directory: Path) -> Path:
    return directory / "nowhere.pem"


def _a_directory(directory: Path) -> Path:
    return directory


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (_key_only, "holds no certificate: it holds a private key"),
        (_empty, "holds no certificate: it is empty"),
        (_missing, "cannot read it: No such file or directory"),
        (_a_directory, "cannot read it: Is a directory"),
    ],
)
def test_a_file_without_a_certificate_exits_3_with_one_line(
    make: object, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A key instead of the certificate, an empty, missing or unreadable file: one line on
    stderr naming the file, exit 3, nothing probed."""
    assert callable(make)
    path = make(tmp_path)
    code, out, err = watch(["a.lab.test", "--edge", "127.9.7.1", "--expect", str(path)], capsys)
    assert (code, out) == (3, "")
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"layerscope: --expect {path}") and message in err


def test_disagreeing_expect_sha256_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--expect and --expect-sha256 naming different leaves: exit 3, one line."""
    one, other = self_signed(), self_signed()
    pem = tmp_path / "cert.pem"
    pem.write_bytes(one.pem)
    argv = ["a.lab.test", "--edge", "127.9.7.1", "--expect", str(pem)]
    code, out, err = watch([*argv, "--expect-sha256", sha(other)], capsys)
    assert (code, out) == (3, "")
    assert "name different certificates" in err and err.count("\n") == 1


# --- unit: the leaf of a file --------------------------------------------------------------


@pytest.fixture(scope="module")
def chain() -> tuple[pki.Issued, pki.Issued]:
    """A leaf and its issuing CA."""
    root = pki.ca("Expect Test Root", now=dt.datetime.now(dt.UTC))
    return pki.leaf(["x.lab.test"], now=dt.datetime.now(dt.UTC), parent=root), root


def test_the_first_certificate_of_a_pem_file_is_the_leaf(
    chain: tuple[pki.Issued, pki.Issued],
) -> None:
    """Full chain, CRLF line endings, text and a key around the blocks: the first
    certificate is the leaf, as nginx loads it."""
    leaf, root = chain
    assert first_certificate(leaf.pem + root.pem) == leaf.der
    assert first_certificate(root.pem + leaf.pem) == root.der
    crlf = (leaf.pem + root.pem).replace(b"\n", b"\r\n")
    assert first_certificate(crlf) == leaf.der
    noisy = b"subject=CN = x\n" + leaf.key_pem + leaf.pem + b"trailing words\n"
    assert first_certificate(noisy) == leaf.der
    assert first_certificate(leaf.der) == leaf.der
    assert expected_sha256(None, "ab" * 6) == "ab" * 6


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"  \n", "it is empty"),
        (b"hello\n", "neither PEM nor a DER certificate"),
        (b"\x30\x03\x02\x01\x01", "neither PEM nor a DER certificate"),
        (b"-----BEGIN CERTIFICATE-----\nMIIB\n", "without its END line"),
        (b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n", "not valid base64"),
        (b"-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n", "no X.509"),
        (b"-----BEGIN DH PARAMETERS-----\nMAMCAQE=\n-----END DH PARAMETERS-----\n", "DH PAR"),
    ],
)
def test_files_without_a_certificate_say_why(data: bytes, why: str) -> None:
    """Each way a file can hold no certificate gets its own sentence."""
    with pytest.raises(CertificateFileError, match=why):
        first_certificate(data)


def test_a_key_file_is_named_as_such(chain: tuple[pki.Issued, pki.Issued], tmp_path: Path) -> None:
    """The private key where the certificate should be is named, by the parser and by
    what ``watch`` says about the file."""
    with pytest.raises(CertificateFileError, match=r"^it holds a private key$"):
        first_certificate(chain[0].key_pem)
    key = tmp_path / "key.pem"
    key.write_bytes(chain[0].key_pem)
    with pytest.raises(ExpectError, match="holds no certificate: it holds a private key"):
        expected_sha256(str(key), None)


def test_expect_once_per_certificate_type(lab: Lab, tmp_path: Path) -> None:
    """An ECDSA and an RSA certificate file: each leaf with its type (what the watch
    waits for per type); two files of one type, or an --expect-sha256 naming neither,
    are refused."""
    from layerscope.commands.expect import expected_leaves

    spec = lab.site("dual").spec.origin
    ecdsa, rsa = tmp_path / "ecdsa.pem", tmp_path / "rsa.pem"
    ecdsa.write_bytes(spec.chain[0].pem)
    rsa.write_bytes(spec.second_chain[0].pem)
    digests = (
        hashlib.sha256(spec.chain[0].der).hexdigest(),
        hashlib.sha256(spec.second_chain[0].der).hexdigest(),
    )
    assert expected_leaves([str(ecdsa), str(rsa)], None) == [
        (digests[0], "ecdsa"),
        (digests[1], "rsa"),
    ]
    assert expected_leaves([str(rsa)], None) == [(digests[1], "rsa")]
    assert expected_leaves([str(ecdsa), str(rsa)], digests[1][:12]) == [
        (digests[0], "ecdsa"),
        (digests[1], "rsa"),
    ]
    with pytest.raises(ExpectError, match="not two of one type"):
        expected_leaves([str(ecdsa), str(ecdsa)], None)
    with pytest.raises(ExpectError, match="names none of"):
        expected_leaves([str(ecdsa), str(rsa)], "ab" * 6)
