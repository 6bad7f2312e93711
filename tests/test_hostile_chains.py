"""Oversized and overlong certificates from hostile peers: named results, bounded work,
summarised output, and the healthy layer beside them intact."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from layerscope.commands.main import main
from layerscope.lab import pki
from layerscope.lab.lab import Lab
from layerscope.lab.loop import Peers
from layerscope.lab.servers import Behaviour, LayerSpec

HOST = "healthy.lab.test"


@pytest.fixture(scope="module")
def hostile(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Peers]:
    """2,500 SANs (under the limit), 5,000 SANs (over 100 KiB), a 60-certificate chain."""
    assert lab.pki is not None
    many = pki.leaf(
        [HOST, *(f"n{i}.example.test" for i in range(2500))], now=lab.now, parent=lab.pki.i1
    )
    huge = pki.leaf(
        [HOST, *(f"name-number-{i}.example.test" for i in range(5000))],
        now=lab.now,
        parent=lab.pki.i1,
    )
    cas = []
    parent = lab.pki.i1
    for i in range(58):
        parent = pki.ca(f"Deep CA {i}", now=lab.now, parent=parent)
        cas.append(parent)
    deep = pki.leaf([HOST], now=lab.now, parent=parent)
    specs = {
        "127.249.0.1": lab.site("healthy").spec.origin,
        "127.249.0.2": LayerSpec(Behaviour.TLS, (many, lab.pki.i1)),
        "127.249.0.3": LayerSpec(Behaviour.TLS, (huge, lab.pki.i1)),
        "127.249.0.4": LayerSpec(Behaviour.TLS, (deep, *reversed(cas), lab.pki.i1)),
    }
    with Peers(specs, site=HOST, directory=tmp_path_factory.mktemp("big")) as peers:
        yield peers


def check(lab: Lab, peers: Peers, *extra: str) -> list[str]:
    """Arguments checking the hostile peers as edges."""
    args = [
        "check",
        HOST,
        "--port",
        str(peers.port),
        "--ca-bundle",
        str(lab.public_roots),
        "--alt-ca-bundle",
        "none",
        "--no-http",
        *extra,
    ]
    for n in range(1, 5):
        args += ["--edge", f"127.249.0.{n}"]
    return args


@pytest.fixture(scope="module")
def report(lab: Lab, hostile: Peers) -> dict[str, Any]:
    """The JSON report of the four layers."""
    import contextlib
    import io

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        main([*check(lab, hostile), "--json"])
    return json.loads(buf.getvalue())["sites"][0]  # type: ignore[no-any-return]


def codes(site: dict[str, Any], address: str) -> set[str]:
    """Finding codes of one layer."""
    return {f["code"] for f in site["findings"] if address in f["layers"]}


def layer(site: dict[str, Any], address: str) -> dict[str, Any]:
    """One layer of the JSON report."""
    return next(ly for ly in site["layers"] if ly["address"] == address)


def test_certificate_message_over_100_kib_is_named(report: dict[str, Any]) -> None:
    """OpenSSL's client limit: a named result, not a generic TLS error."""
    got = layer(report, "127.249.0.3")
    assert got["error"]["kind"] == "message_too_large"
    assert "100 KiB" in got["error"]["message"]
    assert codes(report, "127.249.0.3") == {"handshake_failed"}
    finding = next(f for f in report["findings"] if "127.249.0.3" in f["layers"])
    assert "larger than TLS clients accept" in finding["remediation"]["meaning"]


def test_thousands_of_sans_are_parsed_and_kept_exactly_in_json(report: dict[str, Any]) -> None:
    """All 2,501 names are in JSON; the layer is judged normally."""
    got = layer(report, "127.249.0.2")
    assert len(got["chain"][0]["sans"]) == 2501
    assert got["error"] is None


def test_sixty_certificate_chain_is_judged_in_bounded_work(report: dict[str, Any]) -> None:
    """A 60-certificate chain: served as sent, path building stops at its limit, named."""
    got = layer(report, "127.249.0.4")
    assert len(got["chain"]) == 60
    assert got["chain_analysis"]["path_too_long"] is True
    assert "untrusted_root" in codes(report, "127.249.0.4")


def test_healthy_layer_beside_them_is_intact(report: dict[str, Any]) -> None:
    """The healthy edge keeps its certificate and has no finding of its own."""
    assert layer(report, "127.249.0.1")["error"] is None
    assert codes(report, "127.249.0.1") <= {"san_differs", "edges_disagree"}


def test_text_output_summarises_long_name_lists(
    lab: Lab, hostile: Peers, capsys: pytest.CaptureFixture[str]
) -> None:
    """Text output never prints thousands of names: lists end with '(+N more)'."""
    main(check(lab, hostile))
    out = capsys.readouterr().out
    assert "n2499.example.test" not in out
    assert len(out) < 200_000
