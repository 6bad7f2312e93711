"""`layerscope fix-chain`: the written fullchain.pem fixes the layer, or a clear refusal."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from layerscope.commands.main import main
from layerscope.lab.lab import Lab


def split_pem(path: Path, tmp: Path) -> tuple[Path, Path]:
    """The leaf and the rest of a fullchain file, as two files."""
    blocks = path.read_text().split("-----END CERTIFICATE-----")
    certs = [b.strip() + "\n-----END CERTIFICATE-----\n" for b in blocks if b.strip()]
    leaf, rest = tmp / "leaf.pem", tmp / "intermediates.pem"
    leaf.write_text(certs[0])
    rest.write_text("".join(certs[1:]))
    return leaf, rest


def openssl_verify(
    lab: Lab, fullchain: Path, tmp: Path, host: str
) -> subprocess.CompletedProcess[str]:
    """`openssl verify -untrusted` of the written chain against the lab's roots."""
    leaf, rest = split_pem(fullchain, tmp)
    return subprocess.run(
        [
            "openssl",
            "verify",
            "-CAfile",
            str(lab.public_roots),
            "-untrusted",
            str(rest),
            "-purpose",
            "sslserver",
            "-verify_hostname",
            host,
            str(leaf),
        ],
        capture_output=True,
        text=True,
        check=False,
    )


def test_aia_only_chain_is_repaired_from_the_aia_url(
    lab: Lab, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No layer sends the intermediate: fix-chain fetches it via AIA and the file verifies."""
    out = tmp_path / "fullchain.pem"
    code = main(["fix-chain", *lab.check_args("aia-only"), "-o", str(out)])
    said = capsys.readouterr().out
    assert code == 0
    assert "AIA http://" in said and "Lab Issuing CA 3" in said
    assert out.read_text().count("BEGIN CERTIFICATE") == 2
    result = openssl_verify(lab, out, tmp_path, "aia-only.lab.test")
    assert result.returncode == 0, result.stdout + result.stderr
    leaf, _rest = split_pem(out, tmp_path)
    alone = subprocess.run(
        ["openssl", "verify", "-CAfile", str(lab.public_roots), str(leaf)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert alone.returncode != 0  # the leaf alone does not verify: the file is the fix


def test_incomplete_edge_is_repaired_from_another_layer(
    lab: Lab, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The default layer is the incomplete edge; the intermediate comes from another layer."""
    out = tmp_path / "edge3.pem"
    code = main(["fix-chain", *lab.check_args("incomplete"), "-o", str(out)])
    said = capsys.readouterr().out
    assert code == 0
    assert lab.site("incomplete").edges[2] in said
    assert openssl_verify(lab, out, tmp_path, "incomplete.lab.test").returncode == 0


def test_root_is_never_written(
    lab: Lab, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A layer that sends the root gets a file without it."""
    out = tmp_path / "origin.pem"
    site = lab.site("root-in-chain")
    code = main(
        ["fix-chain", *lab.check_args("root-in-chain"), "--layer", site.origin, "-o", str(out)]
    )
    capsys.readouterr()
    assert code == 0
    assert out.read_text().count("BEGIN CERTIFICATE") == 2


@pytest.mark.parametrize("scenario", ["untrusted-root", "self-signed", "expired"])
def test_refuses_when_no_trusted_chain_exists(
    lab: Lab, tmp_path: Path, scenario: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Untrusted root, self-signed or expired: exit 1, a reason, and no file."""
    out = tmp_path / "nope.pem"
    code = main(["fix-chain", *lab.check_args(scenario), "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 1
    assert "not writing" in err
    assert not out.exists()


def test_unknown_layer_is_exit_3(
    lab: Lab, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--layer that is not a layer of the site: clear message, exit 3."""
    code = main(
        [
            "fix-chain",
            *lab.check_args("healthy"),
            "--layer",
            "127.0.0.99",
            "-o",
            str(tmp_path / "x.pem"),
        ]
    )
    assert code == 3
    assert "no layer 127.0.0.99" in capsys.readouterr().err
