"""`layerscope preflight`: the fixes it gives work. `-o` writes the file it should have been
(leaf first, intermediates in order, from AIA too, no root) or refuses like fix-chain; the
printed commands, run as printed, give a file that passes."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from layerscope.lab import pki
from layerscope.lab.files import HOST, FileCases
from layerscope.lab.lab import Lab

from .preflight_helpers import argv, as_json, lab_cases, openssl_verify, run


@pytest.fixture(scope="module")
def cases(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> FileCases:
    """Every case's files, issued by the running lab's CAs."""
    return lab_cases(lab, tmp_path_factory.mktemp("preflight"))


def test_key_mismatch_names_the_certificate_the_key_belongs_to(
    cases: FileCases, lab: Lab, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Leaf, intermediate, then another leaf whose key is given: the key belongs to
    certificate 3, and the remediation says to put that one first."""
    assert lab.pki is not None
    other = pki.leaf([HOST], now=lab.now, parent=lab.pki.i1)
    good = cases.case("good").certificate.read_bytes()
    cert, key = tmp_path / "two.pem", tmp_path / "two.key"
    cert.write_bytes(good + other.pem)
    key.write_bytes(other.key_pem)
    code, site = as_json(
        capsys,
        [
            "preflight",
            str(cert),
            "--key",
            str(key),
            "--host",
            HOST,
            "--ca-bundle",
            str(cases.roots),
        ],
    )
    assert code == 2
    mismatch = next(f for f in site["findings"] if f["code"] == "key_mismatch")
    assert mismatch["evidence"]["matches_position"] == 3
    assert "certificate 3" in mismatch["summary"]
    steps = mismatch["remediation"]["steps"]
    assert any("cat cert3.pem intermediate.pem > fullchain.pem" in s["commands"] for s in steps)


def test_key_mismatch_remediation_compares_the_two_public_keys(
    cases: FileCases, capsys: pytest.CaptureFixture[str]
) -> None:
    """The commands that show the mismatch: the two hashes differ for the mismatched key and
    are equal for the good one."""
    _code, site = as_json(capsys, argv(cases, "mismatched-key"))
    (finding,) = site["findings"]
    cert, key = cases.case("mismatched-key").certificate, cases.case("mismatched-key").key
    commands = [c for s in finding["remediation"]["steps"] for c in s["commands"]]
    x509 = f"openssl x509 -in {cert} -noout -pubkey | openssl sha256"
    pkey = f"openssl pkey -in {key} -pubout | openssl sha256"
    assert x509 in commands and pkey in commands

    def digest(command: str) -> str:
        done = subprocess.run(command, shell=True, capture_output=True, text=True, check=True)
        return done.stdout.split()[-1]

    assert digest(x509) != digest(pkey)
    good_cert, good_key = cases.case("good").certificate, cases.case("good").key
    assert digest(x509.replace(str(cert), str(good_cert))) == digest(
        pkey.replace(str(key), str(good_key))
    )


def test_the_wrong_order_fix_commands_give_a_file_that_passes(
    cases: FileCases, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Run the reversed file's fix as printed (split, cat in path order): the result passes."""
    _code, site = as_json(capsys, argv(cases, "reversed"))
    (finding,) = site["findings"]
    assert finding["evidence"]["served_order"][0].startswith("CN=Lab Issuing CA 1")
    split, cat = next(
        s["commands"] for s in finding["remediation"]["steps"] if len(s["commands"]) == 2
    )
    assert cat == "cat cert2.pem cert1.pem > fullchain.pem"
    for command in (split, cat):
        subprocess.run(command, shell=True, cwd=tmp_path, check=True)
    fixed = tmp_path / "fullchain.pem"
    key = cases.case("reversed").key
    args = [
        "preflight",
        str(fixed),
        "--key",
        str(key),
        "--host",
        HOST,
        "--ca-bundle",
        str(cases.roots),
    ]
    assert run(capsys, args)[0] == 0


def test_output_writes_the_file_it_should_have_been(
    cases: FileCases, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """-o for a reversed file: leaf first; openssl verifies it; the exit code is still the
    input's; an existing file is kept without --force; with it, a file with the root is
    written without it."""
    out = tmp_path / "fixed.pem"
    code, said, _err = run(capsys, [*argv(cases, "reversed"), "-o", str(out)])
    assert code == 2
    assert f"wrote {out}: 2 certificates, leaf first, no root" in said
    assert openssl_verify(cases.roots, out, HOST).returncode == 0
    assert out.read_text().count("BEGIN CERTIFICATE") == 2
    key = str(cases.case("reversed").key)
    good = ["preflight", str(out), "--key", key, "--host", HOST, "--ca-bundle", str(cases.roots)]
    assert run(capsys, good)[0] == 0
    before = out.read_bytes()
    code, said, err = run(capsys, [*argv(cases, "root-in-chain"), "-o", str(out)])
    assert (code, said) == (3, "")
    assert "exists" in err and "--force" in err
    assert out.read_bytes() == before
    code, _said, _err = run(capsys, [*argv(cases, "root-in-chain"), "-o", str(out), "--force"])
    assert code == 0
    assert out.read_text().count("BEGIN CERTIFICATE") == 2  # the root left out


def test_output_completes_the_chain_from_aia(
    cases: FileCases, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The leaf alone, its intermediate only at its AIA URL: -o writes leaf + intermediate
    and openssl verifies it; without the AIA fetch there is nothing to write."""
    out = tmp_path / "fullchain.pem"
    code, said, _err = run(capsys, [*argv(cases, "leaf-only-aia"), "-o", str(out)])
    assert code == 2
    assert "AIA http://" in said and "Lab Issuing CA 3" in said
    assert openssl_verify(cases.roots, out, HOST).returncode == 0
    _code, site = as_json(capsys, argv(cases, "leaf-only-aia"))
    (finding,) = site["findings"]
    assert finding["evidence"]["found"][0]["source"].startswith("AIA http://")
    commands = [c for s in finding["remediation"]["steps"] for c in s["commands"]]
    assert (
        f"cat {cases.case('leaf-only-aia').certificate} intermediate.pem > fullchain.pem"
        in commands
    )
    nope = tmp_path / "nope.pem"
    code, said, err = run(capsys, [*argv(cases, "leaf-only-aia"), "--no-aia", "-o", str(nope)])
    assert code == 2
    assert "not writing" in err and not nope.exists()


@pytest.mark.parametrize("name", ["self-signed", "expired", "key-in-cert", "wrong-name"])
def test_output_is_refused_when_no_trusted_chain_exists(
    cases: FileCases, name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Like fix-chain: a reason, no file, and the input's exit code."""
    out = tmp_path / "nope.pem"
    code, _said, err = run(capsys, [*argv(cases, name), "-o", str(out)])
    assert code == 2
    assert "not writing" in err
    assert not out.exists()
